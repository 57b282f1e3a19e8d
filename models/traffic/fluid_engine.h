#pragma once
// The `fluid` fidelity: every tick (1 s by default) the entry rates flow
// through the call graph (Jackson traffic equations, solved with Eigen and
// re-factorised only when failure fractions change), each (service, version)
// pod group is an M/M/c station (Allen-Cunneen for non-exponential service,
// M/M/c/K when the queue is bounded, a fluid backlog when overloaded), and a
// service's latency is its own sojourn plus the sync calls it waits for
// (means and variances through the same linear system). Latency percentiles
// come from a gamma fit of (mean, variance) via the Wilson-Hilferty
// transform; the SLI histograms receive the fitted distribution weighted by
// the tick's successful requests, so windows merge as in the request fidelity.
// For days of traffic and sweeps; cross-checked against the request fidelity.
#include <memory>
#include <vector>

#include "models/traffic/call_graph.h"
#include "models/traffic/engine.h"
#include "models/traffic/request_engine.h"
#include "models/traffic/sli.h"
#include "models/traffic/traffic_config.h"
#include "sim/simulation.h"

namespace rehearsal::models::traffic {

// q-quantile of a gamma distribution with the given mean and variance by the
// Wilson-Hilferty cube-root normal approximation:
//   Q(q) = k theta (1 - 1/(9k) + z_q / sqrt(9k))^3,  k = mean^2/var, theta = var/mean.
// Exponential (k = 1) p95: 2.9686 vs exact ln 20 = 2.9957 (-0.9%).
double GammaQuantile(double mean, double variance, double q);
// P(X > x) for the same fitted gamma (the inverse transform).
double GammaTail(double mean, double variance, double x);
// Standard normal quantile (Acklam's rational approximation, |rel err| < 1.2e-9).
double NormalQuantile(double q);

class FluidEngine final : public Engine {
 public:
  FluidEngine(sim::Simulation& sim, const TrafficConfig& config, const CallGraph& graph,
              std::vector<Sli>& node_slis, std::vector<Sli>& entry_slis,
              std::vector<SessionStats>& session_stats);
  ~FluidEngine() override;
  FluidEngine(const FluidEngine&) = delete;
  FluidEngine& operator=(const FluidEngine&) = delete;

  void Start() override;
  void OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                        sim::Time now) override;
  void WriteUsage(UsageBoard& board, sim::Duration window) override;
  void AccumulateBusy() override;
  double MeasuredArrivalRate(int node) const override;
  int RoutableEndpoints(int service) const override;
  uint64_t hops() const override;

  // Mean latency (s) of a node's attempts (own sojourn + awaited calls) at the last tick.
  double LatencyMean(int node) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rehearsal::models::traffic
