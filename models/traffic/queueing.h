#pragma once
// Closed-form queueing results (pure calculators: numbers in, numbers out).
// The request fidelity is validated against them and the fluid fidelity uses
// them as its latency model. Reference: shared/spec/queueing.md, whose tables
// are the tests' expected values. Rates are per second (or per any unit, as
// long as lambda and mu agree); times come out in the reciprocal unit.

namespace rehearsal::models::traffic {

// Erlang B: blocking probability of M/M/c/c with offered load a = lambda/mu,
// by the stable recursion B(0,a) = 1, B(k,a) = a B(k-1,a) / (k + a B(k-1,a)).
// Worked example: B(1, 1) = 1*1/(1+1) = 0.5; B(5, 2) = 0.036697.
// REQUIRES: c >= 0, a >= 0.
double ErlangB(int c, double a);

// Erlang C: probability that an arrival waits in M/M/c, offered load a.
// C = c B / (c - a (1 - B)) with B = ErlangB(c, a). E.g. c = 2, a = 1.6
// (rho 0.8): B = 0.32990, C = 2*0.3299/(2 - 1.6*0.6701) = 0.7111.
// REQUIRES: c >= 1, 0 <= a < c.
double ErlangC(int c, double a);

// M/M/c steady state with per-server rate mu. REQUIRES: lambda < c mu.
struct MmcResult {
  double rho = 0;        // lambda / (c mu)
  double p_wait = 0;     // C(c, a)
  double wait_mean = 0;  // Wq = C / (c mu - lambda)
  double sojourn_mean = 0;  // W = Wq + 1/mu
  double queue_mean = 0;    // Lq = lambda Wq
  double in_system_mean = 0;  // L = lambda W
};
MmcResult Mmc(int c, double lambda, double mu);

// q-quantile of the M/M/c waiting time: max(0, ln(C/(1-q)) / (c mu - lambda)).
// E.g. c = 1, rho 0.8, q 0.95: ln(0.8/0.05)/0.2 = 13.8629.
double MmcWaitQuantile(int c, double lambda, double mu, double q);

// P(sojourn > t) for M/M/c FCFS: T = Wq + S, S ~ Exp(mu), Wq = 0 w.p. 1 - C
// else Exp(theta), theta = c mu - lambda:
//   P(T > t) = (1-C) e^{-mu t} + C (theta e^{-mu t} - mu e^{-theta t}) / (theta - mu)
// (and C (1 + mu t) e^{-mu t} when theta = mu).
double MmcSojournTail(int c, double lambda, double mu, double t);
// q-quantile of the M/M/c sojourn (bisection on the tail). For c = 1 it is
// -ln(1-q)/(mu - lambda): rho 0.5, q 0.95 -> ln 20 / 0.5 = 5.9915.
double MmcSojournQuantile(int c, double lambda, double mu, double q);

// M/M/c/K (K = capacity including those in service), per-server rate mu.
// Any lambda >= 0 (stable for all loads). E.g. c 1, K 5, lambda 0.9:
// P_K = 0.126023, L = 2.1948, W = 2.7903.
struct MmckResult {
  double p_block = 0;
  double throughput = 0;      // lambda (1 - P_K)
  double in_system_mean = 0;  // L
  double sojourn_mean = 0;    // W of accepted customers = L / throughput
  double wait_mean = 0;       // W - 1/mu
};
MmckResult Mmck(int c, int k, double lambda, double mu);

// Allen-Cunneen approximation of the G/G/c mean wait:
//   Wq ~= C(c, a) / (c mu - lambda) * (ca2 + cs2) / 2,
// exact for M/M/c (ca2 = cs2 = 1) and for M/G/1 (Pollaczek-Khinchine: e.g.
// M/D/1 at rho 0.5: 0.5 * (1 + 0)/2 / 0.5 = 0.5). REQUIRES: lambda < c mu.
double AllenCunneenWait(int c, double lambda, double mu, double ca2, double cs2);

// M/G/1 processor sharing mean sojourn E[S]/(1 - rho) (insensitive to the
// service distribution). E.g. rho 0.8, E[S] 1 -> 5. REQUIRES: rho < 1.
double ProcessorSharingSojourn(double lambda, double service_mean);

// Wall-clock time of a request needing cpu_s of CPU on one thread, under a
// CFS quota of limit_cores per period shared by `concurrency` busy threads
// that each want a full core (Linux CFS bandwidth control: quota =
// limit * cfs_period_us, 100 ms by default). Each thread gets quota/k per
// period; if that is >= the period nothing throttles. Otherwise the request
// runs share ms, sleeps to the next period, and so on:
//   n = ceil(cpu / share) periods; wall = (n - 1) * period + (cpu - (n-1) share).
// Worked example: limit 0.5 cores, 1 thread, 80 ms CPU, 100 ms period:
// share 50 ms -> 50 ms run, 50 ms throttled, 30 ms run = 130 ms.
// limit_cores <= 0 means no limit. Assumes the request starts at a period start.
double CfsWallTime(double cpu_s, int concurrency, double limit_cores, double period_s = 0.1);

}  // namespace rehearsal::models::traffic
