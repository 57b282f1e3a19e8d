#include "models/disruption/spot_controller.h"

#include <cmath>

namespace rehearsal::models {

SpotController::SpotController(sim::Simulation& sim, Store& store, NodeProvisioner& provisioner,
                               DrainController& drain)
    : sim_(sim),
      store_(store),
      provisioner_(provisioner),
      drain_(drain),
      kind_notice_(sim.RegisterKind("spot.notice")),
      kind_reclaim_(sim.RegisterKind("spot.reclaim")) {
  for (const auto& pc : store.config().pools) pool_rng_.push_back(sim.Stream("spot/" + pc.name));
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

sim::Duration SpotController::Notice(int32_t pool) const {
  const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(pool)];
  return pc.spot_notice.us > 0 ? pc.spot_notice : SpotNotice(pc.provider);
}

void SpotController::OnWatch(const WatchEvent& e) {
  if (e.kind != ObjectKind::kNode || e.type != WatchEventType::kAdded) return;
  const Node& n = store_.node(e.id);
  const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(n.pool)];
  if (pc.capacity_type != CapacityType::kSpot || pc.spot_interruptions_per_node_hour <= 0) return;
  double hours = pool_rng_[static_cast<size_t>(n.pool)].Exponential(pc.spot_interruptions_per_node_hour);
  if (hours > 1e6) return;  // effectively never
  NodeId id = e.id;
  sim_.ScheduleIn(sim::Duration::Micros(static_cast<int64_t>(hours * 3600e6)), kind_notice_, id,
                  [this, id] { Interrupt(id); });
}

void SpotController::Interrupt(NodeId id) {
  Node& n = store_.mutable_node(id);
  if (!n.alive() || n.spot_notice) return;
  n.spot_notice = true;
  ++interruptions_;
  sim::Duration notice = Notice(n.pool);
  sim_.recorder().Log(sim_.now(), "SpotInterruption", "node/" + n.name,
                      "Spot interruption notice: instance reclaimed in " + sim::FormatDuration(notice));
  store_.Notify(ObjectKind::kNode, id);
  switch (store_.config().spot_drain) {
    case SpotDrainMode::kEvictRespectingPdb: {
      DrainOptions o;
      o.respect_pdb = true;
      o.timeout = notice;
      drain_.Drain(id, o, nullptr);
      break;
    }
    case SpotDrainMode::kDeleteIgnoringPdb: {
      DrainOptions o;
      o.respect_pdb = false;
      o.timeout = notice;
      drain_.Drain(id, o, nullptr);
      break;
    }
    case SpotDrainMode::kNone: break;
  }
  sim_.ScheduleIn(notice, kind_reclaim_, id, [this, id] { Reclaim(id); });
}

void SpotController::Reclaim(NodeId id) {
  if (!store_.node(id).alive()) return;
  provisioner_.TerminateVm(id);
}

void SpotController::Storm(int32_t pool, double fraction) {
  RH_ASSERT(fraction >= 0 && fraction <= 1);
  std::vector<NodeId> nodes;
  for (NodeId id : store_.live_nodes()) {
    const Node& n = store_.node(id);
    if (n.pool == pool && !n.spot_notice) nodes.push_back(id);
  }
  size_t k = static_cast<size_t>(std::floor(fraction * static_cast<double>(nodes.size())));
  sim::Rng& rng = pool_rng_[static_cast<size_t>(pool)];
  // Partial Fisher-Yates: the first k of a random permutation.
  for (size_t i = 0; i < k; ++i) {
    size_t j = i + static_cast<size_t>(rng.Below(nodes.size() - i));
    std::swap(nodes[i], nodes[j]);
  }
  const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(pool)];
  sim_.recorder().Log(sim_.now(), "SpotStorm", "nodepool/" + pc.name,
                      "Correlated spot reclaim of " + std::to_string(k) + " node(s)");
  provisioner_.SetShortage(pool, sim_.now() + pc.capacity_shortage_after_storm);
  for (size_t i = 0; i < k; ++i) Interrupt(nodes[i]);
}

}  // namespace rehearsal::models
