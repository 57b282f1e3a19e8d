#include <gtest/gtest.h>

#include <set>

#include "cluster_testlib.h"
#include "models/scheduler/scheduler.h"

namespace rehearsal::models {
namespace {

using testing::At;
using testing::Deployment;
using testing::SmallCluster;

TEST(DaemonSet, OnePodPerNodeIncludingNewNodesAndSurvivesDrain) {
  sim::Simulation sim(21);
  WorkloadsConfig wl;
  WorkloadSpec ds = Deployment("node-exporter", 0, 100);
  ds.kind = WorkloadKind::kDaemonSet;
  wl.workloads.push_back(ds);
  ClusterModel m(sim, SmallCluster(3), wl);
  sim.RunUntil(At(30));
  WorkloadId w = m.FindWorkload("node-exporter");
  auto per_node = [&] {
    std::set<NodeId> nodes;
    int active = 0;
    for (PodId p : m.store().workload(w).pods) {
      if (!m.store().pod(p).Active()) continue;
      ++active;
      nodes.insert(m.store().pod(p).node);
    }
    return std::make_pair(active, nodes.size());
  };
  EXPECT_EQ(per_node(), std::make_pair(3, size_t{3}));
  EXPECT_EQ(m.AddNodes(0, 1), 1);
  sim.RunUntil(At(120));  // provisioning 60 s, then the DaemonSet pod
  EXPECT_EQ(per_node(), std::make_pair(4, size_t{4}));
  EXPECT_EQ(m.store().workload(w).ready_replicas, 4);
  // A drain leaves DaemonSet pods alone and still completes.
  std::optional<DrainOutcome> out;
  m.Drain(m.store().live_nodes().front(), DrainOptions{}, [&](DrainOutcome o) { out = o; });
  sim.RunUntil(At(180));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(*out, DrainOutcome::kDrained);
  EXPECT_EQ(per_node().first, 4);
}

TEST(Preemption, HighPriorityWorkloadDisplacesBatch) {
  sim::Simulation sim(22);
  WorkloadsConfig wl;
  wl.priority_classes.push_back({"critical", 1000000, false, false});
  wl.priority_classes.push_back({"batch", 100, true, false});
  WorkloadSpec batch = Deployment("etl", 4, 3000);  // one per 4-CPU node, 1 CPU left each
  wl.workloads.push_back(batch);
  ClusterModel m(sim, SmallCluster(4), wl);
  sim.RunUntil(At(60));
  WorkloadSpec wallet = Deployment("wallet", 2, 2000);
  wallet.pod.priority_class = "critical";
  WorkloadId w = m.AddWorkload(wallet);
  sim.RunUntil(At(120));
  EXPECT_EQ(m.store().workload(w).ready_replicas, 2);
  // One 3-CPU victim frees a whole node, where both 2-CPU wallet pods fit; the
  // second one waits for the nominated node instead of preempting again.
  EXPECT_EQ(m.scheduler().preemptions(), 1);
  WorkloadId etl = m.FindWorkload("etl");
  EXPECT_EQ(testing::ReadyPods(m.store(), etl), 3);
  EXPECT_EQ(m.UnschedulablePods().size(), 1u);  // the displaced batch replacement
  PodId pending = m.UnschedulablePods().front();
  EXPECT_EQ(m.store().pod(pending).workload, etl);
  EXPECT_EQ(m.PendingReason(pending), "0/4 nodes are available: 4 Insufficient cpu.");
  EXPECT_TRUE(m.PodFitsNewNode(pending, 0));
}

TEST(Summary, PendingPodSecondsAndPerPoolHours) {
  sim::Simulation sim(23);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 3, 3000));  // only 2 fit on 2 nodes
  ClusterModel m(sim, SmallCluster(1, 1), wl);
  sim.RunUntil(At(100));
  ClusterSummary s;
  m.Summarize(s);
  EXPECT_NEAR(s.pending_pod_s, 100.0, 1e-6);  // one pod pending the whole time
  EXPECT_NEAR(s.node_hours_by_pool["od"], 100.0 / 3600, 1e-9);
  EXPECT_NEAR(s.node_hours_by_pool["spot"], 100.0 / 3600, 1e-9);
  EXPECT_NEAR(s.cost_usd, (0.384 + 0.12) * 100.0 / 3600, 1e-9);
  EXPECT_EQ(m.pods_pending(), 1);
  EXPECT_NEAR(m.CostPerHour(), 0.504, 1e-12);
}

}  // namespace
}  // namespace rehearsal::models
