#include "models/cluster/node_provisioner.h"

#include <algorithm>

namespace rehearsal::models {

NodeProvisioner::NodeProvisioner(sim::Simulation& sim, Store& store, Kubelet& kubelet)
    : sim_(sim),
      store_(store),
      kubelet_(kubelet),
      rng_(sim.Stream("node-provisioner")),
      kind_ready_(sim.RegisterKind("node.ready")),
      kind_gone_(sim.RegisterKind("node.terminate")) {
  store_.AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
}

bool NodeProvisioner::ZoneDown(int32_t zone) const {
  auto it = zone_down_until_.find(zone);
  return it != zone_down_until_.end() && sim_.now() < it->second;
}

bool NodeProvisioner::InShortage(int32_t pool) const {
  auto it = shortage_until_.find(pool);
  return it != shortage_until_.end() && sim_.now() < it->second;
}

int32_t NodeProvisioner::LiveNodes(int32_t pool) const {
  int32_t n = 0;
  for (NodeId id : store_.live_nodes()) n += store_.node(id).pool == pool ? 1 : 0;
  return n;
}

static std::vector<int32_t> PoolZones(const Store& store, int32_t pool) {
  const NodePoolConfig& pc = store.config().pools[static_cast<size_t>(pool)];
  std::vector<int32_t> zones;
  if (pc.zones.empty()) {
    for (size_t i = 0; i < store.zones().size(); ++i) zones.push_back(static_cast<int32_t>(i));
  } else {
    for (const auto& z : pc.zones) {
      int32_t zi = store.ZoneIndex(z);
      RH_ASSERT(zi >= 0);
      zones.push_back(zi);
    }
  }
  return zones;
}

void NodeProvisioner::CreateInitialNodes() {
  for (int32_t pool = 0; pool < store_.pool_count(); ++pool) {
    const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(pool)];
    std::vector<int32_t> zones = PoolZones(store_, pool);
    for (int32_t i = 0; i < pc.size_initial; ++i) {
      Node& n = store_.AddNode(pool, zones[static_cast<size_t>(i) % zones.size()], sim_.now());
      n.state = NodeState::kReady;
      n.ready_at = sim_.now();
      store_.Notify(ObjectKind::kNode, n.id);
    }
  }
  nodes_max_ = std::max<int64_t>(nodes_max_, static_cast<int64_t>(store_.live_nodes().size()));
}

int32_t NodeProvisioner::AddNodes(int32_t pool, int32_t count, int32_t zone) {
  RH_ASSERT(pool >= 0 && pool < store_.pool_count());
  const NodePoolConfig& pc = store_.config().pools[static_cast<size_t>(pool)];
  if (InShortage(pool)) return 0;
  std::vector<int32_t> zones = PoolZones(store_, pool);
  if (zone >= 0) zones = {zone};
  zones.erase(std::remove_if(zones.begin(), zones.end(), [this](int32_t z) { return ZoneDown(z); }),
              zones.end());
  if (zones.empty()) return 0;
  int32_t live = LiveNodes(pool);
  int32_t accepted = std::max(0, std::min(count, pc.size_max - live));
  for (int32_t i = 0; i < accepted; ++i) {
    // Balance: the allowed zone with the fewest live nodes of this pool.
    int32_t best = zones[0];
    int32_t best_count = INT32_MAX;
    for (int32_t z : zones) {
      int32_t c = 0;
      for (NodeId id : store_.live_nodes()) {
        const Node& n = store_.node(id);
        c += (n.pool == pool && n.zone == z) ? 1 : 0;
      }
      if (c < best_count) {
        best_count = c;
        best = z;
      }
    }
    Node& n = store_.AddNode(pool, best, sim_.now());
    NodeId id = n.id;
    sim_.recorder().Log(sim_.now(), "NodeLaunched", "node/" + n.name,
                        "Launching " + pc.instance_type + " in " +
                            store_.zones()[static_cast<size_t>(best)]);
    sim_.ScheduleIn(pc.provisioning.Sample(rng_), kind_ready_, id, [this, id] { MakeReady(id); });
  }
  nodes_max_ = std::max<int64_t>(nodes_max_, static_cast<int64_t>(store_.live_nodes().size()));
  return accepted;
}

void NodeProvisioner::MakeReady(NodeId id) {
  Node& n = store_.mutable_node(id);
  if (!n.alive() || n.state != NodeState::kProvisioning) return;
  if (n.heartbeat_lost) return;
  n.state = NodeState::kReady;
  n.ready_at = sim_.now();
  sim_.recorder().Log(sim_.now(), "NodeReady", "node/" + n.name, "Node is Ready");
  store_.Notify(ObjectKind::kNode, id);
}

void NodeProvisioner::DeleteNode(NodeId id) {
  Node& n = store_.mutable_node(id);
  if (!n.alive() || n.deleting) return;
  n.deleting = true;
  n.unschedulable = true;
  sim_.recorder().Log(sim_.now(), "NodeDeleting", "node/" + n.name, "Deleting node");
  store_.Notify(ObjectKind::kNode, id);
  if (n.heartbeat_lost || n.state == NodeState::kProvisioning) {
    TerminateVm(id);
    return;
  }
  std::vector<PodId> pods(n.pods.begin(), n.pods.end());
  for (PodId p : pods) store_.MarkDeleting(p, sim_.now());
  if (store_.node(id).pods.empty()) TerminateVm(id);
}

void NodeProvisioner::TerminateVm(NodeId id) {
  if (!store_.node(id).alive()) return;
  kubelet_.NodeGone(id);
  const Node& n = store_.node(id);
  sim_.recorder().Log(sim_.now(), "NodeTerminated", "node/" + n.name, "Instance terminated");
  store_.TerminateNode(id, sim_.now());
}

void NodeProvisioner::OnWatch(const WatchEvent& e) {
  if (e.kind != ObjectKind::kPod || e.type != WatchEventType::kDeleted) return;
  const Pod& p = store_.pod(e.id);
  if (p.node == kNoId) return;
  const Node& n = store_.node(p.node);
  if (n.alive() && n.deleting && n.pods.empty()) {
    NodeId id = n.id;
    sim_.ScheduleIn(sim::Duration{}, kind_gone_, id, [this, id] { TerminateVm(id); });
  }
}

}  // namespace rehearsal::models
