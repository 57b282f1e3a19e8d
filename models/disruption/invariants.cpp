#include "models/disruption/invariants.h"

#include <algorithm>

#include "models/workloads/rollout_math.h"

namespace rehearsal::models {

void InvariantChecker::Fail(sim::Time now, const std::string& what) {
  if (violations_.size() < 100) violations_.push_back(sim::FormatTime(now) + ": " + what);
}

int32_t InvariantChecker::max_active(WorkloadId w) const {
  return w < max_active_.size() ? max_active_[w] : 0;
}

int32_t InvariantChecker::min_available_during_rollout(WorkloadId w) const {
  return w < min_available_.size() ? min_available_[w] : INT32_MAX;
}

void InvariantChecker::Check(sim::Time now) {
  const Store& store = model_.store();
  if (now < last_) Fail(now, "time went back from " + sim::FormatTime(last_));
  last_ = now;
  // Pods and nodes.
  for (NodeId nid = 1; nid <= store.max_node_id(); ++nid) {
    const Node& n = store.node(nid);
    int64_t cpu = 0, mem = 0;
    int32_t pods = 0;
    for (PodId pid : n.pods) {
      const Pod& p = store.pod(pid);
      if (!p.alive || p.node != nid) Fail(now, "node " + n.name + " lists a pod bound elsewhere");
      if (p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed) continue;
      cpu += p.tmpl->cpu_request_millicores;
      mem += p.tmpl->memory_request_bytes;
      ++pods;
    }
    if (cpu != n.cpu_requested_millicores || mem != n.memory_requested_bytes || pods != n.pods_count)
      Fail(now, "node " + n.name + " aggregates differ from its pods");
    if (cpu > n.cpu_allocatable_millicores || mem > n.memory_allocatable_bytes ||
        pods > n.pods_allocatable)
      Fail(now, "node " + n.name + " requests exceed allocatable");
  }
  for (PodId pid = 1; pid <= store.max_pod_id(); ++pid) {
    const Pod& p = store.pod(pid);
    if (!p.alive || p.node == kNoId) continue;
    if (!store.node(p.node).pods.count(pid)) Fail(now, "pod " + store.PodName(pid) + " not on its node");
  }
  if (model_.pdb_budget_violations() > 0) Fail(now, "a voluntary eviction broke a PDB");
  // The store's owner counters equal a recount.
  for (WorkloadId wid = 1; wid <= store.workload_count(); ++wid) {
    const Workload& w = store.workload(wid);
    int32_t active = 0, ready = 0, nonterminal = 0;
    for (PodId pid : w.pods) {
      const Pod& p = store.pod(pid);
      bool terminal = p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed;
      active += p.Active() ? 1 : 0;
      ready += p.Active() && p.ready ? 1 : 0;
      nonterminal += terminal ? 0 : 1;
    }
    if (active != w.active_pods || ready != w.ready_pods || nonterminal != w.nonterminal_pods)
      Fail(now, "workload " + w.spec.name + " counters differ from its pods");
  }
  // Deployments.
  for (WorkloadId wid = 1; wid <= store.workload_count(); ++wid) {
    const Workload& w = store.workload(wid);
    if (w.spec.kind != WorkloadKind::kDeployment) continue;
    if (max_active_.size() <= wid) {
      max_active_.resize(wid + 1, 0);
      min_available_.resize(wid + 1, INT32_MAX);
    }
    int32_t active = 0, available = 0, spec_sum = 0;
    bool scaling = false;
    bool settling = false;  // a ReplicaSet still has more pods than its new spec
    for (ReplicaSetId rid : w.replica_sets) {
      const ReplicaSet& rs = store.replica_set(rid);
      spec_sum += rs.spec_replicas;
      settling = settling || rs.active_pods > rs.spec_replicas;
      if (rs.spec_replicas > 0 && rs.desired_replicas_annotation != w.spec.replicas) scaling = true;
      for (PodId pid : rs.pods) {
        const Pod& p = store.pod(pid);
        if (!p.Active()) continue;
        ++active;
        available += p.Available(now, w.spec.min_ready) ? 1 : 0;
      }
    }
    max_active_[wid] = std::max(max_active_[wid], active);
    if (w.rollout.in_progress) min_available_[wid] = std::min(min_available_[wid], available);
    if (scaling || w.spec.strategy.type != DeploymentStrategyType::kRollingUpdate) continue;
    Fenceposts f = ResolveFenceposts(w.spec.replicas, w.spec.strategy.max_surge,
                                     w.spec.strategy.max_unavailable);
    if (spec_sum > w.spec.replicas + f.surge)
      Fail(now, "deployment " + w.spec.name + " ReplicaSets sum above replicas + surge");
    // Pods follow a scale-down one reconcile later; judge them once settled.
    if (!settling && active > w.spec.replicas + f.surge)
      Fail(now, "deployment " + w.spec.name + " has more active pods than replicas + surge");
    if (check_availability_ && w.rollout.in_progress &&
        available < w.spec.replicas - MaxUnavailable(w.spec.replicas, f))
      Fail(now, "deployment " + w.spec.name + " below replicas - maxUnavailable during rollout");
  }
}

}  // namespace rehearsal::models
