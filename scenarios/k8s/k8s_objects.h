#pragma once
// Real Kubernetes objects, read as `kubectl get -o yaml|json` prints them
// (JSON is YAML, so yaml-cpp reads both; multi-document YAML and List /
// PodList / PodMetricsList / MetricValueList wrappers are unwrapped).
// Supported kinds: Deployment, StatefulSet, ReplicaSet (apps/v1),
// HorizontalPodAutoscaler (autoscaling/v2), PodDisruptionBudget (policy/v1),
// PriorityClass (scheduling.k8s.io/v1), Pod (v1), PodMetrics
// (metrics.k8s.io/v1beta1), MetricValue (custom.metrics.k8s.io v1beta1/v1beta2)
// and ExternalMetricValue (external.metrics.k8s.io/v1beta1). Other kinds are
// returned as K8sOther so callers decide (skip or complain).
//
// Every error names file:line:col and the field (".spec.maxReplicas").
// yaml-cpp types and exceptions stay inside this folder.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "models/autoscaling/hpa_types.h"
#include "models/autoscaling/replica_calculator.h"
#include "models/core/int_or_percent.h"
#include "sim/result.h"

namespace rehearsal::scenarios::k8s {

struct OwnerReference {
  std::string kind;
  std::string name;
  bool controller = false;
};

struct ObjectMeta {
  std::string name;
  std::string namespace_ = "default";
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  std::vector<OwnerReference> owners;
  std::optional<int64_t> deletion_timestamp_us;
  // The controller owner ("ReplicaSet/web-7f9c"), empty when unmanaged.
  std::string ControllerKey() const;
};

enum class SelectorOp { kIn, kNotIn, kExists, kDoesNotExist };

struct SelectorRequirement {
  std::string key;
  SelectorOp op = SelectorOp::kIn;
  std::vector<std::string> values;
};

// metav1.LabelSelector: matchLabels AND matchExpressions. An empty selector
// matches everything (as for a PDB); a nil one nothing.
struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<SelectorRequirement> match_expressions;
  bool Matches(const std::map<std::string, std::string>& labels) const;
  // "app=web,tier in (a,b)" (for messages and `kubectl get -l`).
  std::string ToString() const;
};

struct K8sContainer {
  std::string name;
  std::optional<int64_t> cpu_request_milli;
  std::optional<int64_t> memory_request_milli;  // bytes x 1000
  std::optional<int64_t> cpu_limit_milli;
  std::optional<int64_t> memory_limit_milli;
};

// Deployment / StatefulSet / ReplicaSet.
struct K8sWorkload {
  int32_t replicas = 1;                   // spec.replicas (API default 1)
  std::optional<int32_t> status_replicas; // status.replicas
  LabelSelector selector;
  std::map<std::string, std::string> template_labels;
  std::vector<K8sContainer> containers;
  std::string priority_class;
};

struct K8sHpa {
  std::string target_kind;         // spec.scaleTargetRef.kind
  std::string target_name;
  std::string target_api_version;
  models::autoscaling::HpaConfig config;
  std::optional<int64_t> last_scale_time_us;  // status.lastScaleTime
  std::optional<int32_t> status_desired_replicas;
};

struct K8sPdb {
  std::optional<models::IntOrPercent> min_available;
  std::optional<models::IntOrPercent> max_unavailable;
  LabelSelector selector;
  std::string unhealthy_pod_eviction_policy = "IfHealthyBudget";
  std::map<std::string, int64_t> disrupted_pods_us;  // status.disruptedPods
  // What the live controller reported (status), when present.
  std::optional<int32_t> status_disruptions_allowed, status_current_healthy,
      status_desired_healthy, status_expected_pods;
};

struct K8sPriorityClass {
  int32_t value = 0;
  bool global_default = false;
  std::string preemption_policy = "PreemptLowerPriority";
};

struct K8sPod {
  std::string phase = "Pending";
  std::optional<std::string> ready_status;  // "True" / "False" / "Unknown"; nullopt = no condition
  int64_t ready_transition_us = 0;
  std::optional<int64_t> start_time_us;
  std::vector<K8sContainer> containers;
  std::string node_name;
};

struct K8sContainerUsage {
  std::string name;
  int64_t cpu_milli = 0;
  int64_t memory_milli = 0;
};

struct K8sPodMetrics {
  int64_t timestamp_us = 0;
  int64_t window_us = 0;
  std::vector<K8sContainerUsage> containers;
};

// custom.metrics.k8s.io MetricValue or external.metrics.k8s.io ExternalMetricValue.
struct K8sMetricValue {
  std::string described_kind;   // custom: "Pod", "Service", ...; external: ""
  std::string described_name;
  std::string metric_name;
  std::map<std::string, std::string> metric_labels;
  int64_t timestamp_us = 0;
  int64_t value_milli = 0;
};

struct K8sOther {};

struct K8sObject {
  std::string api_version;
  std::string kind;
  ObjectMeta meta;
  sim::SourceMark mark;  // where the object starts
  std::variant<K8sOther, K8sWorkload, K8sHpa, K8sPdb, K8sPriorityClass, K8sPod, K8sPodMetrics,
               K8sMetricValue>
      body;

  std::string Ref() const { return kind + "/" + meta.name; }  // "Deployment/web"
};

// Reads every object of a file (YAML or JSON; lists unwrapped). Collects all
// errors before failing.
sim::Result<std::vector<K8sObject>> ParseK8sObjects(const std::string& path);
// The same from text; `file` names the source in errors.
sim::Result<std::vector<K8sObject>> ParseK8sText(const std::string& text, const std::string& file);

// Pod view for the HPA calculators (times as sim::Time = µs since the epoch).
models::autoscaling::HpaPod ToHpaPod(const K8sObject& pod);

}  // namespace rehearsal::scenarios::k8s
