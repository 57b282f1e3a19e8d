// Pod (anti-)affinity and topology spread with Kubernetes label selectors
// (spec 6.2 / 6.3; kube-scheduler interpodaffinity and podtopologyspread).
#include <gtest/gtest.h>

#include <map>

#include "models/scheduler/scheduler.h"

namespace rehearsal::models {
namespace {

// `nodes` Ready nodes round-robin over zones a, b, c (ids 1..nodes).
struct Fixture {
  explicit Fixture(int nodes) : sim(7) {
    ClusterConfig c;
    NodePoolConfig p;
    p.name = "general";
    p.cpu_millicores = 8000;
    p.memory_bytes = 32LL << 30;
    c.pools.push_back(p);
    c.zones = {"a", "b", "c"};
    store = std::make_unique<Store>(c);
    scheduler = std::make_unique<Scheduler>(sim, *store, c.scheduler);
    for (int i = 0; i < nodes; ++i) {
      Node& n = store->AddNode(0, i % 3, sim.now());
      n.state = NodeState::kReady;
      store->Notify(ObjectKind::kNode, n.id);
    }
  }
  WorkloadId Workload(const std::string& name, PodTemplate t) {
    WorkloadSpec s;
    s.name = name;
    s.pod = std::move(t);
    return store->AddWorkload(s, 0, false);
  }
  std::vector<PodId> Pods(WorkloadId w, int n) {
    std::vector<PodId> ids;
    for (int i = 0; i < n; ++i) ids.push_back(store->CreatePod(w, kNoId, 0, -1, sim.now()).id);
    sim.RunUntil(sim.now() + sim::Duration::Seconds(1));
    return ids;
  }
  NodeId NodeOf(PodId p) const { return store->pod(p).node; }
  sim::Simulation sim;
  std::unique_ptr<Store> store;
  std::unique_ptr<Scheduler> scheduler;
};

PodAffinityTerm TermFor(LabelSelector s, const char* key = kLabelHostname) {
  PodAffinityTerm t;
  t.selector = std::move(s);
  t.topology_key = key;
  return t;
}

TEST(SchedulerSelectors, RequiredAntiAffinityAgainstALabelAcrossWorkloads) {
  // Two workloads share tier=cache; the term repels every tier=cache pod, so
  // at most one cache pod of either workload per node.
  Fixture f(3);
  PodTemplate t;
  t.labels = {{"tier", "cache"}};
  t.pod_anti_affinity_required.push_back(TermFor({{{"tier", "cache"}}, {}}));
  WorkloadId redis = f.Workload("redis", t);
  WorkloadId memcached = f.Workload("memcached", t);
  auto a = f.Pods(redis, 2);
  auto b = f.Pods(memcached, 2);
  std::map<NodeId, int> per_node;
  int pending = 0;
  for (PodId p : a) f.NodeOf(p) != kNoId ? ++per_node[f.NodeOf(p)] : ++pending;
  for (PodId p : b) f.NodeOf(p) != kNoId ? ++per_node[f.NodeOf(p)] : ++pending;
  EXPECT_EQ(pending, 1);
  EXPECT_EQ(per_node.size(), 3u);
  for (const auto& [n, c] : per_node) EXPECT_EQ(c, 1) << "node " << n;
  EXPECT_EQ(f.scheduler->Explain(f.scheduler->Unschedulable().at(0)),
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
}

TEST(SchedulerSelectors, NotInMatchesPodsWithoutTheKey) {
  // etl (tier=batch) on general-0, web (no tier label) on general-1 and -2.
  // api repels `tier NotIn (batch)`: NotIn also matches a missing key
  // (labels.Selector), so web pods repel it and only general-0 is left.
  Fixture f(3);
  auto on = [](const char* host, std::map<std::string, std::string> labels) {
    PodTemplate t;
    t.labels = std::move(labels);
    t.node_selector = {{kLabelHostname, host}};
    return t;
  };
  auto e = f.Pods(f.Workload("etl", on("general-0", {{"tier", "batch"}})), 1);
  f.Pods(f.Workload("web1", on("general-1", {})), 1);
  f.Pods(f.Workload("web2", on("general-2", {})), 1);
  PodTemplate api;
  api.labels = {{"tier", "batch"}};  // so api pods do not repel each other
  api.pod_anti_affinity_required.push_back(
      TermFor({{}, {{"tier", LabelOperator::kNotIn, {"batch"}}}}));
  auto a = f.Pods(f.Workload("api", api), 2);
  EXPECT_EQ(f.NodeOf(a[0]), f.NodeOf(e[0]));
  EXPECT_EQ(f.NodeOf(a[1]), f.NodeOf(e[0]));
  // DoesNotExist selects the same web pods: same outcome.
  PodTemplate api2 = api;
  api2.pod_anti_affinity_required[0] = TermFor({{}, {{"tier", LabelOperator::kDoesNotExist, {}}}});
  auto b = f.Pods(f.Workload("api2", api2), 1);
  EXPECT_EQ(f.NodeOf(b[0]), f.NodeOf(e[0]));
}

TEST(SchedulerSelectors, RequiredAffinityFollowsALabelNotAWorkload) {
  Fixture f(6);
  PodTemplate db;
  db.labels = {{"role", "primary"}};
  WorkloadId wdb = f.Workload("db", db);
  auto d = f.Pods(wdb, 1);
  const int32_t db_zone = f.store->hot(f.NodeOf(d[0])).zone;
  PodTemplate app;
  app.pod_affinity_required.push_back(TermFor({{{"role", "primary"}}, {}}, kLabelZone));
  WorkloadId wapp = f.Workload("app", app);
  auto a = f.Pods(wapp, 4);
  for (PodId p : a) {
    ASSERT_NE(f.NodeOf(p), kNoId);
    EXPECT_EQ(f.store->hot(f.NodeOf(p)).zone, db_zone);
  }
  // Nothing matches role=replica anywhere and app does not match it itself:
  // pending (the first-pod exception needs a self match).
  PodTemplate lost;
  lost.pod_affinity_required.push_back(TermFor({{{"role", "replica"}}, {}}, kLabelZone));
  auto l = f.Pods(f.Workload("lost", lost), 1);
  EXPECT_EQ(f.NodeOf(l[0]), kNoId);
  // A self-matching term lets the first pod go anywhere.
  PodTemplate self;
  self.labels = {{"group", "g"}};
  self.pod_affinity_required.push_back(TermFor({{{"group", "g"}}, {}}, kLabelZone));
  auto s = f.Pods(f.Workload("self", self), 2);
  ASSERT_NE(f.NodeOf(s[0]), kNoId);
  ASSERT_NE(f.NodeOf(s[1]), kNoId);
  EXPECT_EQ(f.store->hot(f.NodeOf(s[0])).zone, f.store->hot(f.NodeOf(s[1])).zone);
}

TEST(SchedulerSelectors, ZoneSpreadCountsEveryPodMatchingTheSelector) {
  // Two workloads labelled app=shop share one zone spread constraint (maxSkew
  // 1): together they stay within skew 1 across the three zones.
  Fixture f(6);
  PodTemplate t;
  t.labels = {{"app", "shop"}};
  TopologySpreadConstraint c;
  c.max_skew = 1;
  c.topology_key = kLabelZone;
  c.selector = LabelSelector{{{"app", "shop"}}, {}};
  t.topology_spread.push_back(c);
  WorkloadId a = f.Workload("shop-a", t);
  WorkloadId b = f.Workload("shop-b", t);
  f.Pods(a, 4);
  f.Pods(b, 5);
  SelectorId shop = f.store->CompileSelector(*c.selector);
  for (int z = 0; z < 3; ++z) EXPECT_EQ(f.store->CountMatchingInZone(shop, z), 3) << "zone " << z;
}

TEST(SchedulerSelectors, SpreadSelfMatchNumIsZeroWhenThePodDoesNotMatch) {
  // score_math: (in domain + selfMatchNum) - min <= maxSkew.
  EXPECT_FALSE(TopologySpreadFits(3, 2, 3, 1, 1, /*self_match=*/true));  // 4 - 2 = 2
  EXPECT_TRUE(TopologySpreadFits(3, 2, 3, 1, 1, /*self_match=*/false));  // 3 - 2 = 1
  // In the scheduler: one tier=db pod sits in zone a. Followers pinned to
  // zone a see one eligible domain < minDomains 2, so the global min is 0.
  // They select tier=db but are not db pods: 1 + 0 - 0 = 1 <= 1 fits, and
  // stays so for every follower (with selfMatchNum 1 it would be 2: pending).
  Fixture f(3);
  PodTemplate db;
  db.labels = {{"tier", "db"}};
  db.node_selector = {{kLabelZone, "a"}};
  f.Pods(f.Workload("db", db), 1);
  PodTemplate follower;
  follower.node_selector = {{kLabelZone, "a"}};
  TopologySpreadConstraint c;
  c.max_skew = 1;
  c.topology_key = kLabelZone;
  c.min_domains = 2;
  c.selector = LabelSelector{{{"tier", "db"}}, {}};
  follower.topology_spread.push_back(c);
  auto p = f.Pods(f.Workload("follower", follower), 3);
  for (PodId id : p) EXPECT_NE(f.NodeOf(id), kNoId);
  // A db pod itself (self match) would break the skew in zone a: pending.
  PodTemplate db2 = db;
  db2.topology_spread.push_back(c);
  auto q = f.Pods(f.Workload("db2", db2), 1);
  EXPECT_EQ(f.NodeOf(q[0]), kNoId);
}

}  // namespace
}  // namespace rehearsal::models
