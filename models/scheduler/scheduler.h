#pragma once
// kube-scheduler in simulated time (spec section 6): a priority queue of
// pending pods, the default filter and score plugins with their weights,
// adaptive node sampling (percentageOfNodesToScore, rotating start index),
// random tie-breaking among the best nodes, DefaultPreemption, backoff and
// requeue on cluster events, and a per-plugin diagnosis of why a pod is
// pending ("0/12 nodes are available: 4 Insufficient cpu, ...").
//
// Speed: filters read O(1) aggregates the store keeps (requested resources
// per node, live pods of each workload / pod class per node and per zone);
// node label and taint matching is done once per (pod template, pool, zone)
// group and cached; pod label selectors are compiled by the store once and
// evaluated once per pod class (integer ids), never per pod.
//
// After a preemption the preemptor is nominated to the node: its requests are
// reserved there against lower-priority pods and it does not preempt again
// while its victims terminate.
//
// ImageLocality (weight 1) scores pods that declare images against the images
// nodes pulled for earlier pods. Not modelled: NodePorts, volume limits, symmetric *preferred* inter-pod terms of existing
// pods.
#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/cluster/store.h"
#include "models/scheduler/score_math.h"
#include "sim/simulation.h"

namespace rehearsal::models {

// Why a node was filtered out for a pod (the first failing filter).
enum class FilterReason : uint8_t {
  kNone,
  kNodeNotReady,        // node(s) had untolerated taint {node.kubernetes.io/not-ready}
  kUnschedulable,       // node(s) were unschedulable (cordoned / spot notice)
  kNodeName,            // node(s) didn't match the requested node name (DaemonSet)
  kNodeAffinity,        // node(s) didn't match Pod's node affinity/selector
  kTaint,               // node(s) had untolerated taint
  kVolumeZone,          // node(s) had volume node affinity conflict
  kInsufficientCpu,
  kInsufficientMemory,
  kTooManyPods,
  kPodAntiAffinity,     // node(s) didn't match pod anti-affinity rules
  kPodAffinity,         // node(s) didn't match pod affinity rules
  kTopologySpread,      // node(s) didn't match pod topology spread constraints
  kCount,
};
const char* Describe(FilterReason reason);

// The outcome of one failed scheduling attempt, per plugin.
struct Diagnosis {
  std::array<int32_t, static_cast<size_t>(FilterReason::kCount)> counts{};
  int32_t nodes = 0;
  bool preemption_started = false;
  // "0/12 nodes are available: 4 Insufficient cpu, 8 node(s) had untolerated taint."
  std::string ToString() const;
};

class Scheduler {
 public:
  Scheduler(sim::Simulation& sim, Store& store, const SchedulerConfig& config);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Preemption consults it: would evicting this pod break a PDB?
  void SetPdbViolationCheck(std::function<bool(PodId)> check) { pdb_check_ = std::move(check); }

  // Attempts every queued pod that is due now, in queue order (priority desc,
  // then creation time). Runs automatically as an event; tests and the bench
  // may call it directly.
  void RunCycle();

  // Pods whose last attempt failed, in id order.
  std::vector<PodId> Unschedulable() const;
  // The diagnosis of a pending pod's last attempt ("" if none failed).
  std::string Explain(PodId pod) const;
  // Would `pod` fit on an empty new node of `pool` in `zone` (-1 = any zone
  // of the pool)? Resources, taints, node affinity/selector, zone pin.
  bool FitsNewNode(const Pod& pod, int32_t pool, int32_t zone) const;

  int64_t attempts() const { return attempts_; }
  int64_t binds() const { return binds_; }
  int64_t preemptions() const { return preemptions_; }
  size_t queued() const { return active_.size() + backoff_.size(); }

 private:
  struct Term {
    SelectorId selector = -1;  // compiled by the store
    bool hostname = true;
    int32_t weight = 1;
    bool self = false;  // the term's selector matches the pod itself
  };
  struct Spread {
    bool hostname = false;
    int32_t max_skew = 1;
    int32_t min_domains = 1;
    SelectorId selector = -1;  // -1: the pod's own workload (store's per-workload counts)
    bool self_match = true;    // the incoming pod matches the selector (selfMatchNum)
  };
  // Everything about a (workload, revision) that does not depend on the node.
  struct Profile {
    std::vector<FilterReason> group_reason;       // [pool * zones + zone]
    std::vector<int32_t> group_preferred_affinity;
    std::vector<int32_t> group_prefer_no_schedule;
    bool per_node_affinity = false;               // selector uses the hostname label
    bool tolerates_unschedulable = false;         // DaemonSet pods
    bool any_preferred_node_affinity = false;
    bool any_prefer_no_schedule = false;
    std::vector<Term> anti_required, affinity_required, affinity_preferred, anti_preferred;
    std::vector<Spread> spread_hard, spread_soft;
  };
  struct QueueItem {
    int32_t neg_priority;
    int64_t created_us;
    PodId pod;
    auto operator<=>(const QueueItem&) const = default;
  };
  struct PendingInfo {
    int32_t attempts = 0;
    sim::Time last_attempt{};
    Diagnosis diagnosis;
  };
  struct Candidate {
    NodeId node;
    int32_t group;
  };

  void OnWatch(const WatchEvent& e);
  void Enqueue(PodId pod, sim::Time not_before);
  void ScheduleCycle(sim::Time at);
  void FlushUnschedulable();
  void LeftoverFlush();
  const Profile& ProfileFor(const Pod& pod);
  // own_class: the pod's class (its labels), for the terms' self match.
  Profile BuildProfile(const Workload& w, const PodTemplate& t, PodClassId own_class) const;
  PodClassId ClassFor(const Pod& pod) const;
  // Pods counted by a spread constraint in the node's (hostname) or zone's domain.
  int64_t SpreadCount(const Pod& pod, const Spread& s, NodeId node, int32_t zone) const;
  bool Attempt(PodId pod);
  FilterReason Filter(const Pod& pod, const Profile& prof, NodeId node,
                      const std::vector<int64_t>& hard_min) const;
  NodeId Score(const Pod& pod, const Profile& prof);
  bool Preempt(PodId pod, const Profile& prof);
  int32_t Group(const Node& n) const { return n.pool * zone_count_ + n.zone; }
  bool NodeAffinityOk(const Pod& pod, const Profile& prof, const Node& node) const;

  sim::Simulation& sim_;
  Store& store_;
  SchedulerConfig config_;
  ScoreWeights weights_;
  sim::Rng rng_;
  sim::EventKind kind_cycle_, kind_flush_, kind_leftover_;
  int32_t zone_count_ = 0;
  std::function<bool(PodId)> pdb_check_;

  std::set<QueueItem> active_;
  std::set<std::pair<int64_t, PodId>> backoff_;   // (not_before us, pod)
  std::map<PodId, PendingInfo> pending_;          // pods that failed at least once
  std::set<PodId> unschedulable_;
  // Preemptors and the node their victims are leaving (nominatedNodeName).
  // Their requests are reserved on that node against pods of lower priority.
  std::map<PodId, NodeId> nominated_;
  std::map<NodeId, std::vector<PodId>> nominated_on_node_;
  void ClearNomination(PodId pod);
  std::map<std::pair<WorkloadId, int32_t>, Profile> profiles_;
  std::map<std::pair<WorkloadId, int32_t>, Diagnosis> failed_this_cycle_;
  bool cycle_scheduled_ = false;
  sim::Time cycle_at_ = sim::Time::Max();
  sim::EventId cycle_event_;
  bool flush_scheduled_ = false;
  bool leftover_scheduled_ = false;
  bool in_cycle_ = false;
  size_t next_start_index_ = 0;

  // Scratch buffers reused across attempts.
  std::vector<Candidate> feasible_;
  std::vector<int64_t> scores_;
  std::vector<int64_t> spread_raw_;
  std::vector<int64_t> affinity_raw_;
  Diagnosis last_diagnosis_;

  int64_t attempts_ = 0;
  int64_t binds_ = 0;
  int64_t preemptions_ = 0;
};

}  // namespace rehearsal::models
