#pragma once
// The analytic baseline: the open-network (Jackson) traffic equations
// lambda = gamma + P^T lambda, solved with Eigen, where P_ij is the mean
// number of attempts node i sends to node j per attempt it receives --
// fan-out, routing probability, fail-fast and retry amplification included.
// Reports show its "predicted utilization" beside the observed one.
// Eigen results can differ in the last bits between CPUs: nothing here
// orders events; callers compare with tolerances.
#include <vector>

#include <Eigen/Dense>

#include "models/traffic/call_graph.h"
#include "models/traffic/traffic_config.h"

namespace rehearsal::models::traffic {

// Solves lambda = gamma + P^T lambda, i.e. (I - P^T) lambda = gamma.
// Worked example (queueing.md): gamma = (100, 0, 0, 0), P with ingress->
// frontend 1, frontend->backend 0.7, backend->db 0.5, db->backend 0.1 gives
// lambda = (100, 100, 73.6842, 36.8421): backend = 70 + 0.1 * 0.5 backend.
// REQUIRES: square P matching gamma; the network is open (I - P^T invertible).
Eigen::VectorXd SolveTrafficEquations(const Eigen::MatrixXd& p, const Eigen::VectorXd& gamma);

// Expected attempts per logical call when each attempt fails independently
// with p_fail and the caller tries up to `attempts` times:
// 1 + p + ... + p^(attempts-1). E.g. p 0.5, 3 attempts -> 1.75.
double RetryAmplification(double p_fail, int attempts);

struct NetworkBaseline {
  Eigen::MatrixXd p;                       // attempts i -> j per attempt at i
  Eigen::MatrixXd sync_p;                  // the part of p the caller waits for
  std::vector<double> entry_amplification; // attempts per logical call, per node
  std::vector<double> attempt_success;     // P(one attempt at node succeeds)
  std::vector<double> arrival_rps;         // attempts per second at each node
};

// entry_rps[e]: offered rate of entry point e; node_error_fraction[n]: the
// fraction of attempts at node n failing on their own (a service's release
// errors for its current version mix, an external's error_fraction); empty =
// 0 for services and error_fraction for externals. The success of an attempt
// is found by fixed-point iteration (its own errors and its sync calls'
// success after retries); the model makes the same assumptions as the request
// fidelity: sync calls in config order, fail-fast on the first failed call,
// the callee's retry policy applied by callers (entry points included),
// async publishes never retried. Overload, timeouts and outages are not in
// the baseline (it is the no-fault prediction).
NetworkBaseline SolveBaseline(const TrafficConfig& config, const CallGraph& graph,
                              const std::vector<double>& entry_rps,
                              std::vector<double> node_error_fraction = {});

}  // namespace rehearsal::models::traffic
