#include "models/autoscaling/move_check.h"

#include <algorithm>
#include <limits>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {
namespace {

bool Counted(const Pod& p) {
  return p.alive && !p.deleting && p.phase != PodPhase::kSucceeded && p.phase != PodPhase::kFailed;
}

bool Tolerated(const std::vector<Toleration>& tolerations, const Taint& taint) {
  for (const auto& t : tolerations)
    if (t.Tolerates(taint)) return true;
  return false;
}

// The labels pods of a workload's current template carry (workload_spec.h:
// template labels + rehearsal.io/workload, + app unless set).
std::map<std::string, std::string> TemplateLabels(const Workload& w) {
  std::map<std::string, std::string> labels = w.spec.pod.labels;
  labels[kLabelWorkload] = w.spec.name;
  labels.emplace(kLabelApp, w.spec.name);
  return labels;
}

}  // namespace

MoveCheck::MoveCheck(const Store& store, std::vector<NodeId> targets)
    : store_(store), targets_(std::move(targets)) {
  zone_has_target_.assign(store_.zones().size(), 0);
  free_.reserve(targets_.size());
  for (NodeId id : targets_) {
    const NodeHot& n = store_.hot(id);  // the same figures, densely packed
    free_.push_back({n.cpu_allocatable_millicores - n.cpu_requested_millicores,
                     n.memory_allocatable_bytes - n.memory_requested_bytes,
                     n.pods_allocatable - n.pods_count});
    zone_has_target_[static_cast<size_t>(n.zone)] = 1;
  }
}

void MoveCheck::Begin(NodeId node) {
  source_ = node;
  taken_.clear();
  moved_.clear();
}

std::string MoveCheck::Place(PodId id) {
  const Pod& pod = store_.pod(id);
  Diagnosis d;
  for (size_t k = 0; k < targets_.size(); ++k) {
    if (targets_[k] == source_) continue;
    ++d.nodes;
    FilterReason r = CheckAt(pod, k);
    if (r == FilterReason::kNone) {
      Free& t = taken_[k];
      t.cpu += pod.tmpl->cpu_request_millicores;
      t.mem += pod.tmpl->memory_request_bytes;
      t.pods += 1;
      moved_.push_back({&pod, targets_[k]});
      return "";
    }
    ++d.counts[static_cast<size_t>(r)];
  }
  return d.ToString();
}

FilterReason MoveCheck::Check(PodId pod, NodeId target) {
  for (size_t k = 0; k < targets_.size(); ++k)
    if (targets_[k] == target) return CheckAt(store_.pod(pod), k);
  return FilterReason::kUnschedulable;  // not a target: not Ready or not schedulable
}

FilterReason MoveCheck::CheckAt(const Pod& pod, size_t k) {
  const Node& node = store_.node(targets_[k]);
  const PodTemplate& t = *pod.tmpl;
  // NodeAffinity (node selector and required terms) on the node's labels.
  for (const auto& [key, value] : t.node_selector) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return FilterReason::kNodeAffinity;
  }
  if (!t.node_affinity_required.empty()) {
    bool any = false;
    for (const auto& term : t.node_affinity_required) any = any || term.Matches(node.labels);
    if (!any) return FilterReason::kNodeAffinity;
  }
  // TaintToleration: the pool's NoSchedule / NoExecute taints.
  for (const auto& taint : store_.config().pools[static_cast<size_t>(node.pool)].taints)
    if (taint.effect != TaintEffect::kPreferNoSchedule && !Tolerated(t.tolerations, taint))
      return FilterReason::kTaint;
  // VolumeZone: a StatefulSet pod's volume stays in its zone.
  if (pod.zone_pin >= 0 && node.zone != pod.zone_pin) return FilterReason::kVolumeZone;
  // NodeResourcesFit, with what this simulation already placed there.
  Free f = free_[k];
  auto taken = taken_.find(k);
  if (taken != taken_.end()) {
    f.cpu -= taken->second.cpu;
    f.mem -= taken->second.mem;
    f.pods -= taken->second.pods;
  }
  if (f.cpu < t.cpu_request_millicores) return FilterReason::kInsufficientCpu;
  if (f.mem < t.memory_request_bytes) return FilterReason::kInsufficientMemory;
  if (f.pods < 1) return FilterReason::kTooManyPods;
  // InterPodAffinity (required), both directions for anti-affinity.
  for (const auto& term : t.pod_anti_affinity_required)
    if (TermViolated(pod, term, node, true)) return FilterReason::kPodAntiAffinity;
  if (SymmetricAntiAffinityViolated(pod, node)) return FilterReason::kPodAntiAffinity;
  for (const auto& term : t.pod_affinity_required)
    if (TermViolated(pod, term, node, false)) return FilterReason::kPodAffinity;
  // PodTopologySpread (DoNotSchedule).
  for (const auto& c : t.topology_spread)
    if (c.do_not_schedule && SpreadViolated(pod, c, node)) return FilterReason::kTopologySpread;
  return FilterReason::kNone;
}

bool MoveCheck::Matches(const LabelSelector& s, const Pod& p) const {
  if (p.pod_class == kNoClass) return s.Matches(TemplateLabels(store_.workload(p.workload)));
  return s.Matches(store_.pod_class(p.pod_class).labels);
}

int32_t MoveCheck::CountOnNode(const LabelSelector& s, NodeId n) const {
  int32_t count = 0;
  for (PodId id : store_.node(n).pods) {
    const Pod& p = store_.pod(id);
    if (Counted(p) && Matches(s, p)) ++count;
  }
  for (const Moved& m : moved_) {
    if (!Matches(s, *m.pod)) continue;
    if (m.pod->node == n) --count;
    if (m.to == n) ++count;
  }
  return count;
}

const std::vector<WorkloadId>& MoveCheck::WorkloadsMatching(const LabelSelector& s) {
  auto [it, inserted] = workloads_by_selector_.try_emplace(s.Key());
  if (inserted)
    for (WorkloadId w = 1; w <= store_.workload_count(); ++w)
      if (store_.HasWorkload(w) && s.Matches(TemplateLabels(store_.workload(w))))
        it->second.push_back(w);
  return it->second;
}

int32_t MoveCheck::CountInZone(const LabelSelector& s, int32_t zone) {
  int32_t count = 0;
  for (WorkloadId w : WorkloadsMatching(s)) count += store_.CountInZone(w, zone);
  for (const Moved& m : moved_) {
    if (!Matches(s, *m.pod)) continue;
    if (store_.node(m.pod->node).zone == zone) --count;
    if (store_.node(m.to).zone == zone) ++count;
  }
  return count;
}

bool MoveCheck::TermViolated(const Pod& pod, const PodAffinityTerm& term, const Node& target,
                             bool anti) {
  const Workload& own = store_.workload(pod.workload);
  LabelSelector s = Store::EffectiveSelector(term.selector, term.workloads, own.spec.name);
  int32_t count = 0;
  if (term.topology_key == kLabelZone) {
    if (target.zone == store_.node(pod.node).zone) return false;  // same domain: unchanged
    count = CountInZone(s, target.zone);
  } else {
    count = CountOnNode(s, target.id);
  }
  return anti ? count > 0 : count == 0;
}

bool MoveCheck::SymmetricAntiAffinityViolated(const Pod& pod, const Node& target) const {
  if (pod.pod_class == kNoClass) return false;
  for (const auto& [owner, key] : store_.AntiAffinityAgainstClass(pod.pod_class)) {
    int32_t count = 0;
    if (key == kLabelZone) {
      if (target.zone == store_.node(pod.node).zone) continue;
      count = store_.ClassCountInZone(owner, target.zone);
      for (const Moved& m : moved_) {
        if (m.pod->pod_class != owner) continue;
        if (store_.node(m.pod->node).zone == target.zone) --count;
        if (store_.node(m.to).zone == target.zone) ++count;
      }
    } else {
      count = store_.ClassCountOnNode(owner, target.id);
      for (const Moved& m : moved_) {
        if (m.pod->pod_class != owner) continue;
        if (m.pod->node == target.id) --count;
        if (m.to == target.id) ++count;
      }
    }
    if (count > 0) return true;
  }
  return false;
}

// Skew after the move (spec 6: PodTopologySpread filter): the target
// domain's matching pods + selfMatch - the minimum over the eligible domains
// (0 when fewer than minDomains) must not exceed maxSkew. The moving pod
// leaves its own domain first. Worked example: zones {a: 4, b: 3, c: 3} of
// the pod's workload, maxSkew 1, moving one pod from a to b: counts become
// {3, 3, 3}, b would hold 3 + 1 - 3 = 1 <= 1: allowed; moving one from b to
// a: {4, 2, 3}, 4 + 1 - 2 = 3 > 1: rejected.
bool MoveCheck::SpreadViolated(const Pod& pod, const TopologySpreadConstraint& c,
                               const Node& target) {
  const Workload& own = store_.workload(pod.workload);
  LabelSelector s = Store::EffectiveSelector(c.selector, {}, own.spec.name);
  const int32_t self = Matches(s, pod) ? 1 : 0;
  const Node& from = store_.node(pod.node);
  if (c.topology_key == kLabelZone) {
    int32_t min_count = std::numeric_limits<int32_t>::max();
    int32_t domains = 0, at_target = 0;
    for (int32_t z = 0; z < static_cast<int32_t>(zone_has_target_.size()); ++z) {
      if (!zone_has_target_[static_cast<size_t>(z)] && z != from.zone) continue;
      int32_t n = CountInZone(s, z) - (z == from.zone ? self : 0);
      if (z == target.zone) at_target = n;
      ++domains;
      min_count = std::min(min_count, n);
    }
    if (domains < c.min_domains) min_count = 0;
    return at_target + self - min_count > c.max_skew;
  }
  // Hostname: every target node is a domain. With more nodes than matching
  // pods some node holds none, so the minimum is 0 without counting.
  int32_t total = 0;
  for (int32_t z = 0; z < static_cast<int32_t>(zone_has_target_.size()); ++z)
    total += CountInZone(s, z);
  int32_t min_count = 0;
  if (static_cast<size_t>(total) >= targets_.size() &&
      static_cast<int32_t>(targets_.size()) >= c.min_domains) {
    min_count = std::numeric_limits<int32_t>::max();
    for (NodeId n : targets_)
      min_count = std::min(min_count, CountOnNode(s, n) - (n == from.id ? self : 0));
  }
  int32_t at_target = CountOnNode(s, target.id);
  return at_target + self - min_count > c.max_skew;
}

}  // namespace rehearsal::models::autoscaling
