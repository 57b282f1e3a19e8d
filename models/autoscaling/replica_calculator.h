#pragma once
// The HPA replica calculator: one metric's replica proposal from pods, samples
// and requests, as kube-controller-manager's replica_calculator.go computes it
// (shared/spec/kubernetes.md 1.3-1.6). Pure: plain structs in and out, no
// clock (now is an argument), no RNG. The controller (hpa_controller.h) and
// `rehearse explain hpa` (scenarios/k8s/) both call it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/autoscaling/hpa_types.h"
#include "sim/time.h"

namespace rehearsal::models::autoscaling {

enum class PodPhase { kPending, kRunning, kSucceeded, kFailed, kUnknown };
enum class ConditionStatus { kTrue, kFalse, kUnknown };

// One container's requests (milli units); absent = the container sets none.
struct ContainerRequests {
  std::string name;
  std::optional<int64_t> cpu_milli;     // millicores
  std::optional<int64_t> memory_milli;  // bytes x 1000 (Quantity.MilliValue)
};

// What the calculator needs of one pod matching the HPA's selector.
struct HpaPod {
  std::string name;
  PodPhase phase = PodPhase::kRunning;
  bool deleting = false;                        // metadata.deletionTimestamp set
  std::optional<ConditionStatus> ready;         // nullopt: no Ready condition
  sim::Time ready_transition;                   // Ready.lastTransitionTime
  std::optional<sim::Time> start_time;          // status.startTime
  std::vector<ContainerRequests> containers;    // spec.containers (not init containers)
};

// One metric sample of one pod (metrics-server PodMetrics or a custom metric).
struct PodSample {
  int64_t value_milli = 0;
  sim::Time timestamp;
  sim::Duration window = sim::Duration::Seconds(15);
};

// Pod name -> sample. Sorted, so iteration order never depends on hashing.
using PodSamples = std::map<std::string, PodSample>;

// Tunables of one calculation (spec 1.1); the tolerances may differ per
// direction since v1.33 (behavior.scaleUp/scaleDown.tolerance).
struct CalculatorParams {
  double scale_up_tolerance = 0.1;
  double scale_down_tolerance = 0.1;
  sim::Duration cpu_initialization_period = sim::Duration::Minutes(5);
  sim::Duration initial_readiness_delay = sim::Duration::Seconds(30);

  // |1 - r| <= tolerance (the upstream test as the spec states it), using the
  // scale-up tolerance above 1 and the scale-down one below.
  bool WithinTolerance(double ratio) const;
};

// The part of HpaPod the classification reads (no name, no containers): the
// index-aligned form the simulation's HPA controller keeps per pod.
struct HpaPodState {
  PodPhase phase = PodPhase::kRunning;
  bool deleting = false;
  std::optional<ConditionStatus> ready;
  sim::Time ready_transition;
  std::optional<sim::Time> start_time;
  // The simulation's approximation for a pod that is not Ready but was once:
  // its Ready transition is taken to be `now` (then ready_transition is unused).
  bool transition_is_now = false;
  bool operator==(const HpaPodState&) const = default;
};
HpaPodState StateOf(const HpaPod& pod);

// The class a pod falls in for one metric (spec 1.3 table, checked in order).
enum class PodClass {
  kDropped,  // deleting or Failed: not counted anywhere
  kIgnored,  // Pending, or CPU readiness rules (unready / initializing): 0 on scale-up
  kMissing,  // no sample: 100 % of request (or the target) on scale-down, 0 on scale-up
  kReady,    // counted
};
const char* PodClassName(PodClass c);

// Classifies one pod for a metric of `resource` ("cpu" applies the readiness
// rules; anything else, including "" for Pods metrics, does not).
// Worked example (CPU, init period 5 min, readiness delay 30 s): a pod started
// at t=0, Ready=True since t=20 s, sampled at t=60 s with a 15 s window is
// kReady at now=90 s; the same pod sampled at t=30 s (before 20 s + 15 s) is
// kIgnored, because its sample may cover the unready start.
PodClass ClassifyPod(const HpaPod& pod, const PodSample* sample, const std::string& resource,
                     sim::Time now, const CalculatorParams& params);
// The same rules on the name-less state; `cpu_rules` = the resource is "cpu".
PodClass ClassifyPodState(const HpaPodState& pod, const PodSample* sample, bool cpu_rules,
                          sim::Time now, const CalculatorParams& params);

// Why a proposal came out as it did.
enum class ProposalReason {
  kWithinTolerance,      // fast path, |1 - r| <= tol: keep current
  kScaled,               // fast path: ceil(r x ready)
  kSlowWithinTolerance,  // slow path: |1 - r'| <= tol: keep current
  kSlowFlipped,          // slow path: r and r' on opposite sides of 1: keep current
  kSlowDirectionGuard,   // slow path: the proposal went against r': keep current
  kSlowScaled,           // slow path: ceil(r' x N')
  kScaleFromZero,        // Object/External Value with current = 0: ceil(r)
  kError,                // the metric is invalid (see error)
};
const char* ProposalReasonName(ProposalReason r);

// One metric's result, with everything `explain` and the event log print.
struct ReplicaProposal {
  bool valid = false;
  std::string error;                 // when !valid, e.g. "missing request for cpu"
  int32_t replicas = 0;
  ProposalReason reason = ProposalReason::kError;
  std::optional<int32_t> utilization_percent;  // Utilization targets: U (truncated)
  int64_t current_value_milli = 0;   // average per pod (value metrics, raw utilization
                                     // average) or the object / external value
  double ratio = 0;                  // r
  double ratio_after_fill = 0;       // r' (slow path only)
  int32_t ready_pods = 0;
  int32_t ignored_pods = 0;
  int32_t missing_pods = 0;
  int32_t dropped_pods = 0;
  bool slow_path = false;
  std::vector<std::string> ignored_names, missing_names;  // sorted
};

// Σ requests of `resource` per pod (spec 1.3, 1.5), over spec.containers or
// only `container` (ContainerResource). Error "missing request for <resource>"
// when a container lacks one; "container <c> not found in pod <p>" for a
// ContainerResource metric whose container a pod lacks.
struct PodRequests {
  std::map<std::string, int64_t> milli;  // pod name -> request
  std::string error;                     // empty = ok
};
PodRequests ComputeRequests(const std::vector<HpaPod>& pods, const std::string& resource,
                            const std::string& container);

// Resource / ContainerResource metric with a Utilization target (spec 1.3).
// Worked example (spec): 3 ready pods requesting 1000m each use 2350m in all:
// U = floor(100 x 2350 / 3000) = 78 %, against a 50 % target r = 1.56, so the
// proposal is ceil(1.56 x 3) = 5.
// REQUIRES: target_percent > 0, current_replicas >= 0.
ReplicaProposal ResourceUtilizationReplicas(int32_t current_replicas, int32_t target_percent,
                                            const std::string& resource,
                                            const std::vector<HpaPod>& pods,
                                            const PodSamples& samples,
                                            const PodRequests& requests, sim::Time now,
                                            const CalculatorParams& params);

// Pods metrics and Resource AverageValue (spec 1.4): r = (Σvalue / n) / target,
// the average truncated to integer milli units as upstream does.
// `resource` is "cpu"/"memory" for a Resource AverageValue metric and "" for a
// Pods metric (no readiness rules).
// REQUIRES: target_milli > 0.
ReplicaProposal PlainMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                    const std::string& resource, const std::vector<HpaPod>& pods,
                                    const PodSamples& samples, sim::Time now,
                                    const CalculatorParams& params);

// The per-class tallies of one metric's pods (spec 1.3 table): counts and
// the sums the fast and slow paths need. A request < 0 means "unknown":
// upstream counts only pods with known requests in the utilization sums.
struct PodTally {
  int32_t ready = 0, ignored = 0, missing = 0, dropped = 0;
  int64_t ready_value_milli = 0;        // Σ samples of ready pods (plain metrics)
  int64_t ready_known_value_milli = 0;  // Σ samples of ready pods with known requests
  int64_t ready_request_milli = 0;      // Σ their requests
  int32_t ready_known = 0;
  int64_t missing_request_milli = 0;    // Σ known requests of missing pods
  int64_t ignored_request_milli = 0;    // Σ known requests of ignored pods
};
// One pass of ClassifyPodState over aligned pods; `requests` may be null
// (plain metrics); `classes` (optional) receives every pod's class.
PodTally TallyAlignedPods(const std::vector<HpaPodState>& pods,
                          const std::vector<const PodSample*>& samples,
                          const std::vector<int64_t>* requests, bool cpu_rules, sim::Time now,
                          const CalculatorParams& params, std::vector<size_t>* ignored = nullptr,
                          std::vector<size_t>* missing = nullptr,
                          std::vector<PodClass>* classes = nullptr);
// The two calculators from a tally (what the aligned forms below do after
// TallyAlignedPods); the controller calls them directly when only sample
// values changed and every pod's class is known to be the same.
ReplicaProposal UtilizationFromTally(int32_t current_replicas, int32_t target_percent,
                                     const PodTally& tally, const std::string& requests_error,
                                     const CalculatorParams& params);
ReplicaProposal PlainMetricFromTally(int32_t current_replicas, int64_t target_milli,
                                     const PodTally& tally, const CalculatorParams& params);

// Index-aligned forms of the two calculators above (one formula: the
// name-keyed forms convert and call these). pods[i], samples[i] (nullptr = no
// sample) and requests_milli[i] describe the same pod; `requests_error` is
// ComputeRequests' error ("" = every pod has its request). The name lists of
// the result stay empty; when `ignored` / `missing` are given they receive the
// indices of those pods, in input order. No allocation beyond the outputs.
// REQUIRES: pods, samples (and requests_milli for utilization) equally long.
ReplicaProposal AlignedUtilizationReplicas(int32_t current_replicas, int32_t target_percent,
                                           bool cpu_rules, const std::vector<HpaPodState>& pods,
                                           const std::vector<const PodSample*>& samples,
                                           const std::vector<int64_t>& requests_milli,
                                           const std::string& requests_error, sim::Time now,
                                           const CalculatorParams& params,
                                           std::vector<size_t>* ignored = nullptr,
                                           std::vector<size_t>* missing = nullptr);
ReplicaProposal AlignedPlainMetricReplicas(int32_t current_replicas, int64_t target_milli,
                                           bool cpu_rules, const std::vector<HpaPodState>& pods,
                                           const std::vector<const PodSample*>& samples,
                                           sim::Time now, const CalculatorParams& params,
                                           std::vector<size_t>* ignored = nullptr,
                                           std::vector<size_t>* missing = nullptr);

// Object (or External, value = Σ series) metric with a Value target (spec 1.4):
// r = value / target; current != 0: tolerance, then ceil(r x readyPods) with
// readyPods = selector pods Running and Ready; current = 0: ceil(r).
// REQUIRES: target_milli > 0.
ReplicaProposal ObjectValueReplicas(int32_t current_replicas, int64_t value_milli,
                                    int64_t target_milli, int32_t ready_pods,
                                    const CalculatorParams& params);

// Object / External metric with an AverageValue target (spec 1.4):
// r = value / (target x statusReplicas); outside tolerance -> ceil(value / target).
// Worked example: queue length 240 against 30 per pod with 4 replicas:
// r = 240 / 120 = 2 -> ceil(240 / 30) = 8; reported value ceil(240 / 4) = 60.
// REQUIRES: target_milli > 0.
ReplicaProposal ObjectAverageValueReplicas(int32_t current_replicas, int32_t status_replicas,
                                           int64_t value_milli, int64_t target_milli,
                                           const CalculatorParams& params);

// Pods Running with Ready=True (what the Object/External Value path counts).
int32_t CountRunningReadyPods(const std::vector<HpaPod>& pods);
int32_t CountRunningReadyPods(const std::vector<HpaPodState>& pods);

// Several metrics -> one proposal (spec 1.6).
struct CombinedProposal {
  bool valid = false;         // false: no scaling this sync (ScalingActive=False)
  std::string error;
  int32_t replicas = 0;
  int index = -1;             // which metric gave the maximum
  int invalid_metrics = 0;
};
// desired = max over the valid proposals; all invalid, or some invalid and the
// maximum < spec_replicas (a scale-down) -> invalid (the first error).
CombinedProposal CombineProposals(const std::vector<ReplicaProposal>& proposals,
                                  int32_t spec_replicas);

}  // namespace rehearsal::models::autoscaling
