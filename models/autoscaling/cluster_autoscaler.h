#pragma once
// The cluster autoscaler in the simulation (spec 7): every scan interval
// (10 s) it
//  - scales up for unschedulable pods: pods that fit upcoming nodes are left
//    to them; the rest are binpacked onto each pool's template node
//    (ca_calculator.h), the expander chain picks a pool (remaining ties drawn
//    from the "ca/expander" RNG stream) and ClusterModel::AddNodes is called;
//    nodes not Ready within max-node-provision-time (15 min) are deleted and
//    their pool backs off;
//  - otherwise scales down: a Ready node whose max(cpu, mem) requests /
//    allocatable < 0.5 is a candidate; once it has been under the threshold
//    for the unneeded time (10 min; not within 10 min of a scale-up or 3 min
//    of a failed drain) its pods are checked: blockers (PDB allowing no
//    disruption, ...) and the move simulation (move_check.h: the scheduler's
//    filters against the other Ready nodes, not only resources). A node that
//    passes is removed: empty nodes in bulk (10), others drained one at a
//    time through the eviction API (PDBs apply). A node kept has the reason
//    logged and is rechecked after unremovable-node-recheck-timeout (5 min).
//    Upstream re-simulates every candidate every scan and restarts the
//    unneeded clock when a check fails; running the (costly) simulation only
//    when a removal could follow is what keeps the CA cheap on 5,000 nodes.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/autoscaling/autoscaling_config.h"
#include "models/autoscaling/ca_calculator.h"
#include "models/autoscaling/move_check.h"
#include "models/disruption/cluster_model.h"
#include "sim/simulation.h"

namespace rehearsal::models::autoscaling {

struct ClusterAutoscalerStats {
  int64_t scale_ups = 0;            // AddNodes calls
  int64_t nodes_added = 0;
  int64_t nodes_removed = 0;        // scale-down removals started
  int64_t provision_timeouts = 0;
  int64_t drains_failed = 0;
};

class ClusterAutoscaler {
 public:
  ClusterAutoscaler(sim::Simulation& sim, ClusterModel& cluster,
                    const ClusterAutoscalerConfig& config);
  ClusterAutoscaler(const ClusterAutoscaler&) = delete;
  ClusterAutoscaler& operator=(const ClusterAutoscaler&) = delete;

  // One scan now (the timer calls it every scan interval).
  void Scan();
  const ClusterAutoscalerStats& stats() const { return stats_; }
  // Why each currently kept-but-underutilized node is kept ("" = not blocked).
  const std::map<NodeId, std::string>& kept_reasons() const { return kept_reason_; }

 private:
  void OnTimer();
  NodeTemplate Template(int32_t pool) const;
  bool ScaleUp(sim::Time now);
  void ScaleDown(sim::Time now);
  void CheckProvisioning(sim::Time now);
  // "" when every non-DaemonSet pod of the node can move (MoveCheck: the
  // scheduler's filters against the other Ready nodes); else the reason.
  std::string BlockingReason(NodeId node, MoveCheck& move) const;

  sim::Simulation& sim_;
  ClusterModel& cluster_;
  ClusterAutoscalerConfig config_;
  sim::Rng rng_;
  sim::EventKind kind_;
  ClusterAutoscalerStats stats_;
  sim::Time last_scale_up_ = sim::Time{INT64_MIN / 2};
  sim::Time last_failed_scale_down_ = sim::Time{INT64_MIN / 2};
  std::map<int32_t, sim::Time> backoff_until_;      // pool -> time
  // By node id: since when under the threshold, as of scale-down pass number.
  std::vector<sim::Time> under_since_;
  std::vector<uint64_t> under_pass_;
  uint64_t scale_down_passes_ = 1;
  std::map<NodeId, sim::Time> unremovable_until_;
  std::map<NodeId, std::string> kept_reason_;
  std::vector<uint8_t> kept_;  // by node id: has a kept_reason_ entry (a map lookup spared per node)
  bool draining_ = false;
};

}  // namespace rehearsal::models::autoscaling
