// Traffic model throughput (issue 6 figures):
//   RequestHops: request fidelity, items_per_second = request-hops (attempts
//     at services and externals) through a 4-tier graph with fan-out; target
//     >= 2,000,000 hops/s on one core.
//   FluidDay: fluid fidelity, 24 h of a 40-service, 5,000-pod platform at
//     1 s ticks (usage to the board every 15 s); target <= 10 s wall.
#include <benchmark/benchmark.h>

#include <string>

#include "models/core/usage_board.h"
#include "models/traffic/traffic_model.h"
#include "sim/simulation.h"

namespace rt = rehearsal::models::traffic;
namespace rm = rehearsal::models;
namespace rs = rehearsal::sim;

namespace {

rt::ServiceProfile Svc(const std::string& name, int workers, double cpu_ms) {
  rt::ServiceProfile s;
  s.name = name;
  s.workers_per_pod = workers;
  s.cpu_per_request = {rt::LatencyDistribution::Kind::kExponential, cpu_ms, 1.0};
  s.endpoint_propagation_delay = rs::Duration{0};
  return s;
}

void Announce(rs::Simulation& sim, rm::EndpointListener& l, const std::string& service, int n,
              rm::PodId& next) {
  for (int i = 0; i < n; ++i) {
    rm::EndpointInfo e;
    e.pod = next++;
    e.service = service;
    e.version = "v1";
    e.started_at = sim.now();
    l.OnEndpointChange(e, rm::EndpointChange::kReady, sim.now());
  }
}

void RequestHops(benchmark::State& state) {
  rt::TrafficConfig cfg;
  cfg.services = {Svc("ingress", 16, 1), Svc("api", 16, 4), Svc("wallet", 16, 2),
                  Svc("bonus", 16, 2)};
  rt::ExternalDependency provider;
  provider.name = "provider";
  provider.latency = {rt::LatencyDistribution::Kind::kExponential, 30, 1};
  cfg.externals.push_back(provider);
  cfg.edges = {{"ingress", "api", 1.0, rt::CallMode::kSync, ""},
               {"api", "wallet", 2.0, rt::CallMode::kSync, ""},
               {"api", "provider", 0.5, rt::CallMode::kSync, ""},
               {"wallet", "bonus", 0.5, rt::CallMode::kSync, ""}};
  rt::EntryPoint web;
  web.name = "web";
  web.target_service = "ingress";
  web.load.base_rps = 2000;
  cfg.entry_points.push_back(web);
  uint64_t hops = 0;
  for (auto _ : state) {
    rs::Simulation sim(1);
    rm::UsageBoard board;
    rt::TrafficModel model(sim, board, cfg, rt::Fidelity::kRequest);
    rm::PodId next = 1;
    for (const char* s : {"ingress", "api", "wallet", "bonus"}) Announce(sim, model, s, 4, next);
    model.Start();
    sim.RunUntil(rs::Time::Zero() + rs::Duration::Seconds(60));
    hops += model.hops();
    benchmark::DoNotOptimize(sim.digest());
  }
  state.SetItemsProcessed(static_cast<int64_t>(hops));
}
BENCHMARK(RequestHops)->Unit(benchmark::kMillisecond);

void FluidDay(benchmark::State& state) {
  const int services = 40;
  const int pods_per_service = 125;  // 5,000 pods
  rt::TrafficConfig cfg;
  for (int i = 0; i < services; ++i) {
    cfg.services.push_back(Svc("svc-" + std::to_string(i), 8, 5 + i % 7));
    if (i % 5 == 0) cfg.services.back().timeout = rs::Duration::Seconds(2);
    if (i % 4 == 0) cfg.services.back().retry.attempts = 2;
  }
  // A layered graph: 4 entry services fan out to the next layers.
  for (int i = 0; i < services; ++i) {
    for (int k = 1; k <= 2; ++k) {
      const int j = i + 4 * k;
      if (j < services) {
        cfg.edges.push_back({"svc-" + std::to_string(i), "svc-" + std::to_string(j), 0.6,
                             rt::CallMode::kSync, ""});
      }
    }
  }
  for (int e = 0; e < 4; ++e) {
    rt::EntryPoint ep;
    ep.name = "entry-" + std::to_string(e);
    ep.target_service = "svc-" + std::to_string(e);
    ep.load.base_rps = 20000;
    ep.load.hourly_shape = {0.3, 0.2, 0.2, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.8,
                            0.8, 0.8, 0.8, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 0.9, 0.7, 0.5};
    rt::Peak final_peak;
    final_peak.start = rs::Time::Zero() + rs::Duration::Hours(20);
    final_peak.multiplier = 1.5;
    ep.load.peaks.push_back(final_peak);
    cfg.entry_points.push_back(ep);
  }
  for (auto _ : state) {
    rs::Simulation sim(1);
    rm::UsageBoard board;
    rt::TrafficModel model(sim, board, cfg, rt::Fidelity::kFluid);
    rm::PodId next = 1;
    for (int i = 0; i < services; ++i) {
      Announce(sim, model, "svc-" + std::to_string(i), pods_per_service, next);
    }
    model.Start();
    sim.RunUntil(rs::Time::Zero() + rs::Duration::Hours(24));
    model.Finish();
    benchmark::DoNotOptimize(sim.digest());
    state.counters["pods"] = static_cast<double>(board.pods().size());
  }
  state.SetItemsProcessed(state.iterations() * 86400);
}
BENCHMARK(FluidDay)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
