#pragma once
// The HPA controller in the simulation (spec 1.2, 1.9): every sync period
// (15 s), phase-shifted per HPA by a stable hash of its name, it reads the
// target's pods from the store and their samples from the metrics pipeline,
// runs the replica calculator and the normalizer (replica_calculator.h,
// hpa_normalizer.h) and calls ClusterModel::Scale. Every scaling decision is
// an event with its inputs, e.g. "HPA gaming-api: 62% of 50% target on 8
// ready pods (2 ignored) -> 10; limited to 8 by ScaleUpLimit".
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/autoscaling/autoscaling_config.h"
#include "models/autoscaling/hpa_normalizer.h"
#include "models/autoscaling/metrics_pipeline.h"
#include "models/disruption/cluster_model.h"
#include "sim/simulation.h"

namespace rehearsal::models::autoscaling {

// Per-HPA figures for reports and tests.
struct HpaState {
  HpaConfig config;
  WorkloadId target = kNoId;
  HpaHistory history;
  int32_t last_desired = 0;
  int32_t last_utilization_percent = -1;  // first Utilization metric, -1 = none yet
  int64_t syncs = 0;
  int64_t scale_ups = 0;
  int64_t scale_downs = 0;
  std::string last_message;
};

// Builds the calculator's view of a store pod (name, phase, readiness, start
// time, requests). Pure. The Ready transition of a pod that is not ready is
// approximated: its start time if it never was ready (so "never ready" holds),
// else `now` (it was ready once).
HpaPod ToHpaPod(const Store& store, PodId pod, sim::Time now);

class HpaController {
 public:
  // REQUIRES: every HPA's target names a workload of the cluster.
  HpaController(sim::Simulation& sim, ClusterModel& cluster, const MetricsPipeline& metrics,
                const HpaControllerFlags& flags, std::vector<HpaConfig> hpas);
  HpaController(const HpaController&) = delete;
  HpaController& operator=(const HpaController&) = delete;

  const std::vector<HpaState>& hpas() const { return hpas_; }
  // Runs one sync of HPA i now (tests; the timer calls it every period).
  void Sync(size_t i);
  // Syncs that reused the previous proposals (inputs unchanged) / recomputed.
  int64_t cached_syncs() const { return cached_syncs_; }
  int64_t computed_syncs() const { return computed_syncs_; }
  // Of the computed ones: those done from saved tallies (only values changed).
  int64_t value_only_syncs() const { return value_only_syncs_; }
  // Debug aid for tests: recompute every sync and RH_ASSERT that a reused
  // proposal would have been the same.
  void set_verify(bool verify) { verify_ = verify; }

 private:
  // Per-HPA working set, index-aligned with the target's pods (ascending
  // ids), kept up to date from the store watch (only pods that changed are
  // re-read) and reused across syncs, so a sync allocates nothing once warm.
  //
  // Caching (exact): the proposals are a function of the pods' states, their
  // samples, current/status replicas and `now`. `now` (and the sample
  // timestamps) only matter for a pod within max(cpu-initialization-period,
  // initial-readiness-delay) of its start (`settled_at`); after that the
  // previous proposals are reused while no pod changed and the samples'
  // version and the replica counts are unchanged.
  struct Work {
    bool built = false;
    std::vector<PodId> ids;
    std::vector<HpaPodState> states;
    std::vector<int64_t> cpu_requests_milli, memory_requests_milli;
    std::vector<const PodUsage*> usage;
    std::vector<PodSample> samples;
    std::vector<const PodSample*> sample_ptrs;
    sim::Time settled_at{};                // no pod's class depends on `now` from here
    bool cacheable = false;                // Resource / Pods metrics only
    bool cached = false;                   // proposals valid for the pods as they are
    uint64_t cached_usage_version = 0;
    int32_t cached_current = -1, cached_status = -1;
    std::vector<ReplicaProposal> proposals;
    // Value-only updates: when the pods and the synthetic pod arrays are the
    // ones of the last full computation (done with every pod settled), each
    // pod's class is unchanged and only the sums move. Per metric: the
    // tally of that computation and how many ready pods took each usage
    // record (0 = other_usage, 1 = ready_usage).
    bool full_valid = false;
    std::shared_ptr<const std::vector<PodId>> full_pods;
    std::shared_ptr<const std::vector<uint8_t>> full_ready;
    struct MetricTally {
      bool ok = false;  // a Resource / Pods metric computed from a tally
      PodTally base;
      int64_t ready_by_role[2] = {0, 0};
    };
    std::vector<MetricTally> tallies;
    std::vector<PodClass> classes;
    std::vector<uint8_t> roles;  // per pod: 0 other_usage, 1 ready_usage, 2 none
  };
  // Pods of each HPA target touched by a watch event since its last sync;
  // shared with the watcher, which may outlive the controller.
  struct Touched {
    std::vector<uint8_t> tracked;               // by workload id
    std::vector<std::vector<PodId>> pods;       // by workload id
  };
  void OnTimer(size_t i);
  // The state of one store pod, and the time its class stops depending on `now`.
  void ReadPod(PodId id, HpaPodState* state, int64_t* cpu_milli, int64_t* memory_milli,
               sim::Time* settled_at) const;
  void BuildStates(Work& work, const Workload& w);
  // Applies the touched pods to the working set; true if anything changed.
  bool ApplyTouched(Work& work, const Workload& w, std::vector<PodId>& touched);
  ReplicaProposal Proposal(const MetricSpec& m, size_t index, const MetricsSnapshot* snap,
                           WorkloadId target, Work& work, int32_t current,
                           int32_t status_replicas, const CalculatorParams& params);
  // The same proposal from the saved tally and the new record values.
  ReplicaProposal ValueOnlyProposal(const MetricSpec& m, const Work::MetricTally& mt,
                                    const WorkloadUsage& u, int32_t current,
                                    const CalculatorParams& params) const;
  CalculatorParams ParamsFor(const HpaState& h) const;

  sim::Simulation& sim_;
  ClusterModel& cluster_;
  const MetricsPipeline& metrics_;
  HpaControllerFlags flags_;
  std::vector<HpaState> hpas_;
  std::vector<Work> work_;
  std::shared_ptr<Touched> touched_;
  sim::EventKind kind_;
  bool verify_ = false;
  int64_t cached_syncs_ = 0, computed_syncs_ = 0, value_only_syncs_ = 0;
};

}  // namespace rehearsal::models::autoscaling
