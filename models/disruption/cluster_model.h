#pragma once
// ClusterModel: the whole simulated Kubernetes cluster behind one facade.
// It takes the kernel and the plain configs, builds the object store and every
// controller (kubelet, node lifecycle, scheduler, ReplicaSet, Deployment,
// StatefulSet, Job/CronJob, DaemonSet, disruption/PDB, spot), and exposes what
// other subsystems call: the HPA scales, a release sets a template version,
// the cluster autoscaler adds and deletes nodes and asks "would it fit",
// faults fail nodes and zones, and the traffic model listens to endpoints.
//
// Ownership: ClusterModel owns the store and the controllers; it borrows the
// Simulation and the optional UsageBoard, which must outlive it.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/cluster/cluster_config.h"
#include "models/cluster/store.h"
#include "models/core/endpoints.h"
#include "models/core/run_summary.h"
#include "models/core/usage_board.h"
#include "models/workloads/workload_config.h"
#include "sim/simulation.h"

namespace rehearsal::models {

class Kubelet;
class NodeLifecycleController;
class NodeProvisioner;
class Scheduler;
class ReplicaSetController;
class DeploymentController;
class StatefulSetController;
class JobController;
class DaemonSetController;
class DisruptionController;
class DrainController;
class SpotController;

// Result of POST pods/<name>/eviction (spec 4.3), as an exhaustive enum.
enum class EvictionResult {
  kEvicted,             // PDB allowed it (budget decremented), pod deleting
  kDeletedWithoutCheck, // pending/finished/not-ready-with-healthy-budget/no PDB: deleted
  kAlreadyDeleting,     // no-op
  kNotFound,            // no such live pod
  kTooManyRequests,     // 429: disruptionsAllowed == 0 ("would violate the pod's disruption budget")
  kForbidden,           // 403: disruptionsAllowed < 0 or too many disrupted pods
  kMultiplePdbs,        // 500: more than one PDB selects the pod
};
const char* ToString(EvictionResult result);

// kubectl drain options.
struct DrainOptions {
  bool respect_pdb = true;                  // eviction API (true) or plain delete
  sim::Duration timeout{};                  // 0 = retry forever
  sim::Duration retry_interval = sim::Duration::Seconds(5);  // after a 429
  bool delete_node_when_drained = false;    // e.g. CA scale-down, node upgrade
};

enum class DrainOutcome { kDrained, kTimedOut, kNodeGone };

class ClusterModel {
 public:
  // Builds everything; initial nodes (size_initial per pool) are Ready at
  // now(), workloads are created at now() and reconcile from there.
  // REQUIRES: every pool names zones from config.zones; workload names unique.
  ClusterModel(sim::Simulation& sim, const ClusterConfig& cluster,
               const WorkloadsConfig& workloads, const UsageBoard* usage = nullptr);
  ~ClusterModel();
  ClusterModel(const ClusterModel&) = delete;
  ClusterModel& operator=(const ClusterModel&) = delete;

  // --- read + watch
  const Store& store() const { return *store_; }
  void Watch(Store::Watcher watcher) { store_->AddWatcher(std::move(watcher)); }
  sim::Simulation& sim() { return sim_; }
  WorkloadId FindWorkload(const std::string& name) const { return store_->FindWorkload(name); }

  // --- workload changes
  // Sets spec.replicas (what the HPA calls). REQUIRES: replicas >= 0.
  void Scale(WorkloadId workload, int32_t replicas);
  // Starts a release: the pod template gets `version` (and, optionally, other
  // template changes) -> a new ReplicaSet and a rollout per the strategy.
  void SetTemplateVersion(WorkloadId workload, const std::string& version);
  void SetTemplate(WorkloadId workload, const PodTemplate& pod);
  // Creates a workload at now() (e.g. a Job). Returns its id.
  WorkloadId AddWorkload(const WorkloadSpec& spec);

  // --- nodes (cluster autoscaler)
  // Requests n nodes of a pool (zone -1 = spread round-robin over the pool's
  // zones). Returns how many were accepted: fewer when the pool's max size is
  // reached, the zone is down, or a spot pool is in a capacity shortage.
  int32_t AddNodes(int32_t pool, int32_t n, int32_t zone = -1);
  int32_t PoolIndex(const std::string& pool) const;  // -1 when unknown
  // Deletes a node now: its pods are deleted (gracefully, no PDB check) and
  // the VM goes away when they are gone. Used by CA after its own drain.
  void DeleteNode(NodeId node);
  void Cordon(NodeId node, bool unschedulable);
  // Cordons, then evicts every non-DaemonSet pod; `done` is called once.
  void Drain(NodeId node, const DrainOptions& options,
             std::function<void(DrainOutcome)> done = nullptr);
  // Eviction API (spec 4.3) with the pod's own grace period.
  EvictionResult Evict(PodId pod);
  // Scheduler simulation hook for the cluster autoscaler: would this pending
  // pod fit on an empty new node of `pool` in `zone` (-1: any of its zones)?
  // Checks resources, taints, node affinity/selector and zone pins.
  bool PodFitsNewNode(PodId pod, int32_t pool, int32_t zone = -1) const;
  // Pods the scheduler could not place on their last attempt, in id order.
  std::vector<PodId> UnschedulablePods() const;
  // "0/12 nodes are available: 4 Insufficient cpu, 8 node(s) didn't match ..."
  std::string PendingReason(PodId pod) const;
  // Nodes of a pool that are not terminated, in id order.
  std::vector<NodeId> PoolNodes(int32_t pool) const;

  // --- faults
  // Heartbeats stop at now(): containers die (kKilled), NotReady after the
  // grace period, pods evicted after their toleration (300 s by default).
  void FailNode(NodeId node);
  // Heartbeats resume; terminating pods on it are then removed.
  void RecoverNode(NodeId node);
  // Every node in the zone fails for `duration`, and no node can be added
  // there meanwhile; StatefulSet pods pinned to the zone cannot move.
  void ZoneOutage(const std::string& zone, sim::Duration duration);
  // A spot interruption notice for one node: the VM is reclaimed after the
  // provider's notice (AWS 120 s, GCP/Azure 30 s).
  void SpotInterrupt(NodeId node);
  // A correlated storm: floor(fraction * size) nodes of the pool get notices
  // at once and the pool cannot add capacity for its shortage duration.
  void SpotStorm(int32_t pool, double fraction);

  // --- endpoints (for the traffic model): kReady after the propagation delay,
  // kNotReady, kTerminating, kKilled, for every pod of every workload.
  void AddEndpointListener(EndpointListener* listener);

  // --- figures
  void Summarize(ClusterSummary& summary) const;
  // One record per Deployment rollout (template change) so far.
  void SummarizeRollouts(std::vector<RolloutRecord>& rollouts) const;
  // Current cost rate of all live nodes (USD per hour).
  double CostPerHour() const;
  int64_t pods_pending() const { return pods_pending_; }
  int64_t evictions() const;
  int64_t spot_interruptions() const;
  // Evictions allowed by the API that left a PDB below desiredHealthy (must be 0).
  int64_t pdb_budget_violations() const;

  // The controllers, for tests, benchmarks and invariant checkers.
  Scheduler& scheduler() { return *scheduler_; }
  const Scheduler& scheduler() const { return *scheduler_; }
  const DeploymentController& deployments() const { return *deployments_; }
  const NodeLifecycleController& node_lifecycle() const { return *node_lifecycle_; }

 private:
  void OnWatch(const WatchEvent& e);
  void RegisterWorkloadSeries(WorkloadId w);
  void RegisterSeries();
  WorkloadId CreateWorkload(const WorkloadSpec& spec);

  sim::Simulation& sim_;
  const UsageBoard* usage_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Kubelet> kubelet_;
  std::unique_ptr<NodeLifecycleController> node_lifecycle_;
  std::unique_ptr<NodeProvisioner> provisioner_;
  std::unique_ptr<Scheduler> scheduler_;
  std::unique_ptr<ReplicaSetController> replica_sets_;
  std::unique_ptr<DeploymentController> deployments_;
  std::unique_ptr<StatefulSetController> statefulsets_;
  std::unique_ptr<JobController> jobs_;
  std::unique_ptr<DaemonSetController> daemonsets_;
  std::unique_ptr<DisruptionController> disruption_;
  std::unique_ptr<DrainController> drain_;
  std::unique_ptr<SpotController> spot_;
  std::vector<uint8_t> counted_pending_;  // per pod: counted in pods_pending_
  int64_t pods_pending_ = 0;
  int64_t pods_max_ = 0;
  int64_t nodes_max_ = 0;
};

}  // namespace rehearsal::models
