#pragma once
// The cloud side of node pools: launching VMs (ready after the pool's
// provisioning-time distribution), deleting them, and the capacity limits a
// pool meets (max size, a zone outage, a spot capacity shortage after a
// storm). The cluster autoscaler (another controller) decides *when*; this
// controller only carries it out.
#include <map>
#include <vector>

#include "models/cluster/kubelet.h"
#include "models/cluster/store.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class NodeProvisioner {
 public:
  NodeProvisioner(sim::Simulation& sim, Store& store, Kubelet& kubelet);

  // Creates the pool's initial nodes, Ready at once (the cluster exists at t=0).
  void CreateInitialNodes();
  // Requests up to n nodes; returns how many were accepted (see ClusterModel::AddNodes).
  int32_t AddNodes(int32_t pool, int32_t n, int32_t zone);
  // Requests Node deletion: pods are deleted gracefully; the VM goes when empty.
  void DeleteNode(NodeId node);
  // The VM is gone now (spot reclaim, cloud deletion of a dead VM): pods are
  // removed by pod GC and the Node object is deleted.
  void TerminateVm(NodeId node);

  void SetZoneDown(int32_t zone, sim::Time until) { zone_down_until_[zone] = until; }
  bool ZoneDown(int32_t zone) const;
  void SetShortage(int32_t pool, sim::Time until) { shortage_until_[pool] = until; }
  bool InShortage(int32_t pool) const;
  int32_t LiveNodes(int32_t pool) const;

  int64_t nodes_max() const { return nodes_max_; }

 private:
  void MakeReady(NodeId node);
  void OnWatch(const WatchEvent& e);

  sim::Simulation& sim_;
  Store& store_;
  Kubelet& kubelet_;
  sim::Rng rng_;
  sim::EventKind kind_ready_, kind_gone_;
  std::map<int32_t, sim::Time> zone_down_until_;
  std::map<int32_t, sim::Time> shortage_until_;
  int64_t nodes_max_ = 0;
};

}  // namespace rehearsal::models
