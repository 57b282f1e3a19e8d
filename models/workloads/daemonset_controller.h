#pragma once
// DaemonSet controller: one pod per eligible node (nodeSelector matches and
// the pool's NoSchedule/NoExecute taints are tolerated), pinned to it through
// the scheduler's NodeName filter; DaemonSet pods tolerate cordons and the
// unreachable taint. Pods of removed nodes go with them. A template change is
// rolled node by node (maxUnavailable 1): an old pod is deleted only while
// every other pod is Ready.
#include "models/cluster/store.h"
#include "models/cluster/work_queue.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class DaemonSetController {
 public:
  DaemonSetController(sim::Simulation& sim, Store& store);
  // Does a DaemonSet with this template run on this node?
  static bool Eligible(const Store& store, const PodTemplate& t, const Node& node);

 private:
  void OnWatch(const WatchEvent& e);
  void Sync(WorkloadId w);

  sim::Simulation& sim_;
  Store& store_;
  WorkQueue queue_;
};

}  // namespace rehearsal::models
