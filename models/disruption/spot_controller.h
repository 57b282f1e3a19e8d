#pragma once
// Spot interruptions (spec section 8). Every node of a spot pool draws its
// next interruption from the pool's hourly hazard (exponential); a notice
// taints the node and the node-termination handler reacts as configured
// (drain through the eviction API, delete ignoring PDBs, or nothing); the VM
// is reclaimed exactly `notice` later (AWS 120 s, GCP/Azure 30 s) whatever
// is still running, so PDB-blocked pods simply die. A storm hits a fraction
// of a pool at once and leaves the pool short of capacity for a while.
#include <map>
#include <vector>

#include "models/cluster/node_provisioner.h"
#include "models/cluster/store.h"
#include "models/disruption/drain_controller.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class SpotController {
 public:
  SpotController(sim::Simulation& sim, Store& store, NodeProvisioner& provisioner,
                 DrainController& drain);
  void Interrupt(NodeId node);
  void Storm(int32_t pool, double fraction);
  int64_t interruptions() const { return interruptions_; }
  // The notice a node of this pool gets.
  sim::Duration Notice(int32_t pool) const;

 private:
  void OnWatch(const WatchEvent& e);
  void Reclaim(NodeId node);

  sim::Simulation& sim_;
  Store& store_;
  NodeProvisioner& provisioner_;
  DrainController& drain_;
  sim::EventKind kind_notice_, kind_reclaim_;
  std::vector<sim::Rng> pool_rng_;
  int64_t interruptions_ = 0;
};

}  // namespace rehearsal::models
