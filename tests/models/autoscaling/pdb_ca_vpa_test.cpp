// PDB status (spec 4.2), cluster-autoscaler calculators (spec 7) and the VPA
// recommender (spec 10): table cases with hand-worked expectations.
#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "models/autoscaling/ca_calculator.h"
#include "models/autoscaling/pdb_calculator.h"
#include "models/autoscaling/vpa_recommender.h"

namespace rehearsal::models::autoscaling {
namespace {

using sim::Duration;
using sim::Time;

const Time kNow = Time::Zero() + Duration::Hours(1);

std::vector<PdbPod> Pods(int ready, int unready, const std::string& controller) {
  std::vector<PdbPod> pods;
  for (int i = 0; i < ready + unready; ++i)
    pods.push_back(PdbPod{"p" + std::to_string(i), i < ready, false, controller, std::nullopt});
  return pods;
}

struct PdbCase {
  const char* name;
  std::optional<IntOrPercent> min_available, max_unavailable;
  int ready, unready;
  int32_t scale;  // the controller's spec.replicas
  int32_t expected, desired, healthy, allowed;
};

class PdbTable : public ::testing::TestWithParam<PdbCase> {};

TEST_P(PdbTable, ComputesLikeTheDisruptionController) {
  const PdbCase& c = GetParam();
  PdbStatus s = ComputePdbStatus(c.min_available, c.max_unavailable,
                                 Pods(c.ready, c.unready, "ReplicaSet/web-1"),
                                 {{"ReplicaSet/web-1", c.scale}}, kNow);
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.expected_pods, c.expected);
  EXPECT_EQ(s.desired_healthy, c.desired);
  EXPECT_EQ(s.current_healthy, c.healthy);
  EXPECT_EQ(s.disruptions_allowed, c.allowed);
}

INSTANTIATE_TEST_SUITE_P(
    Spec42, PdbTable,
    ::testing::Values(
        // minAvailable 34 % of 3 -> ceil(1.02) = 2; 3 healthy -> 1 allowed.
        PdbCase{"MinAvailablePercentRoundsUp", IntOrPercent::Percent(34), std::nullopt, 3, 0, 3,
                3, 2, 3, 1},
        // maxUnavailable 30 % of 7 -> 3 -> desired 4; 6 ready -> 2 allowed.
        PdbCase{"MaxUnavailablePercentRoundsUp", std::nullopt, IntOrPercent::Percent(30), 6, 1,
                7, 7, 4, 6, 2},
        // minAvailable int: expected = number of pods (5, though the scale says 10).
        PdbCase{"MinAvailableIntCountsPods", IntOrPercent::Int(4), std::nullopt, 4, 1, 10, 5, 4,
                4, 0},
        // maxUnavailable int 1 of scale 3 -> desired 2.
        PdbCase{"MaxUnavailableInt", std::nullopt, IntOrPercent::Int(1), 3, 0, 3, 3, 2, 3, 1},
        // maxUnavailable larger than expected: desired floored at 0.
        PdbCase{"DesiredFlooredAtZero", std::nullopt, IntOrPercent::Int(5), 2, 0, 2, 2, 0, 2, 2},
        // Negative allowance is reported as 0.
        PdbCase{"NegativeAllowanceIsZero", IntOrPercent::Int(3), std::nullopt, 2, 1, 3, 3, 3, 2,
                0},
        // Scale 0 (expected 0) -> 0 allowed, whatever the pods.
        PdbCase{"NoExpectedPods", std::nullopt, IntOrPercent::Int(0), 2, 0, 0, 0, 0, 2, 0}),
    [](const ::testing::TestParamInfo<PdbCase>& param_info) { return std::string(param_info.param.name); });

TEST(Pdb, DeletingAndRecentlyDisruptedPodsAreNotHealthy) {
  std::vector<PdbPod> pods = Pods(4, 0, "ReplicaSet/web-1");
  pods[0].deleting = true;
  pods[1].disrupted_at = kNow - Duration::Seconds(30);   // within 2 min: not healthy
  pods[2].disrupted_at = kNow - Duration::Minutes(3);    // expired: healthy again
  PdbStatus s = ComputePdbStatus(IntOrPercent::Int(1), std::nullopt, pods, {}, kNow);
  EXPECT_EQ(s.current_healthy, 2);
  EXPECT_EQ(s.disruptions_allowed, 1);
}

TEST(Pdb, DistinctControllersAreSummedAndUnmanagedPodsAddNothing) {
  std::vector<PdbPod> pods = Pods(2, 0, "ReplicaSet/a");
  auto more = Pods(3, 0, "StatefulSet/b");
  pods.insert(pods.end(), more.begin(), more.end());
  pods.push_back(PdbPod{"bare", true, false, "", std::nullopt});
  PdbStatus s = ComputePdbStatus(std::nullopt, IntOrPercent::Percent(50), pods,
                                 {{"ReplicaSet/a", 4}, {"StatefulSet/b", 3}}, kNow);
  EXPECT_EQ(s.expected_pods, 7);
  EXPECT_EQ(s.desired_healthy, 3);  // 7 - ceil(3.5) = 3
  EXPECT_EQ(s.current_healthy, 6);
  EXPECT_EQ(s.disruptions_allowed, 3);
}

TEST(Pdb, UnknownControllerFailsSafe) {
  PdbStatus s = ComputePdbStatus(IntOrPercent::Percent(50), std::nullopt,
                                 Pods(3, 0, "ReplicaSet/gone"), {}, kNow);
  EXPECT_FALSE(s.ok);
  EXPECT_EQ(s.disruptions_allowed, 0);
  EXPECT_NE(s.error.find("ReplicaSet/gone"), std::string::npos);
}

// ---- cluster autoscaler ----

NodeTemplate Template(int64_t cpu, int64_t mem_gib, const std::string& group = "g") {
  NodeTemplate t;
  t.group = group;
  t.cpu_millicores = cpu;
  t.memory_bytes = mem_gib << 30;
  return t;
}

std::vector<CaPodRequest> Pending(int n, int64_t cpu, int64_t mem_gib) {
  std::vector<CaPodRequest> pods;
  for (int i = 0; i < n; ++i) pods.push_back({"p" + std::to_string(i), cpu, mem_gib << 30});
  return pods;
}

TEST(Binpacking, PacksFirstFitOntoTemplateNodes) {
  // 4000m nodes, six 1500m pods: two per node -> 3 nodes.
  BinpackResult r = EstimateBinpacking(Template(4000, 16), Pending(6, 1500, 1), 10);
  EXPECT_EQ(r.node_count, 3);
  EXPECT_EQ(r.scheduled.size(), 6u);
  EXPECT_EQ(r.cpu_requested_millicores, 9000);
}

TEST(Binpacking, LargestFirstThenSmallFill) {
  // 3000m, 3000m, 1000m, 1000m on 4000m nodes: big pods open two nodes, the
  // small ones fill the gaps -> 2 nodes (input order would need the same).
  std::vector<CaPodRequest> pods = {{"s1", 1000, 0}, {"b1", 3000, 0}, {"s2", 1000, 0},
                                    {"b2", 3000, 0}};
  BinpackResult r = EstimateBinpacking(Template(4000, 16), pods, 10);
  EXPECT_EQ(r.node_count, 2);
}

TEST(Binpacking, RespectsMaxNodesPodsMaxDaemonSetsAndOversizedPods) {
  BinpackResult capped = EstimateBinpacking(Template(4000, 16), Pending(6, 1500, 1), 2);
  EXPECT_EQ(capped.node_count, 2);
  EXPECT_EQ(capped.scheduled.size(), 4u);
  EXPECT_EQ(capped.unschedulable.size(), 2u);

  NodeTemplate small_pods = Template(64000, 256);
  small_pods.pods_max = 5;
  small_pods.daemonset_pods = 2;  // 3 slots left per node
  EXPECT_EQ(EstimateBinpacking(small_pods, Pending(7, 100, 0), 10).node_count, 3);

  NodeTemplate ds = Template(4000, 16);
  ds.daemonset_cpu_millicores = 1500;  // 2500m left: one 1500m pod per node
  EXPECT_EQ(EstimateBinpacking(ds, Pending(3, 1500, 1), 10).node_count, 3);

  BinpackResult too_big = EstimateBinpacking(Template(4000, 16), Pending(1, 5000, 1), 10);
  EXPECT_EQ(too_big.node_count, 0);
  EXPECT_EQ(too_big.unschedulable.size(), 1u);
}

ExpansionOption Option(const std::string& group, int64_t node_cpu, int32_t nodes, int32_t pods,
                       int64_t cpu_req, double price) {
  ExpansionOption o;
  o.group = group;
  o.node_cpu_millicores = node_cpu;
  o.node_memory_bytes = 16LL << 30;
  o.node_count = nodes;
  o.pods_scheduled = pods;
  o.cpu_requested_millicores = cpu_req;
  o.memory_requested_bytes = 1LL << 30;
  o.price_per_node_hour = price;
  return o;
}

TEST(Expanders, PickAsDocumented) {
  std::vector<ExpansionOption> options = {
      Option("c-small", 4000, 1, 3, 3000, 0.20),   // 25 % idle CPU
      Option("c-large", 8000, 1, 3, 3000, 0.30),   // 62.5 % idle
      Option("c-tiny", 2000, 2, 2, 2000, 0.08),    // 50 % idle, only 2 pods
  };
  PriorityExpanderConfig none;
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kLeastWaste}, options, none),
            std::vector<size_t>{0});
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kMostPods}, options, none),
            (std::vector<size_t>{0, 1}));
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kLeastNodes}, options, none),
            (std::vector<size_t>{0, 1}));
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kPrice}, options, none), std::vector<size_t>{2});
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kRandom}, options, none).size(), 3u);
  PriorityExpanderConfig prio = {{10, {"large"}}, {50, {"^c-t"}}, {1, {".*"}}};
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kPriority}, options, prio),
            std::vector<size_t>{2});
  // A chain: most-pods keeps {0, 1}, least-waste breaks the tie.
  EXPECT_EQ(ApplyExpanderChain({ExpanderKind::kMostPods, ExpanderKind::kLeastWaste}, options, none),
            std::vector<size_t>{0});
  EXPECT_DOUBLE_EQ(CpuWasteFraction(options[0]), 0.25);
  EXPECT_EQ(ParseExpanderKind("least-waste"), ExpanderKind::kLeastWaste);
  EXPECT_FALSE(ParseExpanderKind("cheapest").has_value());
}

TEST(ScaleDown, UtilizationIsTheMaxOfCpuAndMemory) {
  NodeUtilization u = ComputeNodeUtilization(1500, 10LL << 30, 4000, 16LL << 30);
  EXPECT_DOUBLE_EQ(u.cpu, 0.375);
  EXPECT_DOUBLE_EQ(u.memory, 0.625);
  EXPECT_DOUBLE_EQ(u.max, 0.625);
  EXPECT_LT(ComputeNodeUtilization(1500, 4LL << 30, 4000, 16LL << 30).max, 0.5);
}

TEST(ScaleDown, PodBlockers) {
  CaPodFacts plain;
  EXPECT_EQ(PodBlocksScaleDown(plain), ScaleDownBlocker::kNone);
  CaPodFacts pdb;
  pdb.has_pdb = true;
  pdb.pdb_allows_disruption = false;
  EXPECT_EQ(PodBlocksScaleDown(pdb), ScaleDownBlocker::kPdb);
  pdb.safe_to_evict = true;  // never overrides a PDB
  EXPECT_EQ(PodBlocksScaleDown(pdb), ScaleDownBlocker::kPdb);
  CaPodFacts bare;
  bare.has_controller = false;
  EXPECT_EQ(PodBlocksScaleDown(bare), ScaleDownBlocker::kNotReplicated);
  bare.safe_to_evict = true;
  EXPECT_EQ(PodBlocksScaleDown(bare), ScaleDownBlocker::kNone);
  CaPodFacts local;
  local.local_storage = true;
  EXPECT_EQ(PodBlocksScaleDown(local), ScaleDownBlocker::kLocalStorage);
  CaPodFacts sys;
  sys.kube_system = true;
  EXPECT_EQ(PodBlocksScaleDown(sys), ScaleDownBlocker::kKubeSystem);
  sys.has_pdb = true;  // a PDB that allows disruption makes it movable
  EXPECT_EQ(PodBlocksScaleDown(sys), ScaleDownBlocker::kNone);
  CaPodFacts no;
  no.safe_to_evict = false;
  EXPECT_EQ(PodBlocksScaleDown(no), ScaleDownBlocker::kSafeToEvictFalse);
  CaPodFacts ds = local;
  ds.daemonset = true;
  EXPECT_EQ(PodBlocksScaleDown(ds), ScaleDownBlocker::kNone);
}

// ---- VPA ----

TEST(VpaHistogram, BucketsGrowByFivePercent) {
  HistogramOptions o = VpaCpuHistogramOptions();
  EXPECT_DOUBLE_EQ(o.BucketStart(0), 0.0);
  EXPECT_NEAR(o.BucketStart(1), 0.01, 1e-12);
  EXPECT_NEAR(o.BucketStart(2), 0.0205, 1e-12);
  EXPECT_NEAR(o.BucketStart(3), 0.031525, 1e-12);
  EXPECT_EQ(o.FindBucket(0.005), 0);
  EXPECT_EQ(o.FindBucket(0.0205), 2);
  EXPECT_EQ(o.FindBucket(0.03), 2);
  EXPECT_EQ(o.FindBucket(1e9), o.NumBuckets() - 1);
  // Widths grow by exactly the ratio.
  EXPECT_NEAR((o.BucketStart(11) - o.BucketStart(10)) / (o.BucketStart(10) - o.BucketStart(9)),
              1.05, 1e-9);
}

TEST(VpaHistogram, OldSamplesHalveEveryHalfLife) {
  DecayingHistogram h(VpaCpuHistogramOptions(), Duration::Hours(24));
  // Equal weights at 0.1 and 1.0 core, the 1.0 sample a day later: it weighs
  // twice as much, so the median lands in its bucket.
  h.AddSample(0.1, 1.0, Time::Zero());
  h.AddSample(1.0, 1.0, Time::Zero() + Duration::Hours(24));
  EXPECT_NEAR(h.total_weight(), 3.0, 1e-9);
  HistogramOptions o = VpaCpuHistogramOptions();
  EXPECT_DOUBLE_EQ(h.Percentile(0.5), o.BucketStart(o.FindBucket(1.0) + 1));
  EXPECT_DOUBLE_EQ(h.Percentile(0.3), o.BucketStart(o.FindBucket(0.1) + 1));
  // Far in the future the reference moves but ratios stay.
  h.AddSample(1.0, 1.0, Time::Zero() + Duration::Hours(24 * 200));
  EXPECT_DOUBLE_EQ(h.Percentile(0.5), o.BucketStart(o.FindBucket(1.0) + 1));
  // Removing it leaves only samples 199+ half-lives old: negligible weight.
  h.SubtractSample(1.0, 1.0, Time::Zero() + Duration::Hours(24 * 200));
  EXPECT_LT(h.total_weight(), 1e-50);
}

TEST(Vpa, ConfidenceMultipliersMatchTheSpec) {
  // One sample a minute for 12 h: c = 0.5 -> upper x 3; 24 h: c = 1 -> x 2.
  VpaParams params;
  for (int hours : {12, 24, 168}) {
    ContainerUsageAggregate agg(params);
    for (int m = 0; m <= hours * 60; ++m) {
      Time t = Time::Zero() + Duration::Minutes(m);
      agg.AddCpuSample(t, 0.5, 1.0);
      agg.AddMemorySample(t, 400.0 * (1 << 20));
    }
    VpaRecommendation r = Recommend(agg, params, 1);
    double c = VpaConfidence(agg);
    EXPECT_NEAR(c, hours / 24.0, 1e-6);
    double expected_mult = hours == 12 ? 3.0 : hours == 24 ? 2.0 : 1.0 + 1.0 / 7.0;
    EXPECT_NEAR(r.upper_bound.cpu_millicores / r.target.cpu_millicores, expected_mult, 1e-3)
        << hours;
    // All samples in one bucket: target = bucket end x 1.15.
    HistogramOptions o = VpaCpuHistogramOptions();
    EXPECT_NEAR(r.target.cpu_millicores, o.BucketStart(o.FindBucket(0.5) + 1) * 1000 * 1.15,
                1e-6);
    EXPECT_GT(r.target.cpu_millicores, 0.5 * 1000 * 1.15);
    EXPECT_LT(r.target.cpu_millicores, 0.5 * 1000 * 1.15 * 1.05);
  }
}

TEST(Vpa, LowerBoundMultiplierAndMinimums) {
  // 5 minutes of history: c = 5/1440, lower x (1 + 0.288)^-2 = 0.603.
  VpaParams params;
  ContainerUsageAggregate agg(params);
  for (int m = 0; m < 5; ++m) agg.AddCpuSample(Time::Zero() + Duration::Minutes(m), 2.0, 1.0);
  agg.AddCpuSample(Time::Zero() + Duration::Minutes(5), 2.0, 1.0);  // 6 samples, span 5 min
  VpaRecommendation r = Recommend(agg, params, 1);
  double c = std::min(5.0 / 1440.0, 6.0 / 1440.0);
  EXPECT_NEAR(r.confidence, c, 1e-12);
  EXPECT_NEAR(r.lower_bound.cpu_millicores / r.target.cpu_millicores,
              std::pow(1 + 0.001 / c, -2.0), 1e-9);
  EXPECT_NEAR(std::pow(1 + 0.001 / (5.0 / 1440.0), -2.0), 0.60, 0.01);
  // No memory samples: the minimum 250 MiB, split over 2 containers.
  VpaRecommendation two = Recommend(agg, params, 2);
  EXPECT_DOUBLE_EQ(two.target.memory_bytes, 125.0 * (1 << 20));
  // A single sample (no history span): upper unbounded, lower at the minimum.
  ContainerUsageAggregate empty(params);
  empty.AddCpuSample(Time::Zero(), 1.0, 1.0);
  VpaRecommendation e = Recommend(empty, params, 1);
  EXPECT_TRUE(std::isinf(e.upper_bound.cpu_millicores));
  EXPECT_DOUBLE_EQ(e.lower_bound.cpu_millicores, 25.0);
  EXPECT_TRUE(VpaShouldEvict(r, 100.0, 300.0 * (1 << 20)));  // 100m far below the lower bound
}

TEST(Vpa, MemoryUsesThePeakOfEachInterval) {
  VpaParams params;
  ContainerUsageAggregate agg(params);
  // Within one day: 100 MiB then a 900 MiB peak then 100 MiB: one entry, 900 MiB.
  agg.AddMemorySample(Time::Zero() + Duration::Hours(1), 100.0 * (1 << 20));
  agg.AddMemorySample(Time::Zero() + Duration::Hours(2), 900.0 * (1 << 20));
  agg.AddMemorySample(Time::Zero() + Duration::Hours(3), 100.0 * (1 << 20));
  EXPECT_NEAR(agg.memory().total_weight(), std::exp2(1.0), 1e-9);  // stamped at the day's end
  HistogramOptions o = VpaMemoryHistogramOptions();
  EXPECT_DOUBLE_EQ(agg.memory().Percentile(0.5), o.BucketStart(o.FindBucket(900.0 * (1 << 20)) + 1));
}

}  // namespace
}  // namespace rehearsal::models::autoscaling
