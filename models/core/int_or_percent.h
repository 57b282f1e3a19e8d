#pragma once
// Kubernetes' IntOrString for replica counts: "3" or "25%". Scaled the way
// intstr.GetScaledValueFromIntOrPercent does it: an integer is used as is, a
// percentage is pct * total / 100 rounded up or down as the caller asks.
#include <cstdint>

#include "sim/assert.h"

namespace rehearsal::models {

struct IntOrPercent {
  int32_t value = 0;
  bool percent = false;

  static constexpr IntOrPercent Int(int32_t v) { return {v, false}; }
  static constexpr IntOrPercent Percent(int32_t p) { return {p, true}; }

  // Scales against `total`. Worked example: 25% of 10 rounds up to 3 (maxSurge)
  // and down to 2 (maxUnavailable); 39% of 10 -> 4 up, 3 down; 80% of 10 -> 8.
  // REQUIRES: value >= 0, total >= 0.
  constexpr int64_t Scaled(int64_t total, bool round_up) const {
    RH_ASSERT(value >= 0 && total >= 0);
    if (!percent) return value;
    int64_t product = static_cast<int64_t>(value) * total;
    return round_up ? (product + 99) / 100 : product / 100;
  }
  constexpr bool operator==(const IntOrPercent&) const = default;
};

}  // namespace rehearsal::models
