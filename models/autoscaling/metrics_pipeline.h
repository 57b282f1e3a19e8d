#pragma once
// The metrics pipeline between load and autoscalers (spec 1.9): a
// metrics-server-like scraper of the usage board, and synthetic load curves
// that write the usage board when no traffic model does.
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/autoscaling/autoscaling_config.h"
#include "models/core/ids.h"
#include "models/core/usage_board.h"
#include "models/disruption/cluster_model.h"
#include "sim/simulation.h"

namespace rehearsal::models::autoscaling {

class SyntheticLoad;

// One workload's usage as a whole-workload producer (SyntheticLoad) wrote it
// at one tick: its running pods, and for each whether it takes a share of the
// demand (ready) or not. Immutable once published; consecutive ticks share
// the pod arrays while the workload's pods do not change, so a tick costs
// O(1) then. `version` differs whenever any value differs.
struct WorkloadUsage {
  std::shared_ptr<const std::vector<PodId>> pods;     // ascending
  std::shared_ptr<const std::vector<uint8_t>> ready;  // aligned: 1 -> ready_usage, 0 -> other_usage
  PodUsage ready_usage;
  PodUsage other_usage;
  uint64_t version = 0;
};

// One scrape: every pod's usage and the external metrics at scrape time.
// `pods` points at the live usage board when the lag is 0 (no copy: the
// board only changes at its producers' ticks), else at a copy owned by the
// pipeline. Workloads with a synthetic curve are sampled from `workloads`
// (index = WorkloadId) instead of the board.
struct MetricsSnapshot {
  sim::Time taken_at;
  const std::map<PodId, PodUsage>* pods = nullptr;
  std::map<std::string, double> external;
  std::vector<std::shared_ptr<const WorkloadUsage>> workloads;

  // The usage of each of `ids` (pods of workload w, ascending) in this
  // scrape: out[i] = nullptr when the pod was not sampled. O(ids) for a
  // synthetic workload (a merge), O(ids log pods) from the board.
  void Lookup(WorkloadId w, const std::vector<PodId>& ids, std::vector<const PodUsage*>* out) const;
  // A number that changes whenever w's sampled values change between
  // scrapes; 0 = unknown (values read from the board carry no version).
  uint64_t Version(WorkloadId w) const;
  // w's synthetic usage in this snapshot, or nullptr (sampled from the board).
  const WorkloadUsage* Synthetic(WorkloadId w) const {
    return w < workloads.size() ? workloads[w].get() : nullptr;
  }
};

// Scrapes the usage board every scrape interval; a snapshot becomes visible
// to readers `lag` after it was taken. Keeps only the snapshots it needs.
class MetricsPipeline {
 public:
  MetricsPipeline(sim::Simulation& sim, const UsageBoard& usage, const MetricsPipelineConfig& config,
                  std::vector<std::string> external_names);
  MetricsPipeline(const MetricsPipeline&) = delete;
  MetricsPipeline& operator=(const MetricsPipeline&) = delete;

  // Samples the workloads of `load` from it rather than from the board.
  // `load` must outlive the pipeline.
  void AttachSynthetic(const SyntheticLoad* load) { synthetic_ = load; }
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
  const SyntheticLoad* synthetic_ = nullptr;
  std::deque<MetricsSnapshot> snapshots_;
  std::deque<std::map<PodId, PodUsage>> copies_;  // lag > 0: one per snapshot
};

// Total demand of one synthetic curve at time t (pure). Worked example:
// steps {0: 1000m, 10 min: 4000m}, no sine: 1000m at 5 min, 4000m at 10 min.
double SyntheticCpuDemand(const SyntheticLoadConfig& config, sim::Time t);
double SyntheticRpsDemand(const SyntheticLoadConfig& config, sim::Time t);

// Every tick, spreads each configured workload's demand evenly over its
// Ready pods (other running pods use nothing) and publishes it as a
// WorkloadUsage that the metrics pipeline samples. Only pods touched by a
// store watch event since the last tick are re-read (a tick is O(1) when
// none was). The usage board gets an entry (with the curve's memory, which
// the kubelet's OOM check reads) when a pod starts running and loses it when
// the pod stops; the board's CPU figure of a synthetic pod is the one at that
// moment (the pipeline reads the per-tick figure from here).
class SyntheticLoad {
 public:
  SyntheticLoad(sim::Simulation& sim, ClusterModel& cluster, UsageBoard& usage,
                std::vector<SyntheticLoadConfig> configs);
  SyntheticLoad(const SyntheticLoad&) = delete;
  SyntheticLoad& operator=(const SyntheticLoad&) = delete;

  // The latest usage per workload id (null for workloads without a curve).
  const std::vector<std::shared_ptr<const WorkloadUsage>>& current() const { return current_; }
  // Debug aid for tests: rebuild the pod lists every tick and RH_ASSERT that
  // the watch-driven lists were up to date.
  void set_verify(bool verify) { verify_ = verify; }

 private:
  void Tick(size_t index);
  void Rebuild(size_t index, std::vector<PodId>* running, std::vector<uint8_t>* ready) const;
  sim::Simulation& sim_;
  ClusterModel& cluster_;
  UsageBoard& usage_;
  std::vector<SyntheticLoadConfig> configs_;
  std::vector<WorkloadId> workloads_;
  // Pods touched by watch events since the config's last tick (shared with
  // the watcher, which may outlive this object).
  struct Touched {
    std::vector<std::vector<size_t>> configs_of;  // by workload id
    std::vector<std::vector<PodId>> pods;         // by config index
  };
  std::shared_ptr<Touched> touched_;
  std::vector<uint8_t> built_;                      // by config index
  std::vector<std::shared_ptr<const std::vector<PodId>>> pods_;     // by config index
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> ready_;  // by config index
  std::vector<double> ready_count_;                                 // by config index
  std::vector<std::shared_ptr<const WorkloadUsage>> current_;       // by workload id
  uint64_t next_version_ = 1;
  bool verify_ = false;
  sim::EventKind kind_;
};

}  // namespace rehearsal::models::autoscaling
