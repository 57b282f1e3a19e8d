#include "gui/engine/cluster_adapter.h"

#include <cmath>

#include "models/disruption/cluster_model.h"
#include "models/world/components.h"

namespace rehearsal::gui {
namespace {

const char* PhaseName(models::PodPhase p) {
  switch (p) {
    case models::PodPhase::kPending: return "Pending";
    case models::PodPhase::kRunning: return "Running";
    case models::PodPhase::kSucceeded: return "Succeeded";
    case models::PodPhase::kFailed: return "Failed";
  }
  return "?";
}

const char* NodeStateName(models::NodeState s) {
  switch (s) {
    case models::NodeState::kProvisioning: return "Provisioning";
    case models::NodeState::kReady: return "Ready";
    case models::NodeState::kNotReady: return "NotReady";
    case models::NodeState::kTerminated: return "Terminated";
  }
  return "?";
}

PodView MakePod(const models::Store& store, models::PodId id) {
  const models::Pod& p = store.pod(id);
  PodView v;
  v.name = store.PodName(id);
  v.workload = store.HasWorkload(p.workload) ? store.workload(p.workload).spec.name : "";
  v.phase = PhaseName(p.phase);
  v.ready = p.ready;
  v.deleting = p.deleting;
  v.cpu_request_millicores = p.tmpl ? p.tmpl->cpu_request_millicores : 0;
  return v;
}

}  // namespace

const models::Store* DefaultStoreLocator(const models::World& world) {
  // The binder wraps the cluster facade in models::ClusterComponent.
  if (const auto* c = world.Find<models::ClusterComponent>()) return &c->model().store();
  if (const auto* cluster = world.Find<models::ClusterModel>()) return &cluster->store();
  return nullptr;
}

ClusterView ReadClusterFromStore(const models::Store& store) {
  ClusterView view;
  view.from_store = true;
  const auto& pools = store.config().pools;
  for (models::NodeId id : store.live_nodes()) {
    const models::Node& n = store.node(id);
    NodeView nv;
    nv.name = n.name;
    if (n.pool >= 0 && static_cast<size_t>(n.pool) < pools.size()) {
      nv.pool = pools[static_cast<size_t>(n.pool)].name;
      nv.spot = pools[static_cast<size_t>(n.pool)].capacity_type == models::CapacityType::kSpot;
    }
    if (n.zone >= 0 && static_cast<size_t>(n.zone) < store.zones().size())
      nv.zone = store.zones()[static_cast<size_t>(n.zone)];
    nv.state = NodeStateName(n.state);
    nv.cordoned = n.unschedulable;
    nv.spot_notice = n.spot_notice;
    nv.cpu_allocatable_millicores = n.cpu_allocatable_millicores;
    nv.cpu_requested_millicores = n.cpu_requested_millicores;
    nv.memory_allocatable_bytes = n.memory_allocatable_bytes;
    nv.memory_requested_bytes = n.memory_requested_bytes;
    for (models::PodId pid : n.pods) nv.pods.push_back(MakePod(store, pid));  // std::set: id order
    view.nodes.push_back(std::move(nv));
  }
  if (store.max_pod_id() != models::kNoId) {
    for (models::PodId id = 1; id <= store.max_pod_id(); ++id) {
      const models::Pod& p = store.pod(id);
      if (p.alive && p.node == models::kNoId) view.pending.push_back(MakePod(store, id));
    }
  }
  return view;
}

ClusterView ReadClusterFromSeries(const std::vector<std::string>& series_names, const SeriesRow* last_row) {
  ClusterView view;
  const std::string prefix = "cluster.nodes.";
  for (size_t i = 0; i < series_names.size(); ++i) {
    const std::string& n = series_names[i];
    if (n.rfind(prefix, 0) != 0) continue;
    double v = last_row ? ValueAt(*last_row, i) : 0.0;
    view.pool_counts.push_back({n.substr(prefix.size()), std::isnan(v) ? 0 : std::llround(v)});
  }
  return view;
}

}  // namespace rehearsal::gui
