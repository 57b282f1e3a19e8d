#pragma once
// Node drain (kubectl drain / the node-termination handler): cordon, then
// evict every pod that is not a DaemonSet pod, retrying refused (429)
// evictions every retry interval, until the node holds no such pod or the
// timeout passes. With respect_pdb = false pods are deleted directly.
#include <functional>
#include <map>

#include "models/cluster/node_provisioner.h"
#include "models/cluster/store.h"
#include "models/disruption/cluster_model.h"
#include "models/disruption/disruption_controller.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class DrainController {
 public:
  DrainController(sim::Simulation& sim, Store& store, DisruptionController& disruption,
                  NodeProvisioner& provisioner);
  void Drain(NodeId node, const DrainOptions& options, std::function<void(DrainOutcome)> done);
  int64_t refused_evictions() const { return refused_; }

 private:
  struct Job {
    DrainOptions options;
    sim::Time started{};
    std::function<void(DrainOutcome)> done;
  };
  void Step(NodeId node);

  sim::Simulation& sim_;
  Store& store_;
  DisruptionController& disruption_;
  NodeProvisioner& provisioner_;
  sim::EventKind kind_step_;
  std::map<NodeId, Job> jobs_;
  int64_t refused_ = 0;
};

}  // namespace rehearsal::models
