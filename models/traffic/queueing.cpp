#include "models/traffic/queueing.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/assert.h"

namespace rehearsal::models::traffic {

double ErlangB(int c, double a) {
  RH_ASSERT(c >= 0 && a >= 0);
  double b = 1.0;
  for (int k = 1; k <= c; ++k) b = a * b / (static_cast<double>(k) + a * b);
  return b;
}

double ErlangC(int c, double a) {
  RH_ASSERT(c >= 1 && a >= 0 && a < static_cast<double>(c));
  const double b = ErlangB(c, a);
  return static_cast<double>(c) * b / (static_cast<double>(c) - a * (1.0 - b));
}

MmcResult Mmc(int c, double lambda, double mu) {
  RH_ASSERT(c >= 1 && mu > 0 && lambda >= 0 && lambda < c * mu);
  MmcResult r;
  const double a = lambda / mu;
  r.rho = a / c;
  r.p_wait = ErlangC(c, a);
  r.wait_mean = r.p_wait / (c * mu - lambda);
  r.sojourn_mean = r.wait_mean + 1.0 / mu;
  r.queue_mean = lambda * r.wait_mean;
  r.in_system_mean = lambda * r.sojourn_mean;
  return r;
}

double MmcWaitQuantile(int c, double lambda, double mu, double q) {
  RH_ASSERT(q > 0 && q < 1);
  const double p_wait = ErlangC(c, lambda / mu);
  if (p_wait <= 1 - q) return 0;
  return std::log(p_wait / (1 - q)) / (c * mu - lambda);
}

double MmcSojournTail(int c, double lambda, double mu, double t) {
  const double p_wait = ErlangC(c, lambda / mu);
  const double theta = c * mu - lambda;
  const double no_wait = (1 - p_wait) * std::exp(-mu * t);
  double with_wait;
  if (std::abs(theta - mu) < 1e-9 * mu) {
    with_wait = (1 + mu * t) * std::exp(-mu * t);
  } else {
    with_wait = (theta * std::exp(-mu * t) - mu * std::exp(-theta * t)) / (theta - mu);
  }
  return no_wait + p_wait * with_wait;
}

double MmcSojournQuantile(int c, double lambda, double mu, double q) {
  RH_ASSERT(q > 0 && q < 1);
  double lo = 0, hi = 1.0 / mu;
  while (MmcSojournTail(c, lambda, mu, hi) > 1 - q) hi *= 2;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    if (MmcSojournTail(c, lambda, mu, mid) > 1 - q) lo = mid; else hi = mid;
  }
  return 0.5 * (lo + hi);
}

MmckResult Mmck(int c, int k, double lambda, double mu) {
  RH_ASSERT(c >= 1 && k >= c && mu > 0 && lambda >= 0);
  // Unnormalised p_n = prod_{i=1..n} lambda / (min(i, c) mu), computed
  // relative to the largest term to stay finite.
  std::vector<double> p(static_cast<size_t>(k) + 1);
  p[0] = 1.0;
  for (int n = 1; n <= k; ++n) {
    p[n] = p[n - 1] * lambda / (std::min(n, c) * mu);
  }
  double sum = 0, l = 0;
  for (int n = 0; n <= k; ++n) {
    sum += p[n];
    l += n * p[n];
  }
  MmckResult r;
  r.p_block = p[k] / sum;
  r.throughput = lambda * (1 - r.p_block);
  r.in_system_mean = l / sum;
  r.sojourn_mean = r.throughput > 0 ? r.in_system_mean / r.throughput : 1.0 / mu;
  r.wait_mean = r.sojourn_mean - 1.0 / mu;
  return r;
}

double AllenCunneenWait(int c, double lambda, double mu, double ca2, double cs2) {
  return Mmc(c, lambda, mu).wait_mean * (ca2 + cs2) / 2.0;
}

double ProcessorSharingSojourn(double lambda, double service_mean) {
  const double rho = lambda * service_mean;
  RH_ASSERT(rho < 1);
  return service_mean / (1 - rho);
}

double CfsWallTime(double cpu_s, int concurrency, double limit_cores, double period_s) {
  RH_ASSERT(cpu_s >= 0 && concurrency >= 1 && period_s > 0);
  if (limit_cores <= 0) return cpu_s;
  const double share = limit_cores * period_s / concurrency;
  if (share >= period_s || cpu_s <= share) return cpu_s;
  const double periods = std::ceil(cpu_s / share - 1e-12);
  return (periods - 1) * period_s + (cpu_s - (periods - 1) * share);
}

}  // namespace rehearsal::models::traffic
