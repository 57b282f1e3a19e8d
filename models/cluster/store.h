#pragma once
// The in-memory object store: nodes, pods, workloads, ReplicaSets, PDBs and
// PriorityClasses, with change notifications. It plays the API server: the
// controllers (one per file under cluster/, scheduler/, workloads/,
// disruption/) read it, mutate objects through it, and wake on its watch
// events. It also keeps the aggregates the scheduler needs in O(1): requested
// resources per node and the number of live pods of each workload per node and
// per zone.
//
// Determinism: ids are dense and assigned in creation order; watchers are
// called synchronously in registration order; every container is indexed by
// id (vectors, std::map, std::set), never by pointer or hash.
#include <cstdint>
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "models/cluster/cluster_config.h"
#include "models/cluster/workload_spec.h"
#include "models/core/ids.h"
#include "sim/assert.h"
#include "sim/time.h"

namespace rehearsal::models {

using ReplicaSetId = uint64_t;
using PdbId = uint64_t;
// Pods of one (workload, revision) share one template, hence one label set:
// a pod class. Selectors are evaluated once per class, never per pod.
using PodClassId = int32_t;
// A label selector compiled by the store (interned: equal selectors share it).
using SelectorId = int32_t;
inline constexpr PodClassId kNoClass = -1;

// One pod class: its effective labels and the store's counters of its pods.
struct PodClass {
  WorkloadId workload = kNoId;
  int32_t revision = 0;
  std::map<std::string, std::string> labels;  // template labels + workload/app
  int32_t nonterminal_pods = 0;               // alive, not Succeeded/Failed
  int32_t ready_pods = 0;                     // Active() and Ready
  std::vector<int32_t> images;                // image ids of the template's containers
};

enum class ObjectKind { kNode, kPod, kWorkload, kReplicaSet, kPdb };
enum class WatchEventType { kAdded, kModified, kDeleted };

struct WatchEvent {
  ObjectKind kind = ObjectKind::kPod;
  uint64_t id = kNoId;
  WatchEventType type = WatchEventType::kModified;
};

enum class NodeState {
  kProvisioning,  // VM requested, not registered yet
  kReady,         // Ready=True
  kNotReady,      // heartbeats lost for the grace period: Ready=Unknown, NoExecute taint
  kTerminated,    // VM gone, Node object deleted
};

struct Node {
  NodeId id = kNoId;
  std::string name;            // "<pool>-<n>"
  int32_t pool = 0;            // index into ClusterConfig::pools
  int32_t zone = 0;            // index into Store::zones()
  int64_t cpu_allocatable_millicores = 0;
  int64_t memory_allocatable_bytes = 0;
  int32_t pods_allocatable = 110;
  // Sum over bound pods that are not Succeeded/Failed (terminating pods still
  // hold their requests until they are gone, as in the kubelet).
  int64_t cpu_requested_millicores = 0;
  int64_t memory_requested_bytes = 0;
  int32_t pods_count = 0;
  NodeState state = NodeState::kProvisioning;
  bool unschedulable = false;      // cordoned (spec.unschedulable)
  bool heartbeat_lost = false;     // kubelet silent (crash, partition, zone outage)
  bool spot_notice = false;        // interruption notice received
  bool deleting = false;           // Node deletion requested: VM goes when pods are gone
  sim::Time created_at{};
  sim::Time ready_at = sim::Time::Max();
  sim::Time not_ready_at = sim::Time::Max();
  sim::Time terminated_at = sim::Time::Max();
  std::map<std::string, std::string> labels;
  std::set<PodId> pods;            // bound pods, including terminating ones
  // Image ids present on the node (ascending): pulled by a pod bound here.
  std::vector<int32_t> images;

  bool alive() const { return state != NodeState::kTerminated; }
  // Can a new pod be bound here at all (before per-pod filters)?
  bool AcceptsPods() const { return state == NodeState::kReady && !unschedulable; }
};

enum class PodPhase { kPending, kRunning, kSucceeded, kFailed };

struct Pod {
  PodId id = kNoId;
  WorkloadId workload = kNoId;
  ReplicaSetId replica_set = kNoId;  // Deployments only
  int32_t ordinal = -1;              // StatefulSet ordinal, Job run index, or -1
  int32_t revision = 0;              // index into Workload::revisions
  PodClassId pod_class = kNoClass;   // (workload, revision): its labels
  const PodTemplate* tmpl = nullptr; // owned by the workload (stable address)
  int32_t priority = 0;
  NodeId node = kNoId;
  NodeId node_pin = kNoId;           // DaemonSet pods: only this node
  int32_t zone_pin = -1;             // StatefulSet volume zone after first bind
  PodPhase phase = PodPhase::kPending;
  bool started = false;              // containers running
  bool ready = false;                // Ready condition
  bool deleting = false;             // deletionTimestamp set
  bool alive = true;                 // object exists
  bool evicted = false;              // deleted through the eviction API / taint manager
  int32_t restarts = 0;
  sim::Time created_at{};
  sim::Time scheduled_at = sim::Time::Max();
  sim::Time started_at = sim::Time::Max();
  sim::Time ready_since = sim::Time::Max();
  sim::Time deletion_at = sim::Time::Max();

  // Counted by its controller as a live replica (not deleting, not finished).
  bool Active() const {
    return alive && !deleting && phase != PodPhase::kSucceeded && phase != PodPhase::kFailed;
  }
  // Ready for longer than min_ready (spec 2.3; 0 = Ready is enough).
  bool Available(sim::Time now, sim::Duration min_ready) const {
    if (!ready || deleting) return false;
    if (min_ready.us <= 0) return true;
    return ready_since + min_ready < now;
  }
};

struct RolloutStatus {
  bool in_progress = false;
  bool complete = true;
  bool deadline_exceeded = false;
  sim::Time started_at{};
  sim::Time last_progress_at{};
  sim::Time finished_at = sim::Time::Max();
  int32_t last_updated = 0, last_ready = 0, last_available = 0, last_total = 0;
};

struct Workload {
  WorkloadId id = kNoId;
  WorkloadSpec spec;                     // spec.replicas = desired; spec.pod = current template
  std::deque<PodTemplate> revisions;     // every template ever used (stable addresses)
  int32_t current_revision = 0;
  int32_t priority = 0;                  // resolved from spec.pod.priority_class
  bool preempt_never = false;
  std::set<PodId> pods;                  // every live pod object of the workload
  std::vector<ReplicaSetId> replica_sets;  // creation order (oldest first)
  // Kept by the store: pods Active(), Active() and Ready, alive and not finished.
  int32_t active_pods = 0, ready_pods = 0, nonterminal_pods = 0;
  // Status (filled by the workload controllers).
  int32_t status_replicas = 0, ready_replicas = 0, available_replicas = 0, updated_replicas = 0;
  RolloutStatus rollout;
  int32_t next_pod_suffix = 0;           // for pod names
  int32_t job_runs = 0;                  // CronJob: runs started; Job: pods succeeded
  int32_t job_failures = 0;
  bool job_done = false;
  int32_t stable_revision = 0;           // StatefulSet currentRevision
};

struct ReplicaSet {
  ReplicaSetId id = kNoId;
  WorkloadId workload = kNoId;
  int32_t revision = 0;
  int32_t spec_replicas = 0;
  // deployment.kubernetes.io/max-replicas: d.replicas + surge when last scaled.
  int32_t max_replicas_annotation = 0;
  // deployment.kubernetes.io/desired-replicas: d.replicas when last synced.
  int32_t desired_replicas_annotation = 0;
  sim::Time created_at{};
  std::set<PodId> pods;
  bool alive = true;
  // Kept by the store: pods Active(), and Active() and Ready.
  int32_t active_pods = 0, ready_pods = 0;
};

struct Pdb {
  PdbId id = kNoId;
  PdbSpec spec;
  SelectorId selector = -1;               // compiled spec.selector (or the workloads shorthand)
  std::vector<WorkloadId> selects;        // workloads with a matching pod class, sorted
  // Status (disruption controller, spec 4.2).
  int32_t expected_pods = 0;
  int32_t desired_healthy = 0;
  int32_t current_healthy = 0;
  int32_t disruptions_allowed = 0;
  std::map<PodId, sim::Time> disrupted_pods;
};

// The fields the scheduler's filters and scores read for every candidate
// node, packed densely by node id so a scan over thousands of nodes stays in
// cache. Kept by the store: resources on Bind/terminal/RemovePod, flags on
// every Notify(kNode, ...).
struct NodeHot {
  int64_t cpu_requested_millicores = 0;
  int64_t cpu_allocatable_millicores = 0;
  int64_t memory_requested_bytes = 0;
  int64_t memory_allocatable_bytes = 0;
  int32_t pods_count = 0;
  int32_t pods_allocatable = 0;
  int32_t zone = 0;
  int32_t pool = 0;
  bool ready = false;        // state kReady and heartbeats arriving
  bool blocked = false;      // spot notice or being deleted: nothing new lands here
  bool cordoned = false;     // spec.unschedulable
  bool not_ready = false;    // state kNotReady (Ready=Unknown in the API)
};

class Store {
 public:
  using Watcher = std::function<void(const WatchEvent&)>;

  explicit Store(const ClusterConfig& config);
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const ClusterConfig& config() const { return config_; }
  const std::vector<std::string>& zones() const { return zones_; }
  int32_t ZoneIndex(const std::string& zone) const;  // -1 when unknown

  // Watchers are called synchronously, in registration order, after each
  // change. They must not assume the store is quiescent: controllers enqueue
  // keys and reconcile later (WorkQueue).
  void AddWatcher(Watcher watcher) { watchers_.push_back(std::move(watcher)); }
  void Notify(ObjectKind kind, uint64_t id, WatchEventType type = WatchEventType::kModified);

  // --- nodes
  // REQUIRES: 0 <= pool < pools, 0 <= zone < zones.
  Node& AddNode(int32_t pool, int32_t zone, sim::Time now);
  const Node& node(NodeId id) const { RH_ASSERT(HasNode(id)); return *nodes_[id]; }
  Node& mutable_node(NodeId id) { RH_ASSERT(HasNode(id)); return *nodes_[id]; }
  bool HasNode(NodeId id) const { return id != kNoId && id < nodes_.size() && nodes_[id]; }
  const NodeHot& hot(NodeId id) const { return hot_[id]; }
  NodeId max_node_id() const { return nodes_.size() - 1; }
  // Nodes that are not terminated, in id order.
  const std::vector<NodeId>& live_nodes() const { return live_nodes_; }
  // Marks the node terminated and removes it from live_nodes().
  // REQUIRES: no pod is bound to it any more.
  void TerminateNode(NodeId id, sim::Time now);
  int32_t pool_count() const { return static_cast<int32_t>(config_.pools.size()); }

  // --- workloads
  WorkloadId AddWorkload(const WorkloadSpec& spec, int32_t priority, bool preempt_never);
  const Workload& workload(WorkloadId id) const { RH_ASSERT(HasWorkload(id)); return *workloads_[id]; }
  Workload& mutable_workload(WorkloadId id) { RH_ASSERT(HasWorkload(id)); return *workloads_[id]; }
  bool HasWorkload(WorkloadId id) const {
    return id != kNoId && id < workloads_.size() && workloads_[id];
  }
  size_t workload_count() const { return workloads_.size() - 1; }  // ids 1..count
  WorkloadId FindWorkload(const std::string& name) const;  // kNoId when unknown

  // --- replica sets
  ReplicaSetId AddReplicaSet(WorkloadId workload, int32_t revision, sim::Time now);
  const ReplicaSet& replica_set(ReplicaSetId id) const { return *replica_sets_[id]; }
  ReplicaSet& mutable_replica_set(ReplicaSetId id) { return *replica_sets_[id]; }
  void DeleteReplicaSet(ReplicaSetId id);

  // --- pods
  // Creates a Pending pod of `workload` using revision `revision`.
  Pod& CreatePod(WorkloadId workload, ReplicaSetId rs, int32_t revision, int32_t ordinal,
                 sim::Time now);
  const Pod& pod(PodId id) const { RH_ASSERT(id != kNoId && id < pods_.size()); return pods_[id]; }
  Pod& mutable_pod(PodId id) { RH_ASSERT(id != kNoId && id < pods_.size()); return pods_[id]; }
  PodId max_pod_id() const { return pods_.size() - 1; }
  size_t live_pod_count() const { return live_pods_; }
  // Binds a Pending pod to a node and updates the node aggregates.
  // REQUIRES: pod unbound and alive, node alive.
  void Bind(PodId pod, NodeId node, sim::Time now);
  // Sets deletionTimestamp (terminating). Idempotent.
  void MarkDeleting(PodId pod, sim::Time now);
  // Sets a terminal phase (Succeeded/Failed): releases the node's resources.
  void SetTerminalPhase(PodId pod, PodPhase phase);
  // Removes the pod object (containers gone). REQUIRES: alive.
  void RemovePod(PodId pod);
  // Sets the Ready condition (ready_since = now when it turns true). Every
  // writer of Pod::ready goes through here so the counters stay exact. The
  // caller notifies.
  void SetReady(PodId pod, bool ready, sim::Time now);
  std::string PodName(PodId pod) const;

  // --- PDBs
  PdbId AddPdb(const PdbSpec& spec);
  const std::vector<Pdb>& pdbs() const { return pdbs_; }  // index = id - 1
  Pdb& mutable_pdb(PdbId id) { return pdbs_[id - 1]; }
  // PDBs selecting pods of any class of this workload (ids ascending).
  const std::vector<PdbId>& PdbsForWorkload(WorkloadId id) const;
  // PDBs whose selector matches this pod's labels (ids ascending).
  const std::vector<PdbId>& PdbsForPod(PodId id) const {
    return pdbs_by_class_[static_cast<size_t>(pod(id).pod_class)];
  }

  // --- container images (ImageLocality): ids interned by normalised name.
  // The image id of a name (registered on first use with its size).
  int32_t ImageId(const std::string& normalized_name, int64_t size_bytes);
  int64_t image_size_bytes(int32_t image) const { return images_[static_cast<size_t>(image)].size_bytes; }
  // Live nodes holding the image (ImageStateSummary.NumNodes).
  int32_t image_node_count(int32_t image) const { return images_[static_cast<size_t>(image)].nodes; }

  // --- labels and selectors (fast path: integer class ids, per-class counts)
  // The class of (workload, revision); registered on first use (CreatePod
  // does it), which evaluates every compiled selector against its labels.
  PodClassId ClassOf(WorkloadId w, int32_t revision);
  const PodClass& pod_class(PodClassId c) const { return classes_[static_cast<size_t>(c)]; }
  // Compiles (interns) a selector. REQUIRES: selector.Validate() == "".
  SelectorId CompileSelector(const LabelSelector& selector);
  // The selector a PodAffinityTerm / spread constraint / PDB means: its own
  // selector, else the workloads shorthand (empty = `own_workload`).
  static LabelSelector EffectiveSelector(const std::optional<LabelSelector>& selector,
                                         const std::vector<std::string>& workloads,
                                         const std::string& own_workload);
  bool SelectorMatches(SelectorId s, PodClassId c) const {
    const auto& m = selector_match_[static_cast<size_t>(s)];
    return std::binary_search(m.begin(), m.end(), c);
  }
  // Classes matching a selector, ascending.
  const std::vector<PodClassId>& MatchingClasses(SelectorId s) const {
    return selector_match_[static_cast<size_t>(s)];
  }
  // Live (bound, not deleting, not finished) pods matching `s` on a node / in
  // a zone: the sum over its classes.
  int32_t CountMatchingOnNode(SelectorId s, NodeId n) const {
    int32_t sum = 0;
    for (PodClassId c : selector_match_[static_cast<size_t>(s)]) {
      const auto& v = class_on_node_[static_cast<size_t>(c)];
      if (n < v.size()) sum += v[n];
    }
    return sum;
  }
  int32_t CountMatchingInZone(SelectorId s, int32_t zone) const {
    int32_t sum = 0;
    for (PodClassId c : selector_match_[static_cast<size_t>(s)])
      sum += class_in_zone_[static_cast<size_t>(c)][static_cast<size_t>(zone)];
    return sum;
  }
  // Symmetric required anti-affinity: the (class, topology key) pairs whose
  // required anti-affinity terms select pods of class `c`.
  const std::vector<std::pair<PodClassId, std::string>>& AntiAffinityAgainstClass(
      PodClassId c) const {
    return anti_against_class_[static_cast<size_t>(c)];
  }
  int32_t ClassCountOnNode(PodClassId c, NodeId n) const {
    const auto& v = class_on_node_[static_cast<size_t>(c)];
    return n < v.size() ? v[n] : 0;
  }
  int32_t ClassCountInZone(PodClassId c, int32_t zone) const {
    return class_in_zone_[static_cast<size_t>(c)][static_cast<size_t>(zone)];
  }

  // --- priority classes
  void AddPriorityClass(const PriorityClassSpec& spec) { priority_classes_[spec.name] = spec; }
  // Priority of a class name; empty name -> the global default class or 0.
  int32_t ResolvePriority(const std::string& class_name, bool* preempt_never) const;

  // --- scheduler aggregates: live (bound, not deleting, not finished) pods of
  // a workload on a node / in a zone.
  int32_t CountOnNode(WorkloadId w, NodeId n) const {
    const auto& v = count_on_node_[w];
    return n < v.size() ? v[n] : 0;
  }
  int32_t CountInZone(WorkloadId w, int32_t zone) const {
    return count_in_zone_[w][static_cast<size_t>(zone)];
  }
  // Number of workloads with required anti-affinity against `w` (symmetry check).
  const std::vector<std::pair<WorkloadId, std::string>>& AntiAffinityAgainst(WorkloadId w) const {
    return anti_affinity_against_[w];
  }

 private:
  void CountPod(const Pod& pod, int32_t delta);
  // Owner counters (active / ready / nonterminal) around a pod mutation.
  static uint8_t Flags(const Pod& p);
  void ApplyFlags(const Pod& p, uint8_t before);

  ClusterConfig config_;
  std::vector<std::string> zones_;
  std::vector<Watcher> watchers_;
  void SyncHot(const Node& n);

  std::vector<std::unique_ptr<Node>> nodes_;       // index = id; [0] empty
  std::vector<NodeHot> hot_;                       // index = id
  std::vector<NodeId> live_nodes_;
  std::vector<std::unique_ptr<Workload>> workloads_;
  std::map<std::string, WorkloadId> workload_by_name_;
  std::vector<std::unique_ptr<ReplicaSet>> replica_sets_;
  std::deque<Pod> pods_;                           // index = id; [0] unused; stable refs
  size_t live_pods_ = 0;
  std::vector<Pdb> pdbs_;
  std::vector<std::vector<PdbId>> pdbs_by_workload_;
  std::map<std::string, PriorityClassSpec> priority_classes_;
  std::vector<std::vector<int32_t>> count_on_node_;  // [workload][node]
  std::vector<std::vector<int32_t>> count_in_zone_;  // [workload][zone]
  std::vector<std::vector<std::pair<WorkloadId, std::string>>> anti_affinity_against_;
  std::vector<int32_t> pool_node_counter_;
  // Images.
  struct ImageState {
    int64_t size_bytes = 0;
    int32_t nodes = 0;
  };
  std::vector<ImageState> images_;
  std::map<std::string, int32_t> image_by_name_;
  // Labels and selectors.
  void AddPdbToClass(PdbId pdb, PodClassId c);
  std::vector<PodClass> classes_;                              // index = class id
  std::map<std::pair<WorkloadId, int32_t>, PodClassId> class_by_revision_;
  std::vector<std::vector<int32_t>> class_on_node_;            // [class][node]
  std::vector<std::vector<int32_t>> class_in_zone_;            // [class][zone]
  std::vector<LabelSelector> selectors_;                       // index = selector id
  std::map<std::string, SelectorId> selector_by_key_;
  std::vector<std::vector<PodClassId>> selector_match_;        // [selector] ascending
  std::vector<std::vector<PdbId>> pdbs_by_class_;              // [class]
  // Required anti-affinity terms of every class: (class, selector, key).
  struct AntiTerm {
    PodClassId owner;
    SelectorId selector;
    std::string topology_key;
  };
  std::vector<AntiTerm> anti_terms_;
  std::vector<std::vector<std::pair<PodClassId, std::string>>> anti_against_class_;  // [class]
};

}  // namespace rehearsal::models
