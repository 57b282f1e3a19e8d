#pragma once
// Node lifecycle controller (spec 5.3): a node whose heartbeats stop becomes
// NotReady (Ready=Unknown, taint node.kubernetes.io/unreachable:NoExecute)
// node-monitor-grace-period (50 s) later; its pods are marked not Ready and
// deleted when their toleration of the taint runs out (300 s by default, from
// the DefaultTolerationSeconds admission plugin; DaemonSet pods tolerate it
// forever). The deleted pods stay Terminating until the node comes back or is
// removed. Simplifications: the last heartbeat is taken to be the failure
// instant (so NotReady is exactly failure + grace), and the per-zone eviction
// rate limits (--node-eviction-rate) are not modelled.
#include <map>
#include <vector>

#include "models/cluster/kubelet.h"
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

 private:
  void MarkNotReady(NodeId node, uint64_t epoch);
  void EvictGroup(NodeId node, uint64_t epoch, sim::Duration toleration);

  sim::Simulation& sim_;
  Store& store_;
  Kubelet& kubelet_;
  sim::EventKind kind_not_ready_, kind_evict_;
  std::map<NodeId, uint64_t> epoch_;  // bumps on every fail/recover: stale timers do nothing
  int64_t taint_evictions_ = 0;
};

}  // namespace rehearsal::models
