#pragma once
// StatefulSet controller (spec section 3): stable identities <name>-<ordinal>,
// each with a volume that stays in the zone where it was first bound (later
// incarnations are pinned to that zone). OrderedReady creates ordinal i only
// when 0..i-1 are Running and Ready (and available) and removes the highest
// ordinal first, one at a time; Parallel creates and deletes at once.
// RollingUpdate replaces pods with ordinal >= partition in descending order,
// at most maxUnavailable at a time (default 1); OnDelete never replaces.
// An ordinal is recreated only after its previous pod object is gone, so a
// pod on an unreachable node blocks its identity (at-most-one semantics).
#include <map>
#include <utility>

#include "models/cluster/store.h"
#include "models/cluster/work_queue.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class StatefulSetController {
 public:
  StatefulSetController(sim::Simulation& sim, Store& store);
  void Enqueue(WorkloadId w) { queue_.Add(w); }

 private:
  void OnWatch(const WatchEvent& e);
  void Sync(WorkloadId w);
  void Create(Workload& w, int32_t ordinal);

  sim::Simulation& sim_;
  Store& store_;
  WorkQueue queue_;
  std::map<std::pair<WorkloadId, int32_t>, int32_t> volume_zone_;
};

}  // namespace rehearsal::models
