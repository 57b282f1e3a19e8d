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
  // Of the computed ones: those that classified every pod (the others
  // updated the incremental tallies: see Work).
  int64_t full_syncs() const { return full_syncs_; }
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
  //
  // Incremental tallies (exact), for Resource / Pods metrics of a workload
  // sampled from SyntheticLoad: every pod's sample is one of the workload's
  // two usage records (its "role": 0 other_usage, 1 ready_usage, 2 none), so
  // a metric's PodTally is a sum of per-pod contributions (class, role,
  // request) plus Σ ready pods per role x that record's value. The sums are
  // kept; a sync re-classifies only the pods that may have changed class:
  // pods touched by a watch event, pods whose role differs between the usage
  // arrays of the last sync and this one, and pods not yet settled (their
  // class depends on `now` and the sample's timestamp).
  struct Work {
    bool built = false;
    std::vector<PodId> ids;
    std::vector<HpaPodState> states;
    std::vector<int64_t> cpu_requests_milli, memory_requests_milli;
    std::vector<const PodUsage*> usage;
    std::vector<PodSample> samples;
    std::vector<const PodSample*> sample_ptrs;
    std::vector<PodClass> classes;         // scratch of a full computation
    sim::Time settled_at{};                // no pod's class depends on `now` from here
    bool cacheable = false;                // Resource / Pods metrics only
    bool cached = false;                   // proposals valid for the pods as they are
    uint64_t cached_usage_version = 0;
    int32_t cached_current = -1, cached_status = -1;
    std::vector<ReplicaProposal> proposals;
    // Incremental tallies (valid while `inc_valid`): every pod of `ids` is
    // either counted in `tallies` (with the role and classes stored for it)
    // or listed in `dirty`.
    struct MetricTally {
      PodTally base;                         // counts and request sums; value sums are 0
      int64_t ready_by_role[2] = {0, 0};     // ready pods per usage record
      int64_t known_by_role[2] = {0, 0};     // of those, with a known request
    };
    bool inc_valid = false;
    std::shared_ptr<const std::vector<PodId>> inc_pods;     // the usage arrays the roles
    std::shared_ptr<const std::vector<uint8_t>> inc_ready;  // were read from
    std::vector<MetricTally> tallies;        // per metric
    std::vector<uint8_t> roles;              // aligned with ids
    std::vector<uint8_t> counted;            // aligned with ids
    std::vector<PodClass> inc_classes;       // aligned with ids, one per metric
    std::vector<PodId> dirty;                // not counted: re-classified at the next sync
    std::vector<PodId> unsettled;            // counted, a class may still move with `now`
    std::vector<size_t> gone;                // scratch of ApplyTouched: indices to remove
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
  // With incremental tallies, a touched pod leaves them (and goes to `dirty`).
  bool ApplyTouched(Work& work, const Workload& w, const HpaState& h, std::vector<PodId>& touched);
  ReplicaProposal Proposal(const MetricSpec& m, const MetricsSnapshot* snap, Work& work,
                           int32_t current, int32_t status_replicas, const CalculatorParams& params);
  // Pod k's contribution to the incremental tallies: added (sign +1, after
  // classifying it at `now` against a sample taken at `taken_at`) or removed
  // (sign -1, with the classes stored when it was added).
  void Count(Work& work, const HpaState& h, size_t k, sim::Time now, sim::Time taken_at,
             const CalculatorParams& params) const;
  void Uncount(Work& work, const HpaState& h, size_t k) const;
  // True if no class of counted pod k can change with `now` or a later
  // sample timestamp (only a watch event or a new role can change it).
  bool FinalClasses(const Work& work, const HpaState& h, size_t k) const;
  // Brings the incremental tallies up to date with the snapshot's usage `u`.
  void UpdateTallies(Work& work, const HpaState& h, const MetricsSnapshot& snap,
                     const WorkloadUsage& u, const CalculatorParams& params);
  // Metric k's proposal from the incremental tally and u's record values.
  ReplicaProposal TallyProposal(const MetricSpec& m, const Work::MetricTally& mt,
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
  int64_t cached_syncs_ = 0, computed_syncs_ = 0, full_syncs_ = 0;
};

}  // namespace rehearsal::models::autoscaling
