#include "models/autoscaling/autoscaling_model.h"

#include <cmath>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {

VpaController::VpaController(sim::Simulation& sim, ClusterModel& cluster,
                             const MetricsPipeline& metrics, std::vector<VpaConfig> vpas)
    : sim_(sim), cluster_(cluster), metrics_(metrics),
      kind_recommend_(sim.RegisterKind("vpa.recommend")),
      kind_update_(sim.RegisterKind("vpa.update")) {
  for (size_t i = 0; i < vpas.size(); ++i) {
    State s{vpas[i], cluster_.FindWorkload(vpas[i].workload),
            ContainerUsageAggregate(vpas[i].params), {}, sim::Time{-1}};
    RH_ASSERT(s.workload != kNoId);
    states_.push_back(std::move(s));
    const std::string& name = states_.back().config.workload;
    sim_.recorder().AddSeries(name + ".vpa_cpu_target_m",
                              [this, i] { return states_[i].rec.target.cpu_millicores; });
    sim_.recorder().AddSeries(name + ".vpa_memory_target_mib", [this, i] {
      return states_[i].rec.target.memory_bytes / (1024.0 * 1024.0);
    });
    sim_.ScheduleIn(states_.back().config.recommender_interval, kind_recommend_, i,
                    [this, i] { Recommend(i); });
    if (states_.back().config.mode == VpaUpdateMode::kRecreate)
      sim_.ScheduleIn(states_.back().config.updater_interval, kind_update_, i,
                      [this, i] { Update(i); });
  }
}

void VpaController::Recommend(size_t i) {
  State& s = states_[i];
  const MetricsSnapshot* snap = metrics_.Latest();
  if (snap != nullptr && snap->taken_at > s.last_sample_at) {
    s.last_sample_at = snap->taken_at;
    const Store& store = cluster_.store();
    const auto& pods = store.workload(s.workload).pods;
    std::vector<PodId> ids(pods.begin(), pods.end());
    std::vector<const PodUsage*> usage;
    snap->Lookup(s.workload, ids, &usage);
    for (size_t k = 0; k < ids.size(); ++k) {
      const Pod& p = store.pod(ids[k]);
      if (!p.alive || !p.started || usage[k] == nullptr) continue;
      double request_cores = static_cast<double>(p.tmpl->cpu_request_millicores) / 1000.0;
      s.agg.AddCpuSample(snap->taken_at, usage[k]->cpu_millicores / 1000.0, request_cores);
      s.agg.AddMemorySample(snap->taken_at, usage[k]->memory_bytes);
    }
    if (s.agg.samples() > 0) s.rec = autoscaling::Recommend(s.agg, s.config.params, 1);
  }
  sim_.ScheduleIn(s.config.recommender_interval, kind_recommend_, i, [this, i] { Recommend(i); });
}

void VpaController::Update(size_t i) {
  State& s = states_[i];
  if (s.agg.samples() > 0) {
    const Store& store = cluster_.store();
    for (PodId id : store.workload(s.workload).pods) {
      const Pod& p = store.pod(id);
      if (!p.alive || p.deleting || !p.ready) continue;
      if (!VpaShouldEvict(s.rec, static_cast<double>(p.tmpl->cpu_request_millicores),
                          static_cast<double>(p.tmpl->memory_request_bytes)))
        continue;
      EvictionResult r = cluster_.Evict(id);
      sim_.recorder().Log(sim_.now(), "VPA", "pod/" + store.PodName(id),
                          "VPA " + s.config.workload + ": request " +
                              std::to_string(p.tmpl->cpu_request_millicores) +
                              "m outside [" +
                              std::to_string(static_cast<int64_t>(s.rec.lower_bound.cpu_millicores)) +
                              "m, " +
                              (std::isinf(s.rec.upper_bound.cpu_millicores)
                                   ? std::string("inf")
                                   : std::to_string(static_cast<int64_t>(
                                         s.rec.upper_bound.cpu_millicores))) +
                              "m]: eviction " + ToString(r));
      if (r == EvictionResult::kEvicted || r == EvictionResult::kDeletedWithoutCheck) ++evictions_;
      break;  // one pod per updater pass
    }
  }
  sim_.ScheduleIn(s.config.updater_interval, kind_update_, i, [this, i] { Update(i); });
}

AutoscalingModel::AutoscalingModel(sim::Simulation& sim, ClusterModel& cluster, UsageBoard& usage,
                                   const AutoscalingConfig& config) {
  std::vector<std::string> external;
  for (const auto& h : config.hpas)
    for (const auto& m : h.metrics)
      if (m.type == MetricSourceType::kObject || m.type == MetricSourceType::kExternal)
        external.push_back(m.name);
  metrics_ = std::make_unique<MetricsPipeline>(sim, usage, config.metrics, external);
  if (!config.synthetic_load.empty()) {
    load_ = std::make_unique<SyntheticLoad>(sim, cluster, usage, config.synthetic_load);
    load_->set_verify(config.verify_incremental);
    metrics_->AttachSynthetic(load_.get());
  }
  if (!config.hpas.empty()) {
    hpa_ = std::make_unique<HpaController>(sim, cluster, *metrics_, config.hpa_flags, config.hpas);
    hpa_->set_verify(config.verify_incremental);
  }
  if (config.cluster_autoscaler.enabled)
    ca_ = std::make_unique<ClusterAutoscaler>(sim, cluster, config.cluster_autoscaler);
  if (!config.vpas.empty())
    vpa_ = std::make_unique<VpaController>(sim, cluster, *metrics_, config.vpas);
}

AutoscalingModel::~AutoscalingModel() = default;

}  // namespace rehearsal::models::autoscaling
