#include "models/cluster/kubelet.h"

#include "models/cluster/probe_math.h"

namespace rehearsal::models {

Kubelet::Kubelet(sim::Simulation& sim, Store& store, const UsageBoard* usage)
    : sim_(sim),
      store_(store),
      usage_(usage),
      rng_(sim.Stream("kubelet")),
      kind_start_(sim.RegisterKind("pod.start")),
      kind_probe_(sim.RegisterKind("pod.ready")),
      kind_fail_(sim.RegisterKind("pod.probe_failed")),
      kind_liveness_(sim.RegisterKind("pod.liveness_failed")),
      kind_backoff_(sim.RegisterKind("pod.backoff_done")),
      kind_term_(sim.RegisterKind("pod.terminated")),
      kind_endpoint_(sim.RegisterKind("endpoint.ready")),
      kind_oom_(sim.RegisterKind("kubelet.oom_check")),
      kind_remove_(sim.RegisterKind("pod.remove")) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
  if (usage_ != nullptr) {
    sim_.ScheduleIn(store_.config().oom_check_period, kind_oom_, 0, [this] { CheckOom(); });
  }
}

Kubelet::Runtime& Kubelet::rt(PodId pod) {
  if (runtime_.size() <= pod) runtime_.resize(pod + 1024);
  return runtime_[pod];
}

void Kubelet::SetTimer(PodId pod, sim::Duration delay, sim::EventKind kind,
                       void (Kubelet::*fn)(PodId)) {
  Runtime& r = rt(pod);
  sim_.Cancel(r.timer);
  r.timer = sim_.ScheduleIn(delay, kind, pod, [this, pod, fn] { (this->*fn)(pod); });
}

void Kubelet::OnWatch(const WatchEvent& e) {
  if (e.kind != ObjectKind::kPod || e.type == WatchEventType::kDeleted) return;
  const Pod& p = store_.pod(e.id);
  if (!p.alive) return;
  Runtime& r = rt(e.id);
  if (p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed) {
    if (r.stage != Stage::kDead && r.stage != Stage::kTerminating) {
      sim_.Cancel(r.timer);
      sim_.Cancel(r.endpoint_timer);
      if (r.endpoint_ready) Announce(e.id, EndpointChange::kTerminating);
      r.endpoint_ready = false;
      r.stage = Stage::kDead;
    }
    if (p.deleting && r.stage != Stage::kTerminating) {
      r.stage = Stage::kTerminating;
      SetTimer(e.id, sim::Duration{}, kind_remove_, &Kubelet::TerminationDone);
    }
    return;
  }
  if (p.deleting) {
    if (r.stage != Stage::kTerminating && !(r.stage == Stage::kDead && p.node != kNoId))
      BeginTermination(e.id);
    return;
  }
  if (p.node != kNoId && r.stage == Stage::kNone) {
    if (store_.node(p.node).heartbeat_lost) return;
    if (store_.config().warm_start && sim_.now() == sim::Time{}) {
      StartWarm(e.id);
      return;
    }
    r.stage = Stage::kStarting;
    SetTimer(e.id, p.tmpl->start.Sample(rng_), kind_start_, &Kubelet::StartContainers);
  }
}

void Kubelet::MarkRunning(PodId id) {
  Pod& p = store_.mutable_pod(id);
  p.started = true;
  p.phase = PodPhase::kRunning;
  p.started_at = sim_.now();
  rt(id).running_since = sim_.now();
}

void Kubelet::StartContainers(PodId id) {
  MarkRunning(id);
  rt(id).stage = Stage::kProbing;
  store_.Notify(ObjectKind::kPod, id);
  ScheduleProbes(id);
}

// Already running when the rehearsal starts (ClusterConfig::warm_start):
// Running, Ready and in the endpoints at t = 0.
void Kubelet::StartWarm(PodId id) {
  MarkRunning(id);
  ProbeSucceeded(id);
  Runtime& r = rt(id);
  if (r.stage != Stage::kRunning) return;  // a liveness timer may have replaced it
  sim_.Cancel(r.endpoint_timer);
  if (!listeners_.empty()) AnnounceReady(id, /*preexisting=*/true);
}

void Kubelet::ScheduleProbes(PodId id) {
  const Pod& p = store_.pod(id);
  const PodTemplate& t = *p.tmpl;
  sim::Time now = sim_.now();
  sim::Time healthy = t.never_healthy ? sim::Time::Max() : now + t.warmup.Sample(rng_);
  sim::Time startup_done = now;
  if (t.startup_probe.enabled) {
    ProbeOutcome o = FirstProbeSuccess(t.startup_probe, now, healthy, true);
    if (!o.success) {
      SetTimer(id, o.at - now, kind_fail_, &Kubelet::ProbeFailed);
      return;
    }
    startup_done = o.at;
  }
  sim::Time ready_at = startup_done;
  if (t.readiness_probe.enabled)
    ready_at = FirstProbeSuccess(t.readiness_probe, startup_done, healthy, false).at;
  sim::Time liveness_fail = sim::Time::Max();
  if (t.liveness_probe.enabled && healthy == sim::Time::Max())
    liveness_fail = FirstProbeSuccess(t.liveness_probe, startup_done, healthy, true).at;
  if (ready_at < liveness_fail && ready_at != sim::Time::Max()) {
    SetTimer(id, ready_at - now, kind_probe_, &Kubelet::ProbeSucceeded);
  } else if (liveness_fail != sim::Time::Max()) {
    SetTimer(id, liveness_fail - now, kind_fail_, &Kubelet::ProbeFailed);
  }
}

void Kubelet::ProbeSucceeded(PodId id) {
  Pod& p = store_.mutable_pod(id);
  Runtime& r = rt(id);
  const PodTemplate& t = *p.tmpl;
  r.stage = Stage::kRunning;
  store_.SetReady(id, true, sim_.now());
  store_.Notify(ObjectKind::kPod, id);
  sim_.Cancel(r.endpoint_timer);
  if (!listeners_.empty()) {  // nobody routes traffic: no endpoint events to time
    r.endpoint_timer = sim_.ScheduleIn(store_.config().endpoint_propagation_delay, kind_endpoint_,
                                       id, [this, id] { AnnounceReady(id); });
  }
  if (!t.liveness_probe.enabled) return;
  if (t.never_healthy) {
    // Ready without a readiness probe, then killed by the failing liveness probe.
    sim::Time fail = FirstProbeSuccess(t.liveness_probe, p.started_at, sim::Time::Max(), true).at;
    if (fail < sim_.now()) fail = sim_.now();
    SetTimer(id, fail - sim_.now(), kind_fail_, &Kubelet::ProbeFailed);
  } else if (t.liveness_failures_per_hour > 0) {
    // The app hangs after an exponential time; the liveness probe notices
    // after failureThreshold periods.
    double hours = rng_.Exponential(t.liveness_failures_per_hour);
    sim::Duration hang = sim::Duration::Micros(static_cast<int64_t>(hours * 3600e6));
    sim::Duration detect = t.liveness_probe.period * t.liveness_probe.failure_threshold;
    SetTimer(id, hang + detect, kind_liveness_, &Kubelet::LivenessFailed);
  }
}

void Kubelet::ProbeFailed(PodId id) { RestartContainer(id, true); }
void Kubelet::LivenessFailed(PodId id) { RestartContainer(id, true); }

void Kubelet::RestartContainer(PodId id, bool killed) {
  Pod& p = store_.mutable_pod(id);
  Runtime& r = rt(id);
  sim_.Cancel(r.timer);
  sim_.Cancel(r.endpoint_timer);
  if (r.endpoint_ready) Announce(id, killed ? EndpointChange::kKilled : EndpointChange::kNotReady);
  r.endpoint_ready = false;
  // CrashLoopBackOff resets after 10 minutes of good running (spec 5.1).
  if (sim_.now() - r.running_since >= sim::Duration::Minutes(10)) r.crash_streak = 0;
  r.crash_streak += 1;
  ++restarts_;
  store_.SetReady(id, false, sim_.now());
  p.started = false;
  p.restarts += 1;
  store_.Notify(ObjectKind::kPod, id);
  r.stage = Stage::kBackoff;
  SetTimer(id, CrashLoopBackOff(r.crash_streak), kind_backoff_, &Kubelet::BackoffDone);
}

void Kubelet::BackoffDone(PodId id) { StartContainers(id); }

void Kubelet::BeginTermination(PodId id) {
  const Pod& p = store_.pod(id);
  Runtime& r = rt(id);
  sim_.Cancel(r.timer);
  sim_.Cancel(r.endpoint_timer);
  if (p.node != kNoId && store_.node(p.node).heartbeat_lost) {
    // Nobody can confirm the containers stopped: Terminating until the node
    // returns or is deleted (spec 3 and 5.3).
    r.stage = Stage::kDead;
    return;
  }
  bool running = r.stage == Stage::kProbing || r.stage == Stage::kRunning;
  r.stage = Stage::kTerminating;
  if (!running) {
    SetTimer(id, sim::Duration{}, kind_remove_, &Kubelet::TerminationDone);
    return;
  }
  bool had_endpoint = r.endpoint_ready;
  if (r.endpoint_ready) Announce(id, EndpointChange::kTerminating);
  r.endpoint_ready = false;
  store_.SetReady(id, false, sim_.now());
  // preStop consumes the grace budget, then SIGTERM; SIGKILL at the grace
  // period; a preStop that overruns gets a one-off 2 s extension (spec 5.2).
  const PodTemplate& t = *p.tmpl;
  sim::Duration pre_stop = t.pre_stop.Sample(rng_);
  sim::Duration shutdown = t.shutdown.Sample(rng_);
  sim::Duration grace = t.termination_grace_period;
  sim::Duration end = pre_stop + shutdown;
  bool killed = false;
  if (pre_stop > grace) {
    end = grace + sim::Duration::Seconds(2);
    killed = true;
  } else if (end > grace) {
    end = grace;
    killed = true;
  }
  if (killed && had_endpoint) {
    r.endpoint_ready = false;
    sim_.Cancel(r.timer);
    r.timer = sim_.ScheduleIn(end, kind_term_, id, [this, id] { KillNow(id); });
    return;
  }
  SetTimer(id, end, kind_term_, &Kubelet::TerminationDone);
}

void Kubelet::KillNow(PodId id) {
  Announce(id, EndpointChange::kKilled);
  TerminationDone(id);
}

void Kubelet::TerminationDone(PodId id) {
  Runtime& r = rt(id);
  r.stage = Stage::kDead;
  if (store_.pod(id).alive) store_.RemovePod(id);
}

void Kubelet::AnnounceReady(PodId id, bool preexisting) {
  const Pod& p = store_.pod(id);
  Runtime& r = rt(id);
  if (!p.alive || !p.ready || p.deleting || r.endpoint_ready) return;
  r.endpoint_ready = true;
  Announce(id, EndpointChange::kReady, preexisting);
}

void Kubelet::Announce(PodId id, EndpointChange change, bool preexisting) {
  if (listeners_.empty()) return;
  const Pod& p = store_.pod(id);
  EndpointInfo info;
  info.pod = id;
  info.service = store_.workload(p.workload).spec.name;
  info.version = p.tmpl->version;
  if (p.node != kNoId) {
    const Node& n = store_.node(p.node);
    info.zone = store_.zones()[static_cast<size_t>(n.zone)];
    info.node = p.node;
  }
  info.cpu_request_millicores = p.tmpl->cpu_request_millicores;
  info.cpu_limit_millicores = p.tmpl->cpu_limit_millicores;
  info.memory_limit_bytes = p.tmpl->memory_limit_bytes;
  info.started_at = p.started_at;
  info.preexisting = preexisting;
  for (EndpointListener* l : listeners_) l->OnEndpointChange(info, change, sim_.now());
}

void Kubelet::NodeFailed(NodeId node) {
  for (PodId id : store_.node(node).pods) {
    Runtime& r = rt(id);
    sim_.Cancel(r.timer);
    sim_.Cancel(r.endpoint_timer);
    if (r.endpoint_ready) Announce(id, EndpointChange::kKilled);
    r.endpoint_ready = false;
    r.stage = Stage::kDead;
  }
}

void Kubelet::NodeRecovered(NodeId node) {
  std::vector<PodId> pods(store_.node(node).pods.begin(), store_.node(node).pods.end());
  for (PodId id : pods) {
    Pod& p = store_.mutable_pod(id);
    Runtime& r = rt(id);
    if (p.deleting || p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed) {
      r.stage = Stage::kDead;
      store_.RemovePod(id);
      continue;
    }
    // The node rebooted: containers are recreated.
    store_.SetReady(id, false, sim_.now());
    p.started = false;
    r.stage = Stage::kStarting;
    store_.Notify(ObjectKind::kPod, id);
    SetTimer(id, p.tmpl->start.Sample(rng_), kind_start_, &Kubelet::StartContainers);
  }
}

void Kubelet::NodeGone(NodeId node) {
  std::vector<PodId> pods(store_.node(node).pods.begin(), store_.node(node).pods.end());
  for (PodId id : pods) {
    Runtime& r = rt(id);
    sim_.Cancel(r.timer);
    sim_.Cancel(r.endpoint_timer);
    if (r.endpoint_ready) Announce(id, EndpointChange::kKilled);
    r.endpoint_ready = false;
    r.stage = Stage::kDead;
    store_.RemovePod(id);
  }
}

void Kubelet::CheckOom() {
  for (const auto& [id, u] : usage_->pods()) {
    if (id == kNoId || id > store_.max_pod_id()) continue;
    const Pod& p = store_.pod(id);
    if (!p.alive || !p.started || p.deleting || p.tmpl->memory_limit_bytes <= 0) continue;
    if (u.memory_bytes > static_cast<double>(p.tmpl->memory_limit_bytes)) {
      ++oom_kills_;
      sim_.recorder().Log(sim_.now(), "OOMKilled", "pod/" + store_.PodName(id),
                          "Container exceeded its memory limit and was OOM-killed");
      RestartContainer(id, true);
    }
  }
  sim_.ScheduleIn(store_.config().oom_check_period, kind_oom_, 0, [this] { CheckOom(); });
}

}  // namespace rehearsal::models
