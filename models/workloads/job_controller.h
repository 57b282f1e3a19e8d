#pragma once
// Job and CronJob controller. A Job runs pods until `completions` succeed,
// at most `parallelism` at a time; each pod runs for a drawn run time once its
// containers start, then succeeds or fails (failure_probability); more than
// backoffLimit failures fail the Job. A CronJob starts such a run every
// `every` (at `offset`), with concurrencyPolicy Allow / Forbid / Replace.
// Finished pods are garbage-collected at once (as with ttlSecondsAfterFinished: 0).
#include <map>

#include "models/cluster/store.h"
#include "models/cluster/work_queue.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class JobController {
 public:
  JobController(sim::Simulation& sim, Store& store);
  int64_t succeeded() const { return succeeded_; }
  int64_t failed() const { return failed_; }

 private:
  struct RunState {
    int32_t run = -1;       // current run index (Job: 0)
    int32_t succeeded = 0;  // in the current run
    int32_t failed = 0;
    bool active = false;
  };
  void OnWatch(const WatchEvent& e);
  void Sync(WorkloadId w);
  void Tick(WorkloadId w);
  void Finish(PodId pod);

  sim::Simulation& sim_;
  Store& store_;
  WorkQueue queue_;
  sim::Rng rng_;
  sim::EventKind kind_tick_, kind_finish_;
  std::map<WorkloadId, RunState> runs_;
  std::map<PodId, sim::EventId> running_;
  int64_t succeeded_ = 0;
  int64_t failed_ = 0;
};

}  // namespace rehearsal::models
