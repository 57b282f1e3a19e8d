#pragma once
// The disruption controller (PDB status, spec 4.2) and the Eviction API
// (spec 4.3). Status is recomputed on every change of a selected pod and
// again, synchronously, inside each eviction so a decision never uses a stale
// budget. A successful eviction decrements disruptionsAllowed, records the
// pod in disruptedPods (entries expire after 2 minutes) and deletes the pod
// with its own grace period. Every eviction that was allowed is re-checked
// afterwards: currentHealthy must still be >= desiredHealthy.
#include <cstdint>
#include <string>

#include "models/cluster/store.h"
#include "models/cluster/work_queue.h"
#include "models/disruption/cluster_model.h"
#include "models/disruption/pdb_math.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class DisruptionController {
 public:
  DisruptionController(sim::Simulation& sim, Store& store);

  // POST pods/<name>/eviction.
  EvictionResult Evict(PodId pod);
  // Recomputes one PDB's status now.
  void Refresh(PdbId pdb);
  // Would evicting this pod now be refused by its PDB (for preemption)?
  bool WouldViolate(PodId pod);
  // Controller scale of a workload (Deployment/StatefulSet replicas,
  // DaemonSet desired pods, Job parallelism).
  int32_t ControllerScale(const Workload& w) const;

  int64_t evictions() const { return evictions_; }
  int64_t refused() const { return refused_; }
  // Evictions after which currentHealthy < desiredHealthy (must stay 0).
  int64_t budget_violations() const { return budget_violations_; }

 private:
  void OnWatch(const WatchEvent& e);
  void Delete(PodId pod, bool evicted);

  sim::Simulation& sim_;
  Store& store_;
  WorkQueue queue_;
  int64_t evictions_ = 0;
  int64_t refused_ = 0;
  int64_t budget_violations_ = 0;
};

}  // namespace rehearsal::models
