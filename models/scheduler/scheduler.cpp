#include "models/scheduler/scheduler.h"

#include <algorithm>
#include <bit>
#include <tuple>
#include <cmath>

namespace rehearsal::models {

const char* Describe(FilterReason reason) {
  switch (reason) {
    case FilterReason::kNone: return "fit";
    case FilterReason::kNodeNotReady: return "node(s) had untolerated taint {node.kubernetes.io/not-ready}";
    case FilterReason::kUnschedulable: return "node(s) were unschedulable";
    case FilterReason::kNodeName: return "node(s) didn't match the requested node name";
    case FilterReason::kNodeAffinity: return "node(s) didn't match Pod's node affinity/selector";
    case FilterReason::kTaint: return "node(s) had untolerated taint";
    case FilterReason::kVolumeZone: return "node(s) had volume node affinity conflict";
    case FilterReason::kInsufficientCpu: return "Insufficient cpu";
    case FilterReason::kInsufficientMemory: return "Insufficient memory";
    case FilterReason::kTooManyPods: return "Too many pods";
    case FilterReason::kPodAntiAffinity: return "node(s) didn't match pod anti-affinity rules";
    case FilterReason::kPodAffinity: return "node(s) didn't match pod affinity rules";
    case FilterReason::kTopologySpread: return "node(s) didn't match pod topology spread constraints";
    case FilterReason::kCount: break;
  }
  return "?";
}

std::string Diagnosis::ToString() const {
  std::string s = "0/" + std::to_string(nodes) + " nodes are available";
  bool first = true;
  for (size_t i = 1; i < counts.size(); ++i) {
    if (counts[i] == 0) continue;
    s += first ? ": " : ", ";
    first = false;
    s += std::to_string(counts[i]) + " " + Describe(static_cast<FilterReason>(i));
  }
  s += ".";
  if (preemption_started) s += " Preemption started.";
  return s;
}

Scheduler::Scheduler(sim::Simulation& sim, Store& store, const SchedulerConfig& config)
    : sim_(sim),
      store_(store),
      config_(config),
      rng_(sim.Stream("scheduler")),
      kind_cycle_(sim.RegisterKind("scheduler.cycle")),
      kind_flush_(sim.RegisterKind("scheduler.flush")),
      kind_leftover_(sim.RegisterKind("scheduler.leftover")),
      zone_count_(static_cast<int32_t>(store.zones().size())) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

void Scheduler::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kNode) {
    if (e.type != WatchEventType::kDeleted && store_.node(e.id).AcceptsPods()) FlushUnschedulable();
    return;
  }
  if (e.kind != ObjectKind::kPod) return;
  const Pod& p = store_.pod(e.id);
  if (e.type == WatchEventType::kAdded) {
    if (p.node == kNoId && !p.deleting) Enqueue(e.id, sim_.now());
    return;
  }
  if (e.type == WatchEventType::kDeleted) {
    pending_.erase(e.id);
    unschedulable_.erase(e.id);
    ClearNomination(e.id);
    if (p.node != kNoId) FlushUnschedulable();
    return;
  }
  // Modified: a deletion or a finished pod frees room (resources, spread, anti-affinity).
  if (p.node != kNoId && (p.deleting || p.phase == PodPhase::kSucceeded ||
                          p.phase == PodPhase::kFailed)) {
    FlushUnschedulable();
  }
}

void Scheduler::Enqueue(PodId id, sim::Time not_before) {
  const Pod& p = store_.pod(id);
  if (!unschedulable_.empty()) unschedulable_.erase(id);
  if (not_before <= sim_.now()) {
    active_.insert({-p.priority, p.created_at.us, id});
    ScheduleCycle(sim_.now());
  } else {
    backoff_.insert({not_before.us, id});
    ScheduleCycle(not_before);
  }
}

void Scheduler::ScheduleCycle(sim::Time at) {
  if (in_cycle_ && at <= sim_.now()) return;  // the running cycle picks it up
  if (cycle_scheduled_ && cycle_at_ <= at) return;
  if (cycle_scheduled_) sim_.Cancel(cycle_event_);
  cycle_scheduled_ = true;
  cycle_at_ = at;
  cycle_event_ = sim_.Schedule(at, kind_cycle_, 0, [this] {
    cycle_scheduled_ = false;
    cycle_at_ = sim::Time::Max();
    RunCycle();
  });
}

void Scheduler::FlushUnschedulable() {
  if (unschedulable_.empty() || flush_scheduled_) return;
  flush_scheduled_ = true;
  sim_.ScheduleIn(sim::Duration{}, kind_flush_, 0, [this] {
    flush_scheduled_ = false;
    std::vector<PodId> pods(unschedulable_.begin(), unschedulable_.end());
    for (PodId id : pods) {
      const PendingInfo& info = pending_[id];
      // Backoff 1 s doubling to 10 s (spec 5.1) from the last attempt.
      int64_t b = config_.backoff_initial.us;
      for (int32_t i = 1; i < info.attempts && b < config_.backoff_max.us; ++i) b *= 2;
      b = std::min(b, config_.backoff_max.us);
      Enqueue(id, std::max(sim_.now(), info.last_attempt + sim::Duration{b}));
    }
  });
}

void Scheduler::LeftoverFlush() {
  // Unschedulable pods are retried at least every 5 minutes (spec 5.1).
  if (leftover_scheduled_ || unschedulable_.empty()) return;
  leftover_scheduled_ = true;
  sim_.ScheduleIn(sim::Duration::Seconds(30), kind_leftover_, 0, [this] {
    leftover_scheduled_ = false;
    std::vector<PodId> due;
    for (PodId id : unschedulable_)
      if (pending_[id].last_attempt + config_.unschedulable_retry <= sim_.now()) due.push_back(id);
    for (PodId id : due) Enqueue(id, sim_.now());
    LeftoverFlush();
  });
}

void Scheduler::RunCycle() {
  in_cycle_ = true;
  failed_this_cycle_.clear();
  while (!backoff_.empty() && backoff_.begin()->first <= sim_.now().us) {
    PodId id = backoff_.begin()->second;
    backoff_.erase(backoff_.begin());
    const Pod& p = store_.pod(id);
    active_.insert({-p.priority, p.created_at.us, id});
  }
  while (!active_.empty()) {
    PodId id = active_.begin()->pod;
    active_.erase(active_.begin());
    Attempt(id);
  }
  in_cycle_ = false;
  if (!backoff_.empty()) ScheduleCycle(sim::Time{backoff_.begin()->first});
  LeftoverFlush();
}

void Scheduler::ClearNomination(PodId pod) {
  auto it = nominated_.find(pod);
  if (it == nominated_.end()) return;
  auto& list = nominated_on_node_[it->second];
  list.erase(std::remove(list.begin(), list.end(), pod), list.end());
  if (list.empty()) nominated_on_node_.erase(it->second);
  nominated_.erase(it);
}

std::vector<PodId> Scheduler::Unschedulable() const {
  return std::vector<PodId>(unschedulable_.begin(), unschedulable_.end());
}

std::string Scheduler::Explain(PodId pod) const {
  auto it = pending_.find(pod);
  if (it == pending_.end() || it->second.attempts == 0) return "";
  return it->second.diagnosis.ToString();
}

// --- profiles

static std::map<std::string, std::string> GroupLabels(const Store& store, int32_t pool,
                                                      int32_t zone) {
  const NodePoolConfig& pc = store.config().pools[static_cast<size_t>(pool)];
  std::map<std::string, std::string> labels = pc.labels;
  labels[kLabelZone] = store.zones()[static_cast<size_t>(zone)];
  labels[kLabelInstanceType] = pc.instance_type;
  labels[kLabelCapacityType] = pc.capacity_type == CapacityType::kSpot ? "spot" : "on-demand";
  labels[kLabelPool] = pc.name;
  return labels;
}

static bool UsesHostname(const std::vector<NodeSelectorTerm>& terms) {
  for (const auto& t : terms)
    for (const auto& r : t.requirements)
      if (r.key == kLabelHostname) return true;
  return false;
}

static bool Tolerated(const std::vector<Toleration>& tolerations, const Taint& taint) {
  for (const auto& t : tolerations)
    if (t.Tolerates(taint)) return true;
  return false;
}

Scheduler::Profile Scheduler::BuildProfile(const Workload& w, const PodTemplate& t,
                                           PodClassId own_class) const {
  Profile prof;
  int32_t pools = store_.pool_count();
  size_t groups = static_cast<size_t>(pools * zone_count_);
  prof.group_reason.assign(groups, FilterReason::kNone);
  prof.group_preferred_affinity.assign(groups, 0);
  prof.group_prefer_no_schedule.assign(groups, 0);
  prof.per_node_affinity = t.node_selector.count(kLabelHostname) > 0 ||
                           UsesHostname(t.node_affinity_required);
  prof.tolerates_unschedulable =
      w.spec.kind == WorkloadKind::kDaemonSet ||
      Tolerated(t.tolerations, {kTaintUnschedulable, "", TaintEffect::kNoSchedule});
  prof.any_preferred_node_affinity = !t.node_affinity_preferred.empty();
  for (int32_t pool = 0; pool < pools; ++pool) {
    const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(pool)];
    for (int32_t zone = 0; zone < zone_count_; ++zone) {
      size_t g = static_cast<size_t>(pool * zone_count_ + zone);
      auto labels = GroupLabels(store_, pool, zone);
      FilterReason r = FilterReason::kNone;
      for (const auto& t2 : pc.taints) {
        if (t2.effect == TaintEffect::kPreferNoSchedule) {
          if (!Tolerated(t.tolerations, t2)) {
            prof.group_prefer_no_schedule[g] += 1;
            prof.any_prefer_no_schedule = true;
          }
        } else if (r == FilterReason::kNone && !Tolerated(t.tolerations, t2)) {
          r = FilterReason::kTaint;
        }
      }
      if (r == FilterReason::kNone && !prof.per_node_affinity) {
        for (const auto& [k, v] : t.node_selector) {
          auto it = labels.find(k);
          if (it == labels.end() || it->second != v) r = FilterReason::kNodeAffinity;
        }
        if (r == FilterReason::kNone && !t.node_affinity_required.empty()) {
          bool any = false;
          for (const auto& term : t.node_affinity_required) any = any || term.Matches(labels);
          if (!any) r = FilterReason::kNodeAffinity;
        }
      }
      prof.group_reason[g] = r;
      for (const auto& pt : t.node_affinity_preferred)
        if (pt.term.Matches(labels)) prof.group_preferred_affinity[g] += pt.weight;
    }
  }
  auto resolve = [&](const std::vector<PodAffinityTerm>& terms, std::vector<Term>& out) {
    for (const auto& term : terms) {
      Term r;
      r.hostname = term.topology_key == kLabelHostname;
      r.weight = term.weight;
      r.selector = store_.CompileSelector(
          Store::EffectiveSelector(term.selector, term.workloads, w.spec.name));
      r.self = store_.SelectorMatches(r.selector, own_class);
      out.push_back(r);
    }
  };
  resolve(t.pod_anti_affinity_required, prof.anti_required);
  resolve(t.pod_affinity_required, prof.affinity_required);
  resolve(t.pod_affinity_preferred, prof.affinity_preferred);
  resolve(t.pod_anti_affinity_preferred, prof.anti_preferred);
  for (const auto& c : t.topology_spread) {
    Spread s{c.topology_key == kLabelHostname, c.max_skew, c.min_domains};
    if (c.selector) {
      s.selector = store_.CompileSelector(*c.selector);
      s.self_match = store_.SelectorMatches(s.selector, own_class);
    }
    (c.do_not_schedule ? prof.spread_hard : prof.spread_soft).push_back(s);
  }
  if (t.topology_spread.empty() && config_.default_spread_constraints &&
      w.spec.kind != WorkloadKind::kDaemonSet) {
    // System default constraints (spec 6.3): hostname maxSkew 3, zone maxSkew 5.
    prof.spread_soft.push_back({true, 3, 1});
    prof.spread_soft.push_back({false, 5, 1});
  }
  return prof;
}

const Scheduler::Profile& Scheduler::ProfileFor(const Pod& pod) {
  auto key = std::make_pair(pod.workload, pod.revision);
  auto it = profiles_.find(key);
  if (it == profiles_.end())
    it = profiles_.emplace(key, BuildProfile(store_.workload(pod.workload), *pod.tmpl, ClassFor(pod))).first;
  return it->second;
}

PodClassId Scheduler::ClassFor(const Pod& pod) const {
  return pod.pod_class != kNoClass ? pod.pod_class : store_.ClassOf(pod.workload, pod.revision);
}

int64_t Scheduler::SpreadCount(const Pod& pod, const Spread& s, NodeId node, int32_t zone) const {
  if (s.selector < 0)
    return s.hostname ? store_.CountOnNode(pod.workload, node) : store_.CountInZone(pod.workload, zone);
  return s.hostname ? store_.CountMatchingOnNode(s.selector, node)
                    : store_.CountMatchingInZone(s.selector, zone);
}

bool Scheduler::NodeAffinityOk(const Pod& pod, const Profile& prof, const Node& node) const {
  if (!prof.per_node_affinity) return true;
  const PodTemplate& t = *pod.tmpl;
  for (const auto& [k, v] : t.node_selector) {
    auto it = node.labels.find(k);
    if (it == node.labels.end() || it->second != v) return false;
  }
  if (t.node_affinity_required.empty()) return true;
  for (const auto& term : t.node_affinity_required)
    if (term.Matches(node.labels)) return true;
  return false;
}

// --- filtering and scoring

FilterReason Scheduler::Filter(const Pod& pod, const Profile& prof, NodeId id,
                               const std::vector<int64_t>& hard_min) const {
  const NodeHot& node = store_.hot(id);
  if (!node.ready) return FilterReason::kNodeNotReady;
  if (node.blocked) return FilterReason::kUnschedulable;
  if (node.cordoned && !prof.tolerates_unschedulable) return FilterReason::kUnschedulable;
  if (pod.node_pin != kNoId && id != pod.node_pin) return FilterReason::kNodeName;
  FilterReason r = prof.group_reason[static_cast<size_t>(node.pool * zone_count_ + node.zone)];
  if (r != FilterReason::kNone) return r;
  if (prof.per_node_affinity && !NodeAffinityOk(pod, prof, store_.node(id)))
    return FilterReason::kNodeAffinity;
  if (pod.zone_pin >= 0 && node.zone != pod.zone_pin) return FilterReason::kVolumeZone;
  const PodTemplate& t = *pod.tmpl;
  int64_t cpu = node.cpu_requested_millicores, mem = node.memory_requested_bytes;
  int64_t pods = node.pods_count;
  if (!nominated_on_node_.empty()) {
    auto it = nominated_on_node_.find(id);
    if (it != nominated_on_node_.end()) {
      for (PodId other : it->second) {
        const Pod& o = store_.pod(other);
        if (other == pod.id || o.priority < pod.priority) continue;
        cpu += o.tmpl->cpu_request_millicores;
        mem += o.tmpl->memory_request_bytes;
        pods += 1;
      }
    }
  }
  if (cpu + t.cpu_request_millicores > node.cpu_allocatable_millicores)
    return FilterReason::kInsufficientCpu;
  if (mem + t.memory_request_bytes > node.memory_allocatable_bytes)
    return FilterReason::kInsufficientMemory;
  if (pods + 1 > node.pods_allocatable) return FilterReason::kTooManyPods;
  for (const Term& term : prof.anti_required) {
    int32_t c = term.hostname ? store_.CountMatchingOnNode(term.selector, id)
                              : store_.CountMatchingInZone(term.selector, node.zone);
    if (c > 0) return FilterReason::kPodAntiAffinity;
  }
  for (const auto& [owner, key] : store_.AntiAffinityAgainstClass(pod.pod_class)) {
    int32_t c = key == kLabelHostname ? store_.ClassCountOnNode(owner, id)
                                      : store_.ClassCountInZone(owner, node.zone);
    if (c > 0) return FilterReason::kPodAntiAffinity;
  }
  for (const Term& term : prof.affinity_required) {
    int64_t in_domain = term.hostname ? store_.CountMatchingOnNode(term.selector, id)
                                      : store_.CountMatchingInZone(term.selector, node.zone);
    int64_t anywhere = 0;
    for (int32_t z = 0; z < zone_count_; ++z) anywhere += store_.CountMatchingInZone(term.selector, z);
    // The first pod of a self-affine group may go anywhere.
    if (in_domain == 0 && !(anywhere == 0 && term.self)) return FilterReason::kPodAffinity;
  }
  for (size_t i = 0; i < prof.spread_hard.size(); ++i) {
    const Spread& s = prof.spread_hard[i];
    int64_t in_domain = SpreadCount(pod, s, id, node.zone);
    if (!TopologySpreadFits(in_domain, hard_min[2 * i], hard_min[2 * i + 1], s.min_domains,
                            s.max_skew, s.self_match))
      return FilterReason::kTopologySpread;
  }
  return FilterReason::kNone;
}

NodeId Scheduler::Score(const Pod& pod, const Profile& prof) {
  const std::vector<NodeId>& nodes = store_.live_nodes();
  size_t n_nodes = nodes.size();
  Diagnosis& diag = last_diagnosis_;
  diag = Diagnosis{};
  diag.nodes = static_cast<int32_t>(n_nodes);
  feasible_.clear();
  if (n_nodes == 0) return kNoId;
  // Global minimum per hard spread constraint over the nodes that pass the
  // pod's node affinity (and the number of such domains).
  std::vector<int64_t> hard_min(2 * prof.spread_hard.size(), 0);
  for (size_t i = 0; i < prof.spread_hard.size(); ++i) {
    const Spread& s = prof.spread_hard[i];
    int64_t mn = INT64_MAX, domains = 0;
    std::vector<char> zone_seen(static_cast<size_t>(zone_count_), 0);
    for (NodeId id : nodes) {
      const NodeHot& node = store_.hot(id);
      if (!node.ready || node.cordoned ||
          prof.group_reason[static_cast<size_t>(node.pool * zone_count_ + node.zone)] != FilterReason::kNone)
        continue;
      if (prof.per_node_affinity && !NodeAffinityOk(pod, prof, store_.node(id))) continue;
      if (s.hostname) {
        mn = std::min<int64_t>(mn, SpreadCount(pod, s, id, node.zone));
        ++domains;
        // The minimum cannot go below 0; the domain count only matters for minDomains.
        if (mn == 0 && domains >= s.min_domains) break;
      } else if (!zone_seen[static_cast<size_t>(node.zone)]) {
        zone_seen[static_cast<size_t>(node.zone)] = 1;
        mn = std::min<int64_t>(mn, SpreadCount(pod, s, id, node.zone));
        ++domains;
        if (domains == zone_count_) break;  // every zone seen
      }
    }
    hard_min[2 * i] = mn == INT64_MAX ? 0 : mn;
    hard_min[2 * i + 1] = domains;
  }

  size_t to_find = static_cast<size_t>(
      NumFeasibleNodesToFind(static_cast<int64_t>(n_nodes), config_.percentage_of_nodes_to_score));
  if (pod.node_pin != kNoId) {
    if (store_.HasNode(pod.node_pin) && store_.node(pod.node_pin).alive()) {
      FilterReason r = Filter(pod, prof, pod.node_pin, hard_min);
      if (r == FilterReason::kNone) feasible_.push_back({pod.node_pin, Group(store_.node(pod.node_pin))});
      else diag.counts[static_cast<size_t>(r)] += 1;
    }
    diag.counts[static_cast<size_t>(FilterReason::kNodeName)] +=
        static_cast<int32_t>(n_nodes) - 1;
  } else {
    size_t start = next_start_index_ % n_nodes;
    size_t processed = 0;
    for (; processed < n_nodes && feasible_.size() < to_find; ++processed) {
      size_t idx = start + processed;
      if (idx >= n_nodes) idx -= n_nodes;
      NodeId id = nodes[idx];
      FilterReason r = Filter(pod, prof, id, hard_min);
      if (r == FilterReason::kNone) {
        const NodeHot& h = store_.hot(id);
        feasible_.push_back({id, h.pool * zone_count_ + h.zone});
      } else {
        diag.counts[static_cast<size_t>(r)] += 1;
      }
    }
    next_start_index_ = (start + processed) % n_nodes;
  }
  if (feasible_.empty()) return kNoId;
  if (feasible_.size() == 1) return feasible_[0].node;

  size_t n = feasible_.size();
  const PodTemplate& t = *pod.tmpl;
  scores_.assign(n, 0);
  // NodeResourcesFit + BalancedAllocation.
  for (size_t i = 0; i < n; ++i) {
    const NodeHot& node = store_.hot(feasible_[i].node);
    int64_t cpu = node.cpu_requested_millicores + t.cpu_request_millicores;
    int64_t mem = node.memory_requested_bytes + t.memory_request_bytes;
    scores_[i] = weights_.resources_fit *
                     ResourcesFitScore(config_.scoring, cpu, node.cpu_allocatable_millicores, mem,
                                       node.memory_allocatable_bytes) +
                 weights_.balanced_allocation *
                     BalancedAllocationScore(cpu, node.cpu_allocatable_millicores, mem,
                                             node.memory_allocatable_bytes);
  }
  // PodTopologySpread (ScheduleAnyway constraints or the system defaults).
  if (!prof.spread_soft.empty()) {
    uint64_t zone_mask = 0;
    for (size_t i = 0; i < n; ++i) zone_mask |= 1ULL << (store_.hot(feasible_[i].node).zone & 63);
    int64_t zones = std::popcount(zone_mask);
    std::vector<int64_t>& raw = spread_raw_;
    raw.assign(n, 0);
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    // ln(domains + 2) per constraint, computed once per pod.
    double weights[8];
    size_t nc = std::min<size_t>(prof.spread_soft.size(), 8);
    for (size_t k = 0; k < nc; ++k)
      weights[k] = TopologyNormalizingWeight(prof.spread_soft[k].hostname ? static_cast<int64_t>(n) : zones);
    for (size_t i = 0; i < n; ++i) {
      NodeId id = feasible_[i].node;
      int32_t zone = store_.hot(id).zone;
      double s = 0;
      for (size_t k = 0; k < nc; ++k) {
        const Spread& c = prof.spread_soft[k];
        int64_t cnt = SpreadCount(pod, c, id, zone);
        s += TopologyRawScore(cnt, weights[k], c.max_skew);
      }
      raw[i] = static_cast<int64_t>(s + 0.5);  // s >= 0: round half up
      mn = std::min(mn, raw[i]);
      mx = std::max(mx, raw[i]);
    }
    for (size_t i = 0; i < n; ++i)
      scores_[i] += weights_.topology_spread * TopologyNormalizedScore(raw[i], mn, mx);
  } else {
    for (size_t i = 0; i < n; ++i) scores_[i] += weights_.topology_spread * kMaxNodeScore;
  }
  // InterPodAffinity (preferred terms).
  if (!prof.affinity_preferred.empty() || !prof.anti_preferred.empty()) {
    affinity_raw_.assign(n, 0);
    int64_t mn = INT64_MAX, mx = INT64_MIN;
    for (size_t i = 0; i < n; ++i) {
      NodeId id = feasible_[i].node;
      int32_t zone = store_.hot(id).zone;
      int64_t s = 0;
      for (const Term& term : prof.affinity_preferred)
        s += term.weight * (term.hostname ? store_.CountMatchingOnNode(term.selector, id)
                                          : store_.CountMatchingInZone(term.selector, zone));
      for (const Term& term : prof.anti_preferred)
        s -= term.weight * (term.hostname ? store_.CountMatchingOnNode(term.selector, id)
                                          : store_.CountMatchingInZone(term.selector, zone));
      affinity_raw_[i] = s;
      mn = std::min(mn, s);
      mx = std::max(mx, s);
    }
    for (size_t i = 0; i < n; ++i)
      scores_[i] += weights_.inter_pod_affinity * MinMaxNormalizedScore(affinity_raw_[i], mn, mx);
  }
  // TaintToleration (PreferNoSchedule) and NodeAffinity (preferred), per group.
  if (prof.any_prefer_no_schedule || prof.any_preferred_node_affinity) {
    int64_t max_taints = 0, max_aff = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t g = static_cast<size_t>(feasible_[i].group);
      max_taints = std::max<int64_t>(max_taints, prof.group_prefer_no_schedule[g]);
      max_aff = std::max<int64_t>(max_aff, prof.group_preferred_affinity[g]);
    }
    for (size_t i = 0; i < n; ++i) {
      size_t g = static_cast<size_t>(feasible_[i].group);
      scores_[i] += weights_.taint_toleration *
                        TaintTolerationScore(prof.group_prefer_no_schedule[g], max_taints) +
                    weights_.node_affinity *
                        NodeAffinityScore(prof.group_preferred_affinity[g], max_aff);
    }
  } else {
    for (size_t i = 0; i < n; ++i) scores_[i] += weights_.taint_toleration * kMaxNodeScore;
  }
  // ImageLocality: only pods that declare images can score above 0.
  const PodClass& cls = store_.pod_class(ClassFor(pod));
  if (!cls.images.empty()) {
    const auto total_nodes = static_cast<int64_t>(store_.live_nodes().size());
    const auto containers = static_cast<int64_t>(cls.images.size());
    for (size_t i = 0; i < n; ++i) {
      const std::vector<int32_t>& on_node = store_.node(feasible_[i].node).images;
      if (on_node.empty()) continue;
      int64_t sum = 0;
      for (int32_t image : cls.images)
        if (std::binary_search(on_node.begin(), on_node.end(), image))
          sum += ScaledImageScore(store_.image_size_bytes(image), store_.image_node_count(image),
                                  total_nodes);
      scores_[i] += weights_.image_locality * ImageLocalityScore(sum, containers);
    }
  }
  // selectHost: the best score, ties broken uniformly at random (reservoir).
  size_t best = 0;
  int64_t ties = 1;
  for (size_t i = 1; i < n; ++i) {
    if (scores_[i] > scores_[best]) {
      best = i;
      ties = 1;
    } else if (scores_[i] == scores_[best]) {
      ++ties;
      if (rng_.Below(static_cast<uint64_t>(ties)) == 0) best = i;
    }
  }
  return feasible_[best].node;
}

bool Scheduler::Attempt(PodId id) {
  const Pod& p = store_.pod(id);
  if (!p.alive || p.deleting || p.node != kNoId || p.phase != PodPhase::kPending) {
    pending_.erase(id);
    unschedulable_.erase(id);
    return false;
  }
  ++attempts_;
  const Profile& prof = ProfileFor(p);
  auto key = std::make_pair(p.workload, p.revision);
  NodeId chosen = kNoId;
  bool cached_failure = prof.affinity_required.empty() && failed_this_cycle_.count(key) > 0;
  if (!cached_failure) chosen = Score(p, prof);
  if (chosen != kNoId) {
    store_.Bind(id, chosen, sim_.now());
    sim_.MixDigest(id * 0x9E3779B97F4A7C15ULL ^ chosen);
    ++binds_;
    if (!nominated_.empty()) ClearNomination(id);
    if (!pending_.empty()) pending_.erase(id);
    if (!unschedulable_.empty()) unschedulable_.erase(id);
    return true;
  }
  PendingInfo& info = pending_[id];
  if (!cached_failure) info.diagnosis = last_diagnosis_;
  bool first_failure = info.attempts == 0;
  info.attempts += 1;
  info.last_attempt = sim_.now();
  if (cached_failure) {
    // An identical pod failed earlier in this cycle and nothing was freed
    // since: reuse its diagnosis (equivalence cache).
    info.diagnosis = failed_this_cycle_[key];
  } else {
    failed_this_cycle_[key] = info.diagnosis;
    bool waiting = false;  // victims of an earlier preemption still terminating
    auto nom = nominated_.find(id);
    if (nom != nominated_.end() && store_.node(nom->second).alive()) {
      for (PodId v : store_.node(nom->second).pods)
        waiting = waiting || (store_.pod(v).deleting && store_.pod(v).priority < p.priority);
    }
    if (!waiting) ClearNomination(id);
    if (!waiting && config_.preemption && p.priority > 0 &&
        !store_.workload(p.workload).preempt_never) {
      if (Preempt(id, prof)) info.diagnosis.preemption_started = true;
    }
  }
  unschedulable_.insert(id);
  if (first_failure) {
    sim_.recorder().Log(sim_.now(), "FailedScheduling", "pod/" + store_.PodName(id),
                        info.diagnosis.ToString());
  }
  return false;
}

// --- preemption (spec 6.4)

bool Scheduler::Preempt(PodId id, const Profile& prof) {
  const Pod& pod = store_.pod(id);
  const PodTemplate& t = *pod.tmpl;
  const auto& nodes = store_.live_nodes();
  size_t max_candidates = std::max<size_t>(100, nodes.size() / 10);
  struct Best {
    NodeId node = kNoId;
    std::vector<PodId> victims;
    int64_t pdb_violations = 0, max_priority = 0, sum_priority = 0;
    int64_t latest_start_us = 0;
  } best;
  size_t candidates = 0;
  std::vector<PodId> lower;
  for (NodeId nid : nodes) {
    if (candidates >= max_candidates) break;
    const Node& node = store_.node(nid);
    if (!node.AcceptsPods() || node.spot_notice || node.deleting || node.heartbeat_lost) continue;
    if (pod.node_pin != kNoId && nid != pod.node_pin) continue;
    if (prof.group_reason[static_cast<size_t>(Group(node))] != FilterReason::kNone) continue;
    if (!NodeAffinityOk(pod, prof, node)) continue;
    if (pod.zone_pin >= 0 && node.zone != pod.zone_pin) continue;
    lower.clear();
    int64_t cpu = node.cpu_requested_millicores, mem = node.memory_requested_bytes;
    int64_t pods = node.pods_count;
    for (PodId v : node.pods) {
      const Pod& vp = store_.pod(v);
      if (!vp.Active() || vp.priority >= pod.priority) continue;
      lower.push_back(v);
      cpu -= vp.tmpl->cpu_request_millicores;
      mem -= vp.tmpl->memory_request_bytes;
      pods -= 1;
    }
    if (lower.empty()) continue;
    auto fits = [&](int64_t c, int64_t m, int64_t k) {
      return c + t.cpu_request_millicores <= node.cpu_allocatable_millicores &&
             m + t.memory_request_bytes <= node.memory_allocatable_bytes &&
             k + 1 <= node.pods_allocatable;
    };
    if (!fits(cpu, mem, pods)) continue;
    ++candidates;
    // Reprieve: add back as many victims as possible, PDB-protected ones first,
    // highest priority first within each group.
    std::vector<std::pair<bool, PodId>> order;
    for (PodId v : lower) order.push_back({pdb_check_ ? pdb_check_(v) : false, v});
    std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
      if (a.first != b.first) return a.first;  // violating first (reprieved first)
      const Pod& pa = store_.pod(a.second);
      const Pod& pb = store_.pod(b.second);
      if (pa.priority != pb.priority) return pa.priority > pb.priority;
      return a.second < b.second;
    });
    std::vector<PodId> victims;
    int64_t violations = 0, max_pri = INT64_MIN, sum_pri = 0, latest = INT64_MIN;
    for (const auto& [violates, v] : order) {
      const Pod& vp = store_.pod(v);
      int64_t c2 = cpu + vp.tmpl->cpu_request_millicores;
      int64_t m2 = mem + vp.tmpl->memory_request_bytes;
      if (fits(c2, m2, pods + 1)) {
        cpu = c2;
        mem = m2;
        pods += 1;
        continue;
      }
      victims.push_back(v);
      violations += violates ? 1 : 0;
      sum_pri += vp.priority;
      if (vp.priority > max_pri) {
        max_pri = vp.priority;
        latest = vp.started_at.us;
      } else if (vp.priority == max_pri) {
        latest = std::max(latest, vp.started_at.us);
      }
    }
    if (victims.empty()) continue;
    bool better = best.node == kNoId;
    if (!better) {
      auto a = std::make_tuple(violations, max_pri, sum_pri, static_cast<int64_t>(victims.size()), -latest);
      auto b = std::make_tuple(best.pdb_violations, best.max_priority, best.sum_priority,
                               static_cast<int64_t>(best.victims.size()), -best.latest_start_us);
      better = a < b;
    }
    if (better) {
      best.node = nid;
      best.victims = victims;
      best.pdb_violations = violations;
      best.max_priority = max_pri;
      best.sum_priority = sum_pri;
      best.latest_start_us = latest;
    }
  }
  if (best.node == kNoId) return false;
  nominated_[id] = best.node;
  nominated_on_node_[best.node].push_back(id);
  for (PodId v : best.victims) {
    ++preemptions_;
    store_.mutable_pod(v).evicted = true;
    sim_.recorder().Log(sim_.now(), "Preempted", "pod/" + store_.PodName(v),
                        "Preempted by pod " + store_.PodName(id) + " on node " +
                            store_.node(best.node).name);
    store_.MarkDeleting(v, sim_.now());
  }
  return true;
}

bool Scheduler::FitsNewNode(const Pod& pod, int32_t pool, int32_t zone) const {
  RH_ASSERT(pool >= 0 && pool < store_.pool_count());
  const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(pool)];
  const PodTemplate& t = *pod.tmpl;
  if (pod.node_pin != kNoId) return false;
  if (t.cpu_request_millicores > pc.cpu_millicores || t.memory_request_bytes > pc.memory_bytes ||
      pc.pods_max < 1)
    return false;
  auto it = profiles_.find({pod.workload, pod.revision});
  Profile local;
  const Profile* prof = nullptr;
  if (it != profiles_.end()) {
    prof = &it->second;
  } else {
    local = BuildProfile(store_.workload(pod.workload), t, ClassFor(pod));
    prof = &local;
  }
  for (int32_t z = 0; z < zone_count_; ++z) {
    if (zone >= 0 && z != zone) continue;
    if (!pc.zones.empty() &&
        std::find(pc.zones.begin(), pc.zones.end(), store_.zones()[static_cast<size_t>(z)]) ==
            pc.zones.end())
      continue;
    if (pod.zone_pin >= 0 && z != pod.zone_pin) continue;
    if (prof->group_reason[static_cast<size_t>(pool * zone_count_ + z)] != FilterReason::kNone)
      continue;
    bool zone_conflict = false;
    for (const Term& term : prof->anti_required)
      if (!term.hostname)
        zone_conflict = zone_conflict || store_.CountMatchingInZone(term.selector, z) > 0;
    if (!zone_conflict) return true;
  }
  return false;
}

}  // namespace rehearsal::models
