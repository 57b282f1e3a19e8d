#include "models/cluster/store.h"

#include <gtest/gtest.h>

namespace rehearsal::models {
namespace {

ClusterConfig TwoZones() {
  ClusterConfig c;
  c.zones = {"a", "b"};
  NodePoolConfig p;
  p.name = "general";
  p.cpu_millicores = 4000;
  p.memory_bytes = 16LL << 30;
  p.labels = {{"tier", "web"}};
  c.pools.push_back(p);
  return c;
}

TEST(Store, BindKeepsNodeAggregatesAndWorkloadCounts) {
  Store store(TwoZones());
  std::vector<WatchEvent> events;
  store.AddWatcher([&](const WatchEvent& e) { events.push_back(e); });
  Node& n1 = store.AddNode(0, 0, sim::Time::Zero());
  Node& n2 = store.AddNode(0, 1, sim::Time::Zero());
  EXPECT_EQ(n1.name, "general-0");
  EXPECT_EQ(n2.labels.at(kLabelZone), "b");
  EXPECT_EQ(n2.labels.at("tier"), "web");
  WorkloadSpec spec;
  spec.name = "api";
  spec.pod.cpu_request_millicores = 500;
  spec.pod.memory_request_bytes = 1LL << 30;
  WorkloadId w = store.AddWorkload(spec, 0, false);
  Pod& p = store.CreatePod(w, kNoId, 0, -1, sim::Time::Zero());
  PodId pid = p.id;
  store.Bind(pid, n1.id, sim::Time::Zero());
  EXPECT_EQ(store.node(n1.id).cpu_requested_millicores, 500);
  EXPECT_EQ(store.node(n1.id).pods_count, 1);
  EXPECT_EQ(store.CountOnNode(w, n1.id), 1);
  EXPECT_EQ(store.CountInZone(w, 0), 1);
  EXPECT_EQ(store.CountInZone(w, 1), 0);
  // Deleting: no longer counted for spread/anti-affinity, still holds resources.
  store.MarkDeleting(pid, sim::Time::Zero());
  EXPECT_EQ(store.CountOnNode(w, n1.id), 0);
  EXPECT_EQ(store.node(n1.id).cpu_requested_millicores, 500);
  store.RemovePod(pid);
  EXPECT_EQ(store.node(n1.id).cpu_requested_millicores, 0);
  EXPECT_EQ(store.node(n1.id).pods_count, 0);
  EXPECT_EQ(store.live_pod_count(), 0u);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().type, WatchEventType::kDeleted);
  EXPECT_EQ(events.back().id, pid);
}

TEST(Store, TerminateNodeKeepsLiveListSorted) {
  Store store(TwoZones());
  for (int i = 0; i < 4; ++i) store.AddNode(0, i % 2, sim::Time::Zero());
  store.TerminateNode(2, sim::Time::Zero());
  EXPECT_EQ(store.live_nodes(), (std::vector<NodeId>{1, 3, 4}));
  EXPECT_FALSE(store.node(2).alive());
}

TEST(Store, PriorityClassesResolveWithGlobalDefault) {
  Store store(TwoZones());
  store.AddPriorityClass({"critical", 1000000, false, false});
  store.AddPriorityClass({"batch", -10, true, true});
  bool never = false;
  EXPECT_EQ(store.ResolvePriority("critical", &never), 1000000);
  EXPECT_FALSE(never);
  EXPECT_EQ(store.ResolvePriority("", &never), -10);
  EXPECT_TRUE(never);
  EXPECT_EQ(store.ResolvePriority("unknown", nullptr), 0);
}

TEST(SpotHazard, MonthlyProbabilityToHourlyHazard) {
  EXPECT_NEAR(SpotHazardPerHour(0.025), 3.5163e-5, 1e-8);
  EXPECT_NEAR(SpotHazardPerHour(0.25), 3.9956e-4, 1e-7);
  EXPECT_EQ(SpotNotice(CloudProvider::kAws), sim::Duration::Seconds(120));
  EXPECT_EQ(SpotNotice(CloudProvider::kGcp), sim::Duration::Seconds(30));
  EXPECT_EQ(SpotNotice(CloudProvider::kAzure), sim::Duration::Seconds(30));
}

}  // namespace
}  // namespace rehearsal::models
