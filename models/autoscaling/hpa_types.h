#pragma once
// Plain data of a HorizontalPodAutoscaler (autoscaling/v2): metric specs,
// behavior, controller flags. No YAML types: scenarios/ and scenarios/k8s/
// fill these; the calculators (replica_calculator.h, hpa_normalizer.h) and the
// controller (hpa_controller.h) read them. Defaults follow
// shared/spec/kubernetes.md section 1.1 and 1.8.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/time.h"

namespace rehearsal::models::autoscaling {

// Which kind of metric source (autoscaling/v2 MetricSourceType).
enum class MetricSourceType { kResource, kContainerResource, kPods, kObject, kExternal };
// How the target is expressed (autoscaling/v2 MetricTargetType).
enum class MetricTargetType { kUtilization, kValue, kAverageValue };

const char* MetricSourceTypeName(MetricSourceType type);  // "Resource", "Pods", ...
const char* MetricTargetTypeName(MetricTargetType type);  // "Utilization", ...

// One entry of spec.metrics. Values are Kubernetes "milli" units
// (Quantity.MilliValue(): 250m CPU -> 250, 1 Gi -> 1073741824000, 30 rps -> 30000),
// exactly as the upstream metrics client compares them.
struct MetricSpec {
  MetricSourceType type = MetricSourceType::kResource;
  // Resource / ContainerResource: the resource ("cpu", "memory").
  // Pods / Object / External: the metric name ("http_requests_per_second").
  std::string name = "cpu";
  std::string container;        // ContainerResource only
  std::string described_object; // Object only, "Kind/name" (e.g. "Service/gaming-api")
  std::map<std::string, std::string> metric_selector;  // Pods/Object/External (informational)
  MetricTargetType target_type = MetricTargetType::kUtilization;
  int32_t target_utilization_percent = 80;  // kUtilization
  int64_t target_milli = 0;                 // kValue / kAverageValue

  // "Resource cpu", "Pods http_requests_per_second", "Object Service/x requests"...
  std::string Describe() const;
};

// The API default when spec.metrics is empty: CPU at 80 % utilization (1.1).
MetricSpec DefaultCpuMetric();

enum class ScalingPolicyType { kPods, kPercent };
enum class SelectPolicy { kMax, kMin, kDisabled };

struct ScalingPolicy {
  ScalingPolicyType type = ScalingPolicyType::kPods;
  int32_t value = 0;
  int32_t period_seconds = 15;
  bool operator==(const ScalingPolicy&) const = default;
};

// spec.behavior.scaleUp / scaleDown as written by the user: every field may be
// absent and is then defaulted by ResolveScaleUp / ResolveScaleDown.
struct ScalingRules {
  std::optional<int32_t> stabilization_window_seconds;
  std::optional<SelectPolicy> select_policy;
  std::optional<std::vector<ScalingPolicy>> policies;  // a given list replaces the default list
  std::optional<double> tolerance;                     // v1.33+ per-direction tolerance
};

struct HpaBehavior {
  ScalingRules scale_up;
  ScalingRules scale_down;
};

// ScalingRules after defaulting (1.8): every field concrete.
struct ResolvedRules {
  int32_t stabilization_window_seconds = 0;
  SelectPolicy select_policy = SelectPolicy::kMax;
  std::vector<ScalingPolicy> policies;
  double tolerance = 0.1;
};

// kube-controller-manager flags of the HPA controller (spec 1.1).
struct HpaControllerFlags {
  sim::Duration sync_period = sim::Duration::Seconds(15);
  double tolerance = 0.1;
  sim::Duration cpu_initialization_period = sim::Duration::Minutes(5);
  sim::Duration initial_readiness_delay = sim::Duration::Seconds(30);
  sim::Duration downscale_stabilization = sim::Duration::Minutes(5);
};

// scaleUp defaults (1.8): window 0, selectPolicy Max, policies
// [{Pods 4 / 15 s}, {Percent 100 / 15 s}] = max(+4 pods, x2) per 15 s.
ResolvedRules ResolveScaleUp(const ScalingRules& rules, const HpaControllerFlags& flags);
// scaleDown defaults (1.8): window from the 300 s controller flag, selectPolicy
// Max, policies [{Percent 100 / 15 s}].
ResolvedRules ResolveScaleDown(const ScalingRules& rules, const HpaControllerFlags& flags);

// One HPA as the simulator configures it.
struct HpaConfig {
  std::string name;               // HPA name, e.g. "gaming-api"
  std::string target;             // the scaled workload's name
  int32_t min_replicas = 1;       // API default 1
  int32_t max_replicas = 10;
  std::vector<MetricSpec> metrics;            // empty = DefaultCpuMetric()
  std::optional<HpaBehavior> behavior;        // absent = legacy normalization (1.7)
};

}  // namespace rehearsal::models::autoscaling
