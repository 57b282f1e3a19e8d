#include "models/workloads/replica_set_controller.h"

#include <algorithm>
#include <vector>

#include "models/workloads/pod_ranking.h"

namespace rehearsal::models {

namespace {
constexpr int32_t kBurstReplicas = 500;
}

ReplicaSetController::ReplicaSetController(sim::Simulation& sim, Store& store)
    : sim_(sim), store_(store), queue_(sim, "replicaset.sync", [this](uint64_t k) { Sync(k); }) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

void ReplicaSetController::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kReplicaSet && e.type != WatchEventType::kDeleted) {
    queue_.Add(e.id);
  } else if (e.kind == ObjectKind::kPod) {
    const Pod& p = store_.pod(e.id);
    if (p.replica_set == kNoId) return;
    // A pod that starts deleting or goes away changes the active count.
    if (e.type == WatchEventType::kDeleted || !p.Active()) queue_.Add(p.replica_set);
  }
}

void ReplicaSetController::Sync(ReplicaSetId id) {
  const ReplicaSet& rs = store_.replica_set(id);
  if (!rs.alive) return;
  int32_t diff = rs.spec_replicas - rs.active_pods;
  const Workload& w = store_.workload(rs.workload);
  if (diff > 0) {
    int32_t n = std::min(diff, kBurstReplicas);
    for (int32_t i = 0; i < n; ++i) store_.CreatePod(rs.workload, id, rs.revision, -1, sim_.now());
    created_ += n;
    sim_.recorder().Log(sim_.now(), "SuccessfulCreate", "replicaset/" + w.spec.name + "-" +
                            w.revisions[static_cast<size_t>(rs.revision)].version,
                        "Created " + std::to_string(n) + " pod(s)");
    if (diff > n) queue_.Add(id);
  } else if (diff < 0) {
    // One pass over the RS's pods; node state from the dense NodeHot array
    // (the Node objects are large and cold: reading them dominated a 24 h run).
    std::vector<PodRankInput> ranks;
    ranks.reserve(static_cast<size_t>(std::max(rs.active_pods, 0)));
    for (PodId pid : rs.pods) {
      const Pod& p = store_.pod(pid);
      if (!p.Active()) continue;
      PodRankInput r;
      r.id = pid;
      r.assigned = p.node != kNoId;
      bool unknown = r.assigned && store_.hot(p.node).not_ready;
      r.phase_rank = p.phase == PodPhase::kPending ? 0 : (unknown ? 1 : 2);
      r.ready = p.ready;
      r.related_on_node = r.assigned ? store_.CountOnNode(p.workload, p.node) : 0;
      r.ready_since = p.ready_since;
      r.restarts = p.restarts;
      r.created_at = p.created_at;
      PrecomputeBuckets(r, sim_.now());
      ranks.push_back(r);
    }
    sim::Time now = sim_.now();
    int32_t n = -diff;
    // Only the first n of the order matter.
    std::partial_sort(ranks.begin(), ranks.begin() + n, ranks.end(),
                      [now](const PodRankInput& a, const PodRankInput& b) { return DeleteBefore(a, b, now); });
    for (int32_t i = 0; i < n; ++i) store_.MarkDeleting(ranks[static_cast<size_t>(i)].id, now);
    deleted_ += n;
    sim_.recorder().Log(sim_.now(), "SuccessfulDelete", "replicaset/" + w.spec.name + "-" +
                            w.revisions[static_cast<size_t>(rs.revision)].version,
                        "Deleted " + std::to_string(n) + " pod(s)");
  }
}

}  // namespace rehearsal::models
