#include "models/scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <map>

namespace rehearsal::models {
namespace {

// A store with `nodes` Ready nodes spread round-robin over three zones.
struct Fixture {
  explicit Fixture(int nodes, int64_t cpu = 4000, ClusterConfig c = {}) : sim(42) {
    if (c.pools.empty()) {
      NodePoolConfig p;
      p.name = "general";
      p.cpu_millicores = cpu;
      p.memory_bytes = 16LL << 30;
      c.pools.push_back(p);
    }
    c.zones = {"a", "b", "c"};
    store = std::make_unique<Store>(c);
    scheduler = std::make_unique<Scheduler>(sim, *store, c.scheduler);
    for (int i = 0; i < nodes; ++i) {
      Node& n = store->AddNode(0, i % 3, sim.now());
      n.state = NodeState::kReady;
      store->Notify(ObjectKind::kNode, n.id);
    }
  }
  WorkloadId Workload(const std::string& name, PodTemplate t, int32_t priority = 0) {
    WorkloadSpec s;
    s.name = name;
    s.pod = std::move(t);
    return store->AddWorkload(s, priority, false);
  }
  std::vector<PodId> Pods(WorkloadId w, int n) {
    std::vector<PodId> ids;
    for (int i = 0; i < n; ++i) ids.push_back(store->CreatePod(w, kNoId, 0, -1, sim.now()).id);
    sim.RunUntil(sim.now() + sim::Duration::Seconds(1));
    return ids;
  }
  sim::Simulation sim;
  std::unique_ptr<Store> store;
  std::unique_ptr<Scheduler> scheduler;
};

TEST(Scheduler, DefaultSpreadBalancesZonesAndNodes) {
  Fixture f(9);
  PodTemplate t;
  t.cpu_request_millicores = 100;
  WorkloadId w = f.Workload("api", t);
  f.Pods(w, 18);
  for (int z = 0; z < 3; ++z) EXPECT_EQ(f.store->CountInZone(w, z), 6) << "zone " << z;
  for (NodeId n : f.store->live_nodes()) EXPECT_EQ(f.store->CountOnNode(w, n), 2);
}

TEST(Scheduler, RequiredAntiAffinityOnePerNodeThenPending) {
  Fixture f(3);
  PodTemplate t;
  t.pod_anti_affinity_required.push_back({{}, kLabelHostname, 1});
  WorkloadId w = f.Workload("db", t);
  auto pods = f.Pods(w, 4);
  int bound = 0;
  for (PodId p : pods) bound += f.store->pod(p).node != kNoId ? 1 : 0;
  EXPECT_EQ(bound, 3);
  auto pending = f.scheduler->Unschedulable();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(f.scheduler->Explain(pending[0]),
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
}

TEST(Scheduler, InsufficientCpuIsExplainedAndRetriedWhenANodeArrives) {
  Fixture f(2, 1000);
  PodTemplate t;
  t.cpu_request_millicores = 600;
  WorkloadId w = f.Workload("big", t);
  auto pods = f.Pods(w, 3);
  auto pending = f.scheduler->Unschedulable();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(f.scheduler->Explain(pending[0]), "0/2 nodes are available: 2 Insufficient cpu.");
  EXPECT_TRUE(f.scheduler->FitsNewNode(f.store->pod(pending[0]), 0, -1));
  Node& n = f.store->AddNode(0, 2, f.sim.now());
  n.state = NodeState::kReady;
  f.store->Notify(ObjectKind::kNode, n.id);
  f.sim.RunUntil(f.sim.now() + sim::Duration::Seconds(15));
  EXPECT_EQ(f.store->pod(pending[0]).node, n.id);
  EXPECT_TRUE(f.scheduler->Unschedulable().empty());
}

TEST(Scheduler, NodeSelectorAndTaints) {
  ClusterConfig c;
  NodePoolConfig general;
  general.name = "general";
  NodePoolConfig gpu;
  gpu.name = "gpu";
  gpu.labels = {{"accel", "gpu"}};
  gpu.taints = {{"dedicated", "gpu", TaintEffect::kNoSchedule}};
  c.pools = {general, gpu};
  Fixture f(0, 4000, c);
  for (int pool = 0; pool < 2; ++pool)
    for (int i = 0; i < 3; ++i) {
      Node& n = f.store->AddNode(pool, i, f.sim.now());
      n.state = NodeState::kReady;
      f.store->Notify(ObjectKind::kNode, n.id);
    }
  PodTemplate plain;
  WorkloadId web = f.Workload("web", plain);
  PodTemplate ml;
  ml.node_selector = {{"accel", "gpu"}};
  WorkloadId untolerated = f.Workload("ml-bad", ml);
  ml.tolerations.push_back({"dedicated", TolerationOperator::kEqual, "gpu", std::nullopt, std::nullopt});
  WorkloadId train = f.Workload("ml", ml);
  auto a = f.Pods(web, 6);
  auto b = f.Pods(untolerated, 1);
  auto d = f.Pods(train, 3);
  for (PodId p : a) EXPECT_EQ(f.store->node(f.store->pod(p).node).pool, 0);
  for (PodId p : d) EXPECT_EQ(f.store->node(f.store->pod(p).node).pool, 1);
  EXPECT_EQ(f.store->pod(b[0]).node, kNoId);
  EXPECT_EQ(f.scheduler->Explain(b[0]),
            "0/6 nodes are available: 3 node(s) didn't match Pod's node affinity/selector, "
            "3 node(s) had untolerated taint.");
}

TEST(Scheduler, HardZoneSpreadKeepsSkewAtMostOne) {
  Fixture f(6);
  PodTemplate t;
  t.topology_spread.push_back({1, kLabelZone, true, 1});
  WorkloadId w = f.Workload("zonal", t);
  f.Pods(w, 7);
  int mn = 100, mx = 0;
  for (int z = 0; z < 3; ++z) {
    mn = std::min(mn, f.store->CountInZone(w, z));
    mx = std::max(mx, f.store->CountInZone(w, z));
  }
  EXPECT_LE(mx - mn, 1);
}

TEST(Scheduler, PreemptsLowestPriorityVictims) {
  Fixture f(1, 1000);
  PodTemplate low;
  low.cpu_request_millicores = 400;
  WorkloadId batch = f.Workload("batch", low, 0);
  auto victims = f.Pods(batch, 2);
  PodTemplate high;
  high.cpu_request_millicores = 500;
  WorkloadId api = f.Workload("api", high, 1000);
  auto p = f.Pods(api, 1);
  EXPECT_EQ(f.store->pod(p[0]).node, kNoId);
  EXPECT_EQ(f.scheduler->preemptions(), 1);  // one 400m victim frees enough
  int deleting = 0;
  for (PodId v : victims) deleting += f.store->pod(v).deleting ? 1 : 0;
  EXPECT_EQ(deleting, 1);
  // The victim goes away; the preemptor is scheduled on the retry.
  for (PodId v : victims)
    if (f.store->pod(v).deleting) f.store->RemovePod(v);
  f.sim.RunUntil(f.sim.now() + sim::Duration::Seconds(15));
  EXPECT_NE(f.store->pod(p[0]).node, kNoId);
}

TEST(Scheduler, SameSeedSamePlacement) {
  auto run = [] {
    Fixture f(30);
    PodTemplate t;
    WorkloadId w = f.Workload("api", t);
    auto pods = f.Pods(w, 100);
    std::vector<NodeId> out;
    for (PodId p : pods) out.push_back(f.store->pod(p).node);
    return out;
  };
  EXPECT_EQ(run(), run());
}

}  // namespace
}  // namespace rehearsal::models
