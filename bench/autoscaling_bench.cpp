// What the autoscalers cost (issue 5 figure: HPA + CA add <= 10 % to the wall
// time of the cluster benchmark's 24-hour run). Both runs simulate the
// cluster benchmark's Day cluster (bench/cluster_bench.cpp BigCluster /
// BigWorkloads: 100 workloads, every tenth with a hard zone spread, every
// tenth + 5 with preferred anti-affinity; spot interruptions) for 24 h with
// the same diurnal curve (1 + 0.2 sin(2 pi t / 24 h)) and a release of ten
// services every 4 h:
//   DayDriven/N/P       exactly cluster_bench's Day/N/P: a driver calls
//                       Scale() every 10 min (no autoscaler);
//   DayAutoscaled/N/P   the curve comes from synthetic CPU load (a 60 s
//                       tick); one HPA per workload (50 % target, 15 s sync),
//                       metrics scraped every 15 s, and the cluster
//                       autoscaler (10 s scan) decide.
// Overhead = DayAutoscaled / DayDriven - 1 (same N/P). Counters: events,
// HPA scalings, syncs that reused their proposals, syncs that classified
// every pod (the rest update the kept tallies), CA node adds/removals;
// the label carries the run's digest. REHEARSAL_VERIFY=1 turns on the
// controllers' verify_incremental (every cached result recomputed and
// checked: slow).
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "models/autoscaling/autoscaling_model.h"
#include "models/disruption/cluster_model.h"

namespace rehearsal::models {
namespace {

namespace as = autoscaling;

ClusterConfig Cluster(int32_t nodes) {
  ClusterConfig c;
  c.zones = {"eu-west-1a", "eu-west-1b", "eu-west-1c"};
  NodePoolConfig od;
  od.name = "general";
  od.instance_type = "m6i.4xlarge";
  od.cpu_millicores = 16000;
  od.memory_bytes = 64LL << 30;
  od.price_per_hour_usd = 0.768;
  od.size_initial = nodes * 3 / 5;
  od.size_max = nodes;
  NodePoolConfig spot = od;
  spot.name = "spot";
  spot.capacity_type = CapacityType::kSpot;
  spot.price_per_hour_usd = 0.30;
  spot.size_initial = nodes - od.size_initial;
  spot.spot_interruptions_per_node_hour = SpotHazardPerHour(0.075);
  c.pools = {od, spot};
  return c;
}

WorkloadsConfig Workloads(int32_t pods) {
  WorkloadsConfig wl;
  const int32_t kWorkloads = 100;
  for (int32_t i = 0; i < kWorkloads; ++i) {
    WorkloadSpec w;
    w.name = "svc-" + std::to_string(i);
    w.replicas = pods / kWorkloads;
    w.pod.cpu_request_millicores = 100 + 50 * (i % 7);
    w.pod.memory_request_bytes = (256LL + 128 * (i % 5)) << 20;
    w.pod.start = DurationDistribution::Uniform(sim::Duration::Seconds(3), sim::Duration::Seconds(30));
    w.pod.warmup = DurationDistribution::Fixed(sim::Duration::Seconds(5));
    w.pod.readiness_probe.enabled = true;
    if (i % 10 == 0) w.pod.topology_spread.push_back({1, kLabelZone, true, 1});
    if (i % 10 == 5) w.pod.pod_anti_affinity_preferred.push_back({{}, kLabelHostname, 50});
    wl.workloads.push_back(w);
  }
  return wl;
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "digest=%016llx", static_cast<unsigned long long>(v));
  return buf;
}

void Releases(ClusterModel& m, int64_t k) {
  if (k % 24 != 0) return;  // ten services every 4 h
  for (WorkloadId w = 1 + static_cast<WorkloadId>(k / 24) * 10;
       w <= m.store().workload_count() && w < 11 + static_cast<WorkloadId>(k / 24) * 10; ++w)
    m.SetTemplateVersion(w, "v" + std::to_string(k / 24 + 1));
}

void BM_DayDriven(benchmark::State& state) {
  const int32_t nodes = static_cast<int32_t>(state.range(0));
  const int32_t pods = static_cast<int32_t>(state.range(1));
  int64_t events = 0;
  for (auto _ : state) {
    sim::Simulation sim(3);
    WorkloadsConfig wl = Workloads(pods);
    ClusterModel m(sim, Cluster(nodes), wl);
    const sim::Duration step = sim::Duration::Minutes(10);
    for (int64_t k = 1; k <= 144; ++k) {
      sim.RunUntil(sim::Time::Zero() + step * k);
      double phase = 2 * M_PI * static_cast<double>(k) / 144.0;
      for (WorkloadId w = 1; w <= m.store().workload_count(); ++w) {
        int32_t base = wl.workloads[w - 1].replicas;
        m.Scale(w, static_cast<int32_t>(std::lround(base * (1.0 + 0.2 * std::sin(phase)))));
      }
      Releases(m, k);
    }
    events = static_cast<int64_t>(sim.events_executed());
    state.SetLabel(Hex(sim.digest()));
  }
  state.counters["events"] = static_cast<double>(events);
}

void BM_DayAutoscaled(benchmark::State& state) {
  const int32_t nodes = static_cast<int32_t>(state.range(0));
  const int32_t pods = static_cast<int32_t>(state.range(1));
  int64_t events = 0, scalings = 0, nodes_added = 0, nodes_removed = 0, cached = 0, full = 0;
  for (auto _ : state) {
    sim::Simulation sim(3);
    WorkloadsConfig wl = Workloads(pods);
    ClusterModel m(sim, Cluster(nodes), wl);
    UsageBoard usage;
    as::AutoscalingConfig cfg;
    for (const auto& w : wl.workloads) {
      as::HpaConfig h;
      h.name = w.name;
      h.target = w.name;
      h.min_replicas = 1;
      h.max_replicas = 2 * w.replicas;
      as::MetricSpec cpu = as::DefaultCpuMetric();
      cpu.target_utilization_percent = 50;
      h.metrics = {cpu};
      cfg.hpas.push_back(h);
      // Demand that makes ceil(U / 50 % x n) follow base x (1 + 0.2 sin(2 pi t / 24 h)).
      as::SyntheticLoadConfig load;
      load.workload = w.name;
      load.steps = {{sim::Duration{},
                     0.5 * static_cast<double>(w.pod.cpu_request_millicores) * w.replicas, 0}};
      load.diurnal_amplitude = 0.2;
      load.peak_at = sim::Duration::Hours(6);
      load.tick = sim::Duration::Seconds(60);  // a day curve: a minute is fine-grained enough
      cfg.synthetic_load.push_back(load);
    }
    cfg.cluster_autoscaler.enabled = true;
    cfg.verify_incremental = std::getenv("REHEARSAL_VERIFY") != nullptr;
    as::AutoscalingModel a(sim, m, usage, cfg);
    const sim::Duration step = sim::Duration::Minutes(10);
    for (int64_t k = 1; k <= 144; ++k) {
      sim.RunUntil(sim::Time::Zero() + step * k);
      Releases(m, k);
    }
    events = static_cast<int64_t>(sim.events_executed());
    scalings = 0;
    for (const auto& h : a.hpa()->hpas()) scalings += h.scale_ups + h.scale_downs;
    nodes_added = a.cluster_autoscaler()->stats().nodes_added;
    nodes_removed = a.cluster_autoscaler()->stats().nodes_removed;
    cached = a.hpa()->cached_syncs();
    full = a.hpa()->full_syncs();
    state.SetLabel(Hex(sim.digest()));
  }
  state.counters["hpa_cached_syncs"] = static_cast<double>(cached);
  state.counters["hpa_full_syncs"] = static_cast<double>(full);
  state.counters["events"] = static_cast<double>(events);
  state.counters["hpa_scalings"] = static_cast<double>(scalings);
  state.counters["ca_nodes_added"] = static_cast<double>(nodes_added);
  state.counters["ca_nodes_removed"] = static_cast<double>(nodes_removed);
}

BENCHMARK(BM_DayDriven)->Name("DayDriven")->Args({50, 1500})->Args({500, 15000})->Args({5000, 150000})
    ->Iterations(1)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DayAutoscaled)->Name("DayAutoscaled")->Args({50, 1500})->Args({500, 15000})->Args({5000, 150000})
    ->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rehearsal::models

BENCHMARK_MAIN();
