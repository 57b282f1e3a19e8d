#include "models/cluster/node_lifecycle_controller.h"

namespace rehearsal::models {

NodeLifecycleController::NodeLifecycleController(sim::Simulation& sim, Store& store,
                                                 Kubelet& kubelet)
    : sim_(sim),
      store_(store),
      kubelet_(kubelet),
      kind_not_ready_(sim.RegisterKind("node.not_ready")),
      kind_evict_(sim.RegisterKind("node.taint_eviction")) {}

sim::Duration NodeLifecycleController::TolerationFor(const Pod& pod, const Workload& workload,
                                                     sim::Duration default_seconds) {
  if (workload.spec.kind == WorkloadKind::kDaemonSet) return sim::Duration{-1};
  Taint taint{kTaintUnreachable, "", TaintEffect::kNoExecute};
  for (const auto& t : pod.tmpl->tolerations) {
    if (!t.Tolerates(taint)) continue;
    return t.toleration_seconds ? *t.toleration_seconds : sim::Duration{-1};
  }
  return default_seconds;
}

void NodeLifecycleController::FailNode(NodeId id) {
  Node& n = store_.mutable_node(id);
  if (!n.alive() || n.heartbeat_lost) return;
  n.heartbeat_lost = true;
  uint64_t epoch = ++epoch_[id];
  kubelet_.NodeFailed(id);
  sim_.recorder().Log(sim_.now(), "NodeHeartbeatLost", "node/" + n.name,
                      "Kubelet stopped posting node status");
  store_.Notify(ObjectKind::kNode, id);
  if (n.state == NodeState::kProvisioning) return;
  sim_.ScheduleIn(store_.config().node_monitor_grace_period, kind_not_ready_, id,
                  [this, id, epoch] { MarkNotReady(id, epoch); });
}

void NodeLifecycleController::MarkNotReady(NodeId id, uint64_t epoch) {
  if (epoch_[id] != epoch) return;
  Node& n = store_.mutable_node(id);
  if (!n.alive() || !n.heartbeat_lost) return;
  n.state = NodeState::kNotReady;
  n.not_ready_at = sim_.now();
  sim_.recorder().Log(sim_.now(), "NodeNotReady", "node/" + n.name,
                      "Node is NotReady: taint node.kubernetes.io/unreachable:NoExecute");
  store_.Notify(ObjectKind::kNode, id);
  std::map<int64_t, int> tolerations;
  std::vector<PodId> pods(n.pods.begin(), n.pods.end());
  for (PodId pid : pods) {
    Pod& p = store_.mutable_pod(pid);
    if (p.ready) {
      store_.SetReady(pid, false, sim_.now());
      store_.Notify(ObjectKind::kPod, pid);
    }
    if (p.deleting) continue;
    sim::Duration tol = TolerationFor(p, store_.workload(p.workload),
                                      store_.config().default_toleration_seconds);
    if (tol.us >= 0) tolerations[tol.us] = 1;
  }
  for (const auto& [us, unused] : tolerations) {
    (void)unused;
    sim::Duration tol{us};
    sim_.ScheduleIn(tol, kind_evict_, id, [this, id, epoch, tol] { EvictGroup(id, epoch, tol); });
  }
}

void NodeLifecycleController::EvictGroup(NodeId id, uint64_t epoch, sim::Duration toleration) {
  if (epoch_[id] != epoch) return;
  const Node& n = store_.node(id);
  if (!n.alive() || n.state != NodeState::kNotReady) return;
  std::vector<PodId> pods(n.pods.begin(), n.pods.end());
  for (PodId pid : pods) {
    const Pod& p = store_.pod(pid);
    if (!p.alive || p.deleting) continue;
    sim::Duration tol = TolerationFor(p, store_.workload(p.workload),
                                      store_.config().default_toleration_seconds);
    if (tol != toleration) continue;
    store_.mutable_pod(pid).evicted = true;
    ++taint_evictions_;
    sim_.recorder().Log(sim_.now(), "TaintManagerEviction", "pod/" + store_.PodName(pid),
                        "Marking for deletion Pod " + store_.PodName(pid));
    store_.MarkDeleting(pid, sim_.now());
  }
}

void NodeLifecycleController::RecoverNode(NodeId id) {
  Node& n = store_.mutable_node(id);
  if (!n.alive() || !n.heartbeat_lost) return;
  ++epoch_[id];
  n.heartbeat_lost = false;
  if (n.state == NodeState::kNotReady) n.state = NodeState::kReady;
  n.not_ready_at = sim::Time::Max();
  sim_.recorder().Log(sim_.now(), "NodeReady", "node/" + n.name, "Node is Ready again");
  kubelet_.NodeRecovered(id);
  store_.Notify(ObjectKind::kNode, id);
}

}  // namespace rehearsal::models
