#include "models/traffic/network_baseline.h"

#include <algorithm>
#include <cmath>

#include "sim/assert.h"

namespace rehearsal::models::traffic {
namespace {

int Attempts(const TrafficConfig& config, const CallGraph& graph, int node) {
  return graph.IsExternal(node)
             ? config.externals[node - graph.service_count].retry.attempts
             : config.services[node].retry.attempts;
}

// Probability that a logical call (with retries) to `node` succeeds.
double CallSuccess(double attempt_success, int attempts) {
  return 1 - std::pow(1 - attempt_success, attempts);
}

// Expected calls actually made on an edge of mean m when the caller stops at
// the first failure, each succeeding with q: sum_{n < floor m} q^n + frac * q^floor.
double CallsMade(double m, double q) {
  const double fl = std::floor(m);
  double total = 0, qn = 1;
  for (int n = 0; n < static_cast<int>(fl); ++n) {
    total += qn;
    qn *= q;
  }
  return total + (m - fl) * qn;
}

}  // namespace

Eigen::VectorXd SolveTrafficEquations(const Eigen::MatrixXd& p, const Eigen::VectorXd& gamma) {
  RH_ASSERT(p.rows() == p.cols() && p.rows() == gamma.size());
  const Eigen::MatrixXd a = Eigen::MatrixXd::Identity(p.rows(), p.cols()) - p.transpose();
  return a.fullPivLu().solve(gamma);
}

double RetryAmplification(double p_fail, int attempts) {
  RH_ASSERT(attempts >= 1 && p_fail >= 0 && p_fail <= 1);
  double total = 0, pk = 1;
  for (int k = 0; k < attempts; ++k) {
    total += pk;
    pk *= p_fail;
  }
  return total;
}

NetworkBaseline SolveBaseline(const TrafficConfig& config, const CallGraph& graph,
                              const std::vector<double>& entry_rps,
                              std::vector<double> node_error_fraction) {
  const int n = graph.node_count();
  RH_ASSERT(entry_rps.size() == graph.entry_target.size());
  if (node_error_fraction.empty()) {
    node_error_fraction.assign(static_cast<size_t>(n), 0.0);
    for (int e = graph.service_count; e < n; ++e) {
      node_error_fraction[e] = config.externals[e - graph.service_count].error_fraction;
    }
  }
  RH_ASSERT(static_cast<int>(node_error_fraction.size()) == n);
  NetworkBaseline out;
  // Fixed point of s_j = (1 - e_j) * prod over sync edges of P(edge succeeds).
  std::vector<double> s(static_cast<size_t>(n), 1.0);
  for (int iter = 0; iter < 200; ++iter) {
    double change = 0;
    for (int j = 0; j < n; ++j) {
      double v = 1 - node_error_fraction[j];
      for (const OutCall& c : graph.out[j]) {
        if (c.mode != CallMode::kSync) continue;
        const double q = CallSuccess(s[c.to], Attempts(config, graph, c.to));
        const double fl = std::floor(c.calls_per_request);
        v *= std::pow(q, fl) * (1 - (c.calls_per_request - fl) + (c.calls_per_request - fl) * q);
      }
      change = std::max(change, std::abs(v - s[j]));
      s[j] = v;
    }
    if (change < 1e-13) break;
  }
  out.attempt_success = s;
  out.p = Eigen::MatrixXd::Zero(n, n);
  out.sync_p = Eigen::MatrixXd::Zero(n, n);
  out.entry_amplification.assign(static_cast<size_t>(n), 1.0);
  for (int j = 0; j < n; ++j) {
    out.entry_amplification[j] = RetryAmplification(1 - s[j], Attempts(config, graph, j));
  }
  for (int j = 0; j < n; ++j) {
    double reach = 1 - node_error_fraction[j];
    for (const OutCall& c : graph.out[j]) {
      if (c.mode == CallMode::kAsync) {
        out.p(j, c.to) += reach * c.calls_per_request;
        continue;
      }
      const int attempts = Attempts(config, graph, c.to);
      const double q = CallSuccess(s[c.to], attempts);
      const double visits =
          reach * CallsMade(c.calls_per_request, q) * RetryAmplification(1 - s[c.to], attempts);
      out.p(j, c.to) += visits;
      out.sync_p(j, c.to) += visits;
      const double fl = std::floor(c.calls_per_request);
      reach *= std::pow(q, fl) * (1 - (c.calls_per_request - fl) + (c.calls_per_request - fl) * q);
    }
  }
  Eigen::VectorXd gamma = Eigen::VectorXd::Zero(n);
  for (size_t e = 0; e < entry_rps.size(); ++e) {
    const int t = graph.entry_target[e];
    gamma(t) += entry_rps[e] * out.entry_amplification[t];
  }
  const Eigen::VectorXd lambda = SolveTrafficEquations(out.p, gamma);
  out.arrival_rps.assign(lambda.data(), lambda.data() + n);
  return out;
}

}  // namespace rehearsal::models::traffic
