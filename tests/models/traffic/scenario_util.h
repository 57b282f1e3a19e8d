#pragma once
// Small builders shared by the traffic tests.
#include <memory>
#include <string>

#include "fake_cluster.h"
#include "models/traffic/traffic_model.h"

namespace rehearsal::models::traffic::testing {

inline ServiceProfile Service(const std::string& name, int workers, double cpu_ms,
                              LatencyDistribution::Kind kind = LatencyDistribution::Kind::kExponential) {
  ServiceProfile s;
  s.name = name;
  s.workers_per_pod = workers;
  s.cpu_per_request = {kind, cpu_ms, 1.0};
  s.endpoint_propagation_delay = sim::Duration{0};
  return s;
}

inline EntryPoint Entry(const std::string& name, const std::string& target, double rps) {
  EntryPoint e;
  e.name = name;
  e.target_service = target;
  e.load.base_rps = rps;
  return e;
}

// A simulation + board + model + fake cluster, wired together.
struct Harness {
  explicit Harness(TrafficConfig cfg, Fidelity fidelity = Fidelity::kRequest, uint64_t seed = 1)
      : sim(seed) {
    sim.recorder().set_sample_interval(sim::Duration::Seconds(10));
    model = std::make_unique<TrafficModel>(sim, board, std::move(cfg), fidelity);
    cluster = std::make_unique<FakeCluster>(sim, *model);
  }
  void RunFor(sim::Duration d) { sim.RunUntil(sim.now() + d); }

  sim::Simulation sim;
  UsageBoard board;
  std::unique_ptr<TrafficModel> model;
  std::unique_ptr<FakeCluster> cluster;
};

}  // namespace rehearsal::models::traffic::testing
