#include "models/autoscaling/pdb_calculator.h"

#include <algorithm>
#include <set>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {
namespace {

// Σ scale of the distinct controllers owning the pods (getExpectedScale):
// unmanaged pods add nothing; an unknown controller fails the sync.
bool ExpectedScale(const std::vector<PdbPod>& pods,
                   const std::map<std::string, int32_t>& controller_scale, int32_t* expected,
                   std::string* error) {
  std::set<std::string> seen;
  int64_t sum = 0;
  for (const auto& pod : pods) {
    if (pod.controller.empty()) continue;
    if (!seen.insert(pod.controller).second) continue;
    auto it = controller_scale.find(pod.controller);
    if (it == controller_scale.end()) {
      *error = "found no controller for pod " + pod.name + " (" + pod.controller + ")";
      return false;
    }
    sum += it->second;
  }
  *expected = static_cast<int32_t>(sum);
  return true;
}

}  // namespace

PdbStatus ComputePdbStatus(const std::optional<IntOrPercent>& min_available,
                           const std::optional<IntOrPercent>& max_unavailable,
                           const std::vector<PdbPod>& pods,
                           const std::map<std::string, int32_t>& controller_scale,
                           sim::Time now) {
  RH_ASSERT(min_available.has_value() != max_unavailable.has_value());
  PdbStatus s;
  // currentHealthy: Ready, not deleting, not disrupted within DeletionTimeout.
  for (const auto& pod : pods) {
    if (pod.deleting) continue;
    if (pod.disrupted_at && *pod.disrupted_at + kPdbDeletionTimeout > now) continue;
    if (pod.ready) ++s.current_healthy;
  }
  if (max_unavailable) {
    if (!ExpectedScale(pods, controller_scale, &s.expected_pods, &s.error)) {
      s.ok = false;
      return s;
    }
    // Percentages round up: 30 % of 7 -> 3.
    int64_t unavailable = max_unavailable->Scaled(s.expected_pods, /*round_up=*/true);
    s.desired_healthy = static_cast<int32_t>(std::max<int64_t>(0, s.expected_pods - unavailable));
  } else if (!min_available->percent) {
    s.expected_pods = static_cast<int32_t>(pods.size());
    s.desired_healthy = min_available->value;
  } else {
    if (!ExpectedScale(pods, controller_scale, &s.expected_pods, &s.error)) {
      s.ok = false;
      return s;
    }
    s.desired_healthy = static_cast<int32_t>(min_available->Scaled(s.expected_pods, true));
  }
  int32_t allowed = s.current_healthy - s.desired_healthy;
  s.disruptions_allowed = (s.expected_pods <= 0 || allowed < 0) ? 0 : allowed;
  return s;
}

}  // namespace rehearsal::models::autoscaling
