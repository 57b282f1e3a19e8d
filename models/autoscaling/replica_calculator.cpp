#include "models/autoscaling/replica_calculator.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {
namespace {

int32_t CeilToInt32(double v) {
  double c = std::ceil(v);
  if (c > static_cast<double>(std::numeric_limits<int32_t>::max()))
    return std::numeric_limits<int32_t>::max();
  if (c < 0) return 0;
  return static_cast<int32_t>(c);
}

// Utilization over the samples of known pods (metricsclient.GetResourceUtilizationRatio):
// U = floor(100 x Σusage / Σrequest), r = U / target; the average is Σusage / n.
struct UtilizationRatio {
  bool ok = false;
  double ratio = 0;
  int32_t utilization = 0;
  int64_t average_milli = 0;
  int32_t entries = 0;
};

UtilizationRatio ComputeUtilization(const PodSamples& samples, const PodRequests& requests,
                                    int32_t target_percent) {
  UtilizationRatio out;
  int64_t usage_total = 0;
  int64_t request_total = 0;
  for (const auto& [pod, sample] : samples) {
    auto it = requests.milli.find(pod);
    if (it == requests.milli.end()) continue;  // only pods with known requests count
    usage_total += sample.value_milli;
    request_total += it->second;
    ++out.entries;
  }
  if (request_total == 0) return out;
  out.ok = true;
  out.utilization = static_cast<int32_t>((usage_total * 100) / request_total);
  out.ratio = static_cast<double>(out.utilization) / static_cast<double>(target_percent);
  out.average_milli = usage_total / out.entries;
  return out;
}

// metricsclient.GetMetricUsageRatio: average truncated to integer milli units.
double UsageRatio(const PodSamples& samples, int64_t target_milli, int64_t* average) {
  int64_t total = 0;
  for (const auto& [pod, sample] : samples) total += sample.value_milli;
  *average = samples.empty() ? 0 : total / static_cast<int64_t>(samples.size());
  return static_cast<double>(*average) / static_cast<double>(target_milli);
}

// Sorts pods into classes and strips dropped/ignored pods' samples.
struct Grouped {
  int32_t ready = 0;
  std::vector<std::string> ignored, missing, dropped;
  PodSamples usable;  // samples of ready pods only (pods unknown to the selector excluded)
};

Grouped GroupPods(const std::vector<HpaPod>& pods, const PodSamples& samples,
                  const std::string& resource, sim::Time now, const CalculatorParams& params) {
  Grouped g;
  for (const auto& pod : pods) {
    auto it = samples.find(pod.name);
    const PodSample* sample = it == samples.end() ? nullptr : &it->second;
    switch (ClassifyPod(pod, sample, resource, now, params)) {
      case PodClass::kDropped: g.dropped.push_back(pod.name); break;
      case PodClass::kIgnored: g.ignored.push_back(pod.name); break;
      case PodClass::kMissing: g.missing.push_back(pod.name); break;
      case PodClass::kReady:
        ++g.ready;
        g.usable[pod.name] = *sample;
        break;
    }
  }
  std::sort(g.ignored.begin(), g.ignored.end());
  std::sort(g.missing.begin(), g.missing.end());
  return g;
}

void FillCounts(const Grouped& g, ReplicaProposal* p) {
  p->ready_pods = g.ready;
  p->ignored_pods = static_cast<int32_t>(g.ignored.size());
  p->missing_pods = static_cast<int32_t>(g.missing.size());
  p->dropped_pods = static_cast<int32_t>(g.dropped.size());
  p->ignored_names = g.ignored;
  p->missing_names = g.missing;
}

ReplicaProposal Invalid(std::string error) {
  ReplicaProposal p;
  p.valid = false;
  p.error = std::move(error);
  p.reason = ProposalReason::kError;
  return p;
}

}  // namespace

const char* MetricSourceTypeName(MetricSourceType type) {
  switch (type) {
    case MetricSourceType::kResource: return "Resource";
    case MetricSourceType::kContainerResource: return "ContainerResource";
    case MetricSourceType::kPods: return "Pods";
    case MetricSourceType::kObject: return "Object";
    case MetricSourceType::kExternal: return "External";
  }
  return "?";
}

const char* MetricTargetTypeName(MetricTargetType type) {
  switch (type) {
    case MetricTargetType::kUtilization: return "Utilization";
    case MetricTargetType::kValue: return "Value";
    case MetricTargetType::kAverageValue: return "AverageValue";
  }
  return "?";
}

std::string MetricSpec::Describe() const {
  std::string s = MetricSourceTypeName(type);
  s += " ";
  if (type == MetricSourceType::kObject && !described_object.empty()) s += described_object + " ";
  s += name;
  if (type == MetricSourceType::kContainerResource) s += " (container " + container + ")";
  return s;
}

MetricSpec DefaultCpuMetric() {
  MetricSpec m;
  m.type = MetricSourceType::kResource;
  m.name = "cpu";
  m.target_type = MetricTargetType::kUtilization;
  m.target_utilization_percent = 80;
  return m;
}

ResolvedRules ResolveScaleUp(const ScalingRules& rules, const HpaControllerFlags& flags) {
  ResolvedRules r;
  r.stabilization_window_seconds = rules.stabilization_window_seconds.value_or(0);
  r.select_policy = rules.select_policy.value_or(SelectPolicy::kMax);
  r.policies = rules.policies.value_or(std::vector<ScalingPolicy>{
      {ScalingPolicyType::kPods, 4, 15}, {ScalingPolicyType::kPercent, 100, 15}});
  r.tolerance = rules.tolerance.value_or(flags.tolerance);
  return r;
}

ResolvedRules ResolveScaleDown(const ScalingRules& rules, const HpaControllerFlags& flags) {
  ResolvedRules r;
  r.stabilization_window_seconds = rules.stabilization_window_seconds.value_or(
      static_cast<int32_t>(flags.downscale_stabilization.us / 1000000));
  r.select_policy = rules.select_policy.value_or(SelectPolicy::kMax);
  r.policies = rules.policies.value_or(
      std::vector<ScalingPolicy>{{ScalingPolicyType::kPercent, 100, 15}});
  r.tolerance = rules.tolerance.value_or(flags.tolerance);
  return r;
}

bool CalculatorParams::WithinTolerance(double ratio) const {
  double tol = ratio > 1.0 ? scale_up_tolerance : scale_down_tolerance;
  return std::abs(1.0 - ratio) <= tol;
}

const char* PodClassName(PodClass c) {
  switch (c) {
    case PodClass::kDropped: return "dropped";
    case PodClass::kIgnored: return "ignored";
    case PodClass::kMissing: return "missing";
    case PodClass::kReady: return "ready";
  }
  return "?";
}

const char* ProposalReasonName(ProposalReason r) {
  switch (r) {
    case ProposalReason::kWithinTolerance: return "within tolerance: keep current";
    case ProposalReason::kScaled: return "ceil(ratio x ready pods)";
    case ProposalReason::kSlowWithinTolerance:
      return "within tolerance after filling in missing/ignored pods: keep current";
    case ProposalReason::kSlowFlipped:
      return "filling in missing/ignored pods flips the direction: keep current";
    case ProposalReason::kSlowDirectionGuard:
      return "proposal goes against the usage direction: keep current";
    case ProposalReason::kSlowScaled: return "ceil(ratio' x pods after fill-in)";
    case ProposalReason::kScaleFromZero: return "scale from zero: ceil(ratio)";
    case ProposalReason::kError: return "error";
  }
  return "?";
}

PodClass ClassifyPod(const HpaPod& pod, const PodSample* sample, const std::string& resource,
                     sim::Time now, const CalculatorParams& params) {
  if (pod.deleting || pod.phase == PodPhase::kFailed) return PodClass::kDropped;
  if (pod.phase == PodPhase::kPending) return PodClass::kIgnored;
  if (sample == nullptr) return PodClass::kMissing;
  if (resource == "cpu") {
    if (!pod.ready || !pod.start_time) return PodClass::kIgnored;
    sim::Time start = *pod.start_time;
    if (now < start + params.cpu_initialization_period) {
      // Still initializing: distrust an unready pod, and a sample whose window
      // may reach back before the last readiness change.
      if (*pod.ready == ConditionStatus::kFalse ||
          sample->timestamp < pod.ready_transition + sample->window)
        return PodClass::kIgnored;
    } else if (*pod.ready == ConditionStatus::kFalse &&
               pod.ready_transition < start + params.initial_readiness_delay) {
      return PodClass::kIgnored;  // unready and has never been ready
    }
  }
  return PodClass::kReady;
}

PodRequests ComputeRequests(const std::vector<HpaPod>& pods, const std::string& resource,
                            const std::string& container) {
  PodRequests out;
  for (const auto& pod : pods) {
    int64_t sum = 0;
    bool found_container = container.empty();
    for (const auto& c : pod.containers) {
      if (!container.empty() && c.name != container) continue;
      found_container = true;
      const std::optional<int64_t>& req = resource == "cpu" ? c.cpu_milli : c.memory_milli;
      if (!req) {
        out.error = "missing request for " + resource + " in container " + c.name + " of pod " +
                    pod.name;
        return out;
      }
      sum += *req;
    }
    if (!found_container) {
      out.error = "container " + container + " not found in pod " + pod.name;
      return out;
    }
    out.milli[pod.name] = sum;
  }
  return out;
}

ReplicaProposal ResourceUtilizationReplicas(int32_t current_replicas, int32_t target_percent,
                                            const std::string& resource,
                                            const std::vector<HpaPod>& pods,
                                            const PodSamples& samples,
                                            const PodRequests& requests, sim::Time now,
                                            const CalculatorParams& params) {
  RH_ASSERT(target_percent > 0);
  RH_ASSERT(current_replicas >= 0);
  if (pods.empty()) return Invalid("no pods returned by selector while calculating replica count");
  Grouped g = GroupPods(pods, samples, resource, now, params);
  if (g.usable.empty()) {
    ReplicaProposal p = Invalid("did not receive metrics for any ready pods");
    FillCounts(g, &p);
    return p;
  }
  if (!requests.error.empty()) return Invalid(requests.error);

  UtilizationRatio first = ComputeUtilization(g.usable, requests, target_percent);
  if (!first.ok) return Invalid("no metrics returned matched known pods");

  ReplicaProposal p;
  p.valid = true;
  FillCounts(g, &p);
  p.utilization_percent = first.utilization;
  p.current_value_milli = first.average_milli;
  p.ratio = first.ratio;

  bool scale_up_with_ignored = !g.ignored.empty() && first.ratio > 1.0;
  if (!scale_up_with_ignored && g.missing.empty()) {
    if (params.WithinTolerance(first.ratio)) {
      p.replicas = current_replicas;
      p.reason = ProposalReason::kWithinTolerance;
    } else {
      p.replicas = CeilToInt32(first.ratio * g.ready);
      p.reason = ProposalReason::kScaled;
    }
    return p;
  }

  // Slow path (1.3): fill in missing pods (100 % of their request below the
  // target, 0 above it, nothing at exactly 1) and ignored pods (0 on scale-up).
  p.slow_path = true;
  PodSamples extended = g.usable;
  if (first.ratio < 1.0) {
    for (const auto& name : g.missing) {
      auto it = requests.milli.find(name);
      extended[name] = PodSample{it == requests.milli.end() ? 0 : it->second, now, {}};
    }
  } else if (first.ratio > 1.0) {
    for (const auto& name : g.missing) extended[name] = PodSample{0, now, {}};
  }
  if (scale_up_with_ignored)
    for (const auto& name : g.ignored) extended[name] = PodSample{0, now, {}};

  UtilizationRatio second = ComputeUtilization(extended, requests, target_percent);
  p.ratio_after_fill = second.ratio;
  if (params.WithinTolerance(second.ratio)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kSlowWithinTolerance;
    return p;
  }
  if ((first.ratio < 1.0 && second.ratio > 1.0) || (first.ratio > 1.0 && second.ratio < 1.0)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kSlowFlipped;
    return p;
  }
  int32_t proposal = CeilToInt32(second.ratio * static_cast<double>(extended.size()));
  if ((second.ratio < 1.0 && proposal > current_replicas) ||
      (second.ratio > 1.0 && proposal < current_replicas)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kSlowDirectionGuard;
    return p;
  }
  p.replicas = proposal;
  p.reason = ProposalReason::kSlowScaled;
  return p;
}

ReplicaProposal PlainMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                    const std::string& resource, const std::vector<HpaPod>& pods,
                                    const PodSamples& samples, sim::Time now,
                                    const CalculatorParams& params) {
  RH_ASSERT(target_milli > 0);
  if (pods.empty()) return Invalid("no pods returned by selector while calculating replica count");
  Grouped g = GroupPods(pods, samples, resource, now, params);
  if (g.usable.empty()) {
    ReplicaProposal p = Invalid("did not receive metrics for any ready pods");
    FillCounts(g, &p);
    return p;
  }
  ReplicaProposal p;
  p.valid = true;
  FillCounts(g, &p);
  int64_t average = 0;
  double ratio = UsageRatio(g.usable, target_milli, &average);
  p.current_value_milli = average;
  p.ratio = ratio;

  bool scale_up_with_ignored = !g.ignored.empty() && ratio > 1.0;
  if (!scale_up_with_ignored && g.missing.empty()) {
    if (params.WithinTolerance(ratio)) {
      p.replicas = current_replicas;
      p.reason = ProposalReason::kWithinTolerance;
    } else {
      p.replicas = CeilToInt32(ratio * g.ready);
      p.reason = ProposalReason::kScaled;
    }
    return p;
  }
  // Slow path (1.4): missing pods take the target value when r < 1, else 0;
  // ignored pods take 0 on a scale-up.
  p.slow_path = true;
  PodSamples extended = g.usable;
  for (const auto& name : g.missing)
    extended[name] = PodSample{ratio < 1.0 ? target_milli : 0, now, {}};
  if (scale_up_with_ignored)
    for (const auto& name : g.ignored) extended[name] = PodSample{0, now, {}};
  int64_t unused = 0;
  double second = UsageRatio(extended, target_milli, &unused);
  p.ratio_after_fill = second;
  if (params.WithinTolerance(second)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kSlowWithinTolerance;
    return p;
  }
  if ((ratio < 1.0 && second > 1.0) || (ratio > 1.0 && second < 1.0)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kSlowFlipped;
    return p;
  }
  int32_t proposal = CeilToInt32(second * static_cast<double>(extended.size()));
  if ((second < 1.0 && proposal > current_replicas) ||
      (second > 1.0 && proposal < current_replicas)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kSlowDirectionGuard;
    return p;
  }
  p.replicas = proposal;
  p.reason = ProposalReason::kSlowScaled;
  return p;
}

int32_t CountRunningReadyPods(const std::vector<HpaPod>& pods) {
  int32_t n = 0;
  for (const auto& pod : pods)
    if (pod.phase == PodPhase::kRunning && pod.ready && *pod.ready == ConditionStatus::kTrue) ++n;
  return n;
}

ReplicaProposal ObjectValueReplicas(int32_t current_replicas, int64_t value_milli,
                                    int64_t target_milli, int32_t ready_pods,
                                    const CalculatorParams& params) {
  RH_ASSERT(target_milli > 0);
  ReplicaProposal p;
  p.valid = true;
  p.current_value_milli = value_milli;
  p.ratio = static_cast<double>(value_milli) / static_cast<double>(target_milli);
  p.ready_pods = ready_pods;
  if (current_replicas == 0) {
    p.replicas = CeilToInt32(p.ratio);
    p.reason = ProposalReason::kScaleFromZero;
    return p;
  }
  if (params.WithinTolerance(p.ratio)) {
    p.replicas = current_replicas;
    p.reason = ProposalReason::kWithinTolerance;
    return p;
  }
  p.replicas = CeilToInt32(p.ratio * ready_pods);
  p.reason = ProposalReason::kScaled;
  return p;
}

ReplicaProposal ObjectAverageValueReplicas(int32_t current_replicas, int32_t status_replicas,
                                           int64_t value_milli, int64_t target_milli,
                                           const CalculatorParams& params) {
  RH_ASSERT(target_milli > 0);
  (void)current_replicas;  // upstream starts from statusReplicas, not spec.replicas
  ReplicaProposal p;
  p.valid = true;
  p.ratio = static_cast<double>(value_milli) /
            (static_cast<double>(target_milli) * static_cast<double>(status_replicas));
  p.replicas = status_replicas;
  p.reason = ProposalReason::kWithinTolerance;
  if (!params.WithinTolerance(p.ratio)) {
    p.replicas = CeilToInt32(static_cast<double>(value_milli) / static_cast<double>(target_milli));
    p.reason = ProposalReason::kScaled;
  }
  p.current_value_milli =
      status_replicas > 0
          ? static_cast<int64_t>(std::ceil(static_cast<double>(value_milli) / status_replicas))
          : value_milli;
  return p;
}

CombinedProposal CombineProposals(const std::vector<ReplicaProposal>& proposals,
                                  int32_t spec_replicas) {
  CombinedProposal out;
  std::string first_error;
  for (size_t i = 0; i < proposals.size(); ++i) {
    const ReplicaProposal& p = proposals[i];
    if (!p.valid) {
      if (out.invalid_metrics == 0) first_error = p.error;
      ++out.invalid_metrics;
      continue;
    }
    if (out.index < 0 || p.replicas > out.replicas) {
      out.replicas = p.replicas;
      out.index = static_cast<int>(i);
    }
  }
  if (proposals.empty() || out.invalid_metrics >= static_cast<int>(proposals.size())) {
    out.valid = false;
    out.error = proposals.empty() ? "no metrics" : "invalid metrics (" +
                                                       std::to_string(out.invalid_metrics) +
                                                       " invalid out of " +
                                                       std::to_string(proposals.size()) +
                                                       "), first error is: " + first_error;
    return out;
  }
  if (out.invalid_metrics > 0 && out.replicas < spec_replicas) {
    out.valid = false;
    out.error = "some metrics are invalid and the valid ones propose a scale-down (" +
                std::to_string(out.replicas) + " < " + std::to_string(spec_replicas) +
                "): no scaling; first error is: " + first_error;
    return out;
  }
  out.valid = true;
  return out;
}

}  // namespace rehearsal::models::autoscaling
