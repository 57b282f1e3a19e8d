#include "models/workloads/statefulset_controller.h"

#include <algorithm>
#include <vector>

namespace rehearsal::models {

StatefulSetController::StatefulSetController(sim::Simulation& sim, Store& store)
    : sim_(sim), store_(store), queue_(sim, "statefulset.sync", [this](uint64_t k) { Sync(k); }) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

void StatefulSetController::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kWorkload && e.type != WatchEventType::kDeleted) {
    if (store_.workload(e.id).spec.kind == WorkloadKind::kStatefulSet) queue_.Add(e.id);
  } else if (e.kind == ObjectKind::kPod) {
    const Pod& p = store_.pod(e.id);
    if (store_.workload(p.workload).spec.kind != WorkloadKind::kStatefulSet) return;
    if (p.zone_pin >= 0) volume_zone_[{p.workload, p.ordinal}] = p.zone_pin;
    queue_.Add(p.workload);
  }
}

void StatefulSetController::Create(Workload& w, int32_t ordinal) {
  const StatefulSetSpec& ss = w.spec.statefulset;
  int32_t revision = ordinal >= ss.partition ? w.current_revision : w.stable_revision;
  Pod& p = store_.CreatePod(w.id, kNoId, revision, ordinal, sim_.now());
  auto it = volume_zone_.find({w.id, ordinal});
  if (it != volume_zone_.end()) p.zone_pin = it->second;
  sim_.recorder().Log(sim_.now(), "SuccessfulCreate", "statefulset/" + w.spec.name,
                      "create Pod " + w.spec.name + "-" + std::to_string(ordinal));
}

void StatefulSetController::Sync(WorkloadId wid) {
  Workload& w = store_.mutable_workload(wid);
  const StatefulSetSpec& ss = w.spec.statefulset;
  const int32_t n = w.spec.replicas;
  sim::Time now = sim_.now();
  std::map<int32_t, PodId> by_ordinal;
  for (PodId pid : w.pods) by_ordinal[store_.pod(pid).ordinal] = pid;
  auto healthy = [&](PodId pid) {
    const Pod& p = store_.pod(pid);
    return p.Active() && p.phase == PodPhase::kRunning && p.Available(now, w.spec.min_ready);
  };
  // Scaling (creation and removal).
  bool all_present_healthy = true;
  if (ss.pod_management == PodManagementPolicy::kParallel) {
    for (int32_t i = 0; i < n; ++i)
      if (!by_ordinal.count(i)) {
        Create(w, i);
        all_present_healthy = false;
      }
    for (auto it = by_ordinal.lower_bound(n); it != by_ordinal.end(); ++it)
      store_.MarkDeleting(it->second, now);
  } else {
    for (int32_t i = 0; i < n; ++i) {
      auto it = by_ordinal.find(i);
      if (it == by_ordinal.end()) {
        Create(w, i);
        all_present_healthy = false;
        break;
      }
      if (!healthy(it->second)) {
        all_present_healthy = false;
        break;
      }
    }
    if (all_present_healthy) {
      auto it = by_ordinal.lower_bound(n);
      if (it != by_ordinal.end()) {
        bool deleting = false;
        for (auto j = it; j != by_ordinal.end(); ++j) deleting = deleting || store_.pod(j->second).deleting;
        if (!deleting) {
          auto last = std::prev(by_ordinal.end());
          store_.MarkDeleting(last->second, now);
          sim_.recorder().Log(now, "SuccessfulDelete", "statefulset/" + w.spec.name,
                              "delete Pod " + w.spec.name + "-" + std::to_string(last->first));
        }
        all_present_healthy = false;
      }
    }
  }
  // Rolling update by descending ordinal.
  int32_t ready = 0, available = 0, updated = 0, total = 0;
  int32_t unavailable = 0;
  for (int32_t i = 0; i < n; ++i) {
    auto it = by_ordinal.find(i);
    if (it == by_ordinal.end() || !healthy(it->second)) {
      ++unavailable;
    }
  }
  if (!ss.on_delete) {
    int32_t max_unavailable = std::max<int32_t>(1, static_cast<int32_t>(ss.max_unavailable.Scaled(n, true)));
    if (ss.pod_management == PodManagementPolicy::kOrderedReady) max_unavailable = std::max(1, max_unavailable);
    for (int32_t i = n - 1; i >= ss.partition && i >= 0; --i) {
      auto it = by_ordinal.find(i);
      if (it == by_ordinal.end()) continue;
      const Pod& p = store_.pod(it->second);
      if (p.revision == w.current_revision || p.deleting) continue;
      if (unavailable >= max_unavailable) break;
      bool was_healthy = healthy(it->second);
      store_.MarkDeleting(it->second, now);
      sim_.recorder().Log(now, "SuccessfulDelete", "statefulset/" + w.spec.name,
                          "delete Pod " + w.spec.name + "-" + std::to_string(i) + " for update");
      if (was_healthy) ++unavailable;
    }
  }
  for (const auto& [ord, pid] : by_ordinal) {
    const Pod& p = store_.pod(pid);
    if (ord >= n || !p.Active()) continue;
    ++total;
    ready += p.ready ? 1 : 0;
    available += healthy(pid) ? 1 : 0;
    updated += p.revision == w.current_revision ? 1 : 0;
  }
  w.status_replicas = total;
  w.ready_replicas = ready;
  w.available_replicas = available;
  w.updated_replicas = updated;
  if (updated == n && available == n && ss.partition == 0) w.stable_revision = w.current_revision;
  if (w.rollout.in_progress && updated == n && available == n && total == n) {
    w.rollout.in_progress = false;
    w.rollout.complete = true;
    w.rollout.finished_at = now;
    sim_.recorder().Log(now, "StatefulSetRolloutComplete", "statefulset/" + w.spec.name,
                        "update complete");
  }
  if (w.spec.min_ready.us > 0 && ready > available) queue_.AddAfter(wid, w.spec.min_ready);
}

}  // namespace rehearsal::models
