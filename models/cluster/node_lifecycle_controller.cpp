#include "models/cluster/node_lifecycle_controller.h"

#include <cmath>

namespace rehearsal::models {

NodeLifecycleController::NodeLifecycleController(sim::Simulation& sim, Store& store,
                                                 Kubelet& kubelet)
    : sim_(sim),
      store_(store),
      kubelet_(kubelet),
      kind_not_ready_(sim.RegisterKind("node.not_ready")),
      kind_evict_(sim.RegisterKind("node.taint_eviction")),
      kind_taint_pass_(sim.RegisterKind("node.tainting_pass")),
      zones_(store.zones().size()) {
  for (ZoneQueue& z : zones_) z.rate_per_s = store.config().node_eviction_rate_per_s;
}

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

sim::Time NodeLifecycleController::TaintedAt(NodeId node) const {
  auto it = tainted_at_.find(node);
  return it == tainted_at_.end() ? sim::Time::Max() : it->second;
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
                      "Node is NotReady (Ready=Unknown): queued for taint "
                      "node.kubernetes.io/unreachable:NoExecute");
  store_.Notify(ObjectKind::kNode, id);
  std::vector<PodId> pods(n.pods.begin(), n.pods.end());
  for (PodId pid : pods) {
    if (store_.pod(pid).ready) {
      store_.SetReady(pid, false, sim_.now());
      store_.Notify(ObjectKind::kPod, pid);
    }
  }
  zones_[static_cast<size_t>(n.zone)].waiting.emplace_back(id, epoch);
  UpdateZones();
  // The tainting worker runs on its own period, after this monitor pass has
  // updated the zone states: nodes that go NotReady together see the same
  // zone state.
  PlanPass(n.zone, sim_.now());
}

void NodeLifecycleController::PlanPass(int32_t zone, sim::Time earliest) {
  ZoneQueue& q = zones_[static_cast<size_t>(zone)];
  const int64_t period_us = store_.config().node_eviction_period.us;
  const sim::Time at{(earliest.us + period_us - 1) / period_us * period_us};
  if (at >= q.pass_at) return;  // an earlier pass is already planned
  q.pass_at = at;
  sim_.Schedule(at, kind_taint_pass_, static_cast<uint64_t>(zone),
                [this, zone] { TaintingPass(zone); });
}

void NodeLifecycleController::UpdateZones() {
  const size_t zone_count = zones_.size();
  std::vector<int64_t> ready(zone_count, 0), not_ready(zone_count, 0);
  for (NodeId id : store_.live_nodes()) {
    const Node& n = store_.node(id);
    if (n.state == NodeState::kReady) ++ready[static_cast<size_t>(n.zone)];
    else if (n.state == NodeState::kNotReady) ++not_ready[static_cast<size_t>(n.zone)];
  }
  const ClusterConfig& cfg = store_.config();
  bool all_full = true, any_zone = false;
  for (size_t z = 0; z < zone_count; ++z) {
    if (ready[z] + not_ready[z] == 0) continue;  // a zone without nodes has no state
    any_zone = true;
    zones_[z].health = ComputeZoneHealth(ready[z], not_ready[z], cfg.unhealthy_zone_threshold);
    all_full = all_full && zones_[z].health == ZoneHealth::kFullDisruption;
  }
  all_full = all_full && any_zone;
  const NodeEvictionRates rates{cfg.node_eviction_rate_per_s, cfg.secondary_node_eviction_rate_per_s,
                                cfg.large_cluster_size_threshold};
  const sim::Time now = sim_.now();
  if (all_full && !all_fully_disrupted_) {
    // Master disruption mode: remove every taint (pending taint evictions
    // are cancelled) and stop; the nodes are re-queued when a zone recovers.
    sim_.recorder().Log(now, "NodeControllerDisruption", "cluster",
                        "All nodes are not-Ready: entering master disruption mode, "
                        "evictions stopped");
    for (auto& [id, t] : tainted_at_) {
      (void)t;
      ++epoch_[id];
    }
    tainted_at_.clear();
    for (ZoneQueue& z : zones_) z.waiting.clear();
  }
  const bool exiting = all_fully_disrupted_ && !all_full;
  all_fully_disrupted_ = all_full;
  for (size_t z = 0; z < zone_count; ++z) {
    ZoneQueue& q = zones_[z];
    const double rate =
        ZoneTaintRate(q.health, ready[z] + not_ready[z], all_full, rates);
    if (rate != q.rate_per_s) {
      // SwapLimiter: a new token bucket, drained when the old limiter was
      // saturated; the "never" limiter of rate 0 counts as saturated. Tokens
      // earned at a positive rate are kept (burst 1).
      if (q.rate_per_s > 0) {
        q.tokens = std::min(1.0, q.tokens + (now - q.refilled_at).seconds() * q.rate_per_s);
      } else {
        q.tokens = 0;
      }
      q.refilled_at = now;
      q.rate_per_s = rate;
      q.pass_at = sim::Time::Max();  // re-plan the next pass at the new rate
      if (!q.waiting.empty()) PlanPass(static_cast<int32_t>(z), now);
    }
  }
  if (exiting) {
    sim_.recorder().Log(now, "NodeControllerDisruption", "cluster",
                        "Some nodes are Ready: exiting master disruption mode");
    for (NodeId id : store_.live_nodes()) {
      const Node& n = store_.node(id);
      if (n.state == NodeState::kNotReady)
        zones_[static_cast<size_t>(n.zone)].waiting.emplace_back(id, epoch_[id]);
    }
    for (size_t z = 0; z < zone_count; ++z) PlanPass(static_cast<int32_t>(z), now);
  }
}

void NodeLifecycleController::TaintingPass(int32_t zone) {
  ZoneQueue& q = zones_[static_cast<size_t>(zone)];
  const sim::Time now = sim_.now();
  if (q.pass_at <= now) q.pass_at = sim::Time::Max();
  if (q.rate_per_s > 0) {
    q.tokens = std::min(1.0, q.tokens + (now - q.refilled_at).seconds() * q.rate_per_s);
  }
  q.refilled_at = now;
  while (!q.waiting.empty()) {
    const auto [id, epoch] = q.waiting.front();
    if (q.rate_per_s <= 0) break;  // the "never" limiter: nothing is admitted
    const Node& n = store_.node(id);
    if (epoch_[id] != epoch || !n.alive() || n.state != NodeState::kNotReady ||
        tainted_at_.count(id) > 0) {
      q.waiting.pop_front();  // recovered, gone or already tainted
      continue;
    }
    if (q.tokens + 1e-9 < 1.0) break;
    q.tokens = std::max(0.0, q.tokens - 1.0);
    q.waiting.pop_front();
    ApplyTaint(id, epoch);
  }
  if (q.waiting.empty() || q.rate_per_s <= 0) return;
  // The next token, at the next tainting pass (every node_eviction_period).
  const double wait_s = (1.0 - q.tokens) / q.rate_per_s;
  PlanPass(zone, now + sim::Duration{static_cast<int64_t>(std::ceil(wait_s * 1e6))});
}

void NodeLifecycleController::ApplyTaint(NodeId id, uint64_t epoch) {
  const Node& n = store_.node(id);
  tainted_at_[id] = sim_.now();
  sim_.recorder().Log(sim_.now(), "NodeTainted", "node/" + n.name,
                      "Taint node.kubernetes.io/unreachable:NoExecute added");
  std::map<int64_t, int> tolerations;
  for (PodId pid : n.pods) {
    const Pod& p = store_.pod(pid);
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
  if (!n.alive() || n.state != NodeState::kNotReady || tainted_at_.count(id) == 0) return;
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
  const bool was_not_ready = n.state == NodeState::kNotReady;
  if (was_not_ready) n.state = NodeState::kReady;
  n.not_ready_at = sim::Time::Max();
  tainted_at_.erase(id);
  sim_.recorder().Log(sim_.now(), "NodeReady", "node/" + n.name, "Node is Ready again");
  kubelet_.NodeRecovered(id);
  store_.Notify(ObjectKind::kNode, id);
  if (was_not_ready) UpdateZones();
}

}  // namespace rehearsal::models
