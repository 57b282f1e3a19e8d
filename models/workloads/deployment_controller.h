#pragma once
// Deployment controller (spec section 2): owns the ReplicaSets of each
// Deployment and sizes them. RollingUpdate follows rolling.go (new RS up to
// replicas + surge, old RSs down while keeping replicas - maxUnavailable
// available, unhealthy old pods first); Recreate scales old to 0, waits for
// every old pod to be gone, then scales the new RS up. A change of
// spec.replicas mid-rollout is spread proportionally (spec 2.6). Rollout
// progress, completion and the progress deadline are tracked in the
// workload's RolloutStatus; an exceeded deadline is reported, not rolled back.
#include <cstdint>
#include <vector>

#include "models/cluster/store.h"
#include "models/cluster/work_queue.h"
#include "models/core/run_summary.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class DeploymentController {
 public:
  DeploymentController(sim::Simulation& sim, Store& store);
  void Enqueue(WorkloadId w) { queue_.Add(w); }
  // One record per rollout started by a template change.
  const std::vector<RolloutRecord>& rollouts() const { return rollouts_; }

 private:
  struct RsCounts {
    ReplicaSetId id;
    int32_t spec, active, ready, available, alive_pods;
  };
  void OnWatch(const WatchEvent& e);
  void Sync(WorkloadId w);
  bool Scale(Workload& w, std::vector<RsCounts>& all, size_t new_index, int32_t surge);
  void SetSpec(const Workload& w, ReplicaSetId rs, int32_t replicas);
  void UpdateStatus(Workload& w, const std::vector<RsCounts>& all, size_t new_index);

  sim::Simulation& sim_;
  Store& store_;
  WorkQueue queue_;
  std::vector<RolloutRecord> rollouts_;
  std::vector<int32_t> rollout_index_;  // per workload: index into rollouts_ or -1
  // Pending delayed re-syncs per workload (at most one of each outstanding).
  std::vector<sim::Time> deadline_check_at_;
  std::vector<sim::Time> min_ready_check_at_;
  void RequeueAt(std::vector<sim::Time>& pending, WorkloadId w, sim::Time at);
};

}  // namespace rehearsal::models
