#pragma once
// AutoscalingModel: every autoscaler of a run behind one facade, attached to
// a ClusterModel and the usage board. It builds, from an AutoscalingConfig:
// the metrics pipeline (always), synthetic load curves (for workloads without
// a traffic model), the HPA controller, the cluster autoscaler and the VPA
// recommender. Ownership: it owns the controllers; it borrows the simulation,
// the cluster and the usage board, which must outlive it.
#include <memory>
#include <string>
#include <vector>

#include "models/autoscaling/autoscaling_config.h"
#include "models/autoscaling/cluster_autoscaler.h"
#include "models/autoscaling/hpa_controller.h"
#include "models/autoscaling/metrics_pipeline.h"
#include "models/autoscaling/vpa_recommender.h"
#include "models/disruption/cluster_model.h"
#include "sim/simulation.h"

namespace rehearsal::models::autoscaling {

// The VPA recommender per workload: every recommender interval, one CPU
// sample (cores, weighted by the request) and one memory sample per running
// pod from the metrics pipeline; the recommendation is recorded as the
// series "<workload>.vpa_cpu_target_m" and "<workload>.vpa_memory_target_mib".
// In Recreate mode the updater evicts, through the eviction API (so PDBs
// apply), one pod per updater interval whose requests lie outside the bounds.
class VpaController {
 public:
  VpaController(sim::Simulation& sim, ClusterModel& cluster, const MetricsPipeline& metrics,
                std::vector<VpaConfig> vpas);
  VpaController(const VpaController&) = delete;
  VpaController& operator=(const VpaController&) = delete;

  // The latest recommendation of VPA i (zeros before the first sample).
  const VpaRecommendation& recommendation(size_t i) const { return states_[i].rec; }
  int64_t evictions() const { return evictions_; }

 private:
  struct State {
    VpaConfig config;
    WorkloadId workload = kNoId;
    ContainerUsageAggregate agg;
    VpaRecommendation rec;
    sim::Time last_sample_at = sim::Time{-1};
  };
  void Recommend(size_t i);
  void Update(size_t i);

  sim::Simulation& sim_;
  ClusterModel& cluster_;
  const MetricsPipeline& metrics_;
  std::vector<State> states_;
  sim::EventKind kind_recommend_, kind_update_;
  int64_t evictions_ = 0;
};

class AutoscalingModel {
 public:
  // REQUIRES: every named workload exists in the cluster.
  AutoscalingModel(sim::Simulation& sim, ClusterModel& cluster, UsageBoard& usage,
                   const AutoscalingConfig& config);
  ~AutoscalingModel();
  AutoscalingModel(const AutoscalingModel&) = delete;
  AutoscalingModel& operator=(const AutoscalingModel&) = delete;

  const MetricsPipeline& metrics() const { return *metrics_; }
  HpaController* hpa() { return hpa_.get(); }                     // null without HPAs
  ClusterAutoscaler* cluster_autoscaler() { return ca_.get(); }   // null when disabled
  VpaController* vpa() { return vpa_.get(); }                     // null without VPAs

 private:
  std::unique_ptr<MetricsPipeline> metrics_;
  std::unique_ptr<SyntheticLoad> load_;
  std::unique_ptr<HpaController> hpa_;
  std::unique_ptr<ClusterAutoscaler> ca_;
  std::unique_ptr<VpaController> vpa_;
};

}  // namespace rehearsal::models::autoscaling
