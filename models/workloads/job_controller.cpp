#include "models/workloads/job_controller.h"

#include <algorithm>
#include <vector>

namespace rehearsal::models {

JobController::JobController(sim::Simulation& sim, Store& store)
    : sim_(sim),
      store_(store),
      queue_(sim, "job.sync", [this](uint64_t k) { Sync(k); }),
      rng_(sim.Stream("jobs")),
      kind_tick_(sim.RegisterKind("cronjob.tick")),
      kind_finish_(sim.RegisterKind("job.pod_finished")) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

void JobController::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kWorkload && e.type == WatchEventType::kAdded) {
    const Workload& w = store_.workload(e.id);
    WorkloadId id = e.id;
    if (w.spec.kind == WorkloadKind::kJob) {
      runs_[id] = RunState{0, 0, 0, true};
      queue_.Add(id);
    } else if (w.spec.kind == WorkloadKind::kCronJob) {
      runs_[id] = RunState{};
      sim::Duration first = w.spec.cron.offset;
      sim_.ScheduleIn(first, kind_tick_, id, [this, id] { Tick(id); });
    }
    return;
  }
  if (e.kind != ObjectKind::kPod) return;
  const Pod& p = store_.pod(e.id);
  WorkloadKind kind = store_.workload(p.workload).spec.kind;
  if (kind != WorkloadKind::kJob && kind != WorkloadKind::kCronJob) return;
  if (e.type == WatchEventType::kDeleted) {
    auto it = running_.find(e.id);
    if (it != running_.end()) {
      sim_.Cancel(it->second);
      running_.erase(it);
    }
    queue_.Add(p.workload);
    return;
  }
  if (p.started && p.phase == PodPhase::kRunning && !p.deleting && !running_.count(e.id)) {
    PodId id = e.id;
    running_[id] = sim_.ScheduleIn(p.tmpl == nullptr ? sim::Duration{} :
                                   store_.workload(p.workload).spec.job.run_time.Sample(rng_),
                                   kind_finish_, id, [this, id] { Finish(id); });
  } else if (!p.started && running_.count(e.id)) {
    // The container restarted: the run starts over.
    sim_.Cancel(running_[e.id]);
    running_.erase(e.id);
  }
}

void JobController::Finish(PodId id) {
  running_.erase(id);
  const Pod& p = store_.pod(id);
  if (!p.alive || p.deleting) return;
  const Workload& w = store_.workload(p.workload);
  bool ok = !rng_.Chance(w.spec.job.failure_probability);
  RunState& st = runs_[p.workload];
  if (p.ordinal == st.run) (ok ? st.succeeded : st.failed) += 1;
  (ok ? succeeded_ : failed_) += 1;
  WorkloadId wid = p.workload;
  store_.SetTerminalPhase(id, ok ? PodPhase::kSucceeded : PodPhase::kFailed);
  store_.MarkDeleting(id, sim_.now());
  queue_.Add(wid);
}

void JobController::Tick(WorkloadId id) {
  Workload& w = store_.mutable_workload(id);
  RunState& st = runs_[id];
  sim_.ScheduleIn(w.spec.cron.every, kind_tick_, id, [this, id] { Tick(id); });
  if (st.active) {
    if (w.spec.cron.concurrency == ConcurrencyPolicy::kForbid) {
      sim_.recorder().Log(sim_.now(), "JobAlreadyActive", "cronjob/" + w.spec.name,
                          "Not starting job because prior execution is running");
      return;
    }
    if (w.spec.cron.concurrency == ConcurrencyPolicy::kReplace) {
      std::vector<PodId> pods(w.pods.begin(), w.pods.end());
      for (PodId p : pods) store_.MarkDeleting(p, sim_.now());
    }
  }
  st.run += 1;
  st.succeeded = 0;
  st.failed = 0;
  st.active = true;
  w.job_runs += 1;
  sim_.recorder().Log(sim_.now(), "SuccessfulCreate", "cronjob/" + w.spec.name,
                      "Created job " + w.spec.name + "-" + std::to_string(st.run));
  queue_.Add(id);
}

void JobController::Sync(WorkloadId id) {
  Workload& w = store_.mutable_workload(id);
  RunState& st = runs_[id];
  if (!st.active) return;
  const JobSpec& job = w.spec.job;
  int32_t active = 0;
  for (PodId pid : w.pods) {
    const Pod& p = store_.pod(pid);
    if (p.Active() && p.ordinal == st.run) ++active;
  }
  std::string object = (w.spec.kind == WorkloadKind::kJob ? "job/" : "cronjob/") + w.spec.name;
  if (st.succeeded >= job.completions) {
    st.active = false;
    w.job_done = w.spec.kind == WorkloadKind::kJob;
    sim_.recorder().Log(sim_.now(), "Completed", object, "Job completed");
    return;
  }
  if (st.failed > job.backoff_limit) {
    st.active = false;
    w.job_done = w.spec.kind == WorkloadKind::kJob;
    w.job_failures += 1;
    std::vector<PodId> pods(w.pods.begin(), w.pods.end());
    for (PodId p : pods) store_.MarkDeleting(p, sim_.now());
    sim_.recorder().Log(sim_.now(), "BackoffLimitExceeded", object,
                        "Job has reached the specified backoff limit");
    return;
  }
  int32_t want = std::min(job.parallelism, job.completions - st.succeeded) - active;
  for (int32_t i = 0; i < want; ++i) store_.CreatePod(id, kNoId, w.current_revision, st.run, sim_.now());
  w.status_replicas = active + std::max(0, want);
}

}  // namespace rehearsal::models
