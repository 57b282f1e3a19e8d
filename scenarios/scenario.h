#pragma once
// scenarios::Scenario: the typed, validated and defaulted plain-data form of a
// scenario YAML file (see scenarios/README.md and scenarios/schema.json). The
// loader (scenarios/loader.h) fills it; the binder (scenarios/run.cpp) turns
// it into the models' ...Config structs. Nothing here refers to YAML.
//
// Units: every duration is a sim::Duration (integer µs), CPU is in millicores,
// memory in bytes, money in USD per hour (prices), percentages are stored as
// ratios in [0, 1] unless the name says `_percent`. Defaults are the
// Kubernetes defaults cited in shared/spec/kubernetes.md.
//
// STABILITY: the binder reads this header. Change it additively only.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/slo/slo.h"
#include "sim/result.h"
#include "sim/time.h"

namespace rehearsal::scenarios {

enum class Fidelity { kFluid, kRequest };

// A Kubernetes IntOrString used for counts: `2` or `25%`.
// maxSurge rounds up and maxUnavailable rounds down, as the Deployment
// controller does: 10 replicas at 25%/25% allow 13 pods and at least 8 ready.
struct IntOrPercent {
  int64_t value = 0;     // a count, or a percentage 0..100 when percent is true
  bool percent = false;
  // Resolves against `total` (e.g. replicas). round_up: ceil, else floor.
  // Example: {25, true}.Resolve(10, true) == 3; .Resolve(10, false) == 2.
  int64_t Resolve(int64_t total, bool round_up) const {
    if (!percent) return value;
    int64_t scaled = value * total;
    return round_up ? (scaled + 99) / 100 : scaled / 100;
  }
};

enum class CapacityType { kOnDemand, kSpot };

// A group of identical nodes (a managed node group / Karpenter NodePool).
struct NodePool {
  std::string name;
  std::string instance_type;                    // e.g. "m6i.2xlarge" (informational)
  std::string provider = "generic";             // aws | gcp | azure | generic
  int64_t cpu_millicores = 8000;                // allocatable per node
  int64_t memory_bytes = 32LL << 30;            // allocatable per node
  int64_t max_pods = 110;
  double price_per_hour_usd = 0.40;
  CapacityType capacity_type = CapacityType::kOnDemand;
  double spot_interruptions_per_node_hour = 0;  // background reclaim rate (spot only)
  sim::Duration spot_notice = sim::Duration::Minutes(2);  // AWS: 2 min warning
  int64_t min_nodes = 0;
  int64_t max_nodes = 10;
  int64_t initial_nodes = -1;                   // -1: start at min_nodes
  std::vector<std::string> zones;               // empty: every cluster zone
  sim::Duration provisioning_delay = sim::Duration::Seconds(90);
  std::map<std::string, std::string> labels;
  std::vector<std::string> taints;              // "key=value:NoSchedule"
  sim::SourceMark mark;
};

enum class Expander { kLeastWaste, kRandom, kMostPods, kLeastNodes, kPrice, kPriority };

// Cluster Autoscaler flags (defaults from its FAQ, kubernetes.md §7).
struct ClusterAutoscalerSpec {
  bool enabled = true;
  Expander expander = Expander::kLeastWaste;
  sim::Duration scan_interval = sim::Duration::Seconds(10);
  sim::Duration scale_down_delay_after_add = sim::Duration::Minutes(10);
  sim::Duration scale_down_unneeded_time = sim::Duration::Minutes(10);
  double scale_down_utilization_threshold = 0.5;
  sim::Duration max_node_provision_time = sim::Duration::Minutes(15);
};

struct ClusterSpec {
  std::vector<std::string> zones = {"zone-a"};
  std::vector<NodePool> pools;
  ClusterAutoscalerSpec autoscaler;
  // true (default): the platform is already running when the rehearsal
  // starts — initial pods are Ready at t = 0. false: cold start.
  bool warm_start = true;
};

enum class WorkloadKind { kDeployment, kStatefulSet, kJob, kCronJob, kDaemonSet };

struct Resources {
  int64_t cpu_request_millicores = 100;
  int64_t memory_request_bytes = 128LL << 20;
  int64_t cpu_limit_millicores = 0;   // 0: no limit (no CFS throttling)
  int64_t memory_limit_bytes = 0;     // 0: no limit
};

// A container probe (kubelet defaults: period 10s, timeout 1s, failure 3, success 1).
struct Probe {
  bool enabled = false;
  sim::Duration initial_delay = sim::Duration::Seconds(0);
  sim::Duration period = sim::Duration::Seconds(10);
  sim::Duration timeout = sim::Duration::Seconds(1);
  int64_t failure_threshold = 3;
  int64_t success_threshold = 1;
};

struct Probes {
  Probe readiness;
  Probe liveness;
  Probe startup;
};

// How one pod of a service serves requests (the performance model's input).
struct PerformanceProfile {
  sim::Duration cpu_per_request = sim::Duration::Millis(10);  // CPU time per request
  int64_t concurrency = 16;                                   // in-flight per pod
  sim::Duration base_latency = sim::Duration::Millis(5);      // non-CPU latency
  sim::Duration timeout = sim::Duration::Seconds(2);
  int64_t retries = 0;
  sim::Duration retry_backoff = sim::Duration::Millis(100);
  int64_t queue_capacity = 100;                               // per pod; beyond: 503
  double error_ratio = 0;                                     // intrinsic errors, 0..1
  sim::Duration warmup = sim::Duration::Seconds(0);           // slower while warming
};

// A call edge of the service graph: each request to the caller makes
// `per_request` calls to `to`.
struct Call {
  std::string to;
  double per_request = 1.0;
  bool async = false;   // async: the caller does not wait (queue/event)
  sim::SourceMark mark;
};

enum class HpaMetricType { kCpu, kMemory, kRequestsPerPod, kExternal };

struct HpaMetric {
  HpaMetricType type = HpaMetricType::kCpu;
  double target_utilization = 0.8;    // ratio of requests (cpu/memory)
  double target_average_value = 0;    // requests_per_pod / external: per-pod value
  std::string name;                   // external metric name
};

enum class HpaPolicyType { kPods, kPercent };
enum class SelectPolicy { kMax, kMin, kDisabled };

struct HpaPolicy {
  HpaPolicyType type = HpaPolicyType::kPercent;
  int64_t value = 100;
  sim::Duration period = sim::Duration::Seconds(15);
};

// One direction of HPA v2 `behavior` (defaults: kubernetes.md §1.8).
struct HpaRules {
  std::optional<sim::Duration> stabilization_window;  // unset: 0 up, 300s down
  SelectPolicy select_policy = SelectPolicy::kMax;
  std::vector<HpaPolicy> policies;                      // empty: the defaults
};

struct HpaSpec {
  bool enabled = false;
  int64_t min_replicas = 1;
  int64_t max_replicas = 10;
  std::vector<HpaMetric> metrics;   // empty: CPU 80%
  HpaRules scale_up;
  HpaRules scale_down;
  double tolerance = 0.1;
  sim::SourceMark mark;
};

struct PdbSpec {
  bool enabled = false;
  std::optional<IntOrPercent> min_available;
  std::optional<IntOrPercent> max_unavailable;
};

enum class RolloutStrategy { kRollingUpdate, kRecreate, kCanary, kBlueGreen };

struct CanaryStep {
  double weight = 0;                            // traffic ratio 0..1
  sim::Duration pause = sim::Duration::Seconds(0);
};

struct RolloutSpec {
  RolloutStrategy strategy = RolloutStrategy::kRollingUpdate;
  IntOrPercent max_surge{25, true};
  IntOrPercent max_unavailable{25, true};
  sim::Duration min_ready = sim::Duration::Seconds(0);
  sim::Duration progress_deadline = sim::Duration::Seconds(600);
  std::vector<CanaryStep> steps;                 // canary only
  // Automatic analysis (canary / blue-green): abort when exceeded.
  double analysis_max_error_ratio = 0;           // 0: no check
  sim::Duration analysis_max_p99 = sim::Duration::Seconds(0);  // 0: no check
};

// The topology domain of a placement rule: a node (kubernetes.io/hostname)
// or a zone (topology.kubernetes.io/zone).
enum class Topology { kHostname, kZone };

// One pod (anti-)affinity term: with (or away from) the pods of `services`
// (empty: the service's own pods) in the same `topology` domain. Required
// terms filter nodes (requiredDuringSchedulingIgnoredDuringExecution);
// preferred ones add `weight` (1-100) to the score.
struct PodAffinitySpec {
  Topology topology = Topology::kHostname;
  bool required = false;
  int64_t weight = 100;
  std::vector<std::string> services;
  sim::SourceMark mark;
};

// One topologySpreadConstraint over the service's own pods.
struct SpreadSpec {
  Topology topology = Topology::kZone;
  int64_t max_skew = 1;
  bool do_not_schedule = true;  // whenUnsatisfiable: DoNotSchedule (else ScheduleAnyway)
};

// A workload and the service in front of it.
struct Service {
  std::string name;
  WorkloadKind kind = WorkloadKind::kDeployment;
  int64_t replicas = 1;
  std::string version = "v1";
  Resources resources;
  Probes probes;
  sim::Duration startup_time = sim::Duration::Seconds(10);   // container start -> ready
  sim::Duration termination_grace = sim::Duration::Seconds(30);
  std::string priority_class;
  int64_t priority = 0;
  std::string node_pool;                 // empty: any pool without taints
  bool spread_zones = true;              // topology spread over zones
  std::vector<PodAffinitySpec> affinity;        // pod affinity terms
  std::vector<PodAffinitySpec> anti_affinity;   // pod anti-affinity terms
  std::vector<SpreadSpec> topology_spread;      // explicit spread constraints
  PerformanceProfile performance;
  std::map<std::string, PerformanceProfile> versions;  // bad-release profiles by version
  std::vector<Call> calls;
  HpaSpec hpa;
  PdbSpec pdb;
  RolloutSpec rollout;
  // Job / CronJob.
  std::string schedule;                  // CronJob: cron expression
  int64_t completions = 1;
  int64_t parallelism = 1;
  sim::Duration work = sim::Duration::Minutes(5);   // per Job pod
  std::string source;                    // "scenario" or the manifest file
  sim::SourceMark mark;
};

enum class ProfileType { kConstant, kDiurnal, kFlashCrowd, kCsv };

// A load curve in requests per second.
struct LoadProfile {
  ProfileType type = ProfileType::kConstant;
  double rps = 100;                      // constant; diurnal min; flash-crowd base
  double peak_rps = 0;                   // diurnal max; flash-crowd peak
  sim::Duration peak_at = sim::Duration::Hours(21);  // time of day of the diurnal max
  std::string csv_file;                  // csv: "t_s,rps" rows, resolved path
};

// An extra bump on top of the profile (a match kick-off, a push notification).
// Shape: linear ramp to `rps` over `ramp`, hold, linear decay.
struct Peak {
  sim::Duration at;                      // simulated time (start-relative)
  double rps = 0;                        // added at the top
  sim::Duration ramp = sim::Duration::Minutes(5);
  sim::Duration hold = sim::Duration::Minutes(10);
  sim::Duration decay = sim::Duration::Minutes(10);
};

struct EntryPoint {
  std::string name;
  std::string service;
  LoadProfile profile;
  std::vector<Peak> peaks;
  sim::SourceMark mark;
};

struct TrafficSpec {
  sim::Duration start_time_of_day = sim::Duration::Hours(18);  // wall time at t = 0
  std::vector<EntryPoint> entry_points;
};

enum class Replication { kAsync, kSync, kQuorum };

// Patroni-like failover settings (Patroni defaults: ttl 30, loop_wait 10,
// retry_timeout 10, maximum_lag_on_failover 1 MiB).
struct FailoverSpec {
  sim::Duration ttl = sim::Duration::Seconds(30);
  sim::Duration loop_wait = sim::Duration::Seconds(10);
  sim::Duration retry_timeout = sim::Duration::Seconds(10);
  int64_t maximum_lag_on_failover_bytes = 1LL << 20;
};

// Backups and point-in-time recovery of the wallet (Postgres-style: base
// backups plus archived log). The archive interval is the RPO of a restore.
struct BackupSpec {
  sim::Duration snapshot_interval = sim::Duration::Hours(1);
  sim::Duration archive_interval = sim::Duration::Minutes(5);
  int64_t restore_bytes_per_s = 100LL * 1000 * 1000;  // archive read + replay bandwidth
  int64_t kept = 2;                                    // base backups retained
};

struct WalletSpec {
  bool enabled = false;
  std::string service = "wallet";       // the service whose pods front the ledger
  Replication replication = Replication::kAsync;
  int64_t replicas = 3;                 // primary + standbys
  std::vector<std::string> zones;       // empty: cluster zones round-robin
  FailoverSpec failover;
  int64_t group_commit_max_batch = 64;
  sim::Duration group_commit_max_delay = sim::Duration::Millis(2);
  sim::Duration fsync_latency = sim::Duration::Micros(800);
  sim::Duration replication_latency = sim::Duration::Millis(1);
  int64_t players = 100000;
  double sampling = 0.01;               // share of players whose money really moves
  bool retry_with_fresh_key = false;    // the anti-pattern: a retry gets a new key
  BackupSpec backups;
};

enum class FaultType {
  kZoneOutage, kNodeFailure, kSpotStorm, kBadRelease, kWalletPrimaryLoss,
  kDiskFault, kPartition, kPoolUpgrade
};

enum class DiskFaultMode { kSlowFsync, kFsyncError, kTornWrite, kLostWrite, kBitFlip, kFullDisk };

// zone-outage `zone:` value naming the zone that hosts the wallet primary
// when the fault fires (resolved then, so a rehearsal can aim at it).
inline constexpr const char* kZoneOfWalletPrimary = "wallet-primary";

// One scheduled fault. Which fields matter depends on `type` (the loader
// checks the required ones): zone-outage: zone; node-failure: pool, count;
// spot-storm: pool, fraction, notice; bad-release: service, version;
// wallet-primary-loss: -; disk-fault: target, mode; partition: zones (2);
// pool-upgrade: pool, max_unavailable.
struct Fault {
  FaultType type = FaultType::kNodeFailure;
  sim::Duration at;                                   // start-relative
  sim::Duration duration = sim::Duration::Seconds(0); // 0: permanent / instantaneous
  std::string zone;
  std::string pool;
  std::string service;
  std::string version;
  std::string target;
  int64_t count = 1;
  double fraction = 1.0;
  sim::Duration notice = sim::Duration::Minutes(2);
  DiskFaultMode mode = DiskFaultMode::kSlowFsync;
  sim::Duration slow_by = sim::Duration::Millis(50);
  std::vector<std::string> zones;
  IntOrPercent max_unavailable{1, false};
  sim::SourceMark mark;
};

// A planned release: `service` moves to `version` at `at` with its rollout strategy.
struct Release {
  sim::Duration at;
  std::string service;
  std::string version;
  sim::SourceMark mark;
};

struct Scenario {
  std::string name;
  std::string description;
  std::string file;                     // as given on the command line
  std::string input_digest;             // hex FNV-1a of the file bytes + overrides
  sim::Duration duration = sim::Duration::Hours(1);
  uint64_t seed = 1;
  Fidelity fidelity = Fidelity::kFluid;
  sim::Duration sample_interval = sim::Duration::Seconds(10);
  sim::Duration tick = sim::Duration::Seconds(1);  // fluid tick
  ClusterSpec cluster;
  std::vector<Service> services;
  TrafficSpec traffic;
  WalletSpec wallet;
  std::vector<Fault> faults;
  std::vector<Release> releases;
  std::vector<models::slo::Objective> slos;
  std::vector<std::string> manifests;   // resolved paths
  std::vector<std::string> warnings;    // non-fatal notes (e.g. ignored manifest fields)

  // nullptr when absent.
  const Service* FindService(const std::string& service_name) const {
    for (const auto& s : services) if (s.name == service_name) return &s;
    return nullptr;
  }
};

// Human names of the enums (the same words as in the YAML).
const char* ToString(Fidelity f);
const char* ToString(WorkloadKind k);
const char* ToString(FaultType t);
const char* ToString(Replication r);
const char* ToString(DiskFaultMode m);
const char* ToString(RolloutStrategy s);
const char* ToString(CapacityType c);

}  // namespace rehearsal::scenarios
