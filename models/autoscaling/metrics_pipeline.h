#pragma once
// The metrics pipeline between load and autoscalers (spec 1.9): a
// metrics-server-like scraper of the usage board, and synthetic load curves
// that write the usage board when no traffic model does.
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

#include "models/autoscaling/autoscaling_config.h"
#include "models/core/ids.h"
#include "models/core/usage_board.h"
#include "models/disruption/cluster_model.h"
#include "sim/simulation.h"

namespace rehearsal::models::autoscaling {

// One scrape: every pod's usage and the external metrics at scrape time.
// `pods` points at the live usage board when the lag is 0 (no copy: the
// board only changes at its producers' ticks), else at a copy owned by the
// pipeline.
struct MetricsSnapshot {
  sim::Time taken_at;
  const std::map<PodId, PodUsage>* pods = nullptr;
  std::map<std::string, double> external;
};

// Scrapes the usage board every scrape interval; a snapshot becomes visible
// to readers `lag` after it was taken. Keeps only the snapshots it needs.
class MetricsPipeline {
 public:
  MetricsPipeline(sim::Simulation& sim, const UsageBoard& usage, const MetricsPipelineConfig& config,
                  std::vector<std::string> external_names);
  MetricsPipeline(const MetricsPipeline&) = delete;
  MetricsPipeline& operator=(const MetricsPipeline&) = delete;

  // The newest visible snapshot, or nullptr before the first one.
  const MetricsSnapshot* Latest() const;
  const MetricsPipelineConfig& config() const { return config_; }

 private:
  void Scrape();
  sim::Simulation& sim_;
  const UsageBoard& usage_;
  MetricsPipelineConfig config_;
  std::vector<std::string> external_names_;
  sim::EventKind kind_;
  std::deque<MetricsSnapshot> snapshots_;
  std::deque<std::map<PodId, PodUsage>> copies_;  // lag > 0: one per snapshot
};

// Total demand of one synthetic curve at time t (pure). Worked example:
// steps {0: 1000m, 10 min: 4000m}, no sine: 1000m at 5 min, 4000m at 10 min.
double SyntheticCpuDemand(const SyntheticLoadConfig& config, sim::Time t);
double SyntheticRpsDemand(const SyntheticLoadConfig& config, sim::Time t);

// Writes the usage board every tick for each configured workload: the demand
// spread evenly over its Ready pods (unready pods use nothing).
class SyntheticLoad {
 public:
  SyntheticLoad(sim::Simulation& sim, ClusterModel& cluster, UsageBoard& usage,
                std::vector<SyntheticLoadConfig> configs);
  SyntheticLoad(const SyntheticLoad&) = delete;
  SyntheticLoad& operator=(const SyntheticLoad&) = delete;

 private:
  void Tick(size_t index);
  sim::Simulation& sim_;
  ClusterModel& cluster_;
  UsageBoard& usage_;
  std::vector<SyntheticLoadConfig> configs_;
  std::vector<WorkloadId> workloads_;
  std::vector<std::vector<PodId>> last_pods_;
  sim::EventKind kind_;
};

}  // namespace rehearsal::models::autoscaling
