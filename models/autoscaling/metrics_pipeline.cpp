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
  if (synthetic_ != nullptr) s.workloads = synthetic_->current();
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

void MetricsSnapshot::Lookup(WorkloadId w, const std::vector<PodId>& ids,
                             std::vector<const PodUsage*>* out) const {
  out->assign(ids.size(), nullptr);
  const WorkloadUsage* u = w < workloads.size() ? workloads[w].get() : nullptr;
  if (u == nullptr) {
    if (pods == nullptr) return;
    for (size_t i = 0; i < ids.size(); ++i) {
      auto it = pods->find(ids[i]);
      if (it != pods->end()) (*out)[i] = &it->second;
    }
    return;
  }
  // Both lists ascending: one merge.
  const std::vector<PodId>& have = *u->pods;
  const std::vector<uint8_t>& ready = *u->ready;
  size_t k = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    while (k < have.size() && have[k] < ids[i]) ++k;
    if (k == have.size()) break;
    if (have[k] == ids[i]) (*out)[i] = ready[k] ? &u->ready_usage : &u->other_usage;
  }
}

uint64_t MetricsSnapshot::Version(WorkloadId w) const {
  const WorkloadUsage* u = w < workloads.size() ? workloads[w].get() : nullptr;
  return u == nullptr ? 0 : u->version;
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
      touched_(std::make_shared<Touched>()), kind_(sim.RegisterKind("load.synthetic")) {
  current_.resize(cluster_.store().workload_count() + 1);
  touched_->pods.resize(configs_.size());
  const Store* store = &cluster_.store();
  cluster_.Watch([touched = touched_, store](const WatchEvent& e) {
    if (e.kind != ObjectKind::kPod) return;
    WorkloadId w = store->pod(e.id).workload;
    if (w >= touched->configs_of.size()) return;
    for (size_t i : touched->configs_of[w]) touched->pods[i].push_back(e.id);
  });
  for (size_t i = 0; i < configs_.size(); ++i) {
    WorkloadId w = cluster_.FindWorkload(configs_[i].workload);
    RH_ASSERT(w != kNoId);
    RH_ASSERT(configs_[i].tick.us > 0);
    workloads_.push_back(w);
    built_.push_back(0);
    if (w >= touched_->configs_of.size()) touched_->configs_of.resize(w + 1);
    touched_->configs_of[w].push_back(i);
    pods_.push_back(std::make_shared<const std::vector<PodId>>());
    ready_.push_back(std::make_shared<const std::vector<uint8_t>>());
    ready_count_.push_back(0);
    sim_.ScheduleIn(sim::Duration{}, kind_, i, [this, i] { Tick(i); });
  }
}

void SyntheticLoad::Rebuild(size_t index, std::vector<PodId>* running,
                            std::vector<uint8_t>* ready) const {
  const Store& store = cluster_.store();
  // Running pods report usage (metrics-server samples unready pods too); the
  // demand is spread over the Ready ones, the others use no CPU.
  for (PodId id : store.workload(workloads_[index]).pods) {  // ascending
    const Pod& p = store.pod(id);
    if (!p.alive || !p.started || p.phase != models::PodPhase::kRunning) continue;
    running->push_back(id);
    ready->push_back(p.ready && !p.deleting ? 1 : 0);
  }
}

void SyntheticLoad::Tick(size_t index) {
  const SyntheticLoadConfig& c = configs_[index];
  const WorkloadId w = workloads_[index];
  const sim::Time now = sim_.now();
  std::vector<PodId>& touched = touched_->pods[index];
  if (!built_[index]) {
    auto running = std::make_shared<std::vector<PodId>>();
    auto ready = std::make_shared<std::vector<uint8_t>>();
    Rebuild(index, running.get(), ready.get());
    double n = 0;
    for (uint8_t r : *ready) n += r;
    for (size_t k = 0; k < running->size(); ++k) {
      PodUsage u;
      u.cpu_millicores = (*ready)[k] ? SyntheticCpuDemand(c, now) / n : 0.0;
      u.requests_per_s = (*ready)[k] ? SyntheticRpsDemand(c, now) / n : 0.0;
      u.memory_bytes = c.memory_bytes_per_pod;
      u.updated_at = now;
      usage_.Set((*running)[k], u);
    }
    ready_count_[index] = n;
    pods_[index] = std::move(running);
    ready_[index] = std::move(ready);
    built_[index] = 1;
    touched.clear();
  } else if (!touched.empty()) {
    // Re-read only the touched pods; the published arrays are immutable
    // (older snapshots share them), so edit copies.
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    auto running = std::make_shared<std::vector<PodId>>(*pods_[index]);
    auto ready = std::make_shared<std::vector<uint8_t>>(*ready_[index]);
    const Store& store = cluster_.store();
    double n = ready_count_[index];
    for (PodId id : touched) {
      const Pod& p = store.pod(id);
      const bool is_running = p.alive && p.started && p.phase == models::PodPhase::kRunning;
      const uint8_t is_ready = is_running && p.ready && !p.deleting ? 1 : 0;
      auto it = std::lower_bound(running->begin(), running->end(), id);
      const auto k = it - running->begin();
      const bool present = it != running->end() && *it == id;
      if (is_running && present) {
        n += static_cast<double>(is_ready) - static_cast<double>((*ready)[static_cast<size_t>(k)]);
        (*ready)[static_cast<size_t>(k)] = is_ready;
      } else if (is_running) {
        running->insert(it, id);
        ready->insert(ready->begin() + k, is_ready);
        n += is_ready;
        // Board entry (its memory: the kubelet's OOM check reads it).
        PodUsage u;
        u.memory_bytes = c.memory_bytes_per_pod;
        u.updated_at = now;
        usage_.Set(id, u);
      } else if (present) {
        n -= (*ready)[static_cast<size_t>(k)];
        running->erase(it);
        ready->erase(ready->begin() + k);
        usage_.Erase(id);
      }
    }
    touched.clear();
    ready_count_[index] = n;
    pods_[index] = std::move(running);
    ready_[index] = std::move(ready);
  }
  if (verify_) {  // the incremental lists must equal a fresh read of the store
    std::vector<PodId> running;
    std::vector<uint8_t> ready;
    Rebuild(index, &running, &ready);
    RH_ASSERT(running == *pods_[index]);
    RH_ASSERT(ready == *ready_[index]);
  }
  const double n = ready_count_[index];
  auto u = std::make_shared<WorkloadUsage>();
  u->pods = pods_[index];
  u->ready = ready_[index];
  u->ready_usage.cpu_millicores = SyntheticCpuDemand(c, now) / n;
  u->ready_usage.requests_per_s = SyntheticRpsDemand(c, now) / n;
  u->ready_usage.memory_bytes = c.memory_bytes_per_pod;
  u->ready_usage.updated_at = now;
  u->other_usage.memory_bytes = c.memory_bytes_per_pod;
  u->other_usage.updated_at = now;
  u->version = next_version_++;
  if (w >= current_.size()) current_.resize(w + 1);
  current_[w] = std::move(u);
  sim_.ScheduleIn(c.tick, kind_, index, [this, index] { Tick(index); });
}

}  // namespace rehearsal::models::autoscaling
