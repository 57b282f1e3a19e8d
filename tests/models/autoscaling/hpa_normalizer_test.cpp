// HPA normalization (shared/spec/kubernetes.md 1.7, 1.8) and the sync
// pre-checks (1.2). Expected values are worked out by hand from the spec.
#include "models/autoscaling/hpa_normalizer.h"

#include <gtest/gtest.h>

namespace rehearsal::models::autoscaling {
namespace {

using sim::Duration;
using sim::Time;

Time At(int64_t seconds) { return Time::Zero() + Duration::Seconds(seconds); }

ResolvedRules Up(const ScalingRules& r = {}) { return ResolveScaleUp(r, HpaControllerFlags{}); }
ResolvedRules Down(const ScalingRules& r = {}) {
  return ResolveScaleDown(r, HpaControllerFlags{});
}

TEST(Behavior, DefaultsFollowTheSpec) {
  ResolvedRules up = Up();
  EXPECT_EQ(up.stabilization_window_seconds, 0);
  EXPECT_EQ(up.select_policy, SelectPolicy::kMax);
  ASSERT_EQ(up.policies.size(), 2u);
  EXPECT_EQ(up.policies[0], (ScalingPolicy{ScalingPolicyType::kPods, 4, 15}));
  EXPECT_EQ(up.policies[1], (ScalingPolicy{ScalingPolicyType::kPercent, 100, 15}));
  ResolvedRules down = Down();
  EXPECT_EQ(down.stabilization_window_seconds, 300);
  ASSERT_EQ(down.policies.size(), 1u);
  EXPECT_EQ(down.policies[0], (ScalingPolicy{ScalingPolicyType::kPercent, 100, 15}));
  // A user list replaces the whole default list; other fields keep defaults.
  ScalingRules custom;
  custom.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPods, 1, 60}};
  ResolvedRules c = Up(custom);
  ASSERT_EQ(c.policies.size(), 1u);
  EXPECT_EQ(c.select_policy, SelectPolicy::kMax);
}

struct LegacyCase {
  const char* name;
  int32_t current, raw, min, max;
  int32_t want;
  LimitReason reason;
};

class LegacyTable : public ::testing::TestWithParam<LegacyCase> {};

TEST_P(LegacyTable, ClampsToMinMaxAndScaleUpLimit) {
  const LegacyCase& c = GetParam();
  HpaHistory h;
  NormalizationResult r =
      NormalizeLegacy(&h, c.current, c.raw, c.min, c.max, Duration::Minutes(5), At(0));
  EXPECT_EQ(r.desired, c.want);
  EXPECT_EQ(r.limit, c.reason) << LimitReasonName(r.limit);
}

INSTANTIATE_TEST_SUITE_P(
    Spec17, LegacyTable,
    ::testing::Values(
        // scaleUpLimit = max(2 x 3, 4) = 6 < max 20.
        LegacyCase{"ScaleUpLimit", 3, 10, 1, 20, 6, LimitReason::kScaleUpLimit},
        // max 5 < scaleUpLimit 6: TooManyReplicas.
        LegacyCase{"TooMany", 3, 10, 1, 5, 5, LimitReason::kTooManyReplicas},
        // current 1: max(2, 4) = 4.
        LegacyCase{"FloorOfFour", 1, 10, 1, 20, 4, LimitReason::kScaleUpLimit},
        LegacyCase{"TooFew", 3, 1, 2, 20, 2, LimitReason::kTooFewReplicas},
        LegacyCase{"Within", 3, 5, 1, 20, 5, LimitReason::kDesiredWithinRange}),
    [](const ::testing::TestParamInfo<LegacyCase>& param_info) { return std::string(param_info.param.name); });

TEST(Legacy, ScaleDownWaitsForTheFiveMinuteWindow) {
  HpaHistory h;
  SeedHistory(&h, 5, At(0));
  // One minute later the raw proposal is 2: the max of the last 5 min is 5.
  NormalizationResult r = NormalizeLegacy(&h, 5, 2, 1, 10, Duration::Minutes(5), At(60));
  EXPECT_EQ(r.desired, 5);
  EXPECT_EQ(r.stabilization, StabilizationReason::kScaleDownStabilized);
  // At 5 min exactly the seed (t = 0) is still inside the window (not before the cutoff).
  EXPECT_EQ(NormalizeLegacy(&h, 5, 2, 1, 10, Duration::Minutes(5), At(300)).desired, 5);
  // At 5 min 1 s the seed has left the window; the others say 2.
  EXPECT_EQ(NormalizeLegacy(&h, 5, 2, 1, 10, Duration::Minutes(5), At(301)).desired, 2);
  // The old entry was overwritten, not appended.
  EXPECT_EQ(h.recommendations.size(), 3u);
}

struct BehaviorCase {
  const char* name;
  int32_t current, raw, min, max;
  ScalingRules up, down;
  int32_t want;
  LimitReason reason;
};

ScalingRules Rules(SelectPolicy select, std::vector<ScalingPolicy> policies, int32_t window = 0) {
  ScalingRules r;
  r.select_policy = select;
  r.policies = std::move(policies);
  r.stabilization_window_seconds = window;
  return r;
}

class BehaviorTable : public ::testing::TestWithParam<BehaviorCase> {};

TEST_P(BehaviorTable, RateLimitsAsTheSpecSays) {
  const BehaviorCase& c = GetParam();
  HpaHistory h;  // no history: periodStart = current, stabilization over raw only
  NormalizationResult r = NormalizeWithBehavior(&h, c.current, c.raw, c.min, c.max, Up(c.up),
                                                Down(c.down), At(1000));
  EXPECT_EQ(r.desired, c.want);
  EXPECT_EQ(r.limit, c.reason) << LimitReasonName(r.limit);
}

const ScalingPolicy kPods4{ScalingPolicyType::kPods, 4, 15};
const ScalingPolicy kPct100{ScalingPolicyType::kPercent, 100, 15};

INSTANTIATE_TEST_SUITE_P(
    Spec18, BehaviorTable,
    ::testing::Values(
        // Defaults: Pods 5 + 4 = 9, Percent ceil(5 x 2) = 10, Max -> 10.
        BehaviorCase{"DefaultUp", 5, 30, 1, 100, {}, Rules(SelectPolicy::kMax, {kPct100}), 10,
                     LimitReason::kScaleUpLimit},
        // selectPolicy Min -> 9.
        BehaviorCase{"MinPolicyUp", 5, 30, 1, 100,
                     Rules(SelectPolicy::kMin, {kPods4, kPct100}), {}, 9,
                     LimitReason::kScaleUpLimit},
        // Disabled: the limit equals current.
        BehaviorCase{"DisabledUp", 5, 30, 1, 100, Rules(SelectPolicy::kDisabled, {kPods4}), {},
                     5, LimitReason::kScaleUpLimit},
        // max 8 < limit 10: TooManyReplicas.
        BehaviorCase{"TooManyUp", 5, 30, 1, 8, {}, {}, 8, LimitReason::kTooManyReplicas},
        // Percent 50 from 3: ceil(4.5) = 5 (rounded up).
        BehaviorCase{"PercentRoundsUp", 3, 30, 1, 100,
                     Rules(SelectPolicy::kMax, {{ScalingPolicyType::kPercent, 50, 60}}), {}, 5,
                     LimitReason::kScaleUpLimit},
        // Within the limits: raw goes through.
        BehaviorCase{"WithinUp", 5, 7, 1, 100, {}, {}, 7, LimitReason::kDesiredWithinRange},
        // Scale-down, window 0, Percent 50 from 5: 2.5 truncated to 2.
        BehaviorCase{"PercentDownTruncates", 5, 1, 1, 100, {},
                     Rules(SelectPolicy::kMax, {{ScalingPolicyType::kPercent, 50, 60}}), 2,
                     LimitReason::kScaleDownLimit},
        // Max = biggest change: Pods 10 - 1 = 9 vs Percent 50 -> 5: take 5.
        BehaviorCase{"MaxDownTakesBiggestChange", 10, 1, 1, 100, {},
                     Rules(SelectPolicy::kMax, {{ScalingPolicyType::kPods, 1, 60},
                                                {ScalingPolicyType::kPercent, 50, 60}}),
                     5, LimitReason::kScaleDownLimit},
        BehaviorCase{"MinDownTakesSmallestChange", 10, 1, 1, 100, {},
                     Rules(SelectPolicy::kMin, {{ScalingPolicyType::kPods, 1, 60},
                                                {ScalingPolicyType::kPercent, 50, 60}}),
                     9, LimitReason::kScaleDownLimit},
        BehaviorCase{"DisabledDown", 10, 1, 1, 100, {},
                     Rules(SelectPolicy::kDisabled, {{ScalingPolicyType::kPods, 1, 60}}), 10,
                     LimitReason::kScaleDownLimit},
        // Percent 100 allows anything down to 0, so min binds: TooFewReplicas.
        BehaviorCase{"TooFewDown", 10, 1, 3, 100, {}, Rules(SelectPolicy::kMax, {kPct100}), 3,
                     LimitReason::kTooFewReplicas}),
    [](const ::testing::TestParamInfo<BehaviorCase>& param_info) {
      return std::string(param_info.param.name);
    });

TEST(Behavior, PeriodStartSubtractsRecentScaleUps) {
  HpaHistory h;
  // 5 -> 10 at t = 0 (recorded); at t = 10 s the raw proposal is 40:
  // periodStart = 10 - 5 = 5, so Pods 9 / Percent 10: the limit is 10 = current.
  RecordScaleEvent(&h, Up(), Down(), 5, 10, At(0));
  NormalizationResult r = NormalizeWithBehavior(&h, 10, 40, 1, 100, Up(), Down(), At(10));
  EXPECT_EQ(r.desired, 10);
  ASSERT_EQ(r.policies.size(), 2u);
  EXPECT_EQ(r.policies[0].period_start, 5);
  // At t = 15 s the event is exactly one period old: no longer counted (strictly after the cutoff).
  r = NormalizeWithBehavior(&h, 10, 40, 1, 100, Up(), Down(), At(15));
  EXPECT_EQ(r.desired, 20);
  EXPECT_EQ(ReplicasChangedInPeriod(h.scale_up_events, 15, At(14)), 5);
  EXPECT_EQ(ReplicasChangedInPeriod(h.scale_up_events, 15, At(15)), 0);
}

TEST(Behavior, PeriodStartAddsBackRecentScaleDowns) {
  HpaHistory h;
  ScalingRules down = Rules(SelectPolicy::kMax, {{ScalingPolicyType::kPods, 2, 60}});
  // 10 -> 8 at t = 0; at t = 30 s periodStart = 8 + 2 = 10, Pods limit 10 - 2 = 8 = current.
  RecordScaleEvent(&h, Up(), Down(down), 10, 8, At(0));
  NormalizationResult r = NormalizeWithBehavior(&h, 8, 1, 1, 100, Up(), Down(down), At(30));
  EXPECT_EQ(r.desired, 8);
  r = NormalizeWithBehavior(&h, 8, 1, 1, 100, Up(), Down(down), At(61));
  EXPECT_EQ(r.desired, 6);
}

TEST(Behavior, ScaleEventSlotsAreReusedAfterTheLongestPeriod) {
  HpaHistory h;
  RecordScaleEvent(&h, Up(), Down(), 1, 2, At(0));
  RecordScaleEvent(&h, Up(), Down(), 2, 4, At(10));
  EXPECT_EQ(h.scale_up_events.size(), 2u);
  RecordScaleEvent(&h, Up(), Down(), 4, 8, At(30));  // both older than 15 s: reuse the first
  EXPECT_EQ(h.scale_up_events.size(), 2u);
  EXPECT_EQ(ReplicasChangedInPeriod(h.scale_up_events, 15, At(31)), 4);
}

TEST(Behavior, DefaultScaleDownWaitsOutTheWindow) {
  // Seeded with 10 at t = 0, raw 4 every 15 s: the max over the last 300 s is
  // 10 until the seed leaves the window (strictly older than 300 s).
  HpaHistory h;
  SeedHistory(&h, 10, At(0));
  int32_t current = 10;
  int64_t scaled_at = -1;
  for (int64_t t = 15; t <= 600 && scaled_at < 0; t += 15) {
    NormalizationResult r = NormalizeWithBehavior(&h, current, 4, 1, 100, Up(), Down(), At(t));
    if (r.desired != current) {
      EXPECT_EQ(r.desired, 4);
      scaled_at = t;
    } else {
      EXPECT_EQ(r.stabilization, StabilizationReason::kScaleDownStabilized);
    }
  }
  EXPECT_EQ(scaled_at, 300);
}

TEST(Behavior, ScaleUpWindowHoldsTheLowestRecentRecommendation) {
  HpaHistory h;
  ScalingRules up = Rules(SelectPolicy::kMax, {kPods4, kPct100}, 60);
  SeedHistory(&h, 3, At(0));
  NormalizationResult r = NormalizeWithBehavior(&h, 3, 10, 1, 100, Up(up), Down(), At(15));
  EXPECT_EQ(r.desired, 3);
  EXPECT_EQ(r.stabilization, StabilizationReason::kScaleUpStabilized);
  // t = 61: the seed (3) left the window; recommendations since are 10.
  r = NormalizeWithBehavior(&h, 3, 10, 1, 100, Up(up), Down(), At(61));
  EXPECT_EQ(r.stabilized, 10);
  EXPECT_EQ(r.desired, 7);  // Pods 3 + 4 = 7, Percent 6 -> Max 7
}

HpaConfig Hpa(int32_t min, int32_t max, bool behavior) {
  HpaConfig c;
  c.name = "web";
  c.min_replicas = min;
  c.max_replicas = max;
  if (behavior) c.behavior = HpaBehavior{};
  return c;
}

ReplicaProposal Proposal(int32_t replicas) {
  ReplicaProposal p;
  p.valid = true;
  p.replicas = replicas;
  return p;
}

TEST(HpaSync, PreChecks) {
  HpaControllerFlags flags;
  HpaHistory h1;
  EXPECT_EQ(DecideHpaSync(&h1, Hpa(1, 10, true), flags, 0, {Proposal(5)}, At(0)).outcome,
            HpaSyncOutcome::kScalingDisabled);
  HpaHistory h2;
  HpaSyncDecision above = DecideHpaSync(&h2, Hpa(1, 10, true), flags, 12, {Proposal(20)}, At(0));
  EXPECT_EQ(above.outcome, HpaSyncOutcome::kAboveMax);
  EXPECT_EQ(above.desired_replicas, 10);
  HpaHistory h3;
  HpaSyncDecision below = DecideHpaSync(&h3, Hpa(4, 10, true), flags, 2, {Proposal(1)}, At(0));
  EXPECT_EQ(below.desired_replicas, 4);
  HpaHistory h4;
  ReplicaProposal bad;
  bad.error = "x";
  HpaSyncDecision invalid = DecideHpaSync(&h4, Hpa(1, 10, true), flags, 5, {bad}, At(0));
  EXPECT_EQ(invalid.outcome, HpaSyncOutcome::kMetricsInvalid);
  EXPECT_FALSE(invalid.rescale);
}

TEST(HpaSync, RecordsScaleEventsOnlyWithBehavior) {
  HpaControllerFlags flags;
  HpaHistory with;
  HpaSyncDecision d = DecideHpaSync(&with, Hpa(1, 100, true), flags, 5, {Proposal(8)}, At(0));
  EXPECT_TRUE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 8);
  EXPECT_EQ(with.scale_up_events.size(), 1u);
  HpaHistory without;
  HpaSyncDecision l = DecideHpaSync(&without, Hpa(1, 100, false), flags, 5, {Proposal(30)}, At(0));
  EXPECT_EQ(l.desired_replicas, 10);  // legacy: max(2 x 5, 4)
  EXPECT_TRUE(without.scale_up_events.empty());
}

}  // namespace
}  // namespace rehearsal::models::autoscaling
