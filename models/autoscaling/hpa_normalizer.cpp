#include "models/autoscaling/hpa_normalizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {
namespace {

sim::Duration Seconds(int32_t s) { return sim::Duration::Seconds(s); }

int32_t LongestPeriod(const ResolvedRules& rules) {
  int32_t longest = 0;
  for (const auto& p : rules.policies) longest = std::max(longest, p.period_seconds);
  return longest;
}

void StoreEvent(std::vector<ScaleEvent>* events, int32_t longest_period_s, int32_t change,
                sim::Time now) {
  sim::Time cutoff = now - Seconds(longest_period_s);
  for (auto& e : *events)
    if (e.at < cutoff) e.outdated = true;
  for (auto& e : *events) {
    if (e.outdated) {
      e = ScaleEvent{change, now, false};
      return;
    }
  }
  events->push_back(ScaleEvent{change, now, false});
}

// 1.8 step B, scale-up limit. Pods -> periodStart + value; Percent ->
// ceil(periodStart x (1 + value/100)); Max / Min / Disabled selection.
int32_t ScaleUpLimit(const HpaHistory& h, int32_t current, const ResolvedRules& rules,
                     sim::Time now, std::vector<PolicyLimit>* out) {
  if (rules.select_policy == SelectPolicy::kDisabled) return current;
  bool pick_min = rules.select_policy == SelectPolicy::kMin;
  int32_t result = pick_min ? std::numeric_limits<int32_t>::max()
                            : std::numeric_limits<int32_t>::min();
  for (const auto& policy : rules.policies) {
    int32_t added = ReplicasChangedInPeriod(h.scale_up_events, policy.period_seconds, now);
    int32_t deleted = ReplicasChangedInPeriod(h.scale_down_events, policy.period_seconds, now);
    int32_t period_start = current - added + deleted;
    int32_t proposed = 0;
    if (policy.type == ScalingPolicyType::kPods) {
      proposed = period_start + policy.value;
    } else {
      proposed = static_cast<int32_t>(std::ceil(static_cast<double>(period_start) *
                                                (1.0 + static_cast<double>(policy.value) / 100.0)));
    }
    out->push_back(PolicyLimit{policy, period_start, proposed});
    result = pick_min ? std::min(result, proposed) : std::max(result, proposed);
  }
  return result;
}

// 1.8 step B, scale-down limit. Pods -> periodStart - value; Percent ->
// periodStart x (1 - value/100) truncated; Max picks the smallest (the
// biggest change), Min the largest.
int32_t ScaleDownLimit(const HpaHistory& h, int32_t current, const ResolvedRules& rules,
                       sim::Time now, std::vector<PolicyLimit>* out) {
  if (rules.select_policy == SelectPolicy::kDisabled) return current;
  bool pick_max = rules.select_policy == SelectPolicy::kMin;
  int32_t result = pick_max ? std::numeric_limits<int32_t>::min()
                            : std::numeric_limits<int32_t>::max();
  for (const auto& policy : rules.policies) {
    int32_t added = ReplicasChangedInPeriod(h.scale_up_events, policy.period_seconds, now);
    int32_t deleted = ReplicasChangedInPeriod(h.scale_down_events, policy.period_seconds, now);
    int32_t period_start = current - added + deleted;
    int32_t proposed = 0;
    if (policy.type == ScalingPolicyType::kPods) {
      proposed = period_start - policy.value;
    } else {
      proposed = static_cast<int32_t>(static_cast<double>(period_start) *
                                      (1.0 - static_cast<double>(policy.value) / 100.0));
    }
    out->push_back(PolicyLimit{policy, period_start, proposed});
    result = pick_max ? std::max(result, proposed) : std::min(result, proposed);
  }
  return result;
}

}  // namespace

void SeedHistory(HpaHistory* history, int32_t current_replicas, sim::Time now) {
  if (history->seeded) return;
  history->seeded = true;
  history->recommendations.push_back(TimestampedRecommendation{current_replicas, now});
}

const char* StabilizationReasonName(StabilizationReason r) {
  switch (r) {
    case StabilizationReason::kReadyForNewScale: return "ReadyForNewScale";
    case StabilizationReason::kScaleUpStabilized: return "ScaleUpStabilized";
    case StabilizationReason::kScaleDownStabilized: return "ScaleDownStabilized";
  }
  return "?";
}

const char* LimitReasonName(LimitReason r) {
  switch (r) {
    case LimitReason::kDesiredWithinRange: return "DesiredWithinRange";
    case LimitReason::kScaleUpLimit: return "ScaleUpLimit";
    case LimitReason::kTooManyReplicas: return "TooManyReplicas";
    case LimitReason::kScaleDownLimit: return "ScaleDownLimit";
    case LimitReason::kTooFewReplicas: return "TooFewReplicas";
  }
  return "?";
}

const char* HpaSyncOutcomeName(HpaSyncOutcome o) {
  switch (o) {
    case HpaSyncOutcome::kScalingDisabled: return "ScalingDisabled";
    case HpaSyncOutcome::kAboveMax: return "AboveMaxReplicas";
    case HpaSyncOutcome::kBelowMin: return "BelowMinReplicas";
    case HpaSyncOutcome::kMetricsInvalid: return "FailedGetMetrics";
    case HpaSyncOutcome::kNormalized: return "Normalized";
  }
  return "?";
}

int32_t ReplicasChangedInPeriod(const std::vector<ScaleEvent>& events, int32_t period_seconds,
                                sim::Time now) {
  sim::Time cutoff = now - Seconds(period_seconds);
  int32_t sum = 0;
  for (const auto& e : events)
    if (e.at > cutoff) sum += e.change;
  return sum;
}

NormalizationResult NormalizeLegacy(HpaHistory* history, int32_t current_replicas, int32_t raw,
                                    int32_t min_replicas, int32_t max_replicas,
                                    sim::Duration downscale_window, sim::Time now) {
  RH_ASSERT(min_replicas <= max_replicas);
  NormalizationResult r;
  r.raw = raw;
  // 1.7 step 1: max over recommendations no older than the window; the new
  // raw value overwrites one entry older than the window, or is appended.
  int32_t max_rec = raw;
  sim::Time cutoff = now - downscale_window;
  int old_index = -1;
  for (size_t i = 0; i < history->recommendations.size(); ++i) {
    const auto& rec = history->recommendations[i];
    if (rec.at < cutoff) {
      old_index = static_cast<int>(i);
    } else {
      max_rec = std::max(max_rec, rec.replicas);
    }
  }
  if (old_index >= 0) {
    history->recommendations[static_cast<size_t>(old_index)] = {raw, now};
  } else {
    history->recommendations.push_back({raw, now});
  }
  r.stabilized = max_rec;
  r.down_ceil = max_rec;
  r.up_floor = raw;
  r.stabilization = max_rec != raw ? StabilizationReason::kScaleDownStabilized
                                   : StabilizationReason::kReadyForNewScale;
  // 1.7 step 2: clamp to [min, min(max, max(2 x current, 4))].
  int32_t scale_up_limit = std::max(2 * current_replicas, 4);
  r.rate_limit = scale_up_limit;
  int32_t maximum_allowed = max_replicas;
  LimitReason upper_reason = LimitReason::kTooManyReplicas;
  if (max_replicas > scale_up_limit) {
    maximum_allowed = scale_up_limit;
    upper_reason = LimitReason::kScaleUpLimit;
  }
  if (r.stabilized < min_replicas) {
    r.desired = min_replicas;
    r.limit = LimitReason::kTooFewReplicas;
  } else if (r.stabilized > maximum_allowed) {
    r.desired = maximum_allowed;
    r.limit = upper_reason;
  } else {
    r.desired = r.stabilized;
    r.limit = LimitReason::kDesiredWithinRange;
  }
  return r;
}

NormalizationResult NormalizeWithBehavior(HpaHistory* history, int32_t current_replicas,
                                          int32_t raw, int32_t min_replicas,
                                          int32_t max_replicas, const ResolvedRules& up,
                                          const ResolvedRules& down, sim::Time now) {
  RH_ASSERT(min_replicas <= max_replicas);
  NormalizationResult r;
  r.raw = raw;
  // Step A: stabilization in both directions at once.
  sim::Time up_cutoff = now - Seconds(up.stabilization_window_seconds);
  sim::Time down_cutoff = now - Seconds(down.stabilization_window_seconds);
  int32_t up_floor = raw;
  int32_t down_ceil = raw;
  int old_index = -1;
  for (size_t i = 0; i < history->recommendations.size(); ++i) {
    const auto& rec = history->recommendations[i];
    if (rec.at > up_cutoff) up_floor = std::min(up_floor, rec.replicas);
    if (rec.at > down_cutoff) down_ceil = std::max(down_ceil, rec.replicas);
    if (rec.at < up_cutoff && rec.at < down_cutoff) old_index = static_cast<int>(i);
  }
  int32_t stabilized = current_replicas;
  if (stabilized < up_floor) stabilized = up_floor;
  if (stabilized > down_ceil) stabilized = down_ceil;
  if (old_index >= 0) {
    history->recommendations[static_cast<size_t>(old_index)] = {raw, now};
  } else {
    history->recommendations.push_back({raw, now});
  }
  r.up_floor = up_floor;
  r.down_ceil = down_ceil;
  r.stabilized = stabilized;
  if (stabilized == raw) {
    r.stabilization = StabilizationReason::kReadyForNewScale;
  } else {
    r.stabilization = raw >= current_replicas ? StabilizationReason::kScaleUpStabilized
                                              : StabilizationReason::kScaleDownStabilized;
  }

  // Step B: rate limits in the direction of change.
  r.desired = stabilized;
  r.limit = LimitReason::kDesiredWithinRange;
  if (stabilized > current_replicas) {
    int32_t limit = ScaleUpLimit(*history, current_replicas, up, now, &r.policies);
    if (limit < current_replicas) limit = current_replicas;
    r.rate_limit = limit;
    int32_t maximum_allowed = max_replicas;
    LimitReason reason = LimitReason::kTooManyReplicas;
    if (maximum_allowed > limit) {
      maximum_allowed = limit;
      reason = LimitReason::kScaleUpLimit;
    }
    if (stabilized > maximum_allowed) {
      r.desired = maximum_allowed;
      r.limit = reason;
    }
  } else if (stabilized < current_replicas) {
    int32_t limit = ScaleDownLimit(*history, current_replicas, down, now, &r.policies);
    if (limit > current_replicas) limit = current_replicas;
    r.rate_limit = limit;
    int32_t minimum_allowed = min_replicas;
    LimitReason reason = LimitReason::kTooFewReplicas;
    if (minimum_allowed < limit) {
      minimum_allowed = limit;
      reason = LimitReason::kScaleDownLimit;
    }
    if (stabilized < minimum_allowed) {
      r.desired = minimum_allowed;
      r.limit = reason;
    }
  }
  return r;
}

void RecordScaleEvent(HpaHistory* history, const ResolvedRules& up, const ResolvedRules& down,
                      int32_t previous_replicas, int32_t new_replicas, sim::Time now) {
  if (new_replicas > previous_replicas) {
    StoreEvent(&history->scale_up_events, LongestPeriod(up), new_replicas - previous_replicas,
               now);
  } else if (new_replicas < previous_replicas) {
    StoreEvent(&history->scale_down_events, LongestPeriod(down),
               previous_replicas - new_replicas, now);
  }
}

HpaSyncDecision DecideHpaSync(HpaHistory* history, const HpaConfig& hpa,
                              const HpaControllerFlags& flags, int32_t spec_replicas,
                              const std::vector<ReplicaProposal>& proposals, sim::Time now) {
  HpaSyncDecision d;
  d.current_replicas = spec_replicas;
  d.desired_replicas = spec_replicas;
  SeedHistory(history, spec_replicas, now);
  int32_t min_replicas = hpa.min_replicas;
  if (spec_replicas == 0 && min_replicas != 0) {
    d.outcome = HpaSyncOutcome::kScalingDisabled;
    return d;
  }
  if (spec_replicas > hpa.max_replicas) {
    d.outcome = HpaSyncOutcome::kAboveMax;
    d.desired_replicas = hpa.max_replicas;
  } else if (spec_replicas < min_replicas) {
    d.outcome = HpaSyncOutcome::kBelowMin;
    d.desired_replicas = min_replicas;
  } else {
    d.combined = CombineProposals(proposals, spec_replicas);
    if (!d.combined.valid) {
      d.outcome = HpaSyncOutcome::kMetricsInvalid;
      return d;
    }
    d.outcome = HpaSyncOutcome::kNormalized;
    if (hpa.behavior) {
      ResolvedRules up = ResolveScaleUp(hpa.behavior->scale_up, flags);
      ResolvedRules down = ResolveScaleDown(hpa.behavior->scale_down, flags);
      d.normalization = NormalizeWithBehavior(history, spec_replicas, d.combined.replicas,
                                              min_replicas, hpa.max_replicas, up, down, now);
    } else {
      d.normalization = NormalizeLegacy(history, spec_replicas, d.combined.replicas, min_replicas,
                                        hpa.max_replicas, flags.downscale_stabilization, now);
    }
    d.desired_replicas = d.normalization->desired;
  }
  d.rescale = d.desired_replicas != spec_replicas;
  if (d.rescale && hpa.behavior) {
    RecordScaleEvent(history, ResolveScaleUp(hpa.behavior->scale_up, flags),
                     ResolveScaleDown(hpa.behavior->scale_down, flags), spec_replicas,
                     d.desired_replicas, now);
  }
  return d;
}

}  // namespace rehearsal::models::autoscaling
