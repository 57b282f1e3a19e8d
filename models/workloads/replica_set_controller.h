#pragma once
// ReplicaSet controller (spec 2.8): keeps each ReplicaSet's active pods equal
// to spec.replicas. Creates the missing pods (at most burstReplicas = 500 per
// sync, the rest on the next sync) and deletes the surplus in the order of
// the scale-down ranking (pod_ranking.h). Terminating pods are not active, so
// their replacements are created at once (spec 5.2 step 4).
#include <cstdint>

#include "models/cluster/store.h"
#include "models/cluster/work_queue.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class ReplicaSetController {
 public:
  ReplicaSetController(sim::Simulation& sim, Store& store);
  // Reconcile this ReplicaSet soon (the Deployment controller calls it after a resize).
  void Enqueue(ReplicaSetId rs) { queue_.Add(rs); }
  int64_t created() const { return created_; }
  int64_t deleted() const { return deleted_; }

 private:
  void OnWatch(const WatchEvent& e);
  void Sync(ReplicaSetId rs);

  sim::Simulation& sim_;
  Store& store_;
  WorkQueue queue_;
  int64_t created_ = 0;
  int64_t deleted_ = 0;
};

}  // namespace rehearsal::models
