#pragma once
// Small clusters and workloads for the ClusterModel tests.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/disruption/cluster_model.h"
#include "models/disruption/invariants.h"

namespace rehearsal::models::testing {

// `nodes` on-demand nodes of 4 CPU / 16 GiB over three zones, instant start.
inline ClusterConfig SmallCluster(int32_t nodes, int32_t spot_nodes = 0,
                                  CloudProvider provider = CloudProvider::kAws) {
  ClusterConfig c;
  c.zones = {"z1", "z2", "z3"};
  NodePoolConfig od;
  od.name = "od";
  od.cpu_millicores = 4000;
  od.memory_bytes = 16LL << 30;
  od.size_initial = nodes;
  od.size_max = 100;
  od.provisioning = DurationDistribution::Fixed(sim::Duration::Seconds(60));
  c.pools.push_back(od);
  if (spot_nodes > 0) {
    NodePoolConfig spot = od;
    spot.name = "spot";
    spot.capacity_type = CapacityType::kSpot;
    spot.provider = provider;
    spot.price_per_hour_usd = 0.12;
    spot.size_initial = spot_nodes;
    c.pools.push_back(spot);
  }
  return c;
}

// A Deployment whose pods start 5 s after binding and are Ready at once.
inline WorkloadSpec Deployment(const std::string& name, int32_t replicas,
                               int64_t cpu_millicores = 500) {
  WorkloadSpec w;
  w.name = name;
  w.replicas = replicas;
  w.pod.cpu_request_millicores = cpu_millicores;
  w.pod.memory_request_bytes = 512LL << 20;
  w.pod.start = DurationDistribution::Fixed(sim::Duration::Seconds(5));
  w.pod.warmup = DurationDistribution::Fixed(sim::Duration{});
  w.pod.shutdown = DurationDistribution::Fixed(sim::Duration::Seconds(2));
  return w;
}

inline sim::Time At(int64_t seconds) { return sim::Time::Zero() + sim::Duration::Seconds(seconds); }

// Records every endpoint change.
struct EndpointLog : EndpointListener {
  struct Entry {
    PodId pod;
    EndpointChange change;
    sim::Time t;
  };
  std::vector<Entry> entries;
  void OnEndpointChange(const EndpointInfo& e, EndpointChange change, sim::Time now) override {
    entries.push_back({e.pod, change, now});
  }
  int Count(EndpointChange c) const {
    int n = 0;
    for (const auto& e : entries) n += e.change == c ? 1 : 0;
    return n;
  }
};

inline int ActivePods(const Store& store, WorkloadId w) {
  int n = 0;
  for (PodId p : store.workload(w).pods) n += store.pod(p).Active() ? 1 : 0;
  return n;
}

inline int ReadyPods(const Store& store, WorkloadId w) {
  int n = 0;
  for (PodId p : store.workload(w).pods) n += store.pod(p).Active() && store.pod(p).ready ? 1 : 0;
  return n;
}

}  // namespace rehearsal::models::testing
