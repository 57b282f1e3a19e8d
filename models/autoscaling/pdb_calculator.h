#pragma once
// The disruption controller's PDB status computation (shared/spec/kubernetes.md
// 4.2): expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed.
// Pure: pods, controller scales and `now` in, numbers out. Used by
// `rehearse explain pdb` and by the cluster autoscaler's scale-down checks.
// (models/disruption had no PDB calculator when this was written; if it grows
// one, the two must agree: tests/models/autoscaling/pdb_calculator_test.cpp
// holds the spec's cases.)
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/core/int_or_percent.h"
#include "sim/time.h"

namespace rehearsal::models::autoscaling {

// One pod matching the PDB's selector.
struct PdbPod {
  std::string name;
  bool ready = false;                 // Ready condition True
  bool deleting = false;              // deletionTimestamp set
  std::string controller;             // "ReplicaSet/web-7f9c" etc.; empty = unmanaged
  std::optional<sim::Time> disrupted_at;  // entry in status.disruptedPods
};

struct PdbStatus {
  bool ok = true;          // false: the sync failed (fail-safe: disruptionsAllowed 0)
  std::string error;       // e.g. "found no controller for pod web-1 (ReplicaSet/web-7f9c)"
  int32_t expected_pods = 0;
  int32_t desired_healthy = 0;
  int32_t current_healthy = 0;
  int32_t disruptions_allowed = 0;
};

// How long a disruptedPods entry keeps a pod out of currentHealthy (DeletionTimeout).
inline constexpr sim::Duration kPdbDeletionTimeout = sim::Duration::Minutes(2);

// REQUIRES: exactly one of min_available / max_unavailable is set.
// `controller_scale` maps a pod's controller key to the scale the controller
// asks for (a Deployment's spec.replicas for its ReplicaSets' pods).
// Worked examples (spec 4.2): minAvailable 34 % of 3 -> desiredHealthy
// ceil(1.02) = 2; maxUnavailable 30 % of 7 -> ceil(2.1) = 3 unavailable
// allowed -> desiredHealthy 4; with 6 of 7 pods ready, disruptionsAllowed 2.
PdbStatus ComputePdbStatus(const std::optional<IntOrPercent>& min_available,
                           const std::optional<IntOrPercent>& max_unavailable,
                           const std::vector<PdbPod>& pods,
                           const std::map<std::string, int32_t>& controller_scale,
                           sim::Time now);

}  // namespace rehearsal::models::autoscaling
