// Table-driven cases for the HPA replica calculator, from the behaviour
// shared/spec/kubernetes.md 1.3-1.6 describes; every expected value is worked
// out by hand in the case's comment.
#include "models/autoscaling/replica_calculator.h"

#include <gtest/gtest.h>

namespace rehearsal::models::autoscaling {
namespace {

using sim::Duration;
using sim::Time;

const Time kNow = Time::Zero() + Duration::Minutes(30);

// A pod started 20 min before kNow, Ready since 19 min: past every
// initialization window, so it counts as ready for CPU.
HpaPod ReadyPod(const std::string& name, int64_t cpu_request_milli = 1000) {
  HpaPod p;
  p.name = name;
  p.phase = PodPhase::kRunning;
  p.ready = ConditionStatus::kTrue;
  p.start_time = kNow - Duration::Minutes(20);
  p.ready_transition = kNow - Duration::Minutes(19);
  p.containers = {ContainerRequests{"app", cpu_request_milli, int64_t{1} << 40}};
  return p;
}

PodSample Sample(int64_t milli) { return PodSample{milli, kNow, Duration::Seconds(15)}; }

CalculatorParams Params() { return CalculatorParams{}; }

// Builds n ready pods p0..p(n-1) with the given usages (-1 = no sample).
struct Fixture {
  std::vector<HpaPod> pods;
  PodSamples samples;
};
Fixture Make(const std::vector<int64_t>& usage) {
  Fixture f;
  for (size_t i = 0; i < usage.size(); ++i) {
    std::string name = "p" + std::to_string(i);
    f.pods.push_back(ReadyPod(name));
    if (usage[i] >= 0) f.samples[name] = Sample(usage[i]);
  }
  return f;
}

struct UtilCase {
  const char* name;
  std::vector<int64_t> usage;  // per pod millicores, request 1000m each; -1 = missing
  int32_t current;
  int32_t target_percent;
  int32_t want_replicas;
  int32_t want_utilization;
  ProposalReason want_reason;
};

class UtilizationTable : public ::testing::TestWithParam<UtilCase> {};

TEST_P(UtilizationTable, ProposesAsTheSpecSays) {
  const UtilCase& c = GetParam();
  Fixture f = Make(c.usage);
  ReplicaProposal p =
      ResourceUtilizationReplicas(c.current, c.target_percent, "cpu", f.pods, f.samples,
                                  ComputeRequests(f.pods, "cpu", ""), kNow, Params());
  ASSERT_TRUE(p.valid) << p.error;
  EXPECT_EQ(p.replicas, c.want_replicas);
  EXPECT_EQ(p.utilization_percent.value_or(-1), c.want_utilization);
  EXPECT_EQ(p.reason, c.want_reason) << ProposalReasonName(p.reason);
}

INSTANTIATE_TEST_SUITE_P(
    Spec13, UtilizationTable,
    ::testing::Values(
        // U = 3000/3000 = 100 %, r = 100/30 = 3.33, ceil(3.33 x 3) = 10.
        UtilCase{"ScaleUp", {900, 1000, 1100}, 3, 30, 10, 100, ProposalReason::kScaled},
        // 10 pods at 5875m of 1000m: 587.5 % truncated to 587; r = 58.7 and
        // ceil(58.7 x 10) = 587 (untruncated would give 588).
        UtilCase{"TruncatesUtilization",
                 {5875, 5875, 5875, 5875, 5875, 5875, 5875, 5875, 5875, 5875},
                 10, 10, 587, 587, ProposalReason::kScaled},
        // U = 54 % of 50 %: r = 1.08, within 0.1: keep 3.
        UtilCase{"WithinToleranceUp", {540, 540, 540}, 3, 50, 3, 54,
                 ProposalReason::kWithinTolerance},
        // U = 46 %: r = 0.92, within: keep 3.
        UtilCase{"WithinToleranceDown", {460, 460, 460}, 3, 50, 3, 46,
                 ProposalReason::kWithinTolerance},
        // U = 20 %, r = 0.4, ceil(0.4 x 4) = 2.
        UtilCase{"ScaleDown", {200, 200, 200, 200}, 4, 50, 2, 20, ProposalReason::kScaled},
        // 3 ready at 10 %, 1 missing; r = 0.2 < 1 so the missing pod uses 100 %:
        // (300 + 1000) / 4000 = 32 %, r' = 0.64, ceil(0.64 x 4) = 3 (not 1).
        UtilCase{"MissingPodOnScaleDownCountsFullRequest", {100, 100, 100, -1}, 4, 50, 3, 10,
                 ProposalReason::kSlowScaled},
        // 3 ready at 100 %, 1 missing; r = 2 > 1 so it uses 0: 3000/4000 = 75 %,
        // r' = 1.5, ceil(1.5 x 4) = 6.
        UtilCase{"MissingPodOnScaleUpCountsZero", {1000, 1000, 1000, -1}, 4, 50, 6, 100,
                 ProposalReason::kSlowScaled},
        // 2 ready at 40 % (r = 0.8), 3 missing filled at 100 %: 3800/5000 = 76 %,
        // r' = 1.52 on the other side of 1: keep 5.
        UtilCase{"FillInFlipsDirectionKeepsCurrent", {400, 400, -1, -1, -1}, 5, 50, 5, 40,
                 ProposalReason::kSlowFlipped},
        // Surge: current 2 but 4 pods; r' = 0.64 < 1 yet ceil(0.64 x 4) = 3 > 2: keep 2.
        UtilCase{"DirectionGuard", {100, 100, 100, -1}, 2, 50, 2, 10,
                 ProposalReason::kSlowDirectionGuard},
        // 2 ready at 45 % with 1 missing: r = 0.9 < 1, fill 100 %: 1900/3000 = 63 %,
        // r' = 1.26: flipped, keep 3.
        UtilCase{"MissingAtNinetyPercentFlips", {450, 450, -1}, 3, 50, 3, 45,
                 ProposalReason::kSlowFlipped}),
    [](const ::testing::TestParamInfo<UtilCase>& param_info) { return std::string(param_info.param.name); });

TEST(ReplicaCalculator, UnreadyPodsCountZeroOnScaleUp) {
  // 3 ready at 100 % of 1000m (r = 2 vs 50 %), 1 pod that was never ready:
  // it is ignored, then filled with 0: 3000/4000 = 75 %, r' = 1.5 -> 6.
  Fixture f = Make({1000, 1000, 1000, 0});
  f.pods[3].ready = ConditionStatus::kFalse;
  f.pods[3].ready_transition = *f.pods[3].start_time + Duration::Seconds(5);
  ReplicaProposal p = ResourceUtilizationReplicas(4, 50, "cpu", f.pods, f.samples,
                                                  ComputeRequests(f.pods, "cpu", ""), kNow,
                                                  Params());
  ASSERT_TRUE(p.valid);
  EXPECT_EQ(p.ready_pods, 3);
  EXPECT_EQ(p.ignored_pods, 1);
  EXPECT_EQ(p.replicas, 6);
  EXPECT_EQ(p.ignored_names, std::vector<std::string>{"p3"});
}

TEST(ReplicaCalculator, UnreadyPodsIgnoredOnScaleDownUseFastPath) {
  // 3 ready at 20 % (r = 0.4) and a never-ready pod: fast path over the ready
  // pods only: ceil(0.4 x 3) = 2.
  Fixture f = Make({200, 200, 200, 900});
  f.pods[3].ready = ConditionStatus::kFalse;
  f.pods[3].ready_transition = *f.pods[3].start_time;
  ReplicaProposal p = ResourceUtilizationReplicas(4, 50, "cpu", f.pods, f.samples,
                                                  ComputeRequests(f.pods, "cpu", ""), kNow,
                                                  Params());
  EXPECT_EQ(p.replicas, 2);
  EXPECT_FALSE(p.slow_path);
}

TEST(ReplicaCalculator, ClassifiesPodsInTheSpecOrder) {
  CalculatorParams params;  // init 5 min, readiness delay 30 s
  PodSample s = Sample(100);
  HpaPod base = ReadyPod("x");

  HpaPod deleting = base;
  deleting.deleting = true;
  EXPECT_EQ(ClassifyPod(deleting, &s, "cpu", kNow, params), PodClass::kDropped);
  HpaPod failed = base;
  failed.phase = PodPhase::kFailed;
  EXPECT_EQ(ClassifyPod(failed, &s, "cpu", kNow, params), PodClass::kDropped);
  HpaPod pending = base;
  pending.phase = PodPhase::kPending;
  EXPECT_EQ(ClassifyPod(pending, nullptr, "cpu", kNow, params), PodClass::kIgnored);
  EXPECT_EQ(ClassifyPod(base, nullptr, "cpu", kNow, params), PodClass::kMissing);
  HpaPod no_condition = base;
  no_condition.ready.reset();
  EXPECT_EQ(ClassifyPod(no_condition, &s, "cpu", kNow, params), PodClass::kIgnored);
  EXPECT_EQ(ClassifyPod(no_condition, &s, "memory", kNow, params), PodClass::kReady);

  // Within the CPU initialization period (started 2 min ago).
  HpaPod young = base;
  young.start_time = kNow - Duration::Minutes(2);
  young.ready_transition = kNow - Duration::Seconds(90);
  PodSample fresh{100, kNow, Duration::Seconds(15)};
  EXPECT_EQ(ClassifyPod(young, &fresh, "cpu", kNow, params), PodClass::kReady);
  // Sample taken before Ready + window: it may cover the warm-up.
  PodSample early{100, young.ready_transition + Duration::Seconds(10), Duration::Seconds(15)};
  EXPECT_EQ(ClassifyPod(young, &early, "cpu", kNow, params), PodClass::kIgnored);
  HpaPod young_unready = young;
  young_unready.ready = ConditionStatus::kFalse;
  EXPECT_EQ(ClassifyPod(young_unready, &fresh, "cpu", kNow, params), PodClass::kIgnored);
  // Memory skips the readiness rules.
  EXPECT_EQ(ClassifyPod(young_unready, &fresh, "memory", kNow, params), PodClass::kReady);

  // After the init period: unready pods that were ready once count; never-ready ones do not.
  HpaPod was_ready = base;
  was_ready.ready = ConditionStatus::kFalse;
  was_ready.ready_transition = *base.start_time + Duration::Minutes(10);
  EXPECT_EQ(ClassifyPod(was_ready, &s, "cpu", kNow, params), PodClass::kReady);
  HpaPod never_ready = was_ready;
  never_ready.ready_transition = *base.start_time + Duration::Seconds(29);
  EXPECT_EQ(ClassifyPod(never_ready, &s, "cpu", kNow, params), PodClass::kIgnored);
  // Ready condition Unknown is not False: counted.
  HpaPod unknown = base;
  unknown.ready = ConditionStatus::kUnknown;
  EXPECT_EQ(ClassifyPod(unknown, &s, "cpu", kNow, params), PodClass::kReady);
}

TEST(ReplicaCalculator, DeletingAndFailedPodsAreNotFilledIn) {
  // 2 ready at 100 % vs 50 %, 1 deleting pod without a sample: dropped, not
  // missing, so the fast path gives ceil(2 x 2) = 4.
  Fixture f = Make({1000, 1000, -1});
  f.pods[2].deleting = true;
  ReplicaProposal p = ResourceUtilizationReplicas(3, 50, "cpu", f.pods, f.samples,
                                                  ComputeRequests(f.pods, "cpu", ""), kNow,
                                                  Params());
  EXPECT_EQ(p.replicas, 4);
  EXPECT_EQ(p.dropped_pods, 1);
  EXPECT_EQ(p.missing_pods, 0);
}

TEST(ReplicaCalculator, RequestsWeightTheAverage) {
  // 500m of a 500m request plus 0 of a 1500m request: 500/2000 = 25 %.
  std::vector<HpaPod> pods = {ReadyPod("a", 500), ReadyPod("b", 1500)};
  PodSamples samples = {{"a", Sample(500)}, {"b", Sample(0)}};
  ReplicaProposal p = ResourceUtilizationReplicas(
      2, 50, "cpu", pods, samples, ComputeRequests(pods, "cpu", ""), kNow, Params());
  EXPECT_EQ(p.utilization_percent, 25);
  EXPECT_EQ(p.replicas, 1);  // r = 0.5, ceil(0.5 x 2) = 1
}

TEST(ReplicaCalculator, Errors) {
  Fixture f = Make({500, 500});
  f.pods[1].containers.push_back(ContainerRequests{"sidecar", std::nullopt, std::nullopt});
  ReplicaProposal missing_request = ResourceUtilizationReplicas(
      2, 50, "cpu", f.pods, f.samples, ComputeRequests(f.pods, "cpu", ""), kNow, Params());
  EXPECT_FALSE(missing_request.valid);
  EXPECT_NE(missing_request.error.find("missing request for cpu"), std::string::npos);

  Fixture none = Make({-1, -1});
  ReplicaProposal no_metrics = ResourceUtilizationReplicas(
      2, 50, "cpu", none.pods, none.samples, ComputeRequests(none.pods, "cpu", ""), kNow,
      Params());
  EXPECT_FALSE(no_metrics.valid);
  EXPECT_EQ(no_metrics.error, "did not receive metrics for any ready pods");

  ReplicaProposal no_pods =
      ResourceUtilizationReplicas(2, 50, "cpu", {}, {}, PodRequests{}, kNow, Params());
  EXPECT_FALSE(no_pods.valid);
}

TEST(ReplicaCalculator, ContainerResourceUsesOnlyTheNamedContainer) {
  HpaPod pod = ReadyPod("a", 1000);
  pod.containers.push_back(ContainerRequests{"envoy", 1000, 0});
  PodRequests app = ComputeRequests({pod}, "cpu", "app");
  EXPECT_EQ(app.milli.at("a"), 1000);
  PodRequests all = ComputeRequests({pod}, "cpu", "");
  EXPECT_EQ(all.milli.at("a"), 2000);
  PodRequests missing = ComputeRequests({pod}, "cpu", "nope");
  EXPECT_FALSE(missing.error.empty());
}

TEST(ReplicaCalculator, PlainMetricAverages) {
  // Pods metric: values 10, 20, 30 (milli x1000) vs target 10: average 20,
  // r = 2, ceil(2 x 3) = 6.
  Fixture f = Make({10000, 20000, 30000});
  ReplicaProposal p = PlainMetricReplicas(3, 10000, "", f.pods, f.samples, kNow, Params());
  EXPECT_EQ(p.replicas, 6);
  EXPECT_EQ(p.current_value_milli, 20000);

  // The average truncates in milli units: (1 + 1 + 2) / 3 = 1 -> r = 1, keep.
  Fixture g = Make({1, 1, 2});
  EXPECT_EQ(PlainMetricReplicas(3, 1, "", g.pods, g.samples, kNow, Params()).reason,
            ProposalReason::kWithinTolerance);

  // 2 ready at 5 vs target 10 (r = 0.5) + 1 missing filled with the target:
  // (5000 + 5000 + 10000) / 3 = 6666, r' = 0.6666, ceil(1.9998) = 2.
  Fixture h = Make({5000, 5000, -1});
  ReplicaProposal q = PlainMetricReplicas(3, 10000, "", h.pods, h.samples, kNow, Params());
  EXPECT_EQ(q.replicas, 2);
  EXPECT_EQ(q.reason, ProposalReason::kSlowScaled);
}

TEST(ReplicaCalculator, PodsMetricIgnoresReadinessRules) {
  // An unready (never ready) pod with a sample counts for a Pods metric.
  Fixture f = Make({20000, 20000});
  f.pods[1].ready = ConditionStatus::kFalse;
  f.pods[1].ready_transition = *f.pods[1].start_time;
  ReplicaProposal p = PlainMetricReplicas(2, 10000, "", f.pods, f.samples, kNow, Params());
  EXPECT_EQ(p.ready_pods, 2);
  EXPECT_EQ(p.replicas, 4);
}

TEST(ReplicaCalculator, ObjectAndExternalMetrics) {
  // Object Value: 200 vs 100, r = 2: ceil(2 x 3 ready) = 6; from zero: ceil(2) = 2.
  EXPECT_EQ(ObjectValueReplicas(3, 200000, 100000, 3, Params()).replicas, 6);
  EXPECT_EQ(ObjectValueReplicas(0, 200000, 100000, 0, Params()).replicas, 2);
  EXPECT_EQ(ObjectValueReplicas(0, 200000, 100000, 0, Params()).reason,
            ProposalReason::kScaleFromZero);
  // 105 vs 100: within tolerance.
  EXPECT_EQ(ObjectValueReplicas(3, 105000, 100000, 3, Params()).replicas, 3);
  // AverageValue: queue 240 vs 30 per pod on 4 replicas -> 8, reported 60.
  ReplicaProposal a = ObjectAverageValueReplicas(4, 4, 240000, 30000, Params());
  EXPECT_EQ(a.replicas, 8);
  EXPECT_EQ(a.current_value_milli, 60000);
  // 125 vs 30 x 4 = 120: r = 1.04, within: stays at statusReplicas.
  EXPECT_EQ(ObjectAverageValueReplicas(4, 4, 125000, 30000, Params()).replicas, 4);

  std::vector<HpaPod> pods = {ReadyPod("a"), ReadyPod("b"), ReadyPod("c")};
  pods[1].phase = PodPhase::kPending;
  pods[2].ready = ConditionStatus::kFalse;
  EXPECT_EQ(CountRunningReadyPods(pods), 1);
}

TEST(ReplicaCalculator, TolerancePerDirection) {
  CalculatorParams p;
  p.scale_up_tolerance = 0.0;
  p.scale_down_tolerance = 0.5;
  EXPECT_FALSE(p.WithinTolerance(1.05));
  EXPECT_TRUE(p.WithinTolerance(0.6));
  EXPECT_TRUE(CalculatorParams{}.WithinTolerance(1.08));
  EXPECT_FALSE(CalculatorParams{}.WithinTolerance(1.2));
}

ReplicaProposal Valid(int32_t replicas) {
  ReplicaProposal p;
  p.valid = true;
  p.replicas = replicas;
  return p;
}
ReplicaProposal Bad() {
  ReplicaProposal p;
  p.error = "boom";
  return p;
}

TEST(CombineProposals, MaxOfValidWithTheInvalidMetricRules) {
  CombinedProposal max = CombineProposals({Valid(3), Valid(7), Valid(5)}, 4);
  EXPECT_TRUE(max.valid);
  EXPECT_EQ(max.replicas, 7);
  EXPECT_EQ(max.index, 1);
  // TestScaleUpOneMetricEmpty: one invalid, the valid one scales up -> go ahead.
  CombinedProposal up = CombineProposals({Bad(), Valid(6)}, 4);
  EXPECT_TRUE(up.valid);
  EXPECT_EQ(up.replicas, 6);
  EXPECT_EQ(up.invalid_metrics, 1);
  // TestNoScaleDownOneMetricInvalid: one invalid and the rest scale down -> no scaling.
  EXPECT_FALSE(CombineProposals({Valid(2), Bad()}, 4).valid);
  // Equal to spec replicas is not a scale-down.
  EXPECT_TRUE(CombineProposals({Valid(4), Bad()}, 4).valid);
  EXPECT_FALSE(CombineProposals({Bad(), Bad()}, 4).valid);
}

}  // namespace
}  // namespace rehearsal::models::autoscaling
