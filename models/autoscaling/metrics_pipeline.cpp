#include "models/autoscaling/metrics_pipeline.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {

MetricsPipeline::MetricsPipeline(sim::Simulation& sim, const UsageBoard& usage,
                                 const MetricsPipelineConfig& config,
                                 std::vector<std::string> external_names)
    : sim_(sim), usage_(usage), config_(config), external_names_(std::move(external_names)),
      kind_(sim.RegisterKind("metrics.scrape")) {
  RH_ASSERT(config.scrape_interval.us > 0);
  // First scrape one interval in: usage needs a producer tick first.
  sim_.ScheduleIn(config_.scrape_interval, kind_, 0, [this] { Scrape(); });
}

void MetricsPipeline::Scrape() {
  MetricsSnapshot s;
  s.taken_at = sim_.now();
  if (config_.lag.us > 0) {
    copies_.push_back(usage_.pods());
    s.pods = &copies_.back();
  } else {
    s.pods = &usage_.pods();
  }
  for (const auto& name : external_names_)
    if (const double* v = usage_.GetExternal(name)) s.external[name] = *v;
  snapshots_.push_back(std::move(s));
  // Keep the newest visible snapshot and everything after it.
  while (snapshots_.size() > 1 && snapshots_[1].taken_at + config_.lag <= sim_.now()) {
    snapshots_.pop_front();
    if (config_.lag.us > 0) copies_.pop_front();
  }
  sim_.ScheduleIn(config_.scrape_interval, kind_, 0, [this] { Scrape(); });
}

const MetricsSnapshot* MetricsPipeline::Latest() const {
  const MetricsSnapshot* best = nullptr;
  for (const auto& s : snapshots_)
    if (s.taken_at + config_.lag <= sim_.now()) best = &s;
  return best;
}

namespace {
const LoadStep* StepAt(const SyntheticLoadConfig& c, sim::Time t) {
  const LoadStep* step = nullptr;
  for (const auto& s : c.steps)
    if (sim::Time::Zero() + s.at <= t) step = &s;
  return step;
}
double Diurnal(const SyntheticLoadConfig& c, sim::Time t) {
  if (c.diurnal_amplitude <= 0) return 1.0;
  double day_s = 86400.0;
  double phase = (t.seconds() - c.peak_at.seconds()) / day_s;
  return 1.0 + c.diurnal_amplitude * std::cos(2 * std::numbers::pi * phase);
}
}  // namespace

double SyntheticCpuDemand(const SyntheticLoadConfig& config, sim::Time t) {
  const LoadStep* s = StepAt(config, t);
  return s ? s->cpu_millicores * Diurnal(config, t) : 0.0;
}

double SyntheticRpsDemand(const SyntheticLoadConfig& config, sim::Time t) {
  const LoadStep* s = StepAt(config, t);
  return s ? s->rps * Diurnal(config, t) : 0.0;
}

SyntheticLoad::SyntheticLoad(sim::Simulation& sim, ClusterModel& cluster, UsageBoard& usage,
                             std::vector<SyntheticLoadConfig> configs)
    : sim_(sim), cluster_(cluster), usage_(usage), configs_(std::move(configs)),
      kind_(sim.RegisterKind("load.synthetic")) {
  for (size_t i = 0; i < configs_.size(); ++i) {
    WorkloadId w = cluster_.FindWorkload(configs_[i].workload);
    RH_ASSERT(w != kNoId);
    RH_ASSERT(configs_[i].tick.us > 0);
    workloads_.push_back(w);
    last_pods_.emplace_back();
    sim_.ScheduleIn(sim::Duration{}, kind_, i, [this, i] { Tick(i); });
  }
}

void SyntheticLoad::Tick(size_t index) {
  const SyntheticLoadConfig& c = configs_[index];
  const Store& store = cluster_.store();
  const Workload& w = store.workload(workloads_[index]);
  // Running pods report usage (metrics-server samples unready pods too); the
  // demand is spread over the Ready ones, the others use no CPU.
  std::vector<PodId> running, ready;
  for (PodId id : w.pods) {
    const Pod& p = store.pod(id);
    if (!p.alive || !p.started || p.phase != models::PodPhase::kRunning) continue;
    running.push_back(id);
    if (p.ready && !p.deleting) ready.push_back(id);
  }
  for (PodId id : last_pods_[index])
    if (!std::binary_search(running.begin(), running.end(), id)) usage_.Erase(id);
  double cpu = SyntheticCpuDemand(c, sim_.now());
  double rps = SyntheticRpsDemand(c, sim_.now());
  double n = static_cast<double>(ready.size());
  for (PodId id : running) {
    bool is_ready = std::binary_search(ready.begin(), ready.end(), id);
    PodUsage u;
    u.cpu_millicores = is_ready ? cpu / n : 0.0;
    u.requests_per_s = is_ready ? rps / n : 0.0;
    u.memory_bytes = c.memory_bytes_per_pod;
    u.updated_at = sim_.now();
    usage_.Set(id, u);
  }
  last_pods_[index] = std::move(running);
  sim_.ScheduleIn(c.tick, kind_, index, [this, index] { Tick(index); });
}

}  // namespace rehearsal::models::autoscaling
