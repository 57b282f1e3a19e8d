#pragma once
// Plain configuration of the autoscalers in a run (no YAML types): the HPA
// controller and its HPAs, the metrics pipeline, synthetic load curves,
// the cluster autoscaler and VPAs. scenarios/ fills it; AutoscalingModel
// (autoscaling_model.h) builds the controllers from it. Defaults follow
// shared/spec/kubernetes.md sections 1, 7 and 10.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/autoscaling/ca_calculator.h"
#include "models/autoscaling/hpa_types.h"
#include "models/autoscaling/vpa_recommender.h"
#include "sim/time.h"

namespace rehearsal::models::autoscaling {

// metrics-server-like sampling of the usage board (spec 1.9): a scrape every
// interval, each sample averaging the window before it, visible `lag` after.
struct MetricsPipelineConfig {
  sim::Duration scrape_interval = sim::Duration::Seconds(15);
  sim::Duration window = sim::Duration::Seconds(15);
  sim::Duration lag = sim::Duration::Seconds(0);
};

// A step in a synthetic demand curve: from `at`, demand is `cpu_millicores`
// (total over the workload's ready pods) and `rps`.
struct LoadStep {
  sim::Duration at{};
  double cpu_millicores = 0;
  double rps = 0;
};

// A synthetic load curve for a workload without a traffic model: a piecewise
// constant total demand (steps, in time order) plus an optional daily sine
// (amplitude as a fraction of the step value, peak at `peak_at` of the day).
struct SyntheticLoadConfig {
  std::string workload;
  std::vector<LoadStep> steps;             // first step usually at 0
  double diurnal_amplitude = 0;            // 0..1
  sim::Duration peak_at = sim::Duration::Hours(21);
  double memory_bytes_per_pod = 256.0 * (1 << 20);
  sim::Duration tick = sim::Duration::Seconds(5);
};

// Cluster autoscaler flags (spec 7 defaults from the FAQ).
struct ClusterAutoscalerConfig {
  bool enabled = false;
  sim::Duration scan_interval = sim::Duration::Seconds(10);
  std::vector<ExpanderKind> expanders = {ExpanderKind::kLeastWaste};
  PriorityExpanderConfig priorities;
  sim::Duration max_node_provision_time = sim::Duration::Minutes(15);
  sim::Duration node_group_backoff = sim::Duration::Minutes(5);
  bool scale_down_enabled = true;
  sim::Duration scale_down_unneeded_time = sim::Duration::Minutes(10);
  sim::Duration scale_down_delay_after_add = sim::Duration::Minutes(10);
  sim::Duration scale_down_delay_after_failure = sim::Duration::Minutes(3);
  double scale_down_utilization_threshold = 0.5;
  int32_t max_empty_bulk_delete = 10;
  sim::Duration max_pod_eviction_time = sim::Duration::Minutes(2);
  sim::Duration unremovable_recheck = sim::Duration::Minutes(5);
};

enum class VpaUpdateMode { kOff, kRecreate };

struct VpaConfig {
  std::string workload;
  VpaUpdateMode mode = VpaUpdateMode::kOff;
  VpaParams params;
  sim::Duration recommender_interval = sim::Duration::Minutes(1);
  sim::Duration updater_interval = sim::Duration::Minutes(1);
};

struct AutoscalingConfig {
  HpaControllerFlags hpa_flags;
  std::vector<HpaConfig> hpas;
  MetricsPipelineConfig metrics;
  std::vector<SyntheticLoadConfig> synthetic_load;
  ClusterAutoscalerConfig cluster_autoscaler;
  std::vector<VpaConfig> vpas;
  // Debug aid (tests): the controllers recompute what they keep incrementally
  // (synthetic pod lists, HPA pod states and reused proposals) at every step
  // and RH_ASSERT that it matches. Slow; off in runs.
  bool verify_incremental = false;
};

}  // namespace rehearsal::models::autoscaling
