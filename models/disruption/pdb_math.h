#pragma once
// Pure calculator of a PodDisruptionBudget's status (spec 4.2, after
// pkg/controller/disruption/disruption.go). No clock, no store.
#include <algorithm>
#include <cstdint>
#include <optional>

#include "models/core/int_or_percent.h"

namespace rehearsal::models {

struct PdbInputs {
  std::optional<IntOrPercent> min_available;
  std::optional<IntOrPercent> max_unavailable;
  int32_t matching_pods = 0;         // pods selected by the PDB
  int32_t controller_scale_sum = 0;  // sum of the owning controllers' scale
  int32_t current_healthy = 0;       // Ready, not deleting, not recently disrupted
};

struct PdbStatus {
  int32_t expected_pods = 0;
  int32_t desired_healthy = 0;
  int32_t disruptions_allowed = 0;
};

// | spec                   | expectedPods           | desiredHealthy                        |
// | maxUnavailable (int/%) | sum of controller scale | expected - ceil(pct * expected), >= 0 |
// | minAvailable int       | matching pods           | minAvailable                          |
// | minAvailable %         | sum of controller scale | ceil(pct * expected)                  |
// disruptionsAllowed = currentHealthy - desiredHealthy, 0 if negative or if
// expected <= 0. Percentages round UP in both branches. Worked examples:
// minAvailable 80 % of 10 healthy -> desired 8, allowed 2; minAvailable 34 %
// of 3 -> desired 2; maxUnavailable 30 % of 7 -> 3 may be down -> desired 4.
inline PdbStatus ComputePdbStatus(const PdbInputs& in) {
  PdbStatus s;
  if (in.max_unavailable) {
    s.expected_pods = in.controller_scale_sum;
    int64_t down = in.max_unavailable->Scaled(s.expected_pods, true);
    s.desired_healthy = std::max<int32_t>(0, s.expected_pods - static_cast<int32_t>(down));
  } else if (in.min_available && !in.min_available->percent) {
    s.expected_pods = in.matching_pods;
    s.desired_healthy = in.min_available->value;
  } else if (in.min_available) {
    s.expected_pods = in.controller_scale_sum;
    s.desired_healthy = static_cast<int32_t>(in.min_available->Scaled(s.expected_pods, true));
  }
  s.disruptions_allowed = in.current_healthy - s.desired_healthy;
  if (s.disruptions_allowed < 0 || s.expected_pods <= 0) s.disruptions_allowed = 0;
  return s;
}

}  // namespace rehearsal::models
