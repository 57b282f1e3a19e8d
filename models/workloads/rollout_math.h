#pragma once
// Pure calculators of the Deployment controller (spec section 2), after
// pkg/controller/deployment/rolling.go and util/deployment_util.go.
// Plain ints in, plain ints out; no clock, no store.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/core/int_or_percent.h"

namespace rehearsal::models {

struct Fenceposts {
  int32_t surge = 0;
  int32_t unavailable = 0;
};

// maxSurge rounds up and maxUnavailable rounds down; if both resolve to 0,
// maxUnavailable becomes 1 (spec 2.2). Worked examples: 10 replicas at
// 25 %/25 % -> surge 3, unavailable 2 (at most 13 pods, at least 8 available);
// 39 %/39 % of 10 -> 4/3; 0 %/0 % of 0 -> 0/1.
inline Fenceposts ResolveFenceposts(int32_t replicas, IntOrPercent max_surge,
                                    IntOrPercent max_unavailable) {
  Fenceposts f;
  f.surge = static_cast<int32_t>(max_surge.Scaled(replicas, true));
  f.unavailable = static_cast<int32_t>(max_unavailable.Scaled(replicas, false));
  if (f.surge == 0 && f.unavailable == 0) f.unavailable = 1;
  return f;
}

// MaxUnavailable(d) = min(unavailable, replicas); 0 when replicas == 0.
inline int32_t MaxUnavailable(int32_t replicas, const Fenceposts& f) {
  if (replicas == 0) return 0;
  return std::min(f.unavailable, replicas);
}

// Step 2 of a rolling-update sync: the new ReplicaSet's target size.
// Worked example: replicas 10, surge 3, new 0, total 10 -> 3 (total 13).
inline int32_t NewReplicaSetReplicas(int32_t replicas, int32_t surge, int32_t new_spec,
                                     int32_t total_spec) {
  if (new_spec == replicas) return new_spec;
  if (new_spec > replicas) return replicas;
  int32_t max_total = replicas + surge;
  if (total_spec >= max_total) return new_spec;
  int32_t room = max_total - total_spec;
  return new_spec + std::min(room, replicas - new_spec);
}

// Step 3: how many old pods may go at most, before the cleanup passes:
// maxScaledDown = sum(all spec) - minAvailable - (new spec - new available).
// Worked example: replicas 10, unavail 2, all spec 13, new spec 3 none
// available -> 13 - 8 - 3 = 2.
inline int32_t MaxScaledDown(int32_t all_spec, int32_t min_available, int32_t new_spec,
                             int32_t new_available) {
  return all_spec - min_available - (new_spec - new_available);
}

// Proportional scaling (spec 2.6): one RS's share of a resize.
// delta = round(rs_spec * allowed / annotated_max) - rs_spec, capped by what
// is left to add (or remove). Worked example: RSs 6 (old) and 4 (new) of
// 10 + surge 3 = annotated 13, replicas -> 20 (allowed 25): old -> round(6 *
// 25 / 13) = 12, new -> round(4 * 25 / 13) = 8.
inline int32_t ProportionalDelta(int32_t rs_spec, int32_t allowed, int32_t annotated_max,
                                 int32_t to_add_left) {
  if (annotated_max <= 0) return 0;
  double target = std::round(static_cast<double>(rs_spec) * allowed / annotated_max);
  int32_t delta = static_cast<int32_t>(target) - rs_spec;
  if (to_add_left > 0) return std::min(delta, to_add_left);
  return std::max(delta, to_add_left);
}

}  // namespace rehearsal::models
