#pragma once
// The kubelets of all nodes, as one controller: it runs the pod lifecycle of
// spec section 5 for every bound pod. Scheduled -> containers running (start
// distribution) -> startup probe -> Ready via readiness probe (ProbeMath) ->
// endpoint kReady after the propagation delay. Liveness failures and OOM kills
// restart the container with CrashLoopBackOff. Deletion -> endpoint
// kTerminating, preStop, SIGTERM, SIGKILL at the grace period -> pod gone.
// Pods on a node whose heartbeats are lost are frozen: they stay Terminating
// until the node recovers or is terminated (spec 5.3).
#include <cstdint>
#include <vector>

#include "models/cluster/store.h"
#include "models/core/endpoints.h"
#include "models/core/usage_board.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class Kubelet {
 public:
  Kubelet(sim::Simulation& sim, Store& store, const UsageBoard* usage);
  Kubelet(const Kubelet&) = delete;
  Kubelet& operator=(const Kubelet&) = delete;

  // Listeners must be added before the pods they should hear about become Ready.
  void AddEndpointListener(EndpointListener* listener) { listeners_.push_back(listener); }

  // The node's VM stopped (crash, zone outage): every container dies at once
  // (endpoints kKilled); the API objects are left as they are.
  void NodeFailed(NodeId node);
  // Heartbeats are back: terminating pods go away, the others restart.
  void NodeRecovered(NodeId node);
  // The VM is gone for good: every pod bound to it is removed (pod GC).
  void NodeGone(NodeId node);

  int64_t oom_kills() const { return oom_kills_; }
  int64_t restarts() const { return restarts_; }

 private:
  enum class Stage : uint8_t { kNone, kStarting, kProbing, kRunning, kBackoff, kTerminating, kDead };
  struct Runtime {
    Stage stage = Stage::kNone;
    bool endpoint_ready = false;  // kReady announced and not withdrawn
    int32_t crash_streak = 0;     // consecutive restarts (backoff exponent)
    sim::EventId timer;
    sim::EventId endpoint_timer;
    sim::Time running_since{};
  };

  void OnWatch(const WatchEvent& event);
  Runtime& rt(PodId pod);
  void SetTimer(PodId pod, sim::Duration delay, sim::EventKind kind, void (Kubelet::*fn)(PodId));
  void MarkRunning(PodId pod);      // phase Running, started now
  void StartContainers(PodId pod);  // containers now running
  void StartWarm(PodId pod);        // running and Ready at t = 0 (warm start)
  void ProbeSucceeded(PodId pod);   // startup + readiness passed: Ready
  void ProbeFailed(PodId pod);      // startup/liveness gave up: restart
  void LivenessFailed(PodId pod);
  void RestartContainer(PodId pod, bool killed);
  void BackoffDone(PodId pod);
  void BeginTermination(PodId pod);
  void TerminationDone(PodId pod);
  void KillNow(PodId pod);
  void AnnounceReady(PodId pod, bool preexisting = false);
  void Announce(PodId pod, EndpointChange change, bool preexisting = false);
  void CheckOom();
  void ScheduleProbes(PodId pod);

  sim::Simulation& sim_;
  Store& store_;
  const UsageBoard* usage_;
  std::vector<EndpointListener*> listeners_;
  std::vector<Runtime> runtime_;  // index = pod id
  sim::Rng rng_;
  sim::EventKind kind_start_, kind_probe_, kind_fail_, kind_liveness_, kind_backoff_,
      kind_term_, kind_endpoint_, kind_oom_, kind_remove_;
  int64_t oom_kills_ = 0;
  int64_t restarts_ = 0;
};

}  // namespace rehearsal::models
