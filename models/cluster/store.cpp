#include "models/cluster/store.h"

#include <algorithm>
#include <cmath>

namespace rehearsal::models {

double SpotHazardPerHour(double monthly_probability) {
  RH_ASSERT(monthly_probability >= 0 && monthly_probability < 1);
  return -std::log(1.0 - monthly_probability) / 720.0;
}

Store::Store(const ClusterConfig& config) : config_(config), zones_(config.zones) {
  nodes_.emplace_back();
  hot_.emplace_back();
  workloads_.emplace_back();
  replica_sets_.emplace_back();
  pods_.emplace_back();
  pdbs_by_workload_.emplace_back();
  count_on_node_.emplace_back();
  count_in_zone_.emplace_back();
  anti_affinity_against_.emplace_back();
  pool_node_counter_.assign(config_.pools.size(), 0);
}

int32_t Store::ZoneIndex(const std::string& zone) const {
  for (size_t i = 0; i < zones_.size(); ++i)
    if (zones_[i] == zone) return static_cast<int32_t>(i);
  return -1;
}

void Store::SyncHot(const Node& n) {
  NodeHot& h = hot_[n.id];
  h.cpu_requested_millicores = n.cpu_requested_millicores;
  h.cpu_allocatable_millicores = n.cpu_allocatable_millicores;
  h.memory_requested_bytes = n.memory_requested_bytes;
  h.memory_allocatable_bytes = n.memory_allocatable_bytes;
  h.pods_count = n.pods_count;
  h.pods_allocatable = n.pods_allocatable;
  h.zone = n.zone;
  h.pool = n.pool;
  h.ready = n.state == NodeState::kReady && !n.heartbeat_lost;
  h.blocked = n.spot_notice || n.deleting;
  h.cordoned = n.unschedulable;
  h.not_ready = n.state == NodeState::kNotReady;
}

void Store::Notify(ObjectKind kind, uint64_t id, WatchEventType type) {
  if (kind == ObjectKind::kNode) SyncHot(*nodes_[id]);
  WatchEvent event{kind, id, type};
  for (const auto& w : watchers_) w(event);
}

Node& Store::AddNode(int32_t pool, int32_t zone, sim::Time now) {
  RH_ASSERT(pool >= 0 && pool < pool_count());
  RH_ASSERT(zone >= 0 && zone < static_cast<int32_t>(zones_.size()));
  const NodePoolConfig& pc = config_.pools[static_cast<size_t>(pool)];
  auto node = std::make_unique<Node>();
  node->id = nodes_.size();
  node->name = pc.name + "-" + std::to_string(pool_node_counter_[static_cast<size_t>(pool)]++);
  node->pool = pool;
  node->zone = zone;
  node->cpu_allocatable_millicores = pc.cpu_millicores;
  node->memory_allocatable_bytes = pc.memory_bytes;
  node->pods_allocatable = pc.pods_max;
  node->created_at = now;
  node->labels = pc.labels;
  node->labels[kLabelHostname] = node->name;
  node->labels[kLabelZone] = zones_[static_cast<size_t>(zone)];
  node->labels[kLabelInstanceType] = pc.instance_type;
  node->labels[kLabelCapacityType] = pc.capacity_type == CapacityType::kSpot ? "spot" : "on-demand";
  node->labels[kLabelPool] = pc.name;
  NodeId id = node->id;
  nodes_.push_back(std::move(node));
  hot_.emplace_back();
  live_nodes_.push_back(id);  // ids grow, so live_nodes_ stays sorted
  Notify(ObjectKind::kNode, id, WatchEventType::kAdded);
  return *nodes_[id];
}

void Store::TerminateNode(NodeId id, sim::Time now) {
  Node& n = mutable_node(id);
  RH_ASSERT(n.alive());
  RH_ASSERT(n.pods.empty());
  n.state = NodeState::kTerminated;
  n.terminated_at = now;
  for (int32_t image : n.images) images_[static_cast<size_t>(image)].nodes -= 1;
  n.images.clear();
  auto it = std::lower_bound(live_nodes_.begin(), live_nodes_.end(), id);
  RH_ASSERT(it != live_nodes_.end() && *it == id);
  live_nodes_.erase(it);
  Notify(ObjectKind::kNode, id, WatchEventType::kDeleted);
}

WorkloadId Store::AddWorkload(const WorkloadSpec& spec, int32_t priority, bool preempt_never) {
  RH_ASSERT(!spec.name.empty());
  RH_ASSERT(workload_by_name_.count(spec.name) == 0);
  auto w = std::make_unique<Workload>();
  w->id = workloads_.size();
  w->spec = spec;
  w->revisions.push_back(spec.pod);
  w->priority = priority;
  w->preempt_never = preempt_never;
  WorkloadId id = w->id;
  workload_by_name_[spec.name] = id;
  workloads_.push_back(std::move(w));
  pdbs_by_workload_.emplace_back();
  count_on_node_.emplace_back();
  count_in_zone_.emplace_back(zones_.size(), 0);
  anti_affinity_against_.emplace_back();
  // Symmetric required anti-affinity: record, for every selected workload,
  // that pods of `id` repel it within the term's topology.
  for (const auto& term : spec.pod.pod_anti_affinity_required) {
    if (term.workloads.empty()) {
      anti_affinity_against_[id].emplace_back(id, term.topology_key);
    }
    for (const auto& name : term.workloads) {
      WorkloadId other = FindWorkload(name);
      if (other != kNoId) anti_affinity_against_[other].emplace_back(id, term.topology_key);
    }
  }
  // Earlier workloads whose terms name this one by name.
  for (WorkloadId o = 1; o < id; ++o) {
    for (const auto& term : workloads_[o]->spec.pod.pod_anti_affinity_required)
      for (const auto& name : term.workloads)
        if (name == spec.name) anti_affinity_against_[id].emplace_back(o, term.topology_key);
  }
  ClassOf(id, 0);  // PDBs and selectors see the workload before its first pod
  Notify(ObjectKind::kWorkload, id, WatchEventType::kAdded);
  return id;
}

WorkloadId Store::FindWorkload(const std::string& name) const {
  auto it = workload_by_name_.find(name);
  return it == workload_by_name_.end() ? kNoId : it->second;
}

ReplicaSetId Store::AddReplicaSet(WorkloadId workload, int32_t revision, sim::Time now) {
  auto rs = std::make_unique<ReplicaSet>();
  rs->id = replica_sets_.size();
  rs->workload = workload;
  rs->revision = revision;
  rs->created_at = now;
  ReplicaSetId id = rs->id;
  replica_sets_.push_back(std::move(rs));
  mutable_workload(workload).replica_sets.push_back(id);
  Notify(ObjectKind::kReplicaSet, id, WatchEventType::kAdded);
  return id;
}

void Store::DeleteReplicaSet(ReplicaSetId id) {
  ReplicaSet& rs = *replica_sets_[id];
  RH_ASSERT(rs.alive && rs.pods.empty());
  rs.alive = false;
  auto& list = mutable_workload(rs.workload).replica_sets;
  list.erase(std::find(list.begin(), list.end(), id));
  Notify(ObjectKind::kReplicaSet, id, WatchEventType::kDeleted);
}

Pod& Store::CreatePod(WorkloadId workload, ReplicaSetId rs, int32_t revision, int32_t ordinal,
                      sim::Time now) {
  Workload& w = mutable_workload(workload);
  RH_ASSERT(revision >= 0 && revision < static_cast<int32_t>(w.revisions.size()));
  Pod& p = pods_.emplace_back();
  p.id = pods_.size() - 1;
  p.workload = workload;
  p.replica_set = rs;
  p.ordinal = ordinal;
  p.revision = revision;
  p.pod_class = ClassOf(workload, revision);
  p.tmpl = &w.revisions[static_cast<size_t>(revision)];
  p.priority = w.priority;
  p.created_at = now;
  w.pods.insert(p.id);
  if (rs != kNoId) replica_sets_[rs]->pods.insert(p.id);
  ++live_pods_;
  ++w.next_pod_suffix;
  ApplyFlags(p, 0);
  Notify(ObjectKind::kPod, p.id, WatchEventType::kAdded);
  return pods_[p.id];
}

uint8_t Store::Flags(const Pod& p) {
  bool terminal = p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed;
  bool active = p.alive && !p.deleting && !terminal;
  return static_cast<uint8_t>((active ? 1 : 0) | (active && p.ready ? 2 : 0) |
                              (p.alive && !terminal ? 4 : 0));
}

void Store::ApplyFlags(const Pod& p, uint8_t before) {
  uint8_t after = Flags(p);
  if (after == before) return;
  auto d = [&](int bit) {
    return static_cast<int32_t>((after >> bit) & 1) - static_cast<int32_t>((before >> bit) & 1);
  };
  Workload& w = *workloads_[p.workload];
  w.active_pods += d(0);
  w.ready_pods += d(1);
  w.nonterminal_pods += d(2);
  if (p.replica_set != kNoId) {
    ReplicaSet& rs = *replica_sets_[p.replica_set];
    rs.active_pods += d(0);
    rs.ready_pods += d(1);
  }
  PodClass& cls = classes_[static_cast<size_t>(p.pod_class)];
  cls.ready_pods += d(1);
  cls.nonterminal_pods += d(2);
  RH_ASSERT(w.active_pods >= 0 && w.ready_pods >= 0 && w.nonterminal_pods >= 0);
}

void Store::SetReady(PodId id, bool ready, sim::Time now) {
  Pod& p = mutable_pod(id);
  if (p.ready == ready) return;
  uint8_t before = Flags(p);
  p.ready = ready;
  p.ready_since = ready ? now : sim::Time::Max();
  ApplyFlags(p, before);
}

void Store::CountPod(const Pod& p, int32_t delta) {
  auto& v = count_on_node_[p.workload];
  if (v.size() <= p.node) v.resize(std::max<size_t>(p.node + 1, nodes_.size()), 0);
  v[p.node] += delta;
  const auto zone = static_cast<size_t>(mutable_node(p.node).zone);
  count_in_zone_[p.workload][zone] += delta;
  RH_ASSERT(v[p.node] >= 0);
  auto& cv = class_on_node_[static_cast<size_t>(p.pod_class)];
  if (cv.size() <= p.node) cv.resize(std::max<size_t>(p.node + 1, nodes_.size()), 0);
  cv[p.node] += delta;
  class_in_zone_[static_cast<size_t>(p.pod_class)][zone] += delta;
}

void Store::Bind(PodId id, NodeId node_id, sim::Time now) {
  Pod& p = mutable_pod(id);
  Node& n = mutable_node(node_id);
  RH_ASSERT(p.alive && p.node == kNoId && n.alive());
  p.node = node_id;
  p.scheduled_at = now;
  if (p.zone_pin < 0 && workload(p.workload).spec.kind == WorkloadKind::kStatefulSet)
    p.zone_pin = n.zone;  // the PersistentVolume is now provisioned in this zone
  n.cpu_requested_millicores += p.tmpl->cpu_request_millicores;
  n.memory_requested_bytes += p.tmpl->memory_request_bytes;
  n.pods_count += 1;
  n.pods.insert(id);
  SyncHot(n);
  if (!p.deleting) CountPod(p, +1);
  if (!p.tmpl->images.empty()) {
    // The kubelet pulls the pod's images: the node reports them from now on.
    for (int32_t image : classes_[static_cast<size_t>(p.pod_class)].images) {
      auto it = std::lower_bound(n.images.begin(), n.images.end(), image);
      if (it != n.images.end() && *it == image) continue;
      n.images.insert(it, image);
      images_[static_cast<size_t>(image)].nodes += 1;
    }
  }
  Notify(ObjectKind::kPod, id);
}

void Store::MarkDeleting(PodId id, sim::Time now) {
  Pod& p = mutable_pod(id);
  if (!p.alive || p.deleting) return;
  uint8_t before = Flags(p);
  p.deleting = true;
  p.deletion_at = now;
  if (p.node != kNoId && p.phase != PodPhase::kSucceeded && p.phase != PodPhase::kFailed)
    CountPod(p, -1);
  ApplyFlags(p, before);
  Notify(ObjectKind::kPod, id);
}

void Store::SetTerminalPhase(PodId id, PodPhase phase) {
  RH_ASSERT(phase == PodPhase::kSucceeded || phase == PodPhase::kFailed);
  Pod& p = mutable_pod(id);
  RH_ASSERT(p.alive);
  if (p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed) return;
  uint8_t before = Flags(p);
  if (p.node != kNoId) {
    Node& n = mutable_node(p.node);
    n.cpu_requested_millicores -= p.tmpl->cpu_request_millicores;
    n.memory_requested_bytes -= p.tmpl->memory_request_bytes;
    n.pods_count -= 1;
    SyncHot(n);
    if (!p.deleting) CountPod(p, -1);
  }
  p.phase = phase;
  p.ready = false;
  p.started = false;
  ApplyFlags(p, before);
  Notify(ObjectKind::kPod, id);
}

void Store::RemovePod(PodId id) {
  Pod& p = mutable_pod(id);
  RH_ASSERT(p.alive);
  uint8_t before = Flags(p);
  bool terminal = p.phase == PodPhase::kSucceeded || p.phase == PodPhase::kFailed;
  if (p.node != kNoId) {
    Node& n = mutable_node(p.node);
    if (!terminal) {
      n.cpu_requested_millicores -= p.tmpl->cpu_request_millicores;
      n.memory_requested_bytes -= p.tmpl->memory_request_bytes;
      n.pods_count -= 1;
      SyncHot(n);
      if (!p.deleting) CountPod(p, -1);
    }
    n.pods.erase(id);
  }
  p.alive = false;
  p.ready = false;
  p.started = false;
  ApplyFlags(p, before);
  mutable_workload(p.workload).pods.erase(id);
  if (p.replica_set != kNoId) replica_sets_[p.replica_set]->pods.erase(id);
  --live_pods_;
  Notify(ObjectKind::kPod, id, WatchEventType::kDeleted);
}

std::string Store::PodName(PodId id) const {
  const Pod& p = pod(id);
  const Workload& w = workload(p.workload);
  if (w.spec.kind == WorkloadKind::kStatefulSet) return w.spec.name + "-" + std::to_string(p.ordinal);
  return w.spec.name + "-" + w.revisions[static_cast<size_t>(p.revision)].version + "-" +
         std::to_string(id);
}

PdbId Store::AddPdb(const PdbSpec& spec) {
  Pdb pdb;
  pdb.id = pdbs_.size() + 1;
  pdb.spec = spec;
  // No selector and no names: a selector that matches no pod (a workload name
  // is never empty).
  pdb.selector = CompileSelector(EffectiveSelector(spec.selector, spec.workloads, ""));
  PdbId id = pdb.id;
  SelectorId sel = pdb.selector;
  pdbs_.push_back(std::move(pdb));
  for (PodClassId c : selector_match_[static_cast<size_t>(sel)]) AddPdbToClass(id, c);
  Notify(ObjectKind::kPdb, id, WatchEventType::kAdded);
  return id;
}

void Store::AddPdbToClass(PdbId id, PodClassId c) {
  auto insert_sorted = [](auto& v, auto x) {
    auto it = std::lower_bound(v.begin(), v.end(), x);
    if (it == v.end() || *it != x) v.insert(it, x);
  };
  insert_sorted(pdbs_by_class_[static_cast<size_t>(c)], id);
  const WorkloadId w = classes_[static_cast<size_t>(c)].workload;
  insert_sorted(pdbs_[id - 1].selects, w);
  insert_sorted(pdbs_by_workload_[w], id);
}

const std::vector<PdbId>& Store::PdbsForWorkload(WorkloadId id) const {
  return pdbs_by_workload_[id];
}

int32_t Store::ImageId(const std::string& normalized_name, int64_t size_bytes) {
  auto it = image_by_name_.find(normalized_name);
  if (it != image_by_name_.end()) return it->second;
  const auto id = static_cast<int32_t>(images_.size());
  images_.push_back({size_bytes, 0});
  image_by_name_.emplace(normalized_name, id);
  return id;
}

LabelSelector Store::EffectiveSelector(const std::optional<LabelSelector>& selector,
                                       const std::vector<std::string>& workloads,
                                       const std::string& own_workload) {
  if (selector) return *selector;
  if (workloads.empty()) return LabelSelector::ForWorkloads({own_workload});
  return LabelSelector::ForWorkloads(workloads);
}

SelectorId Store::CompileSelector(const LabelSelector& selector) {
  RH_ASSERT(selector.Validate().empty());
  std::string key = selector.Key();
  auto it = selector_by_key_.find(key);
  if (it != selector_by_key_.end()) return it->second;
  const auto id = static_cast<SelectorId>(selectors_.size());
  selectors_.push_back(selector);
  selector_by_key_.emplace(std::move(key), id);
  auto& match = selector_match_.emplace_back();
  for (size_t c = 0; c < classes_.size(); ++c)
    if (selector.Matches(classes_[c].labels)) match.push_back(static_cast<PodClassId>(c));
  return id;
}

PodClassId Store::ClassOf(WorkloadId w, int32_t revision) {
  auto key = std::make_pair(w, revision);
  auto it = class_by_revision_.find(key);
  if (it != class_by_revision_.end()) return it->second;
  const Workload& wl = workload(w);
  const PodTemplate& t = wl.revisions[static_cast<size_t>(revision)];
  const auto c = static_cast<PodClassId>(classes_.size());
  class_by_revision_.emplace(key, c);
  PodClass& cls = classes_.emplace_back();
  cls.workload = w;
  cls.revision = revision;
  cls.labels = t.labels;
  cls.labels[kLabelWorkload] = wl.spec.name;
  cls.labels.emplace(kLabelApp, wl.spec.name);  // unless the template sets app
  for (const ContainerImage& image : t.images)
    cls.images.push_back(ImageId(NormalizedImageName(image.name), image.size_bytes));
  class_on_node_.emplace_back();
  class_in_zone_.emplace_back(zones_.size(), 0);
  pdbs_by_class_.emplace_back();
  anti_against_class_.emplace_back();
  const auto labels = cls.labels;  // classes_ may grow below
  // Every selector compiled so far, evaluated once for this class.
  const size_t existing = selectors_.size();
  for (size_t s = 0; s < existing; ++s)
    if (selectors_[s].Matches(labels)) selector_match_[s].push_back(c);
  for (const Pdb& pdb : pdbs_)
    if (SelectorMatches(pdb.selector, c)) AddPdbToClass(pdb.id, c);
  // Symmetric anti-affinity: earlier classes' terms that select this class ...
  for (const AntiTerm& term : anti_terms_)
    if (SelectorMatches(term.selector, c))
      anti_against_class_[static_cast<size_t>(c)].emplace_back(term.owner, term.topology_key);
  // ... and this class's terms against every class (itself included).
  for (const auto& term : t.pod_anti_affinity_required) {
    SelectorId sel = CompileSelector(EffectiveSelector(term.selector, term.workloads, wl.spec.name));
    anti_terms_.push_back({c, sel, term.topology_key});
    for (PodClassId other : selector_match_[static_cast<size_t>(sel)])
      anti_against_class_[static_cast<size_t>(other)].emplace_back(c, term.topology_key);
  }
  return c;
}

int32_t Store::ResolvePriority(const std::string& class_name, bool* preempt_never) const {
  if (preempt_never) *preempt_never = false;
  if (class_name.empty()) {
    for (const auto& [name, pc] : priority_classes_)
      if (pc.global_default) {
        if (preempt_never) *preempt_never = pc.preempt_never;
        return pc.value;
      }
    return 0;
  }
  auto it = priority_classes_.find(class_name);
  if (it == priority_classes_.end()) return 0;
  if (preempt_never) *preempt_never = it->second.preempt_never;
  return it->second.value;
}

}  // namespace rehearsal::models
