#include "models/autoscaling/pdb_calculator.h"

#include <set>

#include "models/disruption/pdb_math.h"
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
  // The controller scale matters only for maxUnavailable and percentage
  // minAvailable; an unknown controller fails the sync only then, as upstream.
  int32_t scale_sum = 0;
  if (max_unavailable || min_available->percent) {
    if (!ExpectedScale(pods, controller_scale, &scale_sum, &s.error)) {
      s.ok = false;
      return s;
    }
  }
  // The rounding and allowance rule itself is the disruption controller's
  // (models/disruption/pdb_math.h): one formula for the simulation and explain.
  PdbInputs in;
  in.min_available = min_available;
  in.max_unavailable = max_unavailable;
  in.matching_pods = static_cast<int32_t>(pods.size());
  in.controller_scale_sum = scale_sum;
  in.current_healthy = s.current_healthy;
  const models::PdbStatus rule = models::ComputePdbStatus(in);
  s.expected_pods = rule.expected_pods;
  s.desired_healthy = rule.desired_healthy;
  s.disruptions_allowed = rule.disruptions_allowed;
  return s;
}

}  // namespace rehearsal::models::autoscaling
