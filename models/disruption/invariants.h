#pragma once
// Invariant checkers for tests and fuzz runs, meant to run after every event
// (Simulation::AddObserver). Each returns human-readable violations; empty
// means all good. Checked:
//  - time never goes back;
//  - a pod is bound to at most one node, and the node lists it;
//  - the store's per-workload pod counters equal a recount;
//  - the node aggregates equal the sum of its pods' requests and fit allocatable;
//  - no eviction allowed by the API left its PDB below desiredHealthy;
//  - each Deployment keeps sum of ReplicaSet specs <= replicas + maxSurge
//    outside scaling events, and active pods within that bound once the
//    ReplicaSets have caught up with their specs; and, when asked, available >= replicas - maxUnavailable
//    while a rollout runs (only meaningful without involuntary disruptions).
#include <string>
#include <vector>

#include "models/disruption/cluster_model.h"

namespace rehearsal::models {

class InvariantChecker {
 public:
  explicit InvariantChecker(const ClusterModel& model, bool check_rollout_availability = false)
      : model_(model), check_availability_(check_rollout_availability) {}

  // Runs every check; appends violations (with the time) to violations().
  void Check(sim::Time now);
  const std::vector<std::string>& violations() const { return violations_; }
  // Highest active-pod count seen per Deployment, and lowest available count
  // seen while its rollout was in progress.
  int32_t max_active(WorkloadId w) const;
  int32_t min_available_during_rollout(WorkloadId w) const;

 private:
  void Fail(sim::Time now, const std::string& what);

  const ClusterModel& model_;
  bool check_availability_;
  sim::Time last_{};
  std::vector<std::string> violations_;
  std::vector<int32_t> max_active_;
  std::vector<int32_t> min_available_;
};

}  // namespace rehearsal::models
