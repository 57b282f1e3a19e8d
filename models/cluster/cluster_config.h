#pragma once
// Plain configuration of a cluster (no YAML types): zones, node pools and the
// node-level controller parameters. scenarios/ fills it; ClusterModel
// (models/disruption/cluster_model.h) builds the store and controllers from it.
// Defaults follow shared/spec/kubernetes.md sections 5, 6 and 8.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/core/distribution.h"
#include "sim/time.h"

namespace rehearsal::models {

enum class TaintEffect { kNoSchedule, kPreferNoSchedule, kNoExecute };

struct Taint {
  std::string key;
  std::string value;
  TaintEffect effect = TaintEffect::kNoSchedule;
  bool operator==(const Taint&) const = default;
};

enum class CapacityType { kOnDemand, kSpot };
enum class CloudProvider { kAws, kGcp, kAzure };

// The interruption notice a provider gives before reclaiming a spot VM
// (spec section 8): AWS 2 minutes, GCP and Azure 30 seconds.
inline sim::Duration SpotNotice(CloudProvider provider) {
  return provider == CloudProvider::kAws ? sim::Duration::Seconds(120) : sim::Duration::Seconds(30);
}

// Hourly hazard from a monthly interruption probability (spec section 8):
// lambda = -ln(1 - p) / 720. Worked example: the AWS "<5%" bucket midpoint
// 2.5 % per month -> 3.52e-5 per node-hour.
double SpotHazardPerHour(double monthly_probability);

// A group of identical nodes (an ASG / managed node group / GKE node pool).
struct NodePoolConfig {
  std::string name;                     // "general", "spot-c6i"
  std::string instance_type;            // "m6i.2xlarge"
  int64_t cpu_millicores = 8000;        // allocatable per node
  int64_t memory_bytes = 32LL << 30;    // allocatable per node
  int32_t pods_max = 110;               // kubelet max-pods default
  double price_per_hour_usd = 0.384;
  CapacityType capacity_type = CapacityType::kOnDemand;
  CloudProvider provider = CloudProvider::kAws;
  int32_t size_min = 0;
  int32_t size_max = 100;
  int32_t size_initial = 3;
  std::vector<std::string> zones;       // empty = every cluster zone; nodes go round-robin
  // Time from "add node" to node Ready (VM boot + kubelet registration).
  DurationDistribution provisioning =
      DurationDistribution::Uniform(sim::Duration::Seconds(60), sim::Duration::Seconds(120));
  std::map<std::string, std::string> labels;
  std::vector<Taint> taints;
  // Spot only: background interruptions per node-hour (see SpotHazardPerHour);
  // the notice (0 = the provider's default); how long a reclaimed pool cannot
  // get capacity back after a storm.
  double spot_interruptions_per_node_hour = 0;
  sim::Duration spot_notice{};
  sim::Duration capacity_shortage_after_storm = sim::Duration::Minutes(30);
};

enum class ScoringStrategy { kLeastAllocated, kMostAllocated };

// kube-scheduler parameters (spec section 6).
struct SchedulerConfig {
  ScoringStrategy scoring = ScoringStrategy::kLeastAllocated;
  // 0 = adaptive: p = max(5, 50 - N/125) percent, at least 100 nodes.
  int32_t percentage_of_nodes_to_score = 0;
  // Apply the system default topology spread constraints (hostname maxSkew 3,
  // zone maxSkew 5, ScheduleAnyway) to pods that declare none.
  bool default_spread_constraints = true;
  bool preemption = true;
  sim::Duration backoff_initial = sim::Duration::Seconds(1);
  sim::Duration backoff_max = sim::Duration::Seconds(10);
  sim::Duration unschedulable_retry = sim::Duration::Minutes(5);
};

// How the node termination handler reacts to a spot notice (spec section 8).
enum class SpotDrainMode {
  kEvictRespectingPdb,  // aws-node-termination-handler: cordon + eviction API
  kDeleteIgnoringPdb,   // kubelet graceful node shutdown (GKE): no PDB check
  kNone,                // no handler: pods die with the node
};

struct ClusterConfig {
  std::string region = "eu-west-1";
  std::vector<std::string> zones = {"eu-west-1a", "eu-west-1b", "eu-west-1c"};
  std::vector<NodePoolConfig> pools;
  SchedulerConfig scheduler;
  // Node lifecycle controller (spec 5.3): grace 50 s since v1.32, taint
  // eviction after the default toleration of 300 s.
  sim::Duration node_monitor_grace_period = sim::Duration::Seconds(50);
  sim::Duration default_toleration_seconds = sim::Duration::Seconds(300);
  // Rate limits on tainting NotReady nodes, per zone (spec 5.3,
  // kube-controller-manager --node-eviction-rate 0.1, --secondary-node-
  // eviction-rate 0.01, --unhealthy-zone-threshold 0.55,
  // --large-cluster-size-threshold 50; see node_eviction_math.h).
  double node_eviction_rate_per_s = 0.1;
  double secondary_node_eviction_rate_per_s = 0.01;
  double unhealthy_zone_threshold = 0.55;
  int32_t large_cluster_size_threshold = 50;
  // doNoExecuteTaintingPass period (scheduler.NodeEvictionPeriod).
  sim::Duration node_eviction_period = sim::Duration::Millis(100);
  // EndpointSlice -> proxy propagation before a Ready pod takes traffic.
  sim::Duration endpoint_propagation_delay = sim::Duration::Seconds(1);
  // The rehearsal joins a platform that is already running: pods bound at
  // t = 0 start Running and Ready at once (no image pull, probes or
  // endpoint propagation), as if they had been up for hours. Pods created
  // later follow the full lifecycle. Off: the cluster cold-starts at t = 0.
  bool warm_start = false;
  // Kubelet housekeeping interval for OOM checks against the usage board.
  sim::Duration oom_check_period = sim::Duration::Seconds(10);
  SpotDrainMode spot_drain = SpotDrainMode::kEvictRespectingPdb;
  // Time the cloud takes to remove a failed VM's Node object (0 = never:
  // the node stays NotReady until it recovers or is deleted explicitly).
  sim::Duration failed_node_deletion{};
};

}  // namespace rehearsal::models
