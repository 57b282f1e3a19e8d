// Cluster-scale benchmarks (issue 4):
//   Schedule/5000/150000  create 150,000 pods and schedule them onto 5,000 nodes
//                         with the default plugins (goal <= 5 s on one core);
//   Hold/5000/150000      bring the whole cluster model (every controller) up
//                         with 150,000 running pods; reports RSS (goal <= 1 GiB);
//   Day/5000/150000       that cluster for 24 simulated hours with controllers
//                         active and synthetic load: diurnal scaling every
//                         10 min, a release every 4 h, spot interruptions
//                         (goal <= 60 s wall).
// Counters: pods_bound, pods_per_s, rss_mib (VmHWM, the peak), events.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "models/cluster/store.h"
#include "models/disruption/cluster_model.h"
#include "models/scheduler/scheduler.h"

namespace rehearsal::models {
namespace {

double PeakRssMib() {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, f) != nullptr)
    if (std::strncmp(line, "VmHWM:", 6) == 0) kib = std::atof(line + 6);
  std::fclose(f);
  return kib / 1024.0;
}

ClusterConfig BigCluster(int32_t nodes) {
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

// 100 workloads of pods/100 replicas each, with varied requests; every tenth
// has a hard zone spread, every tenth (offset 5) a preferred anti-affinity.
WorkloadsConfig BigWorkloads(int32_t pods) {
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

void BM_Schedule(benchmark::State& state) {
  const int32_t nodes = static_cast<int32_t>(state.range(0));
  const int32_t pods = static_cast<int32_t>(state.range(1));
  int64_t bound = 0;
  for (auto _ : state) {
    state.PauseTiming();
    sim::Simulation sim(1);
    ClusterConfig c = BigCluster(nodes);
    auto store = std::make_unique<Store>(c);
    Scheduler scheduler(sim, *store, c.scheduler);
    for (int32_t pool = 0; pool < 2; ++pool)
      for (int32_t i = 0; i < c.pools[static_cast<size_t>(pool)].size_initial; ++i) {
        Node& n = store->AddNode(pool, i % 3, sim.now());
        n.state = NodeState::kReady;
        store->Notify(ObjectKind::kNode, n.id);
      }
    WorkloadsConfig wl = BigWorkloads(pods);
    std::vector<WorkloadId> ids;
    for (const auto& w : wl.workloads) ids.push_back(store->AddWorkload(w, 0, false));
    state.ResumeTiming();
    for (WorkloadId w : ids)
      for (int32_t k = 0; k < store->workload(w).spec.replicas; ++k)
        store->CreatePod(w, kNoId, 0, -1, sim.now());
    scheduler.RunCycle();
    state.PauseTiming();
    bound = scheduler.binds();
    state.ResumeTiming();
  }
  state.counters["pods_bound"] = static_cast<double>(bound);
  state.counters["pods_per_s"] = benchmark::Counter(static_cast<double>(bound),
                                                    benchmark::Counter::kIsIterationInvariantRate);
  state.counters["rss_mib"] = PeakRssMib();
}
BENCHMARK(BM_Schedule)->Name("Schedule")->Args({5000, 150000})->Args({500, 15000})
    ->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Hold(benchmark::State& state) {
  const int32_t nodes = static_cast<int32_t>(state.range(0));
  const int32_t pods = static_cast<int32_t>(state.range(1));
  int64_t ready = 0, events = 0;
  for (auto _ : state) {
    sim::Simulation sim(2);
    ClusterModel m(sim, BigCluster(nodes), BigWorkloads(pods));
    sim.RunUntil(sim::Time::Zero() + sim::Duration::Minutes(5));
    ready = 0;
    for (WorkloadId w = 1; w <= m.store().workload_count(); ++w) ready += m.store().workload(w).ready_pods;
    events = static_cast<int64_t>(sim.events_executed());
  }
  state.counters["pods_ready"] = static_cast<double>(ready);
  state.counters["events"] = static_cast<double>(events);
  state.counters["rss_mib"] = PeakRssMib();
}
BENCHMARK(BM_Hold)->Name("Hold")->Args({5000, 150000})->Iterations(1)->Unit(benchmark::kMillisecond);

void BM_Day(benchmark::State& state) {
  const int32_t nodes = static_cast<int32_t>(state.range(0));
  const int32_t pods = static_cast<int32_t>(state.range(1));
  int64_t events = 0, spot = 0;
  double cost = 0;
  for (auto _ : state) {
    sim::Simulation sim(3);
    WorkloadsConfig wl = BigWorkloads(pods);
    ClusterModel m(sim, BigCluster(nodes), wl);
    const sim::Duration step = sim::Duration::Minutes(10);
    for (int64_t k = 1; k <= 144; ++k) {
      sim.RunUntil(sim::Time::Zero() + step * k);
      // Diurnal load: replicas follow 1 + 0.2 sin(2 pi t / 24 h).
      double phase = 2 * M_PI * static_cast<double>(k) / 144.0;
      for (WorkloadId w = 1; w <= m.store().workload_count(); ++w) {
        int32_t base = wl.workloads[w - 1].replicas;
        m.Scale(w, static_cast<int32_t>(std::lround(base * (1.0 + 0.2 * std::sin(phase)))));
      }
      if (k % 24 == 0) {  // a release of ten services every 4 h
        for (WorkloadId w = 1 + static_cast<WorkloadId>(k / 24) * 10;
             w <= m.store().workload_count() && w < 11 + static_cast<WorkloadId>(k / 24) * 10; ++w)
          m.SetTemplateVersion(w, "v" + std::to_string(k / 24 + 1));
      }
    }
    ClusterSummary s;
    m.Summarize(s);
    events = static_cast<int64_t>(sim.events_executed());
    spot = s.spot_interruptions;
    cost = s.cost_usd;
  }
  state.counters["events"] = static_cast<double>(events);
  state.counters["spot_interruptions"] = static_cast<double>(spot);
  state.counters["cost_usd"] = cost;
  state.counters["rss_mib"] = PeakRssMib();
}
BENCHMARK(BM_Day)->Name("Day")->Args({5000, 150000})->Args({500, 15000})
    ->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace rehearsal::models

BENCHMARK_MAIN();
