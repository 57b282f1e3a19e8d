#include "models/disruption/disruption_controller.h"

#include <vector>

namespace rehearsal::models {

namespace {
const sim::Duration kDeletionTimeout = sim::Duration::Minutes(2);
constexpr size_t kMaxDisruptedPods = 2000;
}  // namespace

const char* ToString(EvictionResult result) {
  switch (result) {
    case EvictionResult::kEvicted: return "evicted";
    case EvictionResult::kDeletedWithoutCheck: return "deleted-without-check";
    case EvictionResult::kAlreadyDeleting: return "already-deleting";
    case EvictionResult::kNotFound: return "not-found";
    case EvictionResult::kTooManyRequests: return "429-too-many-requests";
    case EvictionResult::kForbidden: return "403-forbidden";
    case EvictionResult::kMultiplePdbs: return "500-multiple-pdbs";
  }
  return "?";
}

DisruptionController::DisruptionController(sim::Simulation& sim, Store& store)
    : sim_(sim), store_(store), queue_(sim, "disruption.sync", [this](uint64_t k) { Refresh(k); }) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

void DisruptionController::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kPdb) {
    queue_.Add(e.id);
  } else if (e.kind == ObjectKind::kPod) {
    for (PdbId id : store_.PdbsForPod(e.id)) queue_.Add(id);
  } else if (e.kind == ObjectKind::kWorkload && e.type != WatchEventType::kDeleted) {
    for (PdbId id : store_.PdbsForWorkload(e.id)) queue_.Add(id);
  }
}

int32_t DisruptionController::ControllerScale(const Workload& w) const {
  switch (w.spec.kind) {
    case WorkloadKind::kDeployment:
    case WorkloadKind::kStatefulSet: return w.spec.replicas;
    case WorkloadKind::kDaemonSet: return w.status_replicas;
    case WorkloadKind::kJob:
    case WorkloadKind::kCronJob: return w.spec.job.parallelism;
  }
  return 0;
}

void DisruptionController::Refresh(PdbId id) {
  Pdb& pdb = store_.mutable_pdb(id);
  sim::Time now = sim_.now();
  for (auto it = pdb.disrupted_pods.begin(); it != pdb.disrupted_pods.end();) {
    const Pod& p = store_.pod(it->first);
    bool drop = !p.alive || p.deleting || it->second + kDeletionTimeout < now;
    it = drop ? pdb.disrupted_pods.erase(it) : std::next(it);
  }
  PdbInputs in;
  in.min_available = pdb.spec.min_available;
  in.max_unavailable = pdb.spec.max_unavailable;
  // Controllers owning matching pods; pods counted per matching class (the
  // selector may pick some revisions of a workload, e.g. by a version label).
  for (WorkloadId w : pdb.selects) in.controller_scale_sum += ControllerScale(store_.workload(w));
  for (PodClassId c : store_.MatchingClasses(pdb.selector)) {
    const PodClass& cls = store_.pod_class(c);
    in.matching_pods += cls.nonterminal_pods;
    in.current_healthy += cls.ready_pods;  // Ready, not deleting, not finished
  }
  for (const auto& [pid, t] : pdb.disrupted_pods) {
    (void)t;
    const Pod& p = store_.pod(pid);
    if (p.Active() && p.ready) in.current_healthy -= 1;  // recently disrupted
  }
  PdbStatus s = ComputePdbStatus(in);
  pdb.expected_pods = s.expected_pods;
  pdb.desired_healthy = s.desired_healthy;
  pdb.current_healthy = in.current_healthy;
  pdb.disruptions_allowed = s.disruptions_allowed;
}

void DisruptionController::Delete(PodId pod, bool evicted) {
  store_.mutable_pod(pod).evicted = evicted;
  store_.MarkDeleting(pod, sim_.now());
}

bool DisruptionController::WouldViolate(PodId pod) {
  const Pod& p = store_.pod(pod);
  const auto& pdbs = store_.PdbsForPod(pod);
  if (pdbs.empty() || !p.ready) return false;
  Refresh(pdbs.front());
  return store_.pdbs()[pdbs.front() - 1].disruptions_allowed <= 0;
}

EvictionResult DisruptionController::Evict(PodId id) {
  if (id == kNoId || id > store_.max_pod_id() || !store_.pod(id).alive) return EvictionResult::kNotFound;
  const Pod& p = store_.pod(id);
  if (p.deleting) return EvictionResult::kAlreadyDeleting;
  std::string object = "pod/" + store_.PodName(id);
  if (p.phase != PodPhase::kRunning) {
    Delete(id, true);
    return EvictionResult::kDeletedWithoutCheck;
  }
  const auto& pdbs = store_.PdbsForPod(id);
  if (pdbs.empty()) {
    Delete(id, true);
    ++evictions_;
    return EvictionResult::kDeletedWithoutCheck;
  }
  if (pdbs.size() > 1) {
    ++refused_;
    return EvictionResult::kMultiplePdbs;
  }
  PdbId pid = pdbs.front();
  Refresh(pid);
  Pdb& pdb = store_.mutable_pdb(pid);
  if (!p.ready) {
    if (pdb.spec.unhealthy_pod_eviction == UnhealthyPodEvictionPolicy::kAlwaysAllow ||
        (pdb.current_healthy >= pdb.desired_healthy && pdb.desired_healthy > 0)) {
      Delete(id, true);
      ++evictions_;
      return EvictionResult::kDeletedWithoutCheck;
    }
  }
  if (pdb.disruptions_allowed < 0 || pdb.disrupted_pods.size() > kMaxDisruptedPods) {
    ++refused_;
    return EvictionResult::kForbidden;
  }
  if (pdb.disruptions_allowed == 0) {
    ++refused_;
    sim_.recorder().Log(sim_.now(), "EvictionRefused", object,
                        "Cannot evict pod as it would violate the pod's disruption budget " +
                            pdb.spec.name + " (desired healthy " +
                            std::to_string(pdb.desired_healthy) + ", current healthy " +
                            std::to_string(pdb.current_healthy) + ")");
    return EvictionResult::kTooManyRequests;
  }
  pdb.disruptions_allowed -= 1;
  pdb.disrupted_pods[id] = sim_.now();
  bool was_ready = p.ready;
  Delete(id, true);
  ++evictions_;
  sim_.recorder().Log(sim_.now(), "Evicted", object, "Evicted through the eviction API");
  Refresh(pid);
  const Pdb& after = store_.pdbs()[pid - 1];
  if (was_ready && after.current_healthy < after.desired_healthy) ++budget_violations_;
  return EvictionResult::kEvicted;
}

}  // namespace rehearsal::models
