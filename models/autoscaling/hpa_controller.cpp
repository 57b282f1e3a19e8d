#include "models/autoscaling/hpa_controller.h"

#include <algorithm>
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
PodPhase ToHpaPhase(models::PodPhase phase) {
  switch (phase) {
    case models::PodPhase::kPending: return PodPhase::kPending;
    case models::PodPhase::kRunning: return PodPhase::kRunning;
    case models::PodPhase::kSucceeded: return PodPhase::kSucceeded;
    case models::PodPhase::kFailed: return PodPhase::kFailed;
  }
  return PodPhase::kUnknown;
}

// Fills `h` in place (the explain-style view of one store pod).
void FillHpaPod(const Store& store, PodId id, sim::Time now, HpaPod& h) {
  const Pod& p = store.pod(id);
  h.name = store.PodName(id);
  h.ready.reset();
  h.start_time.reset();
  h.ready_transition = sim::Time{};
  h.deleting = p.deleting;
  h.phase = ToHpaPhase(p.phase);
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
  FillHpaPod(store, id, now, h);
  return h;
}

HpaController::HpaController(sim::Simulation& sim, ClusterModel& cluster,
                             const MetricsPipeline& metrics, const HpaControllerFlags& flags,
                             std::vector<HpaConfig> hpas)
    : sim_(sim), cluster_(cluster), metrics_(metrics), flags_(flags),
      touched_(std::make_shared<Touched>()), kind_(sim.RegisterKind("hpa.sync")) {
  // The watcher holds the shared block (it may outlive this controller: the
  // store cannot drop watchers) and records pods of tracked workloads.
  const Store* store = &cluster_.store();
  cluster_.Watch([touched = touched_, store](const WatchEvent& e) {
    if (e.kind != ObjectKind::kPod) return;
    WorkloadId w = store->pod(e.id).workload;
    if (w < touched->tracked.size() && touched->tracked[w]) touched->pods[w].push_back(e.id);
  });
  RH_ASSERT(flags_.sync_period.us > 0);
  for (size_t i = 0; i < hpas.size(); ++i) {
    HpaState s;
    s.config = std::move(hpas[i]);
    if (s.config.metrics.empty()) s.config.metrics.push_back(DefaultCpuMetric());
    s.target = cluster_.FindWorkload(s.config.target);
    RH_ASSERT(s.target != kNoId);
    if (s.target >= touched_->tracked.size()) {
      touched_->tracked.resize(s.target + 1, 0);
      touched_->pods.resize(s.target + 1);
    }
    touched_->tracked[s.target] = 1;
    RH_ASSERT(s.config.min_replicas <= s.config.max_replicas);
    s.last_desired = cluster_.store().workload(s.target).spec.replicas;
    Work work;
    work.tallies.resize(s.config.metrics.size());
    work.cacheable = true;
    for (const auto& m : s.config.metrics)
      if (m.type == MetricSourceType::kObject || m.type == MetricSourceType::kExternal)
        work.cacheable = false;  // their values come with every scrape
    hpas_.push_back(std::move(s));
    work_.push_back(std::move(work));
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

void HpaController::ReadPod(PodId id, HpaPodState* state, int64_t* cpu_milli,
                            int64_t* memory_milli, sim::Time* settled_at) const {
  const Pod& p = cluster_.store().pod(id);
  HpaPodState h;
  h.deleting = p.deleting;
  h.phase = ToHpaPhase(p.phase);
  if (p.started) {
    h.start_time = p.started_at;
    h.ready = p.ready ? ConditionStatus::kTrue : ConditionStatus::kFalse;
    if (p.ready) {
      h.ready_transition = p.ready_since;
    } else if (p.ready_since == sim::Time::Max()) {
      h.ready_transition = p.started_at;  // never ready
    } else {
      h.transition_is_now = true;  // ready once: taken as a transition now
    }
    sim::Time settled = p.started_at + std::max(flags_.cpu_initialization_period,
                                                flags_.initial_readiness_delay);
    *settled_at = std::max(*settled_at, settled);
  }
  *state = h;
  RH_ASSERT(p.tmpl != nullptr);
  *cpu_milli = p.tmpl->cpu_request_millicores;
  *memory_milli = p.tmpl->memory_request_bytes * 1000;
}

void HpaController::BuildStates(Work& work, const Workload& w) {
  work.ids.assign(w.pods.begin(), w.pods.end());  // ascending
  const size_t n = work.ids.size();
  work.states.resize(n);
  work.cpu_requests_milli.resize(n);
  work.memory_requests_milli.resize(n);
  work.settled_at = sim::Time{};
  for (size_t k = 0; k < n; ++k)
    ReadPod(work.ids[k], &work.states[k], &work.cpu_requests_milli[k],
            &work.memory_requests_milli[k], &work.settled_at);
  work.built = true;
}

namespace {
// Removes the elements (groups of `stride`) at the ascending indices `gone`:
// each run between two of them moves once (a memmove for these types), so
// one removal costs what vector::erase does and k of them one pass, not k.
template <typename T>
void EraseIndices(std::vector<T>& v, const std::vector<size_t>& gone, size_t stride) {
  auto out = v.begin() + static_cast<std::ptrdiff_t>(gone.front() * stride);
  for (size_t g = 0; g < gone.size(); ++g) {
    const size_t end = g + 1 < gone.size() ? gone[g + 1] * stride : v.size();
    out = std::move(v.begin() + static_cast<std::ptrdiff_t>((gone[g] + 1) * stride),
                    v.begin() + static_cast<std::ptrdiff_t>(end), out);
  }
  v.erase(out, v.end());
}
}  // namespace

bool HpaController::ApplyTouched(Work& work, const Workload& w, const HpaState& h,
                                 std::vector<PodId>& touched) {
  if (touched.empty()) return false;
  std::sort(touched.begin(), touched.end());
  touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
  const size_t metrics = h.config.metrics.size();
  const Store& store = cluster_.store();
  // Pods gone from the workload are removed from the aligned arrays together
  // at the end (a rollout or a drain removes many at once); until then the
  // arrays stay sorted, and each later (larger) id is searched after the
  // previous one's slot.
  std::vector<size_t>& gone = work.gone;
  gone.clear();
  size_t from = 0;
  for (PodId id : touched) {
    auto it = std::lower_bound(work.ids.begin() + static_cast<std::ptrdiff_t>(from),
                               work.ids.end(), id);
    const size_t k = static_cast<size_t>(it - work.ids.begin());
    const auto at = static_cast<std::ptrdiff_t>(k);
    const bool present = it != work.ids.end() && *it == id;
    from = present ? k + 1 : k;
    // Out of the tallies with the request and classes it was counted with.
    if (work.inc_valid && present && work.counted[k]) Uncount(work, h, k);
    // A touched pod is the workload's (the watcher filters by workload): it
    // is in w.pods exactly while alive (Store::CreatePod / DeletePod), which
    // reads the pod rather than walking the set.
    RH_ASSERT(store.pod(id).workload == w.id);
    if (store.pod(id).alive) {
      if (!present) {
        work.ids.insert(it, id);
        work.states.insert(work.states.begin() + at, HpaPodState{});
        work.cpu_requests_milli.insert(work.cpu_requests_milli.begin() + at, 0);
        work.memory_requests_milli.insert(work.memory_requests_milli.begin() + at, 0);
        if (work.inc_valid) {
          work.roles.insert(work.roles.begin() + at, 2);
          work.counted.insert(work.counted.begin() + at, 0);
          work.inc_classes.insert(work.inc_classes.begin() + at * static_cast<std::ptrdiff_t>(metrics),
                                  metrics, PodClass::kDropped);
        }
        from = k + 1;
      }
      ReadPod(id, &work.states[k], &work.cpu_requests_milli[k], &work.memory_requests_milli[k],
              &work.settled_at);
      if (work.inc_valid) work.dirty.push_back(id);
    } else if (present) {
      gone.push_back(k);
    }
  }
  if (!gone.empty()) {
    EraseIndices(work.ids, gone, 1);
    EraseIndices(work.states, gone, 1);
    EraseIndices(work.cpu_requests_milli, gone, 1);
    EraseIndices(work.memory_requests_milli, gone, 1);
    if (work.inc_valid) {
      EraseIndices(work.roles, gone, 1);
      EraseIndices(work.counted, gone, 1);
      EraseIndices(work.inc_classes, gone, metrics);
    }
  }
  touched.clear();
  return true;
}

namespace {
// The metric's value of one usage record in milli units; false when the
// record does not carry the metric (a Pods metric of an unknown name).
bool RecordValue(const MetricSpec& m, const PodUsage& u, int64_t* milli) {
  const bool is_resource = m.type == MetricSourceType::kResource ||
                           m.type == MetricSourceType::kContainerResource;
  double v = 0;
  if (is_resource) v = m.name == "cpu" ? u.cpu_millicores / 1000.0 : u.memory_bytes;
  else if (!PodMetricValue(u, m.name, &v)) return false;
  *milli = ToMilli(v);
  return true;
}

bool IsResource(const MetricSpec& m) {
  return m.type == MetricSourceType::kResource || m.type == MetricSourceType::kContainerResource;
}
bool IsUtilization(const MetricSpec& m) {
  return IsResource(m) && m.target_type == MetricTargetType::kUtilization;
}

// Adds (sign +1) or removes (-1) one pod's share of a tally, as
// TallyAlignedPods counts it; the value sums are left to the roles.
void ApplyToTally(int sign, PodClass c, uint8_t role, int64_t request, PodTally& t,
                  int64_t ready_by_role[2], int64_t known_by_role[2]) {
  switch (c) {
    case PodClass::kDropped: t.dropped += sign; break;
    case PodClass::kIgnored:
      t.ignored += sign;
      if (request >= 0) t.ignored_request_milli += sign * request;
      break;
    case PodClass::kMissing:
      t.missing += sign;
      if (request >= 0) t.missing_request_milli += sign * request;
      break;
    case PodClass::kReady:
      RH_ASSERT(role < 2);  // a ready pod has a sample
      t.ready += sign;
      ready_by_role[role] += sign;
      if (request >= 0) {
        t.ready_request_milli += sign * request;
        t.ready_known += sign;
        known_by_role[role] += sign;
      }
      break;
  }
}
}  // namespace

void HpaController::Count(Work& work, const HpaState& h, size_t k, sim::Time now,
                          sim::Time taken_at, const CalculatorParams& params) const {
  const size_t metrics = h.config.metrics.size();
  const PodSample sample{0, taken_at, metrics_.config().window};  // classes ignore the value
  for (size_t m = 0; m < metrics; ++m) {
    const MetricSpec& spec = h.config.metrics[m];
    int64_t unused = 0;
    // Whether the records carry the metric does not depend on their values.
    const bool has_sample = work.roles[k] < 2 && RecordValue(spec, PodUsage{}, &unused);
    const bool cpu = IsResource(spec) && spec.name == "cpu";
    const PodClass c = ClassifyPodState(work.states[k], has_sample ? &sample : nullptr, cpu, now,
                                        params);
    work.inc_classes[k * metrics + m] = c;
    const int64_t request = !IsUtilization(spec)  ? -1
                            : spec.name == "cpu" ? work.cpu_requests_milli[k]
                                                 : work.memory_requests_milli[k];
    Work::MetricTally& mt = work.tallies[m];
    ApplyToTally(+1, c, work.roles[k], request, mt.base, mt.ready_by_role, mt.known_by_role);
  }
  work.counted[k] = 1;
}

void HpaController::Uncount(Work& work, const HpaState& h, size_t k) const {
  const size_t metrics = h.config.metrics.size();
  for (size_t m = 0; m < metrics; ++m) {
    const MetricSpec& spec = h.config.metrics[m];
    const int64_t request = !IsUtilization(spec)  ? -1
                            : spec.name == "cpu" ? work.cpu_requests_milli[k]
                                                 : work.memory_requests_milli[k];
    Work::MetricTally& mt = work.tallies[m];
    ApplyToTally(-1, work.inc_classes[k * metrics + m], work.roles[k], request, mt.base,
                 mt.ready_by_role, mt.known_by_role);
  }
  work.counted[k] = 0;
}

bool HpaController::FinalClasses(const Work& work, const HpaState& h, size_t k) const {
  // Only the CPU readiness rules read `now` and the sample's timestamp, and
  // only for a sampled pod neither dropped nor Pending with a Ready condition
  // and a start time (ClassifyPodState). Of those, a pod not Ready=False with
  // a fixed transition classed kReady stays kReady: before the
  // initialization period ends it is kReady once its sample's timestamp is
  // past transition + window, and timestamps only grow; after it, kReady.
  const HpaPodState& st = work.states[k];
  if (st.deleting || st.phase == PodPhase::kFailed || st.phase == PodPhase::kPending ||
      !st.ready || !st.start_time)
    return true;
  const bool stays_ready = *st.ready != ConditionStatus::kFalse && !st.transition_is_now;
  const size_t metrics = h.config.metrics.size();
  for (size_t m = 0; m < metrics; ++m) {
    const MetricSpec& spec = h.config.metrics[m];
    if (!IsResource(spec) || spec.name != "cpu") continue;
    const PodClass c = work.inc_classes[k * metrics + m];
    if (c == PodClass::kMissing) continue;  // no sample: changes only with the role
    if (c == PodClass::kReady && stays_ready) continue;
    return false;
  }
  return true;
}

void HpaController::UpdateTallies(Work& work, const HpaState& h, const MetricsSnapshot& snap,
                                  const WorkloadUsage& u, const CalculatorParams& params) {
  const sim::Time now = sim_.now();
  const size_t n = work.ids.size();
  const size_t metrics = h.config.metrics.size();
  auto index_of = [&work](PodId id, size_t* k) {
    auto it = std::lower_bound(work.ids.begin(), work.ids.end(), id);
    *k = static_cast<size_t>(it - work.ids.begin());
    return it != work.ids.end() && *it == id;
  };
  auto leave = [&](PodId id) {  // out of the tallies until re-classified below
    size_t k = 0;
    if (!index_of(id, &k) || !work.counted[k]) return;
    Uncount(work, h, k);
    work.dirty.push_back(id);
  };
  if (!work.inc_valid) {
    work.tallies.assign(metrics, Work::MetricTally{});
    work.roles.assign(n, 2);
    work.counted.assign(n, 0);
    work.inc_classes.assign(n * metrics, PodClass::kDropped);
    work.dirty = work.ids;
    work.unsettled.clear();
    work.inc_valid = true;
  } else if (u.pods != work.inc_pods || u.ready != work.inc_ready) {
    // The pods whose role differs between the two publications (one merge).
    const std::vector<PodId>& a = *work.inc_pods;
    const std::vector<uint8_t>& ar = *work.inc_ready;
    const std::vector<PodId>& b = *u.pods;
    const std::vector<uint8_t>& br = *u.ready;
    size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {
      if (j == b.size() || (i < a.size() && a[i] < b[j])) {
        leave(a[i++]);
      } else if (i == a.size() || b[j] < a[i]) {
        leave(b[j++]);
      } else {
        if (ar[i] != br[j]) leave(a[i]);
        ++i;
        ++j;
      }
    }
  }
  work.inc_pods = u.pods;
  work.inc_ready = u.ready;
  // Pods whose class may have moved with `now` or the sample's timestamp.
  for (PodId id : work.unsettled) leave(id);
  work.unsettled.clear();
  std::sort(work.dirty.begin(), work.dirty.end());
  work.dirty.erase(std::unique(work.dirty.begin(), work.dirty.end()), work.dirty.end());
  const sim::Duration settle =
      std::max(flags_.cpu_initialization_period, flags_.initial_readiness_delay);
  for (PodId id : work.dirty) {
    size_t k = 0;
    if (!index_of(id, &k)) continue;  // no longer the workload's
    RH_ASSERT(!work.counted[k]);
    auto r = std::lower_bound(u.pods->begin(), u.pods->end(), id);
    work.roles[k] = r == u.pods->end() || *r != id
                        ? 2
                        : (*u.ready)[static_cast<size_t>(r - u.pods->begin())];
    Count(work, h, k, now, snap.taken_at, params);
    const HpaPodState& st = work.states[k];
    if (st.start_time && now < *st.start_time + settle && !FinalClasses(work, h, k))
      work.unsettled.push_back(id);
  }
  work.dirty.clear();
}

ReplicaProposal HpaController::TallyProposal(const MetricSpec& m, const Work::MetricTally& mt,
                                             const WorkloadUsage& u, int32_t current,
                                             const CalculatorParams& params) const {
  int64_t v[2] = {0, 0};
  RecordValue(m, u.other_usage, &v[0]);
  RecordValue(m, u.ready_usage, &v[1]);
  PodTally t = mt.base;
  t.ready_value_milli = mt.ready_by_role[0] * v[0] + mt.ready_by_role[1] * v[1];
  t.ready_known_value_milli = mt.known_by_role[0] * v[0] + mt.known_by_role[1] * v[1];
  if (IsUtilization(m))
    return UtilizationFromTally(current, m.target_utilization_percent, t, "", params);
  return PlainMetricFromTally(current, m.target_milli, t, params);
}

ReplicaProposal HpaController::Proposal(const MetricSpec& m, const MetricsSnapshot* snap,
                                        Work& work, int32_t current, int32_t status_replicas,
                                        const CalculatorParams& params) {
  sim::Time now = sim_.now();
  if (snap == nullptr) {
    ReplicaProposal p;
    p.error = "no metrics scraped yet";
    return p;
  }
  const bool is_resource = IsResource(m);
  if (is_resource || m.type == MetricSourceType::kPods) {
    const size_t n = work.ids.size();
    work.samples.resize(n);
    work.sample_ptrs.assign(n, nullptr);
    const bool cpu = m.name == "cpu";
    // Pods of a synthetic workload share two usage records: convert each
    // distinct record once.
    const PodUsage* last = nullptr;
    bool last_ok = false;
    int64_t last_milli = 0;
    for (size_t k = 0; k < n; ++k) {
      const PodUsage* u = work.usage[k];
      if (u == nullptr) continue;
      if (u != last) {
        last = u;
        last_ok = RecordValue(m, *u, &last_milli);
      }
      if (!last_ok) continue;
      work.samples[k] = PodSample{last_milli, snap->taken_at, metrics_.config().window};
      work.sample_ptrs[k] = &work.samples[k];
    }
    // The requests of a Resource metric: "cpu" -> CPU, any other -> memory
    // (one container per pod, requests always set).
    const bool utilization = IsUtilization(m);
    PodTally t = TallyAlignedPods(
        work.states, work.sample_ptrs,
        utilization ? (cpu ? &work.cpu_requests_milli : &work.memory_requests_milli) : nullptr,
        is_resource && cpu, now, params, nullptr, nullptr, &work.classes);
    if (utilization)
      return UtilizationFromTally(current, m.target_utilization_percent, t, "", params);
    return PlainMetricFromTally(current, m.target_milli, t, params);
  }
  // Object / External.
  auto it = snap->external.find(m.name);
  if (it == snap->external.end()) {
    ReplicaProposal p;
    p.error = "no value of metric " + m.name;
    return p;
  }
  if (m.target_type == MetricTargetType::kValue)
    return ObjectValueReplicas(current, ToMilli(it->second), m.target_milli,
                               CountRunningReadyPods(work.states), params);
  return ObjectAverageValueReplicas(current, status_replicas, ToMilli(it->second), m.target_milli,
                                    params);
}

namespace {
bool SameProposal(const ReplicaProposal& a, const ReplicaProposal& b) {
  return a.valid == b.valid && a.error == b.error && a.replicas == b.replicas &&
         a.reason == b.reason && a.utilization_percent == b.utilization_percent &&
         a.current_value_milli == b.current_value_milli && a.ratio == b.ratio &&
         a.ratio_after_fill == b.ratio_after_fill && a.ready_pods == b.ready_pods &&
         a.ignored_pods == b.ignored_pods && a.missing_pods == b.missing_pods &&
         a.dropped_pods == b.dropped_pods && a.slow_path == b.slow_path;
}
}  // namespace

CalculatorParams HpaController::ParamsFor(const HpaState& h) const {
  CalculatorParams params;
  params.cpu_initialization_period = flags_.cpu_initialization_period;
  params.initial_readiness_delay = flags_.initial_readiness_delay;
  params.scale_up_tolerance = params.scale_down_tolerance = flags_.tolerance;
  if (h.config.behavior) {
    params.scale_up_tolerance = ResolveScaleUp(h.config.behavior->scale_up, flags_).tolerance;
    params.scale_down_tolerance = ResolveScaleDown(h.config.behavior->scale_down, flags_).tolerance;
  }
  return params;
}

void HpaController::Sync(size_t i) {
  HpaState& h = hpas_[i];
  Work& work = work_[i];
  ++h.syncs;
  const Store& store = cluster_.store();
  const Workload& w = store.workload(h.target);
  sim::Time now = sim_.now();
  int32_t current = w.spec.replicas;
  int32_t status_replicas = std::max(w.status_replicas, 0);
  const MetricsSnapshot* snap = metrics_.Latest();

  // Bring the working set up to date: pods touched since the last sync.
  std::vector<PodId>& touched = touched_->pods[h.target];
  bool pods_changed = false;
  if (!work.built) {
    BuildStates(work, w);
    touched.clear();
    pods_changed = true;
  } else {
    pods_changed = ApplyTouched(work, w, h, touched);
  }
  if (verify_) {  // the incremental set must equal a fresh read of the store
    Work fresh;
    BuildStates(fresh, w);
    RH_ASSERT(fresh.ids == work.ids);
    RH_ASSERT(fresh.states == work.states);
    RH_ASSERT(fresh.cpu_requests_milli == work.cpu_requests_milli);
    RH_ASSERT(fresh.memory_requests_milli == work.memory_requests_milli);
  }
  const uint64_t usage_version = snap == nullptr ? 0 : snap->Version(h.target);
  // Reusable only if computed when no class depended on `now` any more.
  const bool reuse = work.cacheable && work.cached && !pods_changed &&
                     usage_version != 0 && usage_version == work.cached_usage_version &&
                     current == work.cached_current && status_replicas == work.cached_status;
  std::vector<ReplicaProposal>& proposals = work.proposals;
  const size_t metrics = h.config.metrics.size();
  const WorkloadUsage* wu = snap == nullptr ? nullptr : snap->Synthetic(h.target);
  // A full computation: samples, classes, tallies of every pod.
  auto full = [&](std::vector<ReplicaProposal>& out, const CalculatorParams& params) {
    if (snap != nullptr) snap->Lookup(h.target, work.ids, &work.usage);
    else work.usage.assign(work.ids.size(), nullptr);
    out.resize(metrics);
    for (size_t k = 0; k < metrics; ++k)
      out[k] = Proposal(h.config.metrics[k], snap, work, current, status_replicas, params);
  };
  if (reuse && !verify_) {
    ++cached_syncs_;
  } else {
    ++computed_syncs_;
    const CalculatorParams params = ParamsFor(h);
    std::vector<ReplicaProposal> before;
    if (reuse) before = proposals;  // verify_: what the cache would have given
    if (work.cacheable && wu != nullptr) {
      UpdateTallies(work, h, *snap, *wu, params);
      proposals.resize(metrics);
      for (size_t k = 0; k < metrics; ++k)
        proposals[k] = TallyProposal(h.config.metrics[k], work.tallies[k], *wu, current, params);
      if (verify_) {
        std::vector<ReplicaProposal> check;
        full(check, params);
        for (size_t k = 0; k < metrics; ++k) RH_ASSERT(SameProposal(check[k], proposals[k]));
      }
    } else {
      ++full_syncs_;
      work.inc_valid = false;
      full(proposals, params);
    }
    if (reuse)
      for (size_t k = 0; k < metrics; ++k) RH_ASSERT(SameProposal(before[k], proposals[k]));
    work.cached = snap != nullptr && now >= work.settled_at;
    work.cached_usage_version = usage_version;
    work.cached_current = current;
    work.cached_status = status_replicas;
  }
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
