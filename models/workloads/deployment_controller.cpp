#include "models/workloads/deployment_controller.h"

#include <algorithm>

#include "models/workloads/rollout_math.h"

namespace rehearsal::models {

DeploymentController::DeploymentController(sim::Simulation& sim, Store& store)
    : sim_(sim), store_(store), queue_(sim, "deployment.sync", [this](uint64_t k) { Sync(k); }) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

void DeploymentController::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kWorkload && e.type != WatchEventType::kDeleted) {
    if (store_.workload(e.id).spec.kind == WorkloadKind::kDeployment) queue_.Add(e.id);
  } else if (e.kind == ObjectKind::kPod) {
    const Pod& p = store_.pod(e.id);
    if (p.replica_set != kNoId) queue_.Add(p.workload);
  }
}

void DeploymentController::SetSpec(const Workload& w, ReplicaSetId id, int32_t replicas) {
  ReplicaSet& rs = store_.mutable_replica_set(id);
  if (rs.spec_replicas == replicas) return;
  bool up = replicas > rs.spec_replicas;
  rs.spec_replicas = replicas;
  sim_.recorder().Log(sim_.now(), "ScalingReplicaSet", "deployment/" + w.spec.name,
                      std::string(up ? "Scaled up" : "Scaled down") + " replica set " +
                          w.spec.name + "-" + w.revisions[static_cast<size_t>(rs.revision)].version +
                          " to " + std::to_string(replicas));
  store_.Notify(ObjectKind::kReplicaSet, id);
}

void DeploymentController::Sync(WorkloadId wid) {
  Workload& w = store_.mutable_workload(wid);
  if (w.spec.kind != WorkloadKind::kDeployment) return;
  const int32_t replicas = w.spec.replicas;
  const bool recreate = w.spec.strategy.type == DeploymentStrategyType::kRecreate;
  sim::Time now = sim_.now();

  // 1. The new ReplicaSet: the one built from the current template.
  ReplicaSetId new_id = kNoId;
  for (ReplicaSetId id : w.replica_sets)
    if (store_.replica_set(id).revision == w.current_revision) new_id = id;
  bool created = false;
  if (new_id == kNoId) {
    bool first = w.replica_sets.empty();
    new_id = store_.AddReplicaSet(wid, w.current_revision, now);
    created = true;
    if (!first) {
      if (rollout_index_.size() <= wid) rollout_index_.resize(wid + 1, -1);
      RolloutRecord rec;
      rec.workload = w.spec.name;
      rec.strategy = recreate ? "Recreate" : "RollingUpdate";
      rec.started_s = now.seconds();
      rollout_index_[wid] = static_cast<int32_t>(rollouts_.size());
      rollouts_.push_back(rec);
      w.rollout = RolloutStatus{};
      w.rollout.in_progress = true;
      w.rollout.complete = false;
      w.rollout.started_at = now;
      w.rollout.last_progress_at = now;
    }
  }
  std::vector<RsCounts> all;
  size_t new_index = 0;
  for (ReplicaSetId id : w.replica_sets) {
    const ReplicaSet& rs = store_.replica_set(id);
    RsCounts c{id, rs.spec_replicas, rs.active_pods, rs.ready_pods, rs.ready_pods,
               static_cast<int32_t>(rs.pods.size())};
    if (w.spec.min_ready.us > 0 && c.ready > 0) {
      c.available = 0;
      for (PodId pid : rs.pods) {
        const Pod& p = store_.pod(pid);
        c.available += p.Active() && p.Available(now, w.spec.min_ready) ? 1 : 0;
      }
    }
    if (id == new_id) new_index = all.size();
    all.push_back(c);
  }
  Fenceposts f = ResolveFenceposts(replicas, w.spec.strategy.max_surge,
                                   w.spec.strategy.max_unavailable);
  if (recreate) f = Fenceposts{0, 0};
  RsCounts& nw = all[new_index];

  auto finish = [&] {
    for (const auto& c : all) {
      ReplicaSet& rs = store_.mutable_replica_set(c.id);
      if (rs.spec_replicas > 0 || c.id == new_id) {
        rs.desired_replicas_annotation = replicas;
        rs.max_replicas_annotation = replicas + f.surge;
      }
    }
    UpdateStatus(w, all, new_index);
  };

  if (created && all.size() == 1) {
    // The first ReplicaSet of a Deployment starts at full size.
    SetSpec(w, new_id, replicas);
    all[new_index].spec = replicas;
    finish();
    return;
  }

  // Proportional scaling when spec.replicas changed (spec 2.6).
  bool scaling_event = false;
  for (const auto& c : all) {
    const ReplicaSet& rs = store_.replica_set(c.id);
    if (c.spec > 0 && rs.desired_replicas_annotation != replicas) scaling_event = true;
  }
  if (scaling_event && Scale(w, all, new_index, f.surge)) {
    finish();
    return;
  }

  if (recreate) {
    bool old_running = false, old_scaled = false;
    for (auto& c : all) {
      if (c.id == new_id) continue;
      if (c.spec > 0) {
        SetSpec(w, c.id, 0);
        c.spec = 0;
        old_scaled = true;
      }
      if (c.alive_pods > 0) old_running = true;
    }
    if (!old_scaled && !old_running && nw.spec != replicas) {
      SetSpec(w, new_id, replicas);
      nw.spec = replicas;
    }
    finish();
    return;
  }

  // 2. Scale up the new ReplicaSet.
  int32_t total_spec = 0;
  for (const auto& c : all) total_spec += c.spec;
  int32_t new_target = NewReplicaSetReplicas(replicas, f.surge, nw.spec, total_spec);
  if (new_target != nw.spec) {
    SetSpec(w, new_id, new_target);
    nw.spec = new_target;
    finish();
    return;
  }
  // 3. Scale down old ReplicaSets.
  int32_t old_spec = 0;
  for (const auto& c : all)
    if (c.id != new_id) old_spec += c.spec;
  if (old_spec > 0) {
    int32_t min_available = replicas - MaxUnavailable(replicas, f);
    int32_t budget = MaxScaledDown(total_spec, min_available, nw.spec, nw.available);
    if (budget > 0) {
      // a) cleanupUnhealthyReplicas: oldest first.
      for (auto& c : all) {
        if (c.id == new_id || budget <= 0) continue;
        int32_t unhealthy = c.spec - c.available;
        if (unhealthy <= 0) continue;
        int32_t k = std::min(unhealthy, budget);
        SetSpec(w, c.id, c.spec - k);
        c.spec -= k;
        budget -= k;
      }
      // b) scaleDownOldReplicaSetsForRollingUpdate.
      int32_t available_all = 0;
      for (const auto& c : all) available_all += c.available;
      int32_t can_remove = available_all - min_available;
      for (auto& c : all) {
        if (c.id == new_id || can_remove <= 0) continue;
        int32_t k = std::min(c.spec, can_remove);
        if (k <= 0) continue;
        SetSpec(w, c.id, c.spec - k);
        c.spec -= k;
        can_remove -= k;
      }
    }
  }
  // 4. Old ReplicaSets beyond revisionHistoryLimit (empty ones, oldest first).
  int32_t empties = 0;
  for (const auto& c : all)
    if (c.id != new_id && c.spec == 0 && c.alive_pods == 0) ++empties;
  int32_t excess = empties - w.spec.strategy.revision_history_limit;
  for (const auto& c : all) {
    if (excess <= 0) break;
    if (c.id != new_id && c.spec == 0 && c.alive_pods == 0) {
      store_.DeleteReplicaSet(c.id);
      --excess;
    }
  }
  all.erase(std::remove_if(all.begin(), all.end(),
                           [&](const RsCounts& c) { return !store_.replica_set(c.id).alive; }),
            all.end());
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].id == new_id) new_index = i;
  finish();
}

bool DeploymentController::Scale(Workload& w, std::vector<RsCounts>& all, size_t new_index,
                                 int32_t surge) {
  const int32_t replicas = w.spec.replicas;
  std::vector<size_t> active;
  for (size_t i = 0; i < all.size(); ++i)
    if (all[i].spec > 0) active.push_back(i);
  if (active.size() <= 1) {
    size_t target = active.empty() ? new_index : active[0];
    if (all[target].spec == replicas) return false;
    SetSpec(w, all[target].id, replicas);
    all[target].spec = replicas;
    return true;
  }
  RsCounts& nw = all[new_index];
  if (nw.spec == replicas && nw.available == replicas) {
    for (size_t i : active)
      if (i != new_index) {
        SetSpec(w, all[i].id, 0);
        all[i].spec = 0;
      }
    return true;
  }
  int32_t allowed = replicas + surge;
  int32_t total = 0;
  for (size_t i : active) total += all[i].spec;
  int32_t to_add = allowed - total;
  if (to_add == 0) return false;
  // Larger first; ties to the newer RS when adding, to the older when removing.
  std::sort(active.begin(), active.end(), [&](size_t a, size_t b) {
    if (all[a].spec != all[b].spec) return all[a].spec > all[b].spec;
    return to_add > 0 ? a > b : a < b;
  });
  int32_t added = 0;
  std::vector<int32_t> target(all.size());
  for (size_t i = 0; i < all.size(); ++i) target[i] = all[i].spec;
  for (size_t i : active) {
    const ReplicaSet& rs = store_.replica_set(all[i].id);
    int32_t annotated = rs.max_replicas_annotation > 0 ? rs.max_replicas_annotation : total;
    int32_t delta = replicas == 0 ? -all[i].spec
                                  : ProportionalDelta(all[i].spec, allowed, annotated, to_add - added);
    target[i] += delta;
    added += delta;
  }
  // The leftover goes to the first RS in that order.
  target[active[0]] = std::max(0, target[active[0]] + (to_add - added));
  bool changed = false;
  for (size_t i = 0; i < all.size(); ++i) {
    if (target[i] == all[i].spec) continue;
    SetSpec(w, all[i].id, std::max(0, target[i]));
    all[i].spec = std::max(0, target[i]);
    changed = true;
  }
  return changed;
}

void DeploymentController::RequeueAt(std::vector<sim::Time>& pending, WorkloadId w,
                                     sim::Time at) {
  if (pending.size() <= w) pending.resize(w + 1, sim::Time{INT64_MIN});
  sim::Time now = sim_.now();
  // One outstanding re-sync is enough: when it fires, the sync schedules the next.
  if (pending[w] >= now && pending[w] <= at) return;
  pending[w] = at;
  queue_.AddAfter(w, at - now);
}

void DeploymentController::UpdateStatus(Workload& w, const std::vector<RsCounts>& all,
                                        size_t new_index) {
  sim::Time now = sim_.now();
  int32_t total = 0, ready = 0, available = 0;
  sim::Time next_available = sim::Time::Max();
  for (const auto& c : all) {
    total += c.active;
    ready += c.ready;
    available += c.available;
  }
  if (w.spec.min_ready.us > 0 && ready > available) {
    for (const auto& c : all)
      for (PodId pid : store_.replica_set(c.id).pods) {
        const Pod& p = store_.pod(pid);
        if (p.Active() && p.ready && !p.Available(now, w.spec.min_ready))
          next_available = std::min(next_available, p.ready_since + w.spec.min_ready);
      }
    if (next_available != sim::Time::Max())
      RequeueAt(min_ready_check_at_, w.id, next_available + sim::Duration::Micros(1));
  }
  int32_t updated = all.empty() ? 0 : all[new_index].active;
  w.status_replicas = total;
  w.ready_replicas = ready;
  w.available_replicas = available;
  w.updated_replicas = updated;
  RolloutStatus& r = w.rollout;
  if (!r.in_progress) return;
  int32_t replicas = w.spec.replicas;
  // Progress: updated, ready or available rose, or the total fell (spec 2.5).
  if (updated > r.last_updated || ready > r.last_ready || available > r.last_available ||
      total < r.last_total) {
    r.last_progress_at = now;
  }
  r.last_updated = updated;
  r.last_ready = ready;
  r.last_available = available;
  r.last_total = total;
  int32_t idx = w.id < rollout_index_.size() ? rollout_index_[w.id] : -1;
  int32_t alive_old = 0;
  for (size_t i = 0; i < all.size(); ++i)
    if (i != new_index) alive_old += all[i].alive_pods;
  if (updated == replicas && total == replicas && available == replicas && alive_old == 0 &&
      all[new_index].active == replicas) {
    r.in_progress = false;
    r.complete = true;
    r.finished_at = now;
    sim_.recorder().Log(now, "DeploymentRolloutComplete", "deployment/" + w.spec.name,
                        "Deployment \"" + w.spec.name + "\" has successfully progressed");
    if (idx >= 0) {
      rollouts_[static_cast<size_t>(idx)].finished_s = now.seconds();
      if (rollouts_[static_cast<size_t>(idx)].outcome.empty())
        rollouts_[static_cast<size_t>(idx)].outcome = "complete";
    }
    return;
  }
  sim::Duration deadline = w.spec.strategy.progress_deadline;
  if (deadline.us > 0 && !r.deadline_exceeded) {
    if (now - r.last_progress_at > deadline) {
      r.deadline_exceeded = true;
      sim_.recorder().Log(now, "ProgressDeadlineExceeded", "deployment/" + w.spec.name,
                          "Deployment \"" + w.spec.name + "\" has timed out progressing");
      if (idx >= 0) rollouts_[static_cast<size_t>(idx)].outcome = "progress-deadline-exceeded";
    } else {
      RequeueAt(deadline_check_at_, w.id, r.last_progress_at + deadline + sim::Duration::Micros(1));
    }
  }
}

}  // namespace rehearsal::models
