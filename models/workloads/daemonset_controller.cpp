#include "models/workloads/daemonset_controller.h"

#include <map>
#include <vector>

namespace rehearsal::models {

DaemonSetController::DaemonSetController(sim::Simulation& sim, Store& store)
    : sim_(sim), store_(store), queue_(sim, "daemonset.sync", [this](uint64_t k) { Sync(k); }) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

bool DaemonSetController::Eligible(const Store& store, const PodTemplate& t, const Node& node) {
  for (const auto& [k, v] : t.node_selector) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return false;
  }
  if (!t.node_affinity_required.empty()) {
    bool any = false;
    for (const auto& term : t.node_affinity_required) any = any || term.Matches(node.labels);
    if (!any) return false;
  }
  const NodePoolConfig& pc = store.config().pools[static_cast<size_t>(node.pool)];
  for (const auto& taint : pc.taints) {
    if (taint.effect == TaintEffect::kPreferNoSchedule) continue;
    bool ok = false;
    for (const auto& tol : t.tolerations) ok = ok || tol.Tolerates(taint);
    if (!ok) return false;
  }
  return true;
}

void DaemonSetController::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kNode) {
    if (e.type == WatchEventType::kModified) return;
    for (WorkloadId w = 1; w <= store_.workload_count(); ++w)
      if (store_.HasWorkload(w) && store_.workload(w).spec.kind == WorkloadKind::kDaemonSet)
        queue_.Add(w);
  } else if (e.kind == ObjectKind::kWorkload && e.type != WatchEventType::kDeleted) {
    if (store_.workload(e.id).spec.kind == WorkloadKind::kDaemonSet) queue_.Add(e.id);
  } else if (e.kind == ObjectKind::kPod) {
    const Pod& p = store_.pod(e.id);
    Workload& w = store_.mutable_workload(p.workload);
    if (w.spec.kind != WorkloadKind::kDaemonSet) return;
    // Ready counts come from the store's exact counters (no full sync needed).
    w.ready_replicas = w.ready_pods;
    w.available_replicas = w.ready_pods;
    // Readiness matters only while a template change is being rolled out.
    if (e.type == WatchEventType::kDeleted || !p.Active() || w.rollout.in_progress)
      queue_.Add(p.workload);
  }
}

void DaemonSetController::Sync(WorkloadId wid) {
  Workload& w = store_.mutable_workload(wid);
  const PodTemplate& current = w.revisions[static_cast<size_t>(w.current_revision)];
  std::map<NodeId, std::vector<PodId>> by_node;
  for (PodId pid : w.pods) by_node[store_.pod(pid).node_pin].push_back(pid);
  int32_t desired = 0, ready = 0, updated = 0;
  bool all_ready = true;
  for (NodeId nid : store_.live_nodes()) {
    const Node& node = store_.node(nid);
    if (node.deleting || !Eligible(store_, current, node)) continue;
    ++desired;
    auto it = by_node.find(nid);
    bool has_active = false;
    if (it != by_node.end())
      for (PodId pid : it->second) {
        const Pod& p = store_.pod(pid);
        if (!p.Active()) continue;
        has_active = true;
        ready += p.ready ? 1 : 0;
        updated += p.revision == w.current_revision ? 1 : 0;
        all_ready = all_ready && p.ready;
      }
    if (!has_active) {
      Pod& p = store_.CreatePod(wid, kNoId, w.current_revision, -1, sim_.now());
      p.node_pin = nid;
      all_ready = false;
    }
  }
  // Pods whose node is gone or no longer eligible.
  for (const auto& [nid, pods] : by_node) {
    bool keep = store_.HasNode(nid) && store_.node(nid).alive() &&
                Eligible(store_, current, store_.node(nid));
    if (keep) continue;
    for (PodId pid : pods) store_.MarkDeleting(pid, sim_.now());
  }
  // Rolling update, one node at a time.
  if (all_ready) {
    for (const auto& [nid, pods] : by_node) {
      bool done = false;
      for (PodId pid : pods) {
        const Pod& p = store_.pod(pid);
        if (p.Active() && p.revision != w.current_revision) {
          store_.MarkDeleting(pid, sim_.now());
          done = true;
          break;
        }
      }
      if (done) break;
    }
  }
  if (w.rollout.in_progress && updated == desired && ready == desired) {
    w.rollout.in_progress = false;
    w.rollout.complete = true;
    w.rollout.finished_at = sim_.now();
  }
  w.status_replicas = desired;
  w.ready_replicas = w.ready_pods;
  w.available_replicas = w.ready_pods;
  w.updated_replicas = updated;
}

}  // namespace rehearsal::models
