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

void FillCounts(const PodTally& t, ReplicaProposal* p) {
  p->ready_pods = t.ready;
  p->ignored_pods = t.ignored;
  p->missing_pods = t.missing;
  p->dropped_pods = t.dropped;
}

// Sorted names of the pods at `indices` (explain prints them).
std::vector<std::string> NamesAt(const std::vector<HpaPod>& pods, const std::vector<size_t>& indices) {
  std::vector<std::string> names;
  names.reserve(indices.size());
  for (size_t i : indices) names.push_back(pods[i].name);
  std::sort(names.begin(), names.end());
  return names;
}

// The name-keyed inputs in index-aligned form.
struct AlignedInputs {
  std::vector<HpaPodState> states;
  std::vector<const PodSample*> samples;
  std::vector<int64_t> requests;
};

AlignedInputs Align(const std::vector<HpaPod>& pods, const PodSamples& samples,
                    const PodRequests* requests) {
  AlignedInputs in;
  for (const auto& pod : pods) {
    in.states.push_back(StateOf(pod));
    auto it = samples.find(pod.name);
    in.samples.push_back(it == samples.end() ? nullptr : &it->second);
    if (requests != nullptr) {
      auto r = requests->milli.find(pod.name);
      in.requests.push_back(r == requests->milli.end() ? -1 : r->second);
    }
  }
  return in;
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

HpaPodState StateOf(const HpaPod& pod) {
  HpaPodState s;
  s.phase = pod.phase;
  s.deleting = pod.deleting;
  s.ready = pod.ready;
  s.ready_transition = pod.ready_transition;
  s.start_time = pod.start_time;
  return s;
}

PodClass ClassifyPod(const HpaPod& pod, const PodSample* sample, const std::string& resource,
                     sim::Time now, const CalculatorParams& params) {
  return ClassifyPodState(StateOf(pod), sample, resource == "cpu", now, params);
}

PodClass ClassifyPodState(const HpaPodState& pod, const PodSample* sample, bool cpu_rules,
                          sim::Time now, const CalculatorParams& params) {
  if (pod.deleting || pod.phase == PodPhase::kFailed) return PodClass::kDropped;
  if (pod.phase == PodPhase::kPending) return PodClass::kIgnored;
  if (sample == nullptr) return PodClass::kMissing;
  if (cpu_rules) {
    if (!pod.ready || !pod.start_time) return PodClass::kIgnored;
    sim::Time start = *pod.start_time;
    const sim::Time transition = pod.transition_is_now ? now : pod.ready_transition;
    if (now < start + params.cpu_initialization_period) {
      // Still initializing: distrust an unready pod, and a sample whose window
      // may reach back before the last readiness change.
      if (*pod.ready == ConditionStatus::kFalse ||
          sample->timestamp < transition + sample->window)
        return PodClass::kIgnored;
    } else if (*pod.ready == ConditionStatus::kFalse &&
               transition < start + params.initial_readiness_delay) {
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

PodTally TallyAlignedPods(const std::vector<HpaPodState>& pods,
                          const std::vector<const PodSample*>& samples,
                          const std::vector<int64_t>* requests, bool cpu_rules, sim::Time now,
                          const CalculatorParams& params, std::vector<size_t>* ignored,
                          std::vector<size_t>* missing, std::vector<PodClass>* classes) {
  RH_ASSERT(samples.size() == pods.size());
  PodTally t;
  if (classes != nullptr) classes->resize(pods.size());
  for (size_t i = 0; i < pods.size(); ++i) {
    const PodSample* sample = samples[i];
    int64_t request = requests != nullptr ? (*requests)[i] : -1;
    PodClass c = ClassifyPodState(pods[i], sample, cpu_rules, now, params);
    if (classes != nullptr) (*classes)[i] = c;
    switch (c) {
      case PodClass::kDropped: ++t.dropped; break;
      case PodClass::kIgnored:
        ++t.ignored;
        if (request >= 0) t.ignored_request_milli += request;
        if (ignored != nullptr) ignored->push_back(i);
        break;
      case PodClass::kMissing:
        ++t.missing;
        if (request >= 0) t.missing_request_milli += request;
        if (missing != nullptr) missing->push_back(i);
        break;
      case PodClass::kReady:
        ++t.ready;
        t.ready_value_milli += sample->value_milli;
        if (request >= 0) {
          t.ready_known_value_milli += sample->value_milli;
          t.ready_request_milli += request;
          ++t.ready_known;
        }
        break;
    }
  }
  return t;
}

ReplicaProposal AlignedUtilizationReplicas(int32_t current_replicas, int32_t target_percent,
                                           bool cpu_rules, const std::vector<HpaPodState>& pods,
                                           const std::vector<const PodSample*>& samples,
                                           const std::vector<int64_t>& requests_milli,
                                           const std::string& requests_error, sim::Time now,
                                           const CalculatorParams& params,
                                           std::vector<size_t>* ignored,
                                           std::vector<size_t>* missing) {
  const bool requests_ok = requests_error.empty();
  RH_ASSERT(!requests_ok || requests_milli.size() == pods.size());
  PodTally t = TallyAlignedPods(pods, samples, requests_ok ? &requests_milli : nullptr, cpu_rules,
                                now, params, ignored, missing);
  return UtilizationFromTally(current_replicas, target_percent, t, requests_error, params);
}

ReplicaProposal UtilizationFromTally(int32_t current_replicas, int32_t target_percent,
                                     const PodTally& t, const std::string& requests_error,
                                     const CalculatorParams& params) {
  RH_ASSERT(target_percent > 0);
  RH_ASSERT(current_replicas >= 0);
  const bool requests_ok = requests_error.empty();
  if (t.ready + t.ignored + t.missing + t.dropped == 0)
    return Invalid("no pods returned by selector while calculating replica count");
  if (t.ready == 0) {
    ReplicaProposal p = Invalid("did not receive metrics for any ready pods");
    FillCounts(t, &p);
    return p;
  }
  if (!requests_ok) return Invalid(requests_error);
  // metricsclient.GetResourceUtilizationRatio over the ready pods with known
  // requests: U = floor(100 x Σusage / Σrequest), r = U / target.
  if (t.ready_request_milli == 0) return Invalid("no metrics returned matched known pods");
  const int32_t utilization =
      static_cast<int32_t>((t.ready_known_value_milli * 100) / t.ready_request_milli);
  const double ratio = static_cast<double>(utilization) / static_cast<double>(target_percent);

  ReplicaProposal p;
  p.valid = true;
  FillCounts(t, &p);
  p.utilization_percent = utilization;
  p.current_value_milli = t.ready_known_value_milli / t.ready_known;
  p.ratio = ratio;

  bool scale_up_with_ignored = t.ignored > 0 && ratio > 1.0;
  if (!scale_up_with_ignored && t.missing == 0) {
    if (params.WithinTolerance(ratio)) {
      p.replicas = current_replicas;
      p.reason = ProposalReason::kWithinTolerance;
    } else {
      p.replicas = CeilToInt32(ratio * t.ready);
      p.reason = ProposalReason::kScaled;
    }
    return p;
  }

  // Slow path (1.3): fill in missing pods (100 % of their request below the
  // target, 0 above it, nothing at exactly 1) and ignored pods (0 on scale-up).
  p.slow_path = true;
  int64_t usage = t.ready_known_value_milli;
  int64_t request = t.ready_request_milli;
  int64_t extended = t.ready;
  if (ratio != 1.0) {
    if (ratio < 1.0) usage += t.missing_request_milli;
    request += t.missing_request_milli;
    extended += t.missing;
  }
  if (scale_up_with_ignored) {
    request += t.ignored_request_milli;
    extended += t.ignored;
  }
  double second = 0;
  if (request != 0)
    second = static_cast<double>(static_cast<int32_t>((usage * 100) / request)) /
             static_cast<double>(target_percent);
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
  int32_t proposal = CeilToInt32(second * static_cast<double>(extended));
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

ReplicaProposal ResourceUtilizationReplicas(int32_t current_replicas, int32_t target_percent,
                                            const std::string& resource,
                                            const std::vector<HpaPod>& pods,
                                            const PodSamples& samples,
                                            const PodRequests& requests, sim::Time now,
                                            const CalculatorParams& params) {
  AlignedInputs in = Align(pods, samples, requests.error.empty() ? &requests : nullptr);
  std::vector<size_t> ignored, missing;
  ReplicaProposal p = AlignedUtilizationReplicas(current_replicas, target_percent, resource == "cpu",
                                                 in.states, in.samples, in.requests,
                                                 requests.error, now, params, &ignored, &missing);
  if (p.ignored_pods > 0) p.ignored_names = NamesAt(pods, ignored);
  if (p.missing_pods > 0) p.missing_names = NamesAt(pods, missing);
  return p;
}

ReplicaProposal AlignedPlainMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                           bool cpu_rules, const std::vector<HpaPodState>& pods,
                                           const std::vector<const PodSample*>& samples,
                                           sim::Time now, const CalculatorParams& params,
                                           std::vector<size_t>* ignored,
                                           std::vector<size_t>* missing) {
  PodTally t = TallyAlignedPods(pods, samples, nullptr, cpu_rules, now, params, ignored, missing);
  return PlainMetricFromTally(current_replicas, target_milli, t, params);
}

ReplicaProposal PlainMetricFromTally(int32_t current_replicas, int64_t target_milli,
                                     const PodTally& t, const CalculatorParams& params) {
  RH_ASSERT(target_milli > 0);
  if (t.ready + t.ignored + t.missing + t.dropped == 0)
    return Invalid("no pods returned by selector while calculating replica count");
  if (t.ready == 0) {
    ReplicaProposal p = Invalid("did not receive metrics for any ready pods");
    FillCounts(t, &p);
    return p;
  }
  ReplicaProposal p;
  p.valid = true;
  FillCounts(t, &p);
  // metricsclient.GetMetricUsageRatio: the average truncated to integer milli units.
  int64_t average = t.ready_value_milli / t.ready;
  double ratio = static_cast<double>(average) / static_cast<double>(target_milli);
  p.current_value_milli = average;
  p.ratio = ratio;

  bool scale_up_with_ignored = t.ignored > 0 && ratio > 1.0;
  if (!scale_up_with_ignored && t.missing == 0) {
    if (params.WithinTolerance(ratio)) {
      p.replicas = current_replicas;
      p.reason = ProposalReason::kWithinTolerance;
    } else {
      p.replicas = CeilToInt32(ratio * t.ready);
      p.reason = ProposalReason::kScaled;
    }
    return p;
  }
  // Slow path (1.4): missing pods take the target value when r < 1, else 0;
  // ignored pods take 0 on a scale-up.
  p.slow_path = true;
  int64_t total = t.ready_value_milli + (ratio < 1.0 ? target_milli * t.missing : 0);
  int64_t extended = t.ready + t.missing + (scale_up_with_ignored ? t.ignored : 0);
  double second = static_cast<double>(total / extended) / static_cast<double>(target_milli);
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
  int32_t proposal = CeilToInt32(second * static_cast<double>(extended));
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

ReplicaProposal PlainMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                    const std::string& resource, const std::vector<HpaPod>& pods,
                                    const PodSamples& samples, sim::Time now,
                                    const CalculatorParams& params) {
  AlignedInputs in = Align(pods, samples, nullptr);
  std::vector<size_t> ignored, missing;
  ReplicaProposal p = AlignedPlainMetricReplicas(current_replicas, target_milli, resource == "cpu",
                                                 in.states, in.samples, now, params, &ignored,
                                                 &missing);
  if (p.ignored_pods > 0) p.ignored_names = NamesAt(pods, ignored);
  if (p.missing_pods > 0) p.missing_names = NamesAt(pods, missing);
  return p;
}

int32_t CountRunningReadyPods(const std::vector<HpaPod>& pods) {
  int32_t n = 0;
  for (const auto& pod : pods)
    if (pod.phase == PodPhase::kRunning && pod.ready && *pod.ready == ConditionStatus::kTrue) ++n;
  return n;
}

int32_t CountRunningReadyPods(const std::vector<HpaPodState>& pods) {
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
