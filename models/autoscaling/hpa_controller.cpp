#include "models/autoscaling/hpa_controller.h"

#include <cmath>

#include "sim/assert.h"
#include "sim/random.h"

namespace rehearsal::models::autoscaling {
namespace {

int64_t ToMilli(double v) { return static_cast<int64_t>(std::llround(v * 1000.0)); }

// A Pods metric name -> the usage board field that carries it.
bool PodMetricValue(const PodUsage& u, const std::string& name, double* out) {
  if (name == "requests_per_second" || name == "rps" || name == "http_requests_per_second") {
    *out = u.requests_per_s;
  } else if (name == "inflight" || name == "in_flight") {
    *out = u.inflight;
  } else if (name == "latency_ms") {
    *out = u.latency_ms;
  } else if (name == "sessions") {
    *out = u.sessions;
  } else {
    return false;
  }
  return true;
}

std::string PolicyLimitText(const NormalizationResult& n) {
  // The policy that set the limit (the one whose proposal equals it).
  for (const auto& p : n.policies) {
    if (p.proposal != n.rate_limit) continue;
    return p.policy.type == ScalingPolicyType::kPods
               ? std::to_string(p.policy.value) + " pods/" + std::to_string(p.policy.period_seconds) + "s"
               : std::to_string(p.policy.value) + "%/" + std::to_string(p.policy.period_seconds) + "s";
  }
  return "policy";
}

}  // namespace

namespace {
// Fills `h` in place (reusing its containers' storage); the name is the pod's
// full name or, on the controller's hot path, its id.
void FillHpaPod(const Store& store, PodId id, sim::Time now, bool full_name, HpaPod& h) {
  const Pod& p = store.pod(id);
  h.name = full_name ? store.PodName(id) : std::to_string(id);
  h.ready.reset();
  h.start_time.reset();
  h.ready_transition = sim::Time{};
  h.deleting = p.deleting;
  switch (p.phase) {
    case models::PodPhase::kPending: h.phase = autoscaling::PodPhase::kPending; break;
    case models::PodPhase::kRunning: h.phase = autoscaling::PodPhase::kRunning; break;
    case models::PodPhase::kSucceeded: h.phase = autoscaling::PodPhase::kSucceeded; break;
    case models::PodPhase::kFailed: h.phase = autoscaling::PodPhase::kFailed; break;
  }
  if (p.started) {
    h.start_time = p.started_at;
    h.ready = p.ready ? ConditionStatus::kTrue : ConditionStatus::kFalse;
    if (p.ready) {
      h.ready_transition = p.ready_since;
    } else {
      h.ready_transition = p.ready_since == sim::Time::Max() ? p.started_at : now;
    }
  }
  const PodTemplate* t = p.tmpl;
  RH_ASSERT(t != nullptr);
  h.containers.resize(1);
  h.containers[0].name = "app";
  h.containers[0].cpu_milli = t->cpu_request_millicores;
  h.containers[0].memory_milli = t->memory_request_bytes * 1000;
}
}  // namespace

HpaPod ToHpaPod(const Store& store, PodId id, sim::Time now) {
  HpaPod h;
  FillHpaPod(store, id, now, /*full_name=*/true, h);
  return h;
}

HpaController::HpaController(sim::Simulation& sim, ClusterModel& cluster,
                             const MetricsPipeline& metrics, const HpaControllerFlags& flags,
                             std::vector<HpaConfig> hpas)
    : sim_(sim), cluster_(cluster), metrics_(metrics), flags_(flags),
      kind_(sim.RegisterKind("hpa.sync")) {
  RH_ASSERT(flags_.sync_period.us > 0);
  for (size_t i = 0; i < hpas.size(); ++i) {
    HpaState s;
    s.config = std::move(hpas[i]);
    if (s.config.metrics.empty()) s.config.metrics.push_back(DefaultCpuMetric());
    s.target = cluster_.FindWorkload(s.config.target);
    RH_ASSERT(s.target != kNoId);
    RH_ASSERT(s.config.min_replicas <= s.config.max_replicas);
    s.last_desired = cluster_.store().workload(s.target).spec.replicas;
    hpas_.push_back(std::move(s));
    const std::string& wname = hpas_.back().config.target;
    sim_.recorder().AddSeries(wname + ".hpa_desired", [this, i] {
      return static_cast<double>(hpas_[i].last_desired);
    });
    sim_.recorder().AddSeries(wname + ".cpu_utilization", [this, i] {
      return hpas_[i].last_utilization_percent < 0 ? 0.0
                                                   : hpas_[i].last_utilization_percent / 100.0;
    });
    // Phase shift: a stable offset within the period, from the HPA's name.
    sim::Duration offset = sim::Duration::Micros(
        static_cast<int64_t>(sim::StableHash(hpas_.back().config.name) %
                             static_cast<uint64_t>(flags_.sync_period.us)));
    sim_.ScheduleIn(offset, kind_, i, [this, i] { OnTimer(i); });
  }
}

ReplicaProposal HpaController::Proposal(const HpaState& h, const MetricSpec& m,
                                        const std::vector<HpaPod>& pods,
                                        const std::vector<PodId>& ids, int32_t current,
                                        int32_t status_replicas,
                                        const CalculatorParams& params) const {
  const MetricsSnapshot* snap = metrics_.Latest();
  sim::Time now = sim_.now();
  if (snap == nullptr) {
    ReplicaProposal p;
    p.error = "no metrics scraped yet";
    return p;
  }
  PodSamples samples;
  bool is_resource = m.type == MetricSourceType::kResource ||
                     m.type == MetricSourceType::kContainerResource;
  if (is_resource || m.type == MetricSourceType::kPods) {
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = snap->pods->find(ids[i]);
      if (it == snap->pods->end()) continue;
      double v = 0;
      if (is_resource) {
        v = m.name == "cpu" ? it->second.cpu_millicores / 1000.0 : it->second.memory_bytes;
      } else if (!PodMetricValue(it->second, m.name, &v)) {
        continue;
      }
      samples[pods[i].name] = PodSample{ToMilli(v), snap->taken_at, metrics_.config().window};
    }
  }
  switch (m.type) {
    case MetricSourceType::kResource:
    case MetricSourceType::kContainerResource:
      if (m.target_type == MetricTargetType::kUtilization)
        return ResourceUtilizationReplicas(current, m.target_utilization_percent, m.name, pods,
                                           samples, ComputeRequests(pods, m.name, ""), now, params);
      return PlainMetricReplicas(current, m.target_milli, m.name, pods, samples, now, params);
    case MetricSourceType::kPods:
      return PlainMetricReplicas(current, m.target_milli, "", pods, samples, now, params);
    case MetricSourceType::kObject:
    case MetricSourceType::kExternal: {
      auto it = snap->external.find(m.name);
      if (it == snap->external.end()) {
        ReplicaProposal p;
        p.error = "no value of metric " + m.name;
        return p;
      }
      if (m.target_type == MetricTargetType::kValue)
        return ObjectValueReplicas(current, ToMilli(it->second), m.target_milli,
                                   CountRunningReadyPods(pods), params);
      return ObjectAverageValueReplicas(current, status_replicas, ToMilli(it->second),
                                        m.target_milli, params);
    }
  }
  (void)h;
  return {};
}

void HpaController::Sync(size_t i) {
  HpaState& h = hpas_[i];
  ++h.syncs;
  const Store& store = cluster_.store();
  const Workload& w = store.workload(h.target);
  sim::Time now = sim_.now();
  std::vector<PodId>& ids = scratch_ids_;
  ids.assign(w.pods.begin(), w.pods.end());
  std::vector<HpaPod>& pods = scratch_pods_;
  pods.resize(ids.size());
  for (size_t k = 0; k < ids.size(); ++k) FillHpaPod(store, ids[k], now, false, pods[k]);

  CalculatorParams params;
  params.cpu_initialization_period = flags_.cpu_initialization_period;
  params.initial_readiness_delay = flags_.initial_readiness_delay;
  params.scale_up_tolerance = params.scale_down_tolerance = flags_.tolerance;
  if (h.config.behavior) {
    params.scale_up_tolerance = ResolveScaleUp(h.config.behavior->scale_up, flags_).tolerance;
    params.scale_down_tolerance = ResolveScaleDown(h.config.behavior->scale_down, flags_).tolerance;
  }
  int32_t current = w.spec.replicas;
  int32_t status_replicas = std::max(w.status_replicas, 0);
  std::vector<ReplicaProposal> proposals;
  for (const auto& m : h.config.metrics)
    proposals.push_back(Proposal(h, m, pods, ids, current, status_replicas, params));
  for (size_t k = 0; k < proposals.size(); ++k) {
    if (h.config.metrics[k].target_type == MetricTargetType::kUtilization && proposals[k].valid) {
      h.last_utilization_percent = *proposals[k].utilization_percent;
      break;
    }
  }
  HpaSyncDecision d = DecideHpaSync(&h.history, h.config, flags_, current, proposals, now);
  h.last_desired = d.desired_replicas;
  if (d.rescale) {
    // Message with the inputs of the deciding metric.
    std::string msg = "HPA " + h.config.name + ": ";
    if (d.outcome == HpaSyncOutcome::kNormalized && d.combined.index >= 0) {
      const auto& p = proposals[static_cast<size_t>(d.combined.index)];
      const auto& m = h.config.metrics[static_cast<size_t>(d.combined.index)];
      if (p.utilization_percent) {
        msg += std::to_string(*p.utilization_percent) + "% of " +
               std::to_string(m.target_utilization_percent) + "% target";
      } else {
        msg += m.name + " " + std::to_string(p.current_value_milli / 1000) + " (target " +
               std::to_string(m.target_milli / 1000) + ")";
      }
      msg += " on " + std::to_string(p.ready_pods) + " ready pods";
      if (p.ignored_pods > 0) msg += " (" + std::to_string(p.ignored_pods) + " unready ignored)";
      if (p.missing_pods > 0) msg += " (" + std::to_string(p.missing_pods) + " without metrics)";
      msg += " -> " + std::to_string(d.combined.replicas);
      const auto& n = *d.normalization;
      if (n.stabilized != n.raw)
        msg += "; stabilized to " + std::to_string(n.stabilized) + " (" +
               StabilizationReasonName(n.stabilization) + ")";
      if (n.desired != n.stabilized) {
        msg += "; limited to " + std::to_string(n.desired) + " by ";
        if (n.limit == LimitReason::kScaleUpLimit || n.limit == LimitReason::kScaleDownLimit) {
          msg += h.config.behavior
                     ? std::string(n.limit == LimitReason::kScaleUpLimit ? "scale-up" : "scale-down") +
                           " policy " + PolicyLimitText(n)
                     : "scale-up limit max(2 x current, 4)";
        } else {
          msg += LimitReasonName(n.limit);
        }
      }
    } else {
      msg += HpaSyncOutcomeName(d.outcome);
    }
    msg += " (" + std::to_string(current) + " -> " + std::to_string(d.desired_replicas) + ")";
    h.last_message = msg;
    if (d.desired_replicas > current) ++h.scale_ups;
    else ++h.scale_downs;
    sim_.recorder().Log(now, "HPA", "hpa/" + h.config.name, msg);
    sim_.MixDigest(static_cast<uint64_t>(d.desired_replicas) * 1000003u + i);
    cluster_.Scale(h.target, d.desired_replicas);
  }
}

void HpaController::OnTimer(size_t i) {
  Sync(i);
  sim_.ScheduleIn(flags_.sync_period, kind_, i, [this, i] { OnTimer(i); });
}

}  // namespace rehearsal::models::autoscaling
