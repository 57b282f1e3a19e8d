#include "models/autoscaling/cluster_autoscaler.h"

#include <algorithm>
#include <memory>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {
namespace {

bool IsDaemonSetPod(const Store& store, const Pod& p) {
  return store.HasWorkload(p.workload) &&
         store.workload(p.workload).spec.kind == WorkloadKind::kDaemonSet;
}

// A kept-node reason without its parenthesised diagnosis.
std::string ReasonKey(const std::string& reason) { return reason.substr(0, reason.find(" (")); }

}  // namespace

ClusterAutoscaler::ClusterAutoscaler(sim::Simulation& sim, ClusterModel& cluster,
                                     const ClusterAutoscalerConfig& config)
    : sim_(sim), cluster_(cluster), config_(config), rng_(sim.Stream("ca/expander")),
      kind_(sim.RegisterKind("ca.scan")) {
  RH_ASSERT(config_.scan_interval.us > 0);
  sim_.ScheduleIn(config_.scan_interval, kind_, 0, [this] { OnTimer(); });
}

void ClusterAutoscaler::OnTimer() {
  Scan();
  sim_.ScheduleIn(config_.scan_interval, kind_, 0, [this] { OnTimer(); });
}

NodeTemplate ClusterAutoscaler::Template(int32_t pool) const {
  const Store& store = cluster_.store();
  const NodePoolConfig& cfg = store.config().pools[static_cast<size_t>(pool)];
  NodeTemplate t;
  t.group = cfg.name;
  t.cpu_millicores = cfg.cpu_millicores;
  t.memory_bytes = cfg.memory_bytes;
  t.pods_max = cfg.pods_max;
  t.price_per_node_hour = cfg.price_per_hour_usd;
  // DaemonSet pods land on every new node (node selectors are ignored here).
  for (WorkloadId w = 1; w <= store.workload_count(); ++w) {
    if (!store.HasWorkload(w)) continue;
    const Workload& wl = store.workload(w);
    if (wl.spec.kind != WorkloadKind::kDaemonSet) continue;
    t.daemonset_cpu_millicores += wl.spec.pod.cpu_request_millicores;
    t.daemonset_memory_bytes += wl.spec.pod.memory_request_bytes;
    t.daemonset_pods += 1;
  }
  return t;
}

void ClusterAutoscaler::Scan() {
  sim::Time now = sim_.now();
  CheckProvisioning(now);
  bool scaled_up = ScaleUp(now);
  if (!scaled_up && config_.scale_down_enabled) ScaleDown(now);
}

void ClusterAutoscaler::CheckProvisioning(sim::Time now) {
  const Store& store = cluster_.store();
  std::vector<NodeId> late;
  for (NodeId id : store.live_nodes()) {
    const NodeHot& h = store.hot(id);  // dense: skip Ready / NotReady nodes cheaply
    if (h.ready || h.not_ready) continue;
    const Node& n = store.node(id);
    if (n.state == NodeState::kProvisioning && !n.deleting &&
        n.created_at + config_.max_node_provision_time <= now)
      late.push_back(id);
  }
  for (NodeId id : late) {
    const Node& n = store.node(id);
    int32_t pool = n.pool;
    ++stats_.provision_timeouts;
    backoff_until_[pool] = now + config_.node_group_backoff;
    sim_.recorder().Log(now, "ClusterAutoscaler", "node/" + n.name,
                        "node " + n.name + " not ready within " +
                            sim::FormatDuration(config_.max_node_provision_time) +
                            ": deleted; pool " + store.config().pools[static_cast<size_t>(pool)].name +
                            " backs off for " + sim::FormatDuration(config_.node_group_backoff));
    cluster_.DeleteNode(id);
  }
}

bool ClusterAutoscaler::ScaleUp(sim::Time now) {
  const Store& store = cluster_.store();
  std::vector<PodId> pending = cluster_.UnschedulablePods();
  if (pending.empty()) return false;
  int32_t pools = store.pool_count();
  // Pods that an upcoming (provisioning) node will take are not counted again.
  std::vector<int32_t> upcoming(static_cast<size_t>(pools), 0);
  std::vector<int32_t> live(static_cast<size_t>(pools), 0);
  for (NodeId id : store.live_nodes()) {
    const Node& n = store.node(id);
    if (n.deleting) continue;
    ++live[static_cast<size_t>(n.pool)];
    if (n.state == NodeState::kProvisioning) ++upcoming[static_cast<size_t>(n.pool)];
  }
  std::vector<bool> taken(pending.size(), false);
  // Filter out pods that fit existing Ready nodes (the scheduler will place
  // them on its next attempt: e.g. a node that just became Ready).
  struct Free {
    NodeId id;
    int64_t cpu, mem;
    int32_t pods;
  };
  std::vector<Free> free;
  for (NodeId id : store.live_nodes()) {
    const Node& n = store.node(id);
    if (!n.AcceptsPods() || n.deleting || n.heartbeat_lost) continue;
    free.push_back({id, n.cpu_allocatable_millicores - n.cpu_requested_millicores,
                    n.memory_allocatable_bytes - n.memory_requested_bytes,
                    n.pods_allocatable - n.pods_count});
  }
  for (size_t i = 0; i < pending.size(); ++i) {
    const Pod& p = store.pod(pending[i]);
    for (auto& f : free) {
      const Node& n = store.node(f.id);
      if (f.pods < 1 || f.cpu < p.tmpl->cpu_request_millicores ||
          f.mem < p.tmpl->memory_request_bytes || !cluster_.PodFitsNewNode(pending[i], n.pool, n.zone))
        continue;
      f.cpu -= p.tmpl->cpu_request_millicores;
      f.mem -= p.tmpl->memory_request_bytes;
      f.pods -= 1;
      taken[i] = true;
      break;
    }
  }
  for (int32_t pool = 0; pool < pools; ++pool) {
    if (upcoming[static_cast<size_t>(pool)] == 0) continue;
    std::vector<CaPodRequest> reqs;
    std::vector<size_t> index;
    for (size_t i = 0; i < pending.size(); ++i) {
      if (taken[i] || !cluster_.PodFitsNewNode(pending[i], pool)) continue;
      const Pod& p = store.pod(pending[i]);
      reqs.push_back({store.PodName(pending[i]), p.tmpl->cpu_request_millicores,
                      p.tmpl->memory_request_bytes});
      index.push_back(i);
    }
    BinpackResult r = EstimateBinpacking(Template(pool), reqs, upcoming[static_cast<size_t>(pool)]);
    for (size_t k : r.scheduled) taken[index[k]] = true;
  }
  std::vector<ExpansionOption> options;
  std::vector<int32_t> option_pool;
  for (int32_t pool = 0; pool < pools; ++pool) {
    const NodePoolConfig& cfg = store.config().pools[static_cast<size_t>(pool)];
    auto b = backoff_until_.find(pool);
    if (b != backoff_until_.end() && b->second > now) continue;
    int32_t room = cfg.size_max - live[static_cast<size_t>(pool)];
    if (room <= 0) continue;
    std::vector<CaPodRequest> reqs;
    for (size_t i = 0; i < pending.size(); ++i) {
      if (taken[i] || !cluster_.PodFitsNewNode(pending[i], pool)) continue;
      const Pod& p = store.pod(pending[i]);
      reqs.push_back({store.PodName(pending[i]), p.tmpl->cpu_request_millicores,
                      p.tmpl->memory_request_bytes});
    }
    if (reqs.empty()) continue;
    NodeTemplate t = Template(pool);
    BinpackResult r = EstimateBinpacking(t, reqs, room);
    if (r.node_count == 0) continue;
    ExpansionOption o;
    o.group = cfg.name;
    o.node_count = r.node_count;
    o.pods_scheduled = static_cast<int32_t>(r.scheduled.size());
    o.cpu_requested_millicores = r.cpu_requested_millicores;
    o.memory_requested_bytes = r.memory_requested_bytes;
    o.node_cpu_millicores = t.cpu_millicores;
    o.node_memory_bytes = t.memory_bytes;
    o.price_per_node_hour = t.price_per_node_hour;
    options.push_back(o);
    option_pool.push_back(pool);
  }
  if (options.empty()) return false;
  std::vector<size_t> best = ApplyExpanderChain(config_.expanders, options, config_.priorities);
  RH_ASSERT(!best.empty());
  size_t pick = best.size() == 1 ? best[0] : best[rng_.Below(best.size())];
  const ExpansionOption& o = options[pick];
  int32_t accepted = cluster_.AddNodes(option_pool[pick], o.node_count);
  if (accepted <= 0) {
    backoff_until_[option_pool[pick]] = now + config_.node_group_backoff;
    return false;
  }
  ++stats_.scale_ups;
  stats_.nodes_added += accepted;
  last_scale_up_ = now;
  std::string expander;
  for (size_t i = 0; i < config_.expanders.size(); ++i)
    expander += (i ? "," : "") + std::string(ExpanderKindName(config_.expanders[i]));
  sim_.recorder().Log(now, "ClusterAutoscaler", "pool/" + o.group,
                      "scale-up: " + std::to_string(o.pods_scheduled) +
                          " unschedulable pods -> +" + std::to_string(accepted) + " node(s) in " +
                          o.group + " (expander " + expander + ", " +
                          std::to_string(options.size()) + " option(s))");
  sim_.MixDigest(static_cast<uint64_t>(option_pool[pick]) * 7919u + static_cast<uint64_t>(accepted));
  return true;
}

std::string ClusterAutoscaler::BlockingReason(NodeId node, MoveCheck& move) const {
  const Store& store = cluster_.store();
  const Node& n = store.node(node);
  move.Begin(node);
  for (PodId id : n.pods) {
    const Pod& p = store.pod(id);
    if (!p.alive || p.deleting || p.phase == models::PodPhase::kSucceeded || p.phase == models::PodPhase::kFailed)
      continue;
    CaPodFacts facts;  // the name is filled only when it is reported (PodName allocates)
    facts.daemonset = IsDaemonSetPod(store, p);
    for (PdbId pdb : store.PdbsForWorkload(p.workload)) {
      facts.has_pdb = true;
      if (store.pdbs()[pdb - 1].disruptions_allowed < 1) facts.pdb_allows_disruption = false;
    }
    ScaleDownBlocker b = PodBlocksScaleDown(facts);
    if (b != ScaleDownBlocker::kNone) return "pod " + store.PodName(id) + ": " + ScaleDownBlockerName(b);
    if (facts.daemonset) continue;
    std::string diagnosis = move.Place(id);
    if (!diagnosis.empty())
      return "pod " + store.PodName(id) + ": " + ScaleDownBlockerName(ScaleDownBlocker::kNoPlaceToGo) +
             " (" + diagnosis + ")";
  }
  return "";
}

void ClusterAutoscaler::ScaleDown(sim::Time now) {
  const Store& store = cluster_.store();
  ++scale_down_passes_;
  if (under_since_.size() <= store.max_node_id()) {
    under_since_.resize(store.max_node_id() + 1);
    under_pass_.resize(store.max_node_id() + 1, 0);
    kept_.resize(store.max_node_id() + 1, 0);
  }
  std::vector<NodeId> empty_to_remove;
  NodeId drain_candidate = kNoId;
  bool cooling_down = now < last_scale_up_ + config_.scale_down_delay_after_add ||
                      now < last_failed_scale_down_ + config_.scale_down_delay_after_failure;
  // One pass over every node (O(1) each, NodeHot: dense, one cache line per
  // node). Candidates and targets: Ready with heartbeats, not cordoned, not
  // being deleted, no spot notice. Of those, utilization and how long each
  // has been under the threshold (a node not under it at the previous pass
  // restarts).
  std::vector<NodeId> ready;
  std::vector<int32_t> pool_size(static_cast<size_t>(store.pool_count()), 0);
  std::vector<NodeId> due;
  for (NodeId id : store.live_nodes()) {
    const NodeHot& h = store.hot(id);
    if (!h.ready || h.cordoned || h.blocked) continue;
    ready.push_back(id);
    ++pool_size[static_cast<size_t>(h.pool)];
    NodeUtilization u = ComputeNodeUtilization(h.cpu_requested_millicores, h.memory_requested_bytes,
                                               h.cpu_allocatable_millicores,
                                               h.memory_allocatable_bytes);
    if (u.max >= config_.scale_down_utilization_threshold) {
      if (kept_[id]) {
        kept_reason_.erase(id);
        kept_[id] = 0;
      }
      continue;
    }
    if (under_pass_[id] != scale_down_passes_ - 1) under_since_[id] = now;
    under_pass_[id] = scale_down_passes_;
    if (now - under_since_[id] >= config_.scale_down_unneeded_time && !cooling_down && !draining_)
      due.push_back(id);
  }
  // Pass 2: the nodes due for removal, in id order, run the blockers and the
  // move simulation (the expensive part) only while a removal is possible.
  // A node found unremovable is rechecked after unremovable-node-recheck-
  // timeout (5 min), as upstream does.
  // The nodes evicted pods may land on: Ready, schedulable, heartbeats
  // arriving, no spot interruption notice (what the scheduler accepts).
  std::unique_ptr<MoveCheck> move;
  int32_t daemonsets = 0;  // a node with more pods than this is not empty
  for (WorkloadId w = 1; w <= store.workload_count(); ++w)
    if (store.HasWorkload(w) && store.workload(w).spec.kind == WorkloadKind::kDaemonSet) ++daemonsets;
  for (NodeId id : due) {
    const NodeHot& hot = store.hot(id);
    const bool maybe_empty = hot.pods_count <= daemonsets;
    if (!maybe_empty && drain_candidate != kNoId) continue;  // one drain at a time
    if (maybe_empty && static_cast<int32_t>(empty_to_remove.size()) >= config_.max_empty_bulk_delete &&
        drain_candidate != kNoId)
      break;  // nothing more can be removed in this pass
    const Node& n = store.node(id);
    auto unremovable = unremovable_until_.find(id);
    if (unremovable != unremovable_until_.end() && unremovable->second > now) continue;
    const NodePoolConfig& cfg = store.config().pools[static_cast<size_t>(n.pool)];
    if (pool_size[static_cast<size_t>(n.pool)] <= cfg.size_min) continue;
    bool empty = true;
    if (!maybe_empty) {
      empty = false;
    } else {
      for (PodId p : n.pods)
        if (store.pod(p).alive && !IsDaemonSetPod(store, store.pod(p))) empty = false;
    }
    if (empty ? static_cast<int32_t>(empty_to_remove.size()) >= config_.max_empty_bulk_delete
              : drain_candidate != kNoId)
      continue;
    if (move == nullptr) {
      move = std::make_unique<MoveCheck>(store, ready);
    }
    std::string reason = BlockingReason(id, *move);
    if (!reason.empty()) {
      // Logged when the blocker changes (not when only the node counts of
      // the diagnosis do).
      auto it = kept_reason_.find(id);
      if (it == kept_reason_.end() || ReasonKey(it->second) != ReasonKey(reason)) {
        NodeUtilization u = ComputeNodeUtilization(
            n.cpu_requested_millicores, n.memory_requested_bytes, n.cpu_allocatable_millicores,
            n.memory_allocatable_bytes);
        sim_.recorder().Log(now, "ClusterAutoscaler", "node/" + n.name,
                            "scale-down: keeping node " + n.name + " (utilization " +
                                std::to_string(static_cast<int>(u.max * 100)) + "%): " + reason);
      }
      kept_reason_[id] = reason;
      kept_[id] = 1;
      unremovable_until_[id] = now + config_.unremovable_recheck;
      continue;
    }
    kept_reason_.erase(id);
    kept_[id] = 0;
    if (empty) {
      empty_to_remove.push_back(id);
    } else {
      drain_candidate = id;
    }
    --pool_size[static_cast<size_t>(n.pool)];
  }
  for (NodeId id : empty_to_remove) {
    ++stats_.nodes_removed;
    sim_.recorder().Log(now, "ClusterAutoscaler", "node/" + store.node(id).name,
                        "scale-down: removing empty node " + store.node(id).name + " (unneeded for " +
                            sim::FormatDuration(now - under_since_[id]) + ")");
    under_pass_[id] = 0;
    cluster_.DeleteNode(id);
  }
  if (drain_candidate != kNoId) {
    NodeId id = drain_candidate;
    ++stats_.nodes_removed;
    draining_ = true;
    std::string name = store.node(id).name;
    sim_.recorder().Log(now, "ClusterAutoscaler", "node/" + name,
                        "scale-down: draining underutilized node " + name + " (unneeded for " +
                            sim::FormatDuration(now - under_since_[id]) + ")");
    under_pass_[id] = 0;
    DrainOptions options;
    options.respect_pdb = true;
    options.timeout = config_.max_pod_eviction_time;
    options.delete_node_when_drained = true;
    cluster_.Drain(id, options, [this, id, name](DrainOutcome outcome) {
      draining_ = false;
      if (outcome == DrainOutcome::kTimedOut) {
        ++stats_.drains_failed;
        last_failed_scale_down_ = sim_.now();
        unremovable_until_[id] = sim_.now() + config_.unremovable_recheck;
        cluster_.Cordon(id, false);
        sim_.recorder().Log(sim_.now(), "ClusterAutoscaler", "node/" + name,
                            "scale-down of " + name + " failed: evictions refused for " +
                                sim::FormatDuration(config_.max_pod_eviction_time) +
                                "; node kept and uncordoned");
      }
    });
  }
}

}  // namespace rehearsal::models::autoscaling
