// The cluster autoscaler's scale-down move check (move_check.h) against the
// scheduler's filters (shared/spec/kubernetes.md 6 and 7.2): a pod can only
// "move elsewhere" to a node the scheduler would accept for it.
#include <gtest/gtest.h>

#include <string>

#include "models/autoscaling/autoscaling_model.h"
#include "models/autoscaling/move_check.h"
#include "models/disruption/cluster_model.h"

namespace rehearsal::models::autoscaling {
namespace {

sim::Time At(int64_t seconds) { return sim::Time::Zero() + sim::Duration::Seconds(seconds); }

NodePoolConfig Pool(const std::string& name, int32_t nodes, int32_t size_min,
                    int64_t cpu_millicores = 4000) {
  NodePoolConfig pool;
  pool.name = name;
  pool.cpu_millicores = cpu_millicores;
  pool.memory_bytes = 16LL << 30;
  pool.size_initial = nodes;
  pool.size_min = size_min;
  pool.size_max = 10;
  pool.provisioning = DurationDistribution::Fixed(sim::Duration::Seconds(60));
  return pool;
}

WorkloadSpec Deployment(const std::string& name, int32_t replicas, int64_t cpu_millicores = 500) {
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

bool LogHas(const sim::Simulation& sim, const std::string& kind, const std::string& text) {
  for (const auto& r : sim.recorder().log())
    if (r.kind == kind && r.message.find(text) != std::string::npos) return true;
  return false;
}

// One "dedicated" node tainted dedicated=games:NoSchedule runs the only pod
// of "games" (500m of 4000m: 12.5 %, under the 0.5 threshold), which
// tolerates that taint. The two "general" nodes (kept by their pool minimum)
// carry team=payments:NoSchedule, which the pod does not tolerate: the
// scheduler placed it on the dedicated node and would not place it anywhere
// else, so the CA must keep that node and log why. Control: with untainted
// general nodes nothing keeps the dedicated node (the pod moves or never
// was there) and it is gone after the 10 min unneeded time.
struct TaintRun {
  size_t dedicated_nodes_at_end = 0;
  bool kept_reason_logged = false;
  std::string kept_reason;
  int32_t ready_pods = 0;
};

TaintRun RunTaintCase(bool general_tainted) {
  sim::Simulation sim(31);
  ClusterConfig c;
  c.zones = {"z1", "z2", "z3"};
  NodePoolConfig dedicated = Pool("dedicated", 1, 0);
  dedicated.taints.push_back({"dedicated", "games", TaintEffect::kNoSchedule});
  NodePoolConfig general = Pool("general", 2, 2);
  if (general_tainted) general.taints.push_back({"team", "payments", TaintEffect::kNoSchedule});
  c.pools = {dedicated, general};
  WorkloadsConfig wl;
  WorkloadSpec games = Deployment("games", 1);
  Toleration t;
  t.key = "dedicated";
  t.value = "games";
  games.pod.tolerations.push_back(t);
  wl.workloads.push_back(games);
  ClusterModel cluster(sim, c, wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.cluster_autoscaler.enabled = true;
  cfg.verify_incremental = true;
  AutoscalingModel model(sim, cluster, usage, cfg);
  sim.RunUntil(At(30 * 60));
  TaintRun r;
  for (NodeId id : cluster.store().live_nodes())
    if (cluster.store().node(id).pool == 0) ++r.dedicated_nodes_at_end;
  r.kept_reason_logged = LogHas(sim, "ClusterAutoscaler", "node(s) had untolerated taint");
  for (const auto& [node, reason] : model.cluster_autoscaler()->kept_reasons()) r.kept_reason = reason;
  r.ready_pods = cluster.store().workload(cluster.FindWorkload("games")).ready_pods;
  return r;
}

TEST(CaMoveCheck, PodThatOnlyToleratesItsOwnTaintKeepsTheNode) {
  TaintRun kept = RunTaintCase(/*general_tainted=*/true);
  EXPECT_EQ(kept.dedicated_nodes_at_end, 1u);
  EXPECT_TRUE(kept.kept_reason_logged);
  EXPECT_NE(kept.kept_reason.find("pod games-"), std::string::npos) << kept.kept_reason;
  EXPECT_NE(kept.kept_reason.find("0/2 nodes are available: 2 node(s) had untolerated taint"),
            std::string::npos)
      << kept.kept_reason;
  EXPECT_EQ(kept.ready_pods, 1);
}

TEST(CaMoveCheck, WithoutTheForeignTaintTheDedicatedNodeGoes) {
  TaintRun r = RunTaintCase(/*general_tainted=*/false);
  EXPECT_EQ(r.dedicated_nodes_at_end, 0u);
  EXPECT_FALSE(r.kept_reason_logged);
  EXPECT_EQ(r.kept_reason, "");
  EXPECT_EQ(r.ready_pods, 1);
}

// Filter table on a settled cluster: three 4000m nodes in three zones, pool
// labels tier=a / tier=b / tier=c. "pinned" (tier=a selector), "solo" (2
// replicas, required hostname anti-affinity against itself) and a 3500m
// "big" pod.
TEST(CaMoveCheck, FiltersInTheSchedulersOrder) {
  sim::Simulation sim(41);
  ClusterConfig c;
  c.zones = {"z1", "z2", "z3"};
  NodePoolConfig a = Pool("a", 1, 1), b = Pool("b", 1, 1), cc = Pool("c", 1, 1);
  a.labels = {{"tier", "a"}};
  b.labels = {{"tier", "b"}};
  cc.labels = {{"tier", "c"}};
  a.zones = {"z1"};
  b.zones = {"z2"};
  cc.zones = {"z3"};
  c.pools = {a, b, cc};
  WorkloadsConfig wl;
  WorkloadSpec pinned = Deployment("pinned", 1);
  pinned.pod.node_selector = {{"tier", "a"}};
  WorkloadSpec solo = Deployment("solo", 2, 100);
  solo.pod.pod_anti_affinity_required.push_back(PodAffinityTerm{});
  WorkloadSpec big = Deployment("big", 1, 3000);
  big.pod.node_selector = {{"tier", "c"}};
  wl.workloads = {pinned, solo, big};
  ClusterModel cluster(sim, c, wl);
  sim.RunUntil(At(60));
  const Store& store = cluster.store();
  ASSERT_EQ(store.live_nodes().size(), 3u);
  NodeId node_a = kNoId, node_b = kNoId, node_c = kNoId;
  for (NodeId id : store.live_nodes()) {
    if (store.node(id).pool == 0) node_a = id;
    if (store.node(id).pool == 1) node_b = id;
    if (store.node(id).pool == 2) node_c = id;
  }
  auto pod_of = [&](const std::string& name, int k) {
    auto it = store.workload(cluster.FindWorkload(name)).pods.begin();
    std::advance(it, k);
    return *it;
  };
  PodId pinned_pod = pod_of("pinned", 0);
  PodId solo0 = pod_of("solo", 0), solo1 = pod_of("solo", 1);
  ASSERT_TRUE(store.pod(pinned_pod).ready);
  ASSERT_NE(store.pod(solo0).node, store.pod(solo1).node);
  MoveCheck check(store, store.live_nodes());
  // NodeAffinity: the tier=a selector rejects b.
  EXPECT_EQ(check.Check(pinned_pod, node_b), FilterReason::kNodeAffinity);
  // InterPodAffinity: a solo pod may not join the other solo pod's node.
  EXPECT_EQ(check.Check(solo0, store.pod(solo1).node), FilterReason::kPodAntiAffinity);
  // Selectors are checked before resources.
  PodId big_pod = pod_of("big", 0);
  EXPECT_EQ(check.Check(big_pod, node_a), FilterReason::kNodeAffinity);
  // Pinned (500m) onto c: selector first.
  EXPECT_EQ(check.Check(pinned_pod, node_c), FilterReason::kNodeAffinity);
  // Draining c: big has nowhere to go (2 nodes fail its selector).
  check.Begin(node_c);
  EXPECT_EQ(check.Place(big_pod),
            "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector.");
  // A solo pod can go to the node without the other solo pod (if it fits);
  // placing it there makes that node unavailable to the other one.
  NodeId free_node = kNoId;
  for (NodeId id : {node_a, node_b, node_c})
    if (id != store.pod(solo0).node && id != store.pod(solo1).node) free_node = id;
  ASSERT_NE(free_node, kNoId);
  check.Begin(store.pod(solo0).node);
  EXPECT_EQ(check.Place(solo0), "");
  EXPECT_EQ(check.Check(solo1, free_node), FilterReason::kPodAntiAffinity);
}

}  // namespace
}  // namespace rehearsal::models::autoscaling
