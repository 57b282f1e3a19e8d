#pragma once
// The API object specs the store holds: pod templates and workload specs
// (Deployment, StatefulSet, Job, CronJob, DaemonSet), PDBs and PriorityClasses.
// Plain data (no YAML types). They live here, beside the store, the way the
// Kubernetes API types live apart from the controllers; models/workloads/
// workload_config.h gathers them into the config that scenarios fill.
//
// Pod labels: a pod carries its template's `labels`, plus
// rehearsal.io/workload=<workload name> always and app=<workload name> unless
// the template sets `app`. Pod (anti-)affinity terms, topology spread
// constraints and PDBs select pods with Kubernetes label selectors
// (matchLabels + matchExpressions In/NotIn/Exists/DoesNotExist); the older
// `workloads` name lists are shorthand for
// `rehearsal.io/workload In (names)` and are used when no selector is given.
// Node selectors and node affinity use real key/value node labels (pool labels
// plus topology.kubernetes.io/zone, kubernetes.io/hostname,
// node.kubernetes.io/instance-type, karpenter.sh/capacity-type).
#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/cluster/cluster_config.h"
#include "models/core/distribution.h"
#include "models/core/int_or_percent.h"
#include "sim/time.h"

namespace rehearsal::models {

inline constexpr const char* kLabelHostname = "kubernetes.io/hostname";
inline constexpr const char* kLabelZone = "topology.kubernetes.io/zone";
inline constexpr const char* kLabelInstanceType = "node.kubernetes.io/instance-type";
inline constexpr const char* kLabelCapacityType = "karpenter.sh/capacity-type";
inline constexpr const char* kLabelPool = "rehearsal.io/pool";
inline constexpr const char* kLabelWorkload = "rehearsal.io/workload";  // on every pod
inline constexpr const char* kLabelApp = "app";  // on every pod unless the template sets it
inline constexpr const char* kTaintUnschedulable = "node.kubernetes.io/unschedulable";
inline constexpr const char* kTaintUnreachable = "node.kubernetes.io/unreachable";
inline constexpr const char* kTaintNotReady = "node.kubernetes.io/not-ready";
inline constexpr const char* kTaintSpotTermination = "aws-node-termination-handler/spot-itn";

enum class TolerationOperator { kEqual, kExists };

struct Toleration {
  std::string key;  // empty with kExists = tolerate everything
  TolerationOperator op = TolerationOperator::kEqual;
  std::string value;
  std::optional<TaintEffect> effect;  // empty = every effect
  // NoExecute only: how long the pod stays bound after the taint appears.
  std::optional<sim::Duration> toleration_seconds;

  bool Tolerates(const Taint& taint) const {
    if (effect && *effect != taint.effect) return false;
    if (key.empty()) return op == TolerationOperator::kExists;
    if (key != taint.key) return false;
    return op == TolerationOperator::kExists || value == taint.value;
  }
};

enum class LabelOperator { kIn, kNotIn, kExists, kDoesNotExist };

struct LabelRequirement {
  std::string key;
  LabelOperator op = LabelOperator::kIn;
  std::vector<std::string> values;

  bool Matches(const std::map<std::string, std::string>& labels) const {
    auto it = labels.find(key);
    switch (op) {
      case LabelOperator::kExists: return it != labels.end();
      case LabelOperator::kDoesNotExist: return it == labels.end();
      case LabelOperator::kIn:
      case LabelOperator::kNotIn: {
        bool in = false;
        if (it != labels.end())
          for (const auto& v : values) in = in || v == it->second;
        return op == LabelOperator::kIn ? in : !in;
      }
    }
    return false;
  }
};

// A Kubernetes label selector (apimachinery labels.Selector semantics):
// every matchLabels pair must be present with that value AND every
// requirement must match. In: the key exists with one of the values; NotIn:
// the key is absent or its value is none of them; Exists / DoesNotExist: key
// presence. An empty selector ({}) matches every pod. Example:
// {matchLabels {app: api}, matchExpressions [{tier NotIn [canary]}]} matches
// {app: api} and {app: api, tier: stable}, not {app: api, tier: canary} nor
// {app: web}.
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelRequirement> match_expressions;

  bool Matches(const std::map<std::string, std::string>& labels) const {
    for (const auto& [k, v] : match_labels) {
      auto it = labels.find(k);
      if (it == labels.end() || it->second != v) return false;
    }
    for (const auto& r : match_expressions)
      if (!r.Matches(labels)) return false;
    return true;
  }
  // "" when valid, else why (as the API server's validation: In/NotIn need
  // at least one value, Exists/DoesNotExist none, keys non-empty).
  std::string Validate() const {
    for (const auto& [k, v] : match_labels)
      if (k.empty()) return "matchLabels: empty key";
    for (const auto& r : match_expressions) {
      if (r.key.empty()) return "matchExpressions: empty key";
      const bool set_op = r.op == LabelOperator::kIn || r.op == LabelOperator::kNotIn;
      if (set_op && r.values.empty())
        return "matchExpressions " + r.key + ": In/NotIn need at least one value";
      if (!set_op && !r.values.empty())
        return "matchExpressions " + r.key + ": Exists/DoesNotExist take no values";
    }
    return "";
  }
  // Canonical text, equal for equal selectors (values sorted).
  std::string Key() const {
    std::string out;
    for (const auto& [k, v] : match_labels) out += k + "=" + v + ";";
    std::vector<std::string> exprs;
    for (const auto& r : match_expressions) {
      std::vector<std::string> vals = r.values;
      std::sort(vals.begin(), vals.end());
      std::string e = r.key + " " + std::to_string(static_cast<int>(r.op));
      for (const auto& v : vals) e += "," + v;
      exprs.push_back(e);
    }
    std::sort(exprs.begin(), exprs.end());
    for (const auto& e : exprs) out += "|" + e;
    return out;
  }
  // `rehearsal.io/workload In (names)`: the shorthand of the `workloads` lists.
  static LabelSelector ForWorkloads(const std::vector<std::string>& names) {
    LabelSelector s;
    s.match_expressions.push_back({kLabelWorkload, LabelOperator::kIn, names});
    return s;
  }
};

// A node selector term: every requirement must match (AND).
struct NodeSelectorTerm {
  std::vector<LabelRequirement> requirements;
  bool Matches(const std::map<std::string, std::string>& labels) const {
    for (const auto& r : requirements)
      if (!r.Matches(labels)) return false;
    return true;
  }
};

struct PreferredNodeTerm {
  int32_t weight = 1;  // 1..100
  NodeSelectorTerm term;
};

// Pod (anti-)affinity term selecting pods within a topology domain
// (kubernetes.io/hostname or topology.kubernetes.io/zone): by `selector` when
// set, else by workload names.
struct PodAffinityTerm {
  std::vector<std::string> workloads;  // no selector: these; empty = the pod's own workload
  std::string topology_key = kLabelHostname;
  int32_t weight = 1;  // preferred terms only: 1..100
  std::optional<LabelSelector> selector = std::nullopt;
};

struct TopologySpreadConstraint {
  int32_t max_skew = 1;
  std::string topology_key = kLabelZone;
  bool do_not_schedule = true;  // whenUnsatisfiable: DoNotSchedule (else ScheduleAnyway)
  int32_t min_domains = 1;
  // Pods counted: `selector` when set, else the pod's own workload. The
  // incoming pod adds itself only when it matches (selfMatchNum).
  std::optional<LabelSelector> selector = std::nullopt;
};

// A container image of a pod (init containers included), for the
// ImageLocality score. The name is normalised as kube-scheduler does
// (":latest" appended when there is no tag).
struct ContainerImage {
  std::string name;
  int64_t size_bytes = 0;
};

// normalizedImageName: "nginx" -> "nginx:latest", "repo:5000/app" ->
// "repo:5000/app:latest", "app:1.2" stays.
inline std::string NormalizedImageName(const std::string& name) {
  const auto colon = name.rfind(':');
  const auto slash = name.rfind('/');
  const bool has_tag = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  return has_tag ? name : name + ":latest";
}

// Probe timing (spec 5.1 defaults: delay 0, period 10 s, timeout 1 s,
// success 1, failure 3).
struct Probe {
  bool enabled = false;
  sim::Duration initial_delay{};
  sim::Duration period = sim::Duration::Seconds(10);
  sim::Duration timeout = sim::Duration::Seconds(1);
  int32_t success_threshold = 1;
  int32_t failure_threshold = 3;
};

// The pod template of a workload. `version` names the release ("v2"): a new
// version is a new template, hence a new ReplicaSet / rolling update.
struct PodTemplate {
  std::string version = "v1";
  std::map<std::string, std::string> labels;  // metadata.labels (see the header comment)
  int64_t cpu_request_millicores = 100;
  int64_t memory_request_bytes = 128LL << 20;
  int64_t cpu_limit_millicores = 0;   // 0 = none
  int64_t memory_limit_bytes = 0;     // 0 = none (no OOM kill)
  std::string priority_class;         // empty = the global default (or 0)
  std::map<std::string, std::string> node_selector;
  std::vector<NodeSelectorTerm> node_affinity_required;  // OR of terms
  std::vector<PreferredNodeTerm> node_affinity_preferred;
  std::vector<PodAffinityTerm> pod_affinity_required;
  std::vector<PodAffinityTerm> pod_affinity_preferred;
  std::vector<PodAffinityTerm> pod_anti_affinity_required;
  std::vector<PodAffinityTerm> pod_anti_affinity_preferred;
  std::vector<TopologySpreadConstraint> topology_spread;
  std::vector<Toleration> tolerations;
  // Scheduled -> container running (sandbox, image pull, init containers).
  DurationDistribution start =
      DurationDistribution::Uniform(sim::Duration::Seconds(5), sim::Duration::Seconds(15));
  // Container running -> application healthy (warm-up): probes succeed from then.
  DurationDistribution warmup = DurationDistribution::Fixed(sim::Duration::Seconds(5));
  Probe startup_probe;
  Probe readiness_probe;
  Probe liveness_probe;
  sim::Duration termination_grace_period = sim::Duration::Seconds(30);
  DurationDistribution pre_stop = DurationDistribution::Fixed(sim::Duration{});
  // SIGTERM -> process exit (graceful shutdown); beyond the grace -> SIGKILL.
  DurationDistribution shutdown = DurationDistribution::Fixed(sim::Duration::Seconds(1));
  // Synthetic faults (bad releases): liveness failures per pod-hour while
  // running, and "never becomes healthy" (crash loop / failing startup probe).
  double liveness_failures_per_hour = 0;
  bool never_healthy = false;
  // Container images (one per container, init containers included); empty:
  // ImageLocality scores every node 0 for this pod.
  std::vector<ContainerImage> images;
};

enum class WorkloadKind { kDeployment, kStatefulSet, kJob, kCronJob, kDaemonSet };

enum class DeploymentStrategyType { kRollingUpdate, kRecreate };

// Deployment strategy (spec 2.1 defaults: 25 % / 25 %, minReadySeconds 0,
// progressDeadlineSeconds 600, revisionHistoryLimit 10).
struct DeploymentStrategy {
  DeploymentStrategyType type = DeploymentStrategyType::kRollingUpdate;
  IntOrPercent max_surge = IntOrPercent::Percent(25);
  IntOrPercent max_unavailable = IntOrPercent::Percent(25);
  sim::Duration progress_deadline = sim::Duration::Seconds(600);  // 0 = never
  int32_t revision_history_limit = 10;
};

enum class PodManagementPolicy { kOrderedReady, kParallel };

// StatefulSet specifics (spec section 3).
struct StatefulSetSpec {
  PodManagementPolicy pod_management = PodManagementPolicy::kOrderedReady;
  bool on_delete = false;           // updateStrategy OnDelete instead of RollingUpdate
  int32_t partition = 0;
  IntOrPercent max_unavailable = IntOrPercent::Int(1);
};

// Job / CronJob specifics.
struct JobSpec {
  int32_t completions = 1;
  int32_t parallelism = 1;
  int32_t backoff_limit = 6;
  DurationDistribution run_time = DurationDistribution::Fixed(sim::Duration::Minutes(5));
  double failure_probability = 0;   // per pod run
};

enum class ConcurrencyPolicy { kAllow, kForbid, kReplace };

// A CronJob with a fixed-interval schedule ("every 1h at +5m"), not a cron string.
struct CronJobSpec {
  sim::Duration every = sim::Duration::Hours(1);
  sim::Duration offset{};
  ConcurrencyPolicy concurrency = ConcurrencyPolicy::kForbid;
};

// One workload of any kind. Fields that do not apply to the kind are ignored.
struct WorkloadSpec {
  WorkloadKind kind = WorkloadKind::kDeployment;
  std::string name;
  int32_t replicas = 1;             // Deployment / StatefulSet
  PodTemplate pod;
  sim::Duration min_ready{};        // minReadySeconds
  DeploymentStrategy strategy;      // Deployment
  StatefulSetSpec statefulset;      // StatefulSet
  JobSpec job;                      // Job / CronJob (each run)
  CronJobSpec cron;                 // CronJob
};

enum class UnhealthyPodEvictionPolicy { kIfHealthyBudget, kAlwaysAllow };

// PodDisruptionBudget (spec 4.1): exactly one of min_available / max_unavailable.
struct PdbSpec {
  std::string name;
  std::vector<std::string> workloads;  // selector shorthand: pods of these workloads
  std::optional<IntOrPercent> min_available;
  std::optional<IntOrPercent> max_unavailable;
  UnhealthyPodEvictionPolicy unhealthy_pod_eviction = UnhealthyPodEvictionPolicy::kIfHealthyBudget;
  // When set, pods matching it (an empty {} selects every pod) instead of `workloads`.
  std::optional<LabelSelector> selector = std::nullopt;
};

// PriorityClass (spec 6.4): user values <= 1e9.
struct PriorityClassSpec {
  std::string name;
  int32_t value = 0;
  bool global_default = false;
  bool preempt_never = false;  // preemptionPolicy: Never
};

}  // namespace rehearsal::models
