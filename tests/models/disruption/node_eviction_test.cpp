// Node lifecycle taint/eviction rate limits (spec 5.3, kube-controller-manager
// nodelifecycle): table tests of the pure zone-state and rate rules, then
// timelines through the ClusterModel.
#include <gtest/gtest.h>

#include <vector>

#include "cluster_testlib.h"
#include "models/cluster/node_eviction_math.h"
#include "models/cluster/node_lifecycle_controller.h"
#include "models/disruption/cluster_model.h"

namespace rehearsal::models {
namespace {

using testing::At;
using testing::Deployment;

TEST(NodeEvictionMath, ZoneStateFollowsComputeZoneState) {
  struct Case {
    int64_t ready, not_ready;
    ZoneHealth want;
  };
  const Case cases[] = {
      {10, 0, ZoneHealth::kNormal},
      {0, 0, ZoneHealth::kNormal},             // no nodes: nothing is disrupted
      {0, 1, ZoneHealth::kFullDisruption},     // no Ready node at all
      {0, 5, ZoneHealth::kFullDisruption},
      {1, 2, ZoneHealth::kNormal},             // 67 % NotReady, but only 2 (needs > 2)
      {2, 3, ZoneHealth::kPartialDisruption},  // 3 > 2 and 60 % >= 55 %
      {45, 55, ZoneHealth::kPartialDisruption},  // exactly 55 %: >= threshold
      {46, 54, ZoneHealth::kNormal},             // 54 %
      {1, 99, ZoneHealth::kPartialDisruption},
  };
  for (const Case& c : cases)
    EXPECT_EQ(ComputeZoneHealth(c.ready, c.not_ready, 0.55), c.want) << c.ready << "/" << c.not_ready;
}

TEST(NodeEvictionMath, RateFollowsSetLimiterInZone) {
  const NodeEvictionRates r;  // 0.1, 0.01, 50
  struct Case {
    ZoneHealth health;
    int64_t zone_size;
    bool all_down;
    double want;
  };
  const Case cases[] = {
      {ZoneHealth::kNormal, 10, false, 0.1},
      {ZoneHealth::kPartialDisruption, 51, false, 0.01},  // large zone: secondary rate
      {ZoneHealth::kPartialDisruption, 50, false, 0.0},   // <= threshold: stop
      {ZoneHealth::kPartialDisruption, 5, false, 0.0},
      {ZoneHealth::kFullDisruption, 5, false, 0.1},       // a dead zone: normal rate again
      {ZoneHealth::kFullDisruption, 500, true, 0.0},      // every zone down: stop all
      {ZoneHealth::kNormal, 10, true, 0.0},
  };
  for (const Case& c : cases)
    EXPECT_DOUBLE_EQ(ZoneTaintRate(c.health, c.zone_size, c.all_down, r), c.want)
        << static_cast<int>(c.health) << " size " << c.zone_size;
}

// `per_zone` nodes in each of `zones` zones, 4 CPU each, no autoscaling.
ClusterConfig Zones(int zones, int per_zone) {
  ClusterConfig c = testing::SmallCluster(zones * per_zone);
  c.zones.clear();
  for (int z = 0; z < zones; ++z) c.zones.push_back("z" + std::to_string(z + 1));
  c.pools[0].size_max = zones * per_zone;
  return c;
}

std::vector<NodeId> NodesInZone(const ClusterModel& m, int32_t zone) {
  std::vector<NodeId> out;
  for (NodeId n : m.store().live_nodes())
    if (m.store().node(n).zone == zone) out.push_back(n);
  return out;
}

TEST(NodeEviction, NormalZoneTaintsOneNodeEveryTenSeconds) {
  // 2 of 3 nodes of z1 fail at t = 100: NotReady at 150 (zone Normal: only 2
  // NotReady), tainted at 150 and 160 (0.1/s, burst 1), pods deleted 300 s
  // after each taint.
  sim::Simulation sim(21);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 9, 500));
  ClusterModel m(sim, Zones(3, 3), wl);
  sim.RunUntil(At(100));
  auto z1 = NodesInZone(m, 0);
  m.FailNode(z1[0]);
  m.FailNode(z1[1]);
  sim.RunUntil(At(200));
  const auto& nlc = m.node_lifecycle();
  EXPECT_EQ(nlc.zone_health(0), ZoneHealth::kNormal);
  EXPECT_EQ(nlc.TaintedAt(z1[0]), At(150));
  EXPECT_EQ(nlc.TaintedAt(z1[1]), At(160));
  PodId on_second = *m.store().node(z1[1]).pods.begin();
  sim.RunUntil(At(460) - sim::Duration::Micros(1));
  EXPECT_FALSE(m.store().pod(on_second).deleting);
  sim.RunUntil(At(460));
  EXPECT_TRUE(m.store().pod(on_second).deleting);
}

TEST(NodeEviction, PartiallyDisruptedSmallZoneStopsEvictions) {
  // 3 of 5 nodes of z1 fail together: 3 > 2 and 60 % >= 55 % -> partial
  // disruption in a zone of 5 <= 50 nodes -> rate 0: no taint, no eviction.
  sim::Simulation sim(22);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 10, 500));
  ClusterModel m(sim, Zones(2, 5), wl);
  sim.RunUntil(At(100));
  auto z1 = NodesInZone(m, 0);
  for (int i = 0; i < 3; ++i) m.FailNode(z1[static_cast<size_t>(i)]);
  sim.RunUntil(At(1000));
  const auto& nlc = m.node_lifecycle();
  EXPECT_EQ(nlc.zone_health(0), ZoneHealth::kPartialDisruption);
  EXPECT_EQ(nlc.zone_taint_rate(0), 0.0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(nlc.TaintedAt(z1[static_cast<size_t>(i)]), sim::Time::Max());
  EXPECT_EQ(nlc.taint_evictions(), 0);
  // Two nodes come back: 1 of 5 NotReady -> Normal -> 0.1/s. SwapLimiter
  // drains the new bucket when the old one (rate 0) was saturated, so the
  // last node waits one token: tainted at 1010, its pods deleted at 1310.
  m.RecoverNode(z1[0]);
  m.RecoverNode(z1[1]);
  sim.RunUntil(At(1400));
  EXPECT_EQ(nlc.zone_health(0), ZoneHealth::kNormal);
  EXPECT_EQ(nlc.TaintedAt(z1[2]), At(1010));
  EXPECT_GT(nlc.taint_evictions(), 0);
}

TEST(NodeEviction, PartiallyDisruptedLargeZoneUsesTheSecondaryRate) {
  // 40 of 60 nodes of z1 fail: partial disruption in a zone of 60 > 50 nodes
  // -> 0.01/s: the first node is tainted at once (bucket full), then one
  // every 100 s.
  sim::Simulation sim(23);
  WorkloadsConfig wl;
  ClusterModel m(sim, Zones(2, 60), wl);
  sim.RunUntil(At(10));
  auto z1 = NodesInZone(m, 0);
  ASSERT_EQ(z1.size(), 60u);
  for (int i = 0; i < 40; ++i) m.FailNode(z1[static_cast<size_t>(i)]);
  sim.RunUntil(At(400));
  const auto& nlc = m.node_lifecycle();
  EXPECT_EQ(nlc.zone_health(0), ZoneHealth::kPartialDisruption);
  EXPECT_DOUBLE_EQ(nlc.zone_taint_rate(0), 0.01);
  EXPECT_EQ(nlc.TaintedAt(z1[0]), At(60));
  EXPECT_EQ(nlc.TaintedAt(z1[1]), At(160));
  EXPECT_EQ(nlc.TaintedAt(z1[2]), At(260));
  EXPECT_EQ(nlc.TaintedAt(z1[3]), At(360));
  EXPECT_EQ(nlc.TaintedAt(z1[4]), sim::Time::Max());
  EXPECT_EQ(nlc.zone_health(1), ZoneHealth::kNormal);
}

TEST(NodeEviction, ADeadZoneIsEvictedAtTheNormalRateButAllZonesDownStopsEverything) {
  sim::Simulation sim(24);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 6, 500));
  ClusterModel m(sim, Zones(3, 3), wl);
  sim.RunUntil(At(100));
  // Zone z1 down: FullDisruption, the normal rate: taints at 150, 160, 170.
  m.ZoneOutage("z1", sim::Duration::Minutes(30));
  sim.RunUntil(At(200));
  const auto& nlc = m.node_lifecycle();
  EXPECT_EQ(nlc.zone_health(0), ZoneHealth::kFullDisruption);
  auto z1 = NodesInZone(m, 0);
  EXPECT_EQ(nlc.TaintedAt(z1[0]), At(150));
  EXPECT_EQ(nlc.TaintedAt(z1[1]), At(160));
  EXPECT_EQ(nlc.TaintedAt(z1[2]), At(170));
  // Then every other node fails too: all zones fully disrupted -> the
  // controller assumes it is partitioned itself: taints removed, no evictions.
  for (int32_t z = 1; z < 3; ++z)
    for (NodeId n : NodesInZone(m, z)) m.FailNode(n);
  const int64_t evicted_before = nlc.taint_evictions();
  sim.RunUntil(At(250) + sim::Duration::Seconds(1));
  for (int32_t z = 0; z < 3; ++z) {
    EXPECT_EQ(nlc.zone_taint_rate(z), 0.0);
    for (NodeId n : NodesInZone(m, z)) EXPECT_EQ(nlc.TaintedAt(n), sim::Time::Max());
  }
  sim.RunUntil(At(1000));
  EXPECT_EQ(nlc.taint_evictions(), evicted_before);  // the 450 s evictions were cancelled
  // One zone comes back: master disruption mode ends; the nodes still
  // NotReady are queued again and tainted at 0.1/s per zone, starting one
  // token later (the rate-0 limiter was saturated): 1010, 1020, 1030.
  for (NodeId n : NodesInZone(m, 1)) m.RecoverNode(n);
  sim.RunUntil(At(1100));
  EXPECT_EQ(nlc.zone_taint_rate(2), 0.1);
  EXPECT_EQ(nlc.TaintedAt(NodesInZone(m, 2)[0]), At(1010));
  EXPECT_EQ(nlc.TaintedAt(NodesInZone(m, 2)[1]), At(1020));
}

}  // namespace
}  // namespace rehearsal::models
