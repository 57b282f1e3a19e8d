#pragma once
// The HPA controller in the simulation (spec 1.2, 1.9): every sync period
// (15 s), phase-shifted per HPA by a stable hash of its name, it reads the
// target's pods from the store and their samples from the metrics pipeline,
// runs the replica calculator and the normalizer (replica_calculator.h,
// hpa_normalizer.h) and calls ClusterModel::Scale. Every scaling decision is
// an event with its inputs, e.g. "HPA gaming-api: 62% of 50% target on 8
// ready pods (2 ignored) -> 10; limited to 8 by ScaleUpLimit".
#include <cstdint>
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

 private:
  void OnTimer(size_t i);
  ReplicaProposal Proposal(const HpaState& h, const MetricSpec& m, const std::vector<HpaPod>& pods,
                           const std::vector<PodId>& ids, int32_t current, int32_t status_replicas,
                           const CalculatorParams& params) const;

  sim::Simulation& sim_;
  ClusterModel& cluster_;
  const MetricsPipeline& metrics_;
  HpaControllerFlags flags_;
  std::vector<HpaState> hpas_;
  sim::EventKind kind_;
  std::vector<PodId> scratch_ids_;    // reused across syncs (no per-sync allocation)
  std::vector<HpaPod> scratch_pods_;
};

}  // namespace rehearsal::models::autoscaling
