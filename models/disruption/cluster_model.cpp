#include "models/disruption/cluster_model.h"

#include <algorithm>

#include "models/cluster/kubelet.h"
#include "models/cluster/node_lifecycle_controller.h"
#include "models/cluster/node_provisioner.h"
#include "models/disruption/disruption_controller.h"
#include "models/disruption/drain_controller.h"
#include "models/disruption/spot_controller.h"
#include "models/scheduler/scheduler.h"
#include "models/workloads/daemonset_controller.h"
#include "models/workloads/deployment_controller.h"
#include "models/workloads/job_controller.h"
#include "models/workloads/replica_set_controller.h"
#include "models/workloads/statefulset_controller.h"

namespace rehearsal::models {

ClusterModel::ClusterModel(sim::Simulation& sim, const ClusterConfig& cluster,
                           const WorkloadsConfig& workloads, const UsageBoard* usage)
    : sim_(sim), usage_(usage) {
  for (const auto& pool : cluster.pools)
    for (const auto& z : pool.zones)
      RH_ASSERT(std::find(cluster.zones.begin(), cluster.zones.end(), z) != cluster.zones.end());
  store_ = std::make_unique<Store>(cluster);
  store_->AddWatcher([this](const WatchEvent& e) { OnWatch(e); });
  for (const auto& pc : workloads.priority_classes) store_->AddPriorityClass(pc);
  kubelet_ = std::make_unique<Kubelet>(sim_, *store_, usage_);
  node_lifecycle_ = std::make_unique<NodeLifecycleController>(sim_, *store_, *kubelet_);
  provisioner_ = std::make_unique<NodeProvisioner>(sim_, *store_, *kubelet_);
  scheduler_ = std::make_unique<Scheduler>(sim_, *store_, cluster.scheduler);
  replica_sets_ = std::make_unique<ReplicaSetController>(sim_, *store_);
  deployments_ = std::make_unique<DeploymentController>(sim_, *store_);
  statefulsets_ = std::make_unique<StatefulSetController>(sim_, *store_);
  jobs_ = std::make_unique<JobController>(sim_, *store_);
  daemonsets_ = std::make_unique<DaemonSetController>(sim_, *store_);
  disruption_ = std::make_unique<DisruptionController>(sim_, *store_);
  drain_ = std::make_unique<DrainController>(sim_, *store_, *disruption_, *provisioner_);
  spot_ = std::make_unique<SpotController>(sim_, *store_, *provisioner_, *drain_);
  scheduler_->SetPdbViolationCheck([this](PodId p) { return disruption_->WouldViolate(p); });

  provisioner_->CreateInitialNodes();
  for (const auto& spec : workloads.workloads) CreateWorkload(spec);
  for (const auto& pdb : workloads.pdbs) store_->AddPdb(pdb);
  RegisterSeries();
}

ClusterModel::~ClusterModel() = default;

WorkloadId ClusterModel::CreateWorkload(const WorkloadSpec& spec) {
  bool never = false;
  int32_t priority = store_->ResolvePriority(spec.pod.priority_class, &never);
  WorkloadId id = store_->AddWorkload(spec, priority, never);
  return id;
}

WorkloadId ClusterModel::AddWorkload(const WorkloadSpec& spec) {
  WorkloadId id = CreateWorkload(spec);
  RegisterWorkloadSeries(id);
  return id;
}

void ClusterModel::OnWatch(const WatchEvent& e) {
  if (e.kind == ObjectKind::kNode) {
    nodes_max_ = std::max<int64_t>(nodes_max_, static_cast<int64_t>(store_->live_nodes().size()));
    return;
  }
  if (e.kind != ObjectKind::kPod) return;
  if (counted_pending_.size() <= e.id) counted_pending_.resize(e.id + 4096, 0);
  const Pod& p = store_->pod(e.id);
  bool pending = p.alive && p.node == kNoId;
  if (pending && !counted_pending_[e.id]) {
    counted_pending_[e.id] = 1;
    ++pods_pending_;
  } else if (!pending && counted_pending_[e.id]) {
    counted_pending_[e.id] = 0;
    --pods_pending_;
  }
  if (e.type == WatchEventType::kAdded)
    pods_max_ = std::max<int64_t>(pods_max_, static_cast<int64_t>(store_->live_pod_count()));
}

void ClusterModel::RegisterWorkloadSeries(WorkloadId id) {
  const Workload& w = store_->workload(id);
  sim::Recorder& rec = sim_.recorder();
  rec.AddSeries(w.spec.name + ".replicas", [this, id] {
    return static_cast<double>(store_->workload(id).spec.replicas);
  });
  rec.AddSeries(w.spec.name + ".ready", [this, id] {
    return static_cast<double>(store_->workload(id).ready_replicas);
  });
}

void ClusterModel::RegisterSeries() {
  sim::Recorder& rec = sim_.recorder();
  rec.AddSeries("cluster.nodes", [this] { return static_cast<double>(store_->live_nodes().size()); });
  for (int32_t pool = 0; pool < store_->pool_count(); ++pool) {
    rec.AddSeries("cluster.nodes." + store_->config().pools[static_cast<size_t>(pool)].name,
                  [this, pool] {
                    int64_t n = 0;
                    for (NodeId id : store_->live_nodes()) n += store_->node(id).pool == pool ? 1 : 0;
                    return static_cast<double>(n);
                  });
  }
  rec.AddSeries("cluster.pods_pending", [this] { return static_cast<double>(pods_pending_); });
  rec.AddSeries("cluster.cost_usd_per_h", [this] { return CostPerHour(); });
  for (WorkloadId id = 1; id <= store_->workload_count(); ++id) RegisterWorkloadSeries(id);
}

void ClusterModel::Scale(WorkloadId id, int32_t replicas) {
  RH_ASSERT(replicas >= 0);
  Workload& w = store_->mutable_workload(id);
  if (w.spec.replicas == replicas) return;
  w.spec.replicas = replicas;
  store_->Notify(ObjectKind::kWorkload, id);
}

void ClusterModel::SetTemplateVersion(WorkloadId id, const std::string& version) {
  PodTemplate pod = store_->workload(id).spec.pod;
  pod.version = version;
  SetTemplate(id, pod);
}

void ClusterModel::SetTemplate(WorkloadId id, const PodTemplate& pod) {
  Workload& w = store_->mutable_workload(id);
  int32_t revision = -1;
  for (size_t i = 0; i < w.revisions.size(); ++i)
    if (w.revisions[i].version == pod.version) revision = static_cast<int32_t>(i);
  if (revision == w.current_revision) return;
  if (revision < 0) {
    w.revisions.push_back(pod);
    revision = static_cast<int32_t>(w.revisions.size()) - 1;
  }
  w.current_revision = revision;
  w.spec.pod = w.revisions[static_cast<size_t>(revision)];
  sim_.recorder().Log(sim_.now(), "TemplateChanged", "workload/" + w.spec.name,
                      "Pod template set to version " + pod.version);
  if (w.spec.kind != WorkloadKind::kDeployment) {
    w.rollout = RolloutStatus{};
    w.rollout.in_progress = true;
    w.rollout.complete = false;
    w.rollout.started_at = sim_.now();
    w.rollout.last_progress_at = sim_.now();
  }
  store_->Notify(ObjectKind::kWorkload, id);
}

int32_t ClusterModel::AddNodes(int32_t pool, int32_t n, int32_t zone) {
  return provisioner_->AddNodes(pool, n, zone);
}

int32_t ClusterModel::PoolIndex(const std::string& pool) const {
  const auto& pools = store_->config().pools;
  for (size_t i = 0; i < pools.size(); ++i)
    if (pools[i].name == pool) return static_cast<int32_t>(i);
  return -1;
}

void ClusterModel::DeleteNode(NodeId node) { provisioner_->DeleteNode(node); }

void ClusterModel::Cordon(NodeId node, bool unschedulable) {
  Node& n = store_->mutable_node(node);
  if (n.unschedulable == unschedulable) return;
  n.unschedulable = unschedulable;
  store_->Notify(ObjectKind::kNode, node);
}

void ClusterModel::Drain(NodeId node, const DrainOptions& options,
                         std::function<void(DrainOutcome)> done) {
  drain_->Drain(node, options, std::move(done));
}

EvictionResult ClusterModel::Evict(PodId pod) { return disruption_->Evict(pod); }

bool ClusterModel::PodFitsNewNode(PodId pod, int32_t pool, int32_t zone) const {
  return scheduler_->FitsNewNode(store_->pod(pod), pool, zone);
}

std::vector<PodId> ClusterModel::UnschedulablePods() const { return scheduler_->Unschedulable(); }

std::string ClusterModel::PendingReason(PodId pod) const { return scheduler_->Explain(pod); }

std::vector<NodeId> ClusterModel::PoolNodes(int32_t pool) const {
  std::vector<NodeId> out;
  for (NodeId id : store_->live_nodes())
    if (store_->node(id).pool == pool) out.push_back(id);
  return out;
}

void ClusterModel::FailNode(NodeId node) {
  node_lifecycle_->FailNode(node);
  const sim::Duration after = store_->config().failed_node_deletion;
  if (after.us > 0) {
    auto kind = sim_.RegisterKind("node.cloud_delete");
    sim_.ScheduleIn(after, kind, node, [this, node] {
      const Node& n = store_->node(node);
      if (n.alive() && n.heartbeat_lost) provisioner_->TerminateVm(node);
    });
  }
}

void ClusterModel::RecoverNode(NodeId node) { node_lifecycle_->RecoverNode(node); }

void ClusterModel::ZoneOutage(const std::string& zone, sim::Duration duration) {
  int32_t z = store_->ZoneIndex(zone);
  RH_ASSERT(z >= 0);
  sim_.recorder().Log(sim_.now(), "ZoneOutage", "zone/" + zone,
                      "Zone unavailable for " + sim::FormatDuration(duration));
  provisioner_->SetZoneDown(z, sim_.now() + duration);
  std::vector<NodeId> failed;
  for (NodeId id : store_->live_nodes())
    if (store_->node(id).zone == z && !store_->node(id).heartbeat_lost) failed.push_back(id);
  for (NodeId id : failed) node_lifecycle_->FailNode(id);
  auto kind = sim_.RegisterKind("zone.recover");
  sim_.ScheduleIn(duration, kind, static_cast<uint64_t>(z), [this, failed] {
    for (NodeId id : failed)
      if (store_->node(id).alive()) node_lifecycle_->RecoverNode(id);
  });
}

void ClusterModel::SpotInterrupt(NodeId node) { spot_->Interrupt(node); }
void ClusterModel::SpotStorm(int32_t pool, double fraction) { spot_->Storm(pool, fraction); }

void ClusterModel::AddEndpointListener(EndpointListener* listener) {
  kubelet_->AddEndpointListener(listener);
}

double ClusterModel::CostPerHour() const {
  double usd = 0;
  for (NodeId id : store_->live_nodes())
    usd += store_->config().pools[static_cast<size_t>(store_->node(id).pool)].price_per_hour_usd;
  return usd;
}

int64_t ClusterModel::evictions() const {
  return disruption_->evictions() + node_lifecycle_->taint_evictions() + scheduler_->preemptions();
}
int64_t ClusterModel::spot_interruptions() const { return spot_->interruptions(); }
int64_t ClusterModel::pdb_budget_violations() const { return disruption_->budget_violations(); }

void ClusterModel::Summarize(ClusterSummary& s) const {
  sim::Time now = sim_.now();
  s.nodes_max = std::max(s.nodes_max, nodes_max_);
  s.pods_max = std::max(s.pods_max, pods_max_);
  for (NodeId id = 1; id <= store_->max_node_id(); ++id) {
    const Node& n = store_->node(id);
    const NodePoolConfig& pc = store_->config().pools[static_cast<size_t>(n.pool)];
    sim::Time end = n.alive() ? now : n.terminated_at;
    double hours = (end - n.created_at).seconds() / 3600.0;
    s.node_hours += hours;
    s.cost_usd += hours * pc.price_per_hour_usd;
    s.node_hours_by_pool[pc.name] += hours;
  }
  s.spot_interruptions += spot_->interruptions();
  s.evictions += evictions();
  double pending_s = 0;
  for (PodId id = 1; id <= store_->max_pod_id(); ++id) {
    const Pod& p = store_->pod(id);
    sim::Time end = std::min({p.scheduled_at, p.deletion_at, now});
    if (!p.alive && p.node == kNoId) end = std::min(end, p.deletion_at == sim::Time::Max() ? now : p.deletion_at);
    if (end > p.created_at) pending_s += (end - p.created_at).seconds();
  }
  s.pending_pod_s += pending_s;
}

void ClusterModel::SummarizeRollouts(std::vector<RolloutRecord>& rollouts) const {
  for (const auto& r : deployments_->rollouts()) rollouts.push_back(r);
}

}  // namespace rehearsal::models
