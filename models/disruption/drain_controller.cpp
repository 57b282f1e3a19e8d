#include "models/disruption/drain_controller.h"

#include <vector>

namespace rehearsal::models {

DrainController::DrainController(sim::Simulation& sim, Store& store,
                                 DisruptionController& disruption, NodeProvisioner& provisioner)
    : sim_(sim),
      store_(store),
      disruption_(disruption),
      provisioner_(provisioner),
      kind_step_(sim.RegisterKind("node.drain")) {}

void DrainController::Drain(NodeId node, const DrainOptions& options,
                            std::function<void(DrainOutcome)> done) {
  Node& n = store_.mutable_node(node);
  if (!n.unschedulable) {
    n.unschedulable = true;
    store_.Notify(ObjectKind::kNode, node);
  }
  sim_.recorder().Log(sim_.now(), "NodeDrain", "node/" + n.name,
                      options.respect_pdb ? "Draining node (eviction API)" : "Draining node (delete)");
  bool running = jobs_.count(node) > 0;
  jobs_[node] = Job{options, sim_.now(), std::move(done)};
  if (!running) Step(node);
}

void DrainController::Step(NodeId node) {
  auto it = jobs_.find(node);
  if (it == jobs_.end()) return;
  Job& job = it->second;
  auto finish = [&](DrainOutcome outcome) {
    auto cb = std::move(job.done);
    bool delete_node = job.options.delete_node_when_drained && outcome == DrainOutcome::kDrained;
    jobs_.erase(it);
    if (delete_node) provisioner_.DeleteNode(node);
    if (cb) cb(outcome);
  };
  const Node& n = store_.node(node);
  if (!n.alive()) {
    finish(DrainOutcome::kNodeGone);
    return;
  }
  std::vector<PodId> pods;
  bool remaining = false;
  for (PodId pid : n.pods) {
    const Pod& p = store_.pod(pid);
    if (store_.workload(p.workload).spec.kind == WorkloadKind::kDaemonSet) continue;
    remaining = true;
    if (!p.deleting && p.alive) pods.push_back(pid);
  }
  if (!remaining) {
    sim_.recorder().Log(sim_.now(), "NodeDrained", "node/" + n.name, "Node drained");
    finish(DrainOutcome::kDrained);
    return;
  }
  for (PodId pid : pods) {
    if (job.options.respect_pdb) {
      EvictionResult r = disruption_.Evict(pid);
      if (r == EvictionResult::kTooManyRequests || r == EvictionResult::kForbidden ||
          r == EvictionResult::kMultiplePdbs)
        ++refused_;
    } else {
      store_.mutable_pod(pid).evicted = true;
      store_.MarkDeleting(pid, sim_.now());
    }
  }
  if (job.options.timeout.us > 0 && sim_.now() - job.started >= job.options.timeout) {
    sim_.recorder().Log(sim_.now(), "NodeDrainTimeout", "node/" + n.name,
                        "Drain gave up after " + sim::FormatDuration(job.options.timeout));
    finish(DrainOutcome::kTimedOut);
    return;
  }
  sim::Duration wait = job.options.retry_interval;
  if (job.options.timeout.us > 0) {
    sim::Duration left = job.started + job.options.timeout - sim_.now();
    if (left < wait) wait = left;
  }
  sim_.ScheduleIn(wait, kind_step_, node, [this, node] { Step(node); });
}

}  // namespace rehearsal::models
