#pragma once
// HPA normalization and the decision of one sync (shared/spec/kubernetes.md
// 1.2, 1.7, 1.8), as horizontal.go computes them: the legacy path
// (stabilization over 5 min + scaleUpLimit = max(2 x current, 4)) and the
// behavior path (stabilization windows both ways, then rate-limit policies).
// Pure: the per-HPA memory (recommendations, scale events) is a plain struct
// the caller owns and passes in; time is an argument.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/autoscaling/hpa_types.h"
#include "models/autoscaling/replica_calculator.h"
#include "sim/time.h"

namespace rehearsal::models::autoscaling {

struct TimestampedRecommendation {
  int32_t replicas = 0;
  sim::Time at;
};

struct ScaleEvent {
  int32_t change = 0;  // absolute delta
  sim::Time at;
  bool outdated = false;
};

// What the controller remembers about one HPA between syncs (upstream keeps
// it in memory, keyed by HPA; a controller restart forgets it).
struct HpaHistory {
  bool seeded = false;
  std::vector<TimestampedRecommendation> recommendations;
  std::vector<ScaleEvent> scale_up_events;
  std::vector<ScaleEvent> scale_down_events;
};

// 1.2 step 4: the first sync seeds the recommendations with the current count.
void SeedHistory(HpaHistory* history, int32_t current_replicas, sim::Time now);

// The AbleToScale condition reason of the stabilization step.
enum class StabilizationReason { kReadyForNewScale, kScaleUpStabilized, kScaleDownStabilized };
// The ScalingLimited condition reason of the clamp / rate-limit step.
enum class LimitReason {
  kDesiredWithinRange,
  kScaleUpLimit,
  kTooManyReplicas,
  kScaleDownLimit,
  kTooFewReplicas,
};
const char* StabilizationReasonName(StabilizationReason r);
const char* LimitReasonName(LimitReason r);

// One rate-limit policy's proposal (behavior path, step B).
struct PolicyLimit {
  ScalingPolicy policy;
  int32_t period_start = 0;  // current - Σup changes + Σdown changes within the period
  int32_t proposal = 0;
};

struct NormalizationResult {
  int32_t raw = 0;          // the metrics' proposal (input)
  int32_t stabilized = 0;   // after stabilization
  int32_t desired = 0;      // final
  StabilizationReason stabilization = StabilizationReason::kReadyForNewScale;
  LimitReason limit = LimitReason::kDesiredWithinRange;
  // Legacy: max(2 x current, 4). Behavior: the selected scale-up or scale-down
  // limit (after raising/lowering it to current); -1 when no direction applied.
  int32_t rate_limit = -1;
  std::vector<PolicyLimit> policies;  // behavior path, the policies of the direction of change
  int32_t up_floor = 0;     // behavior: min over the scale-up window (incl. raw)
  int32_t down_ceil = 0;    // max over the scale-down window (incl. raw)
};

// Legacy path (1.7). Worked example: current 3, raw 10, max 20 ->
// scaleUpLimit max(6, 4) = 6, desired 6, reason ScaleUpLimit. A raw 2 five
// syncs after recommendations of 5 within 5 min -> stabilized 5.
// REQUIRES: min_replicas <= max_replicas.
NormalizationResult NormalizeLegacy(HpaHistory* history, int32_t current_replicas, int32_t raw,
                                    int32_t min_replicas, int32_t max_replicas,
                                    sim::Duration downscale_window, sim::Time now);

// Behavior path (1.8). Worked example with the default rules: current 5, raw
// 30, max 100, no recent events -> policies Pods 5+4 = 9, Percent
// ceil(5 x 2) = 10, selectPolicy Max -> 10, reason ScaleUpLimit. Scale-down
// Percent 50 from periodStart 5: 5 x 0.5 = 2.5 truncated to 2.
// REQUIRES: min_replicas <= max_replicas.
NormalizationResult NormalizeWithBehavior(HpaHistory* history, int32_t current_replicas,
                                          int32_t raw, int32_t min_replicas,
                                          int32_t max_replicas, const ResolvedRules& up,
                                          const ResolvedRules& down, sim::Time now);

// Σ changes of events strictly younger than `period_seconds` before now.
int32_t ReplicasChangedInPeriod(const std::vector<ScaleEvent>& events, int32_t period_seconds,
                                sim::Time now);

// After a successful rescale with behavior set: stores the delta in the up or
// down list, reusing a slot older than that direction's longest policy period.
void RecordScaleEvent(HpaHistory* history, const ResolvedRules& up, const ResolvedRules& down,
                      int32_t previous_replicas, int32_t new_replicas, sim::Time now);

// The outcome of one HPA sync (1.2).
enum class HpaSyncOutcome {
  kScalingDisabled,  // spec.replicas == 0 and minReplicas != 0
  kAboveMax,         // current > max: desired = max (no normalization)
  kBelowMin,         // current < min: desired = min (no normalization)
  kMetricsInvalid,   // 1.6: no scaling this sync
  kNormalized,       // metrics -> max -> normalization
};
const char* HpaSyncOutcomeName(HpaSyncOutcome o);

struct HpaSyncDecision {
  HpaSyncOutcome outcome = HpaSyncOutcome::kNormalized;
  int32_t current_replicas = 0;
  int32_t desired_replicas = 0;
  bool rescale = false;
  CombinedProposal combined;
  std::optional<NormalizationResult> normalization;
};

// One sync: pre-checks, max over metrics, normalization; seeds the history
// on the first call and records the scale event when behavior is set and the
// count changes (the caller applies desired_replicas to the scale target).
HpaSyncDecision DecideHpaSync(HpaHistory* history, const HpaConfig& hpa,
                              const HpaControllerFlags& flags, int32_t spec_replicas,
                              const std::vector<ReplicaProposal>& proposals, sim::Time now);

}  // namespace rehearsal::models::autoscaling
