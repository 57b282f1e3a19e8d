#pragma once
// Node lifecycle controller (spec 5.3): a node whose heartbeats stop becomes
// NotReady (Ready=Unknown) node-monitor-grace-period (50 s) later and its pods
// are marked not Ready. The node then waits in its zone's rate-limited
// tainting queue (node_eviction_math.h: 0.1 nodes/s, 0.01 or 0 when the zone
// is partially disrupted, none when every zone is fully disrupted); when
// admitted it gets node.kubernetes.io/unreachable:NoExecute and its pods are
// deleted when their toleration of the taint runs out (300 s by default, from
// the DefaultTolerationSeconds admission plugin; DaemonSet pods tolerate it
// forever). The deleted pods stay Terminating until the node comes back or is
// removed. Simplifications: the last heartbeat is taken to be the failure
// instant (so NotReady is exactly failure + grace), and zone states are
// recomputed on every node Ready/NotReady transition rather than every
// node-monitor-period (5 s).
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <vector>

#include "models/cluster/kubelet.h"
#include "models/cluster/node_eviction_math.h"
#include "models/cluster/store.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class NodeLifecycleController {
 public:
  NodeLifecycleController(sim::Simulation& sim, Store& store, Kubelet& kubelet);

  // Heartbeats stop now (the VM crashed or is partitioned away).
  void FailNode(NodeId node);
  // Heartbeats are back: Ready again, frozen terminating pods go away.
  void RecoverNode(NodeId node);

  // How long a pod tolerates the unreachable NoExecute taint: its own
  // toleration's seconds, forever for a toleration without seconds (and for
  // DaemonSet pods), else the default 300 s. Returns Duration{-1} for forever.
  static sim::Duration TolerationFor(const Pod& pod, const Workload& workload,
                                     sim::Duration default_seconds);

  int64_t taint_evictions() const { return taint_evictions_; }
  // When the node got its NoExecute taint (Time::Max() if it has none).
  sim::Time TaintedAt(NodeId node) const;
  // The zone's current health and taint rate (nodes per second).
  ZoneHealth zone_health(int32_t zone) const { return zones_[static_cast<size_t>(zone)].health; }
  double zone_taint_rate(int32_t zone) const { return zones_[static_cast<size_t>(zone)].rate_per_s; }

 private:
  struct ZoneQueue {
    std::deque<std::pair<NodeId, uint64_t>> waiting;  // (node, epoch), FIFO
    ZoneHealth health = ZoneHealth::kNormal;
    double rate_per_s = 0.1;
    double tokens = 1;               // burst 1: the bucket starts full
    sim::Time refilled_at{};
    sim::Time pass_at = sim::Time::Max();  // the next scheduled tainting pass
  };

  void MarkNotReady(NodeId node, uint64_t epoch);
  // Recomputes every zone's health and rate (handleDisruption).
  void UpdateZones();
  // Takes tokens and taints the nodes at the head of a zone's queue;
  // schedules the next pass when a node is left waiting.
  void TaintingPass(int32_t zone);
  // Plans a tainting pass at the first node_eviction_period tick >= earliest.
  void PlanPass(int32_t zone, sim::Time earliest);
  void ApplyTaint(NodeId node, uint64_t epoch);
  void EvictGroup(NodeId node, uint64_t epoch, sim::Duration toleration);

  sim::Simulation& sim_;
  Store& store_;
  Kubelet& kubelet_;
  sim::EventKind kind_not_ready_, kind_evict_, kind_taint_pass_;
  std::map<NodeId, uint64_t> epoch_;  // bumps on every fail/recover/untaint: stale timers do nothing
  std::map<NodeId, sim::Time> tainted_at_;
  std::vector<ZoneQueue> zones_;
  bool all_fully_disrupted_ = false;
  int64_t taint_evictions_ = 0;
};

}  // namespace rehearsal::models
