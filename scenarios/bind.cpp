#include "scenarios/bind.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <cmath>
#include <numbers>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "models/traffic/load_profile.h"
#include "models/wallet/wallet_loop.h"
#include "models/world/components.h"

namespace rehearsal::scenarios {
namespace {

using models::ClusterComponent;
using models::ClusterModel;
using models::TimelineComponent;
using models::TrafficComponent;
namespace tr = models::traffic;

// ---------------------------------------------------------------- cluster

models::CloudProvider ProviderOf(const std::string& provider) {
  if (provider == "gcp") return models::CloudProvider::kGcp;
  if (provider == "azure") return models::CloudProvider::kAzure;
  return models::CloudProvider::kAws;  // aws and generic
}

// "key=value:Effect" or "key:Effect" (as `kubectl taint` writes them).
models::Taint ParseTaint(const std::string& text) {
  models::Taint taint;
  std::string kv = text;
  if (auto colon = text.rfind(':'); colon != std::string::npos) {
    kv = text.substr(0, colon);
    std::string effect = text.substr(colon + 1);
    if (effect == "NoExecute") taint.effect = models::TaintEffect::kNoExecute;
    else if (effect == "PreferNoSchedule") taint.effect = models::TaintEffect::kPreferNoSchedule;
  }
  if (auto eq = kv.find('='); eq != std::string::npos) {
    taint.key = kv.substr(0, eq);
    taint.value = kv.substr(eq + 1);
  } else {
    taint.key = kv;
  }
  return taint;
}

models::NodePoolConfig BindPool(const NodePool& p) {
  models::NodePoolConfig c;
  c.name = p.name;
  c.instance_type = p.instance_type;
  c.cpu_millicores = p.cpu_millicores;
  c.memory_bytes = p.memory_bytes;
  c.pods_max = static_cast<int32_t>(p.max_pods);
  c.price_per_hour_usd = p.price_per_hour_usd;
  c.capacity_type = p.capacity_type == CapacityType::kSpot ? models::CapacityType::kSpot
                                                           : models::CapacityType::kOnDemand;
  c.provider = ProviderOf(p.provider);
  c.size_min = static_cast<int32_t>(p.min_nodes);
  c.size_max = static_cast<int32_t>(p.max_nodes);
  c.size_initial = static_cast<int32_t>(p.initial_nodes < 0 ? p.min_nodes : p.initial_nodes);
  c.zones = p.zones;
  // The scenario gives one provisioning delay; real launches vary around it
  // (kubernetes.md §7.3 suggests 60-240 s), so draw within +-25% of it.
  c.provisioning = models::DurationDistribution::Uniform(p.provisioning_delay * 3 / 4,
                                                         p.provisioning_delay * 5 / 4);
  c.labels = p.labels;
  for (const auto& t : p.taints) c.taints.push_back(ParseTaint(t));
  c.spot_interruptions_per_node_hour = p.spot_interruptions_per_node_hour;
  c.spot_notice = p.spot_notice;
  return c;
}

models::Probe BindProbe(const Probe& p) {
  models::Probe m;
  m.enabled = p.enabled;
  m.initial_delay = p.initial_delay;
  m.period = p.period;
  m.timeout = p.timeout;
  m.failure_threshold = static_cast<int32_t>(p.failure_threshold);
  m.success_threshold = static_cast<int32_t>(p.success_threshold);
  return m;
}

models::IntOrPercent BindIntOrPercent(const IntOrPercent& v) {
  return {static_cast<int32_t>(v.value), v.percent};
}

models::WorkloadKind BindKind(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kDeployment: return models::WorkloadKind::kDeployment;
    case WorkloadKind::kStatefulSet: return models::WorkloadKind::kStatefulSet;
    case WorkloadKind::kJob: return models::WorkloadKind::kJob;
    case WorkloadKind::kCronJob: return models::WorkloadKind::kCronJob;
    case WorkloadKind::kDaemonSet: return models::WorkloadKind::kDaemonSet;
  }
  return models::WorkloadKind::kDeployment;
}

// CronJob schedules the simulator understands: "@hourly", "@daily",
// "*/N * * * *" (every N minutes) and "M * * * *" (hourly at minute M).
models::CronJobSpec BindCron(const std::string& schedule) {
  models::CronJobSpec c;
  if (schedule == "@daily") {
    c.every = sim::Duration::Hours(24);
  } else if (schedule.rfind("*/", 0) == 0) {
    c.every = sim::Duration::Minutes(std::max(1, std::atoi(schedule.c_str() + 2)));
  } else if (!schedule.empty() && std::isdigit(static_cast<unsigned char>(schedule[0]))) {
    c.every = sim::Duration::Hours(1);
    c.offset = sim::Duration::Minutes(std::atoi(schedule.c_str()) % 60);
  }
  return c;
}

models::WorkloadSpec BindWorkload(const Service& s, const Scenario& scenario) {
  models::WorkloadSpec w;
  w.kind = BindKind(s.kind);
  w.name = s.name;
  w.replicas = static_cast<int32_t>(s.replicas);
  models::PodTemplate& pod = w.pod;
  pod.version = s.version;
  pod.cpu_request_millicores = s.resources.cpu_request_millicores;
  pod.memory_request_bytes = s.resources.memory_request_bytes;
  pod.cpu_limit_millicores = s.resources.cpu_limit_millicores;
  pod.memory_limit_bytes = s.resources.memory_limit_bytes;
  pod.priority_class = s.priority_class;
  if (!s.node_pool.empty()) {
    pod.node_selector[models::kLabelPool] = s.node_pool;
    for (const auto& p : scenario.cluster.pools) {
      if (p.name != s.node_pool) continue;
      for (const auto& t : p.taints) {
        models::Taint taint = ParseTaint(t);
        models::Toleration tol;
        tol.key = taint.key;
        tol.value = taint.value;
        tol.effect = taint.effect;
        pod.tolerations.push_back(tol);
      }
    }
  }
  const auto key = [](Topology t) { return t == Topology::kZone ? models::kLabelZone : models::kLabelHostname; };
  const auto bind_terms = [&key](const std::vector<PodAffinitySpec>& terms, std::vector<models::PodAffinityTerm>& required,
                                 std::vector<models::PodAffinityTerm>& preferred) {
    for (const PodAffinitySpec& t : terms) {
      models::PodAffinityTerm term;
      term.workloads = t.services;  // empty: the service's own pods
      term.topology_key = key(t.topology);
      term.weight = static_cast<int32_t>(t.weight);
      (t.required ? required : preferred).push_back(std::move(term));
    }
  };
  bind_terms(s.affinity, pod.pod_affinity_required, pod.pod_affinity_preferred);
  bind_terms(s.anti_affinity, pod.pod_anti_affinity_required, pod.pod_anti_affinity_preferred);
  for (const SpreadSpec& c : s.topology_spread) {
    models::TopologySpreadConstraint spread;
    spread.max_skew = static_cast<int32_t>(c.max_skew);
    spread.topology_key = key(c.topology);
    spread.do_not_schedule = c.do_not_schedule;
    pod.topology_spread.push_back(spread);
  }
  // Like the scheduler's default constraints, only for pods that define none.
  if (s.spread_zones && s.topology_spread.empty()) {
    models::TopologySpreadConstraint spread;
    spread.max_skew = 1;
    spread.topology_key = models::kLabelZone;
    spread.do_not_schedule = false;  // ScheduleAnyway: prefer, never block
    pod.topology_spread.push_back(spread);
  }
  // startup_time is container start -> ready; real starts vary (image pull,
  // JIT), so draw within +-20% of it.
  pod.start = models::DurationDistribution::Uniform(s.startup_time * 4 / 5, s.startup_time * 6 / 5);
  pod.warmup = models::DurationDistribution::Fixed(s.performance.warmup);
  pod.startup_probe = BindProbe(s.probes.startup);
  pod.readiness_probe = BindProbe(s.probes.readiness);
  pod.liveness_probe = BindProbe(s.probes.liveness);
  pod.termination_grace_period = s.termination_grace;
  w.min_ready = s.rollout.min_ready;
  w.strategy.type = s.rollout.strategy == RolloutStrategy::kRecreate
                        ? models::DeploymentStrategyType::kRecreate
                        : models::DeploymentStrategyType::kRollingUpdate;
  w.strategy.max_surge = BindIntOrPercent(s.rollout.max_surge);
  w.strategy.max_unavailable = BindIntOrPercent(s.rollout.max_unavailable);
  w.strategy.progress_deadline = s.rollout.progress_deadline;
  w.job.completions = static_cast<int32_t>(s.completions);
  w.job.parallelism = static_cast<int32_t>(s.parallelism);
  w.job.run_time = models::DurationDistribution::Uniform(s.work * 4 / 5, s.work * 6 / 5);
  if (s.kind == WorkloadKind::kCronJob) w.cron = BindCron(s.schedule);
  return w;
}

models::WorkloadsConfig BindWorkloads(const Scenario& scenario) {
  models::WorkloadsConfig c;
  std::set<std::string> classes;
  for (const auto& s : scenario.services) {
    c.workloads.push_back(BindWorkload(s, scenario));
    if (s.pdb.enabled) {
      models::PdbSpec pdb;
      pdb.name = s.name;
      pdb.workloads = {s.name};
      if (s.pdb.min_available) pdb.min_available = BindIntOrPercent(*s.pdb.min_available);
      if (s.pdb.max_unavailable) pdb.max_unavailable = BindIntOrPercent(*s.pdb.max_unavailable);
      c.pdbs.push_back(pdb);
    }
    if (!s.priority_class.empty() && classes.insert(s.priority_class).second) {
      models::PriorityClassSpec pc;
      pc.name = s.priority_class;
      pc.value = static_cast<int32_t>(s.priority);
      c.priority_classes.push_back(pc);
    }
  }
  return c;
}

models::ClusterConfig BindCluster(const Scenario& scenario) {
  models::ClusterConfig c;
  c.zones = scenario.cluster.zones;
  c.warm_start = scenario.cluster.warm_start;
  for (const auto& p : scenario.cluster.pools) c.pools.push_back(BindPool(p));
  return c;
}

// ---------------------------------------------------------------- traffic

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;

// Start-relative time of a time of day (the next occurrence at or after the
// run's start).
sim::Time AtTimeOfDay(sim::Duration time_of_day, sim::Duration start_of_day) {
  int64_t delta = ((time_of_day.us - start_of_day.us) % kDayUs + kDayUs) % kDayUs;
  return sim::Time{delta};
}

// The traffic model's clock starts at 0; a scenario's hourly shape is by hour
// of day. Rotate it so index 0 is the hour the run starts in (whole hours).
std::vector<double> RotateHours(const std::vector<double>& by_hour_of_day,
                                sim::Duration start_of_day) {
  int64_t offset = (start_of_day.us / kHourUs) % 24;
  std::vector<double> out(24);
  for (int64_t h = 0; h < 24; ++h)
    out[static_cast<size_t>(h)] = by_hour_of_day[static_cast<size_t>((h + offset) % 24)];
  return out;
}

sim::Result<std::vector<tr::RatePoint>> ReadRateCsv(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "r");
  if (f == nullptr) return sim::Error{{path, 0, 0}, "cannot open the CSV load file"};
  std::vector<tr::RatePoint> points;
  char line[512];
  int line_no = 0;
  sim::Errors errors;
  while (std::fgets(line, sizeof line, f) != nullptr) {
    ++line_no;
    double t_s = 0, rps = 0;
    if (std::sscanf(line, "%lf,%lf", &t_s, &rps) == 2) {
      points.push_back({sim::Time{static_cast<int64_t>(std::llround(t_s * 1e6))}, rps});
    } else if (line_no > 1 && line[0] != '\n' && line[0] != '#') {
      errors.push_back({{path, line_no, 1}, "expected `time_s,rps`"});
    }
  }
  std::fclose(f);
  if (!errors.empty()) return errors;
  if (points.empty()) return sim::Error{{path, 1, 1}, "expected at least one `time_s,rps` row"};
  return points;
}

sim::Result<tr::LoadProfile> BindProfile(const EntryPoint& e, const TrafficSpec& traffic) {
  tr::LoadProfile p;
  const LoadProfile& in = e.profile;
  sim::Duration start = traffic.start_time_of_day;
  switch (in.type) {
    case ProfileType::kConstant:
      p.base_rps = in.rps;
      break;
    case ProfileType::kDiurnal: {
      // Cosine day between `rps` (the trough, 12 h from the peak) and
      // `peak_rps` at `peak_at`; values sit at hour midpoints.
      std::vector<double> by_hour(24);
      double peak_h = in.peak_at.seconds() / 3600.0;
      for (int h = 0; h < 24; ++h) {
        double phase = 2 * std::numbers::pi * (h + 0.5 - peak_h) / 24.0;
        by_hour[static_cast<size_t>(h)] = in.rps + (in.peak_rps - in.rps) * (1 + std::cos(phase)) / 2;
      }
      p.base_rps = 1.0;
      p.hourly_shape = RotateHours(by_hour, start);
      break;
    }
    case ProfileType::kFlashCrowd: {
      p.base_rps = in.rps;
      tr::FlashCrowd flash;
      flash.start = AtTimeOfDay(in.peak_at, start);
      flash.multiplier = in.rps > 0 ? std::max(1.0, in.peak_rps / in.rps) : 1.0;
      p.flash_crowds.push_back(flash);
      break;
    }
    case ProfileType::kCsv: {
      auto points = ReadRateCsv(in.csv_file);
      if (!points.ok()) return points.errors();
      p.base_rps = 1.0;
      p.replay = std::move(points.value());
      break;
    }
  }
  // Scenario peaks add rps at the top; the model's peaks multiply. Convert
  // with the rate the profile has at the top of the peak: 300 rps + 600 at
  // the top -> multiplier 3.
  std::vector<tr::Peak> peaks;
  for (const auto& k : e.peaks) {
    tr::Peak peak;
    peak.start = sim::Time{k.at.us};
    peak.ramp = k.ramp;
    peak.hold = k.hold;
    peak.decay = k.decay;
    double base = tr::RateAt(p, peak.start + k.ramp);
    peak.multiplier = base > 0 ? (base + k.rps) / base : 1.0;
    peaks.push_back(peak);
  }
  p.peaks = std::move(peaks);
  return p;
}

tr::VersionProfile VersionOf(const PerformanceProfile& v, const PerformanceProfile& base) {
  tr::VersionProfile out;
  out.cpu_multiplier = base.cpu_per_request.us > 0
                           ? static_cast<double>(v.cpu_per_request.us) /
                                 static_cast<double>(base.cpu_per_request.us)
                           : 1.0;
  out.error_fraction = v.error_ratio;
  return out;
}

tr::ServiceProfile BindServiceProfile(const Service& s) {
  const PerformanceProfile& perf = s.performance;
  tr::ServiceProfile p;
  p.name = s.name;
  p.cpu_per_request = {tr::LatencyDistribution::Kind::kExponential,
                       static_cast<double>(perf.cpu_per_request.us) / 1000.0, 1.0};
  p.workers_per_pod = static_cast<int>(std::max<int64_t>(1, perf.concurrency));
  p.base_latency = perf.base_latency;
  p.queue_capacity = static_cast<int>(perf.queue_capacity);
  p.timeout = perf.timeout;
  p.retry.attempts = static_cast<int>(perf.retries + 1);
  p.retry.backoff_base = perf.retry_backoff;
  p.warmup = perf.warmup;
  p.versions[s.version] = VersionOf(perf, perf);
  for (const auto& [version, profile] : s.versions) p.versions[version] = VersionOf(profile, perf);
  return p;
}

sim::Result<tr::TrafficConfig> BindTraffic(const Scenario& scenario, Fidelity fidelity) {
  tr::TrafficConfig c;
  sim::Errors errors;
  for (const auto& e : scenario.traffic.entry_points) {
    tr::EntryPoint ep;
    ep.name = e.name;
    ep.target_service = e.service;
    auto profile = BindProfile(e, scenario.traffic);
    if (!profile.ok()) {
      errors.insert(errors.end(), profile.errors().begin(), profile.errors().end());
      continue;
    }
    ep.load = std::move(profile.value());
    c.entry_points.push_back(std::move(ep));
  }
  if (!errors.empty()) return errors;
  std::map<std::string, size_t> index;
  for (const auto& s : scenario.services) {
    if (s.kind == WorkloadKind::kJob || s.kind == WorkloadKind::kCronJob ||
        s.kind == WorkloadKind::kDaemonSet)
      continue;  // batch and node agents take no requests
    index[s.name] = c.services.size();
    c.services.push_back(BindServiceProfile(s));
  }
  std::set<std::string> externals;
  for (const auto& s : scenario.services) {
    for (const auto& call : s.calls) {
      tr::CallEdge edge;
      edge.from = s.name;
      edge.to = call.to;
      edge.calls_per_request = call.per_request;
      if (call.async) {
        edge.mode = tr::CallMode::kAsync;
        edge.queue = call.to + ".queue";
        if (auto it = index.find(call.to); it != index.end())
          c.services[it->second].consumes_queue = edge.queue;
      }
      if (!index.count(call.to) && externals.insert(call.to).second) {
        tr::ExternalDependency ext;
        ext.name = call.to;
        c.externals.push_back(ext);
      }
      c.edges.push_back(edge);
    }
  }
  c.fidelity = fidelity == Fidelity::kRequest ? tr::Fidelity::kRequest : tr::Fidelity::kFluid;
  c.tick = scenario.tick;
  return c;
}

// ---------------------------------------------------------------- timeline

models::FaultRecord RecordOf(const models::World& world, const Fault& fault,
                             std::string target, std::string detail) {
  return {world.sim().now().seconds(), ToString(fault.type), std::move(target), std::move(detail)};
}

std::string ZoneOrPool(const Fault& f) { return !f.zone.empty() ? f.zone : f.pool; }

// Replaces a pool's nodes `max_unavailable` at a time: surge new nodes, drain
// the old ones through the eviction API (PDBs respected), delete them, next.
void StartPoolUpgrade(ClusterModel& cluster, int32_t pool, int32_t batch) {
  struct State {
    std::vector<models::NodeId> old_nodes;
    size_t next = 0;
    int32_t in_flight = 0;
  };
  auto state = std::make_shared<State>();
  state->old_nodes = cluster.PoolNodes(pool);
  auto step = std::make_shared<std::function<void()>>();
  std::weak_ptr<std::function<void()>> self = step;
  *step = [&cluster, pool, batch, state, self]() {
    auto again = self.lock();
    if (!again) return;
    if (state->next >= state->old_nodes.size()) return;
    int32_t n = std::min<int32_t>(batch, static_cast<int32_t>(state->old_nodes.size() - state->next));
    cluster.AddNodes(pool, n);
    state->in_flight = n;
    for (int32_t i = 0; i < n; ++i) {
      models::NodeId node = state->old_nodes[state->next++];
      models::DrainOptions options;
      options.respect_pdb = true;
      options.timeout = sim::Duration::Minutes(15);
      options.delete_node_when_drained = true;
      cluster.Drain(node, options, [state, again](models::DrainOutcome) {
        if (--state->in_flight == 0) (*again)();
      });
    }
  };
  (*step)();
}

constexpr double kWalletCallsPerRound = 2.3;

// Present when the wallet engines run beside the cluster rather than in its
// pods: cluster faults must then be forwarded to the wallet explicitly.
class WalletStandalone final : public models::Component {};

sim::Result<bool> ApplyFault(models::World& world, const Fault& fault) {
  auto* cluster_c = world.Find<ClusterComponent>();
  auto* timeline = world.Find<TimelineComponent>();
  auto fail = [&](const std::string& what) -> sim::Result<bool> {
    return sim::Error{fault.mark, std::string(ToString(fault.type)) + ": " + what};
  };
  if (cluster_c == nullptr) return fail("the world has no cluster");
  ClusterModel& cluster = cluster_c->model();
  std::string detail;
  switch (fault.type) {
    case FaultType::kZoneOutage: {
      sim::Duration d = fault.duration.us > 0 ? fault.duration : world.end_time() - world.sim().now();
      auto* wallet = world.Find<models::wallet::WalletLoop>();
      std::string zone = fault.zone;
      if (zone == kZoneOfWalletPrimary) {
        if (wallet == nullptr || wallet->primary() < 0) return fail("the wallet has no primary right now");
        zone = wallet->zone(wallet->primary());
      }
      cluster.ZoneOutage(zone, d);
      if (wallet != nullptr && world.Find<WalletStandalone>() != nullptr) wallet->FailZone(zone);
      detail = zone + " down for " + sim::FormatDuration(d);
      break;
    }
    case FaultType::kNodeFailure: {
      int32_t pool = cluster.PoolIndex(fault.pool);
      if (pool < 0) return fail("unknown pool `" + fault.pool + "`");
      std::vector<models::NodeId> nodes = cluster.PoolNodes(pool);
      sim::Rng rng = world.sim().Stream("faults/node-failure/" + fault.pool);
      int64_t n = std::min<int64_t>(fault.count, static_cast<int64_t>(nodes.size()));
      for (int64_t i = 0; i < n; ++i) {  // partial Fisher-Yates: a seeded choice
        size_t j = static_cast<size_t>(i) + static_cast<size_t>(rng.Below(nodes.size() - static_cast<size_t>(i)));
        std::swap(nodes[static_cast<size_t>(i)], nodes[j]);
        models::NodeId node = nodes[static_cast<size_t>(i)];
        cluster.FailNode(node);
        if (fault.duration.us > 0) {
          world.sim().ScheduleIn(fault.duration, world.sim().RegisterKind("fault.node_recover"), node,
                                 [&cluster, node] { cluster.RecoverNode(node); });
        }
      }
      detail = std::to_string(n) + " node(s) lost";
      break;
    }
    case FaultType::kSpotStorm: {
      int32_t pool = cluster.PoolIndex(fault.pool);
      if (pool < 0) return fail("unknown pool `" + fault.pool + "`");
      cluster.SpotStorm(pool, fault.fraction);
      detail = std::to_string(static_cast<int>(std::lround(fault.fraction * 100))) + "% of the pool reclaimed";
      break;
    }
    case FaultType::kBadRelease: {
      models::WorkloadId w = cluster.FindWorkload(fault.service);
      if (w == models::kNoId) return fail("unknown service `" + fault.service + "`");
      cluster.SetTemplateVersion(w, fault.version);
      detail = "release " + fault.version;
      break;
    }
    case FaultType::kPoolUpgrade: {
      int32_t pool = cluster.PoolIndex(fault.pool);
      if (pool < 0) return fail("unknown pool `" + fault.pool + "`");
      int64_t size = static_cast<int64_t>(cluster.PoolNodes(pool).size());
      int32_t batch = static_cast<int32_t>(std::max<int64_t>(1, fault.max_unavailable.Resolve(size, false)));
      StartPoolUpgrade(cluster, pool, batch);
      detail = "drain " + std::to_string(size) + " node(s), " + std::to_string(batch) + " at a time";
      break;
    }
    case FaultType::kWalletPrimaryLoss:
    case FaultType::kDiskFault:
    case FaultType::kPartition: {
      auto* wallet = world.Find<models::wallet::WalletLoop>();
      if (wallet == nullptr) return fail("the scenario has no wallet (wallet.enabled: false)");
      if (fault.type == FaultType::kWalletPrimaryLoss) {
        if (wallet->primary() < 0) return fail("the wallet has no primary right now");
        detail = "primary wallet-" + std::to_string(wallet->primary()) + " lost";
        wallet->FailPrimary("wallet-primary-loss");
      } else if (fault.type == FaultType::kPartition) {
        if (fault.zones.size() != 2) return fail("a partition needs exactly two zones");
        sim::Duration d = fault.duration.us > 0 ? fault.duration : world.end_time() - world.sim().now();
        wallet->Partition(fault.zones[0], fault.zones[1], d);
        detail = fault.zones[0] + " <-> " + fault.zones[1] + " cut for " + sim::FormatDuration(d);
      } else {
        int32_t ordinal = wallet->primary();
        if (!fault.target.empty()) {
          auto dash = fault.target.rfind('-');
          ordinal = std::atoi(fault.target.c_str() + (dash == std::string::npos ? 0 : dash + 1));
        }
        if (ordinal < 0 || ordinal >= wallet->pods() || !wallet->alive(ordinal))
          return fail("no live wallet pod `" + (fault.target.empty() ? "primary" : fault.target) + "`");
        const std::string pod = "wallet-" + std::to_string(ordinal);
        using models::wallet::DiskFault;
        switch (fault.mode) {
          case DiskFaultMode::kSlowFsync: {
            sim::Duration d = fault.duration.us > 0 ? fault.duration : world.end_time() - world.sim().now();
            wallet->SlowDisk(ordinal, fault.slow_by, d);
            detail = "fsync +" + sim::FormatDuration(fault.slow_by) + " on " + pod;
            break;
          }
          case DiskFaultMode::kFsyncError: wallet->DamageDisk(ordinal, DiskFault::kFsyncError); break;
          case DiskFaultMode::kTornWrite: wallet->DamageDisk(ordinal, DiskFault::kTornWrite); break;
          case DiskFaultMode::kLostWrite: wallet->DamageDisk(ordinal, DiskFault::kLostWrite); break;
          case DiskFaultMode::kBitFlip: wallet->DamageDisk(ordinal, DiskFault::kBitFlip); break;
          case DiskFaultMode::kFullDisk: wallet->DamageDisk(ordinal, DiskFault::kFullDisk); break;
        }
        if (detail.empty()) detail = std::string(ToString(fault.mode)) + " on " + pod;
      }
      break;
    }
  }
  world.sim().recorder().Log(world.sim().now(), "FaultInjected",
                             std::string(ToString(fault.type)) + "/" +
                                 (fault.service.empty() ? ZoneOrPool(fault) : fault.service),
                             detail);
  if (timeline != nullptr)
    timeline->Record(RecordOf(world, fault, fault.service.empty() ? ZoneOrPool(fault) : fault.service, detail));
  return true;
}

// ---------------------------------------------------------------- autoscaling

namespace as = models::autoscaling;

as::MetricSpec BindMetric(const HpaMetric& m) {
  as::MetricSpec spec;
  switch (m.type) {
    case HpaMetricType::kCpu:
    case HpaMetricType::kMemory:
      spec.type = as::MetricSourceType::kResource;
      spec.name = m.type == HpaMetricType::kCpu ? "cpu" : "memory";
      spec.target_type = as::MetricTargetType::kUtilization;
      spec.target_utilization_percent = static_cast<int32_t>(std::lround(m.target_utilization * 100));
      break;
    case HpaMetricType::kRequestsPerPod:
      spec.type = as::MetricSourceType::kPods;
      spec.name = "requests_per_second";
      spec.target_type = as::MetricTargetType::kAverageValue;
      spec.target_milli = std::llround(m.target_average_value * 1000);  // Quantity milli units
      break;
    case HpaMetricType::kExternal:
      spec.type = as::MetricSourceType::kExternal;
      spec.name = m.name;
      spec.target_type = as::MetricTargetType::kAverageValue;
      spec.target_milli = std::llround(m.target_average_value * 1000);
      break;
  }
  return spec;
}

// A behavior direction is "given" when the scenario states a window or a
// policy list; otherwise the HPA uses the legacy path (kubernetes.md §1.7).
std::optional<as::ScalingRules> BindRules(const HpaRules& r) {
  if (!r.stabilization_window && r.policies.empty() && r.select_policy == SelectPolicy::kMax)
    return std::nullopt;
  as::ScalingRules out;
  if (r.stabilization_window)
    out.stabilization_window_seconds = static_cast<int32_t>(r.stabilization_window->us / 1000000);
  out.select_policy = r.select_policy == SelectPolicy::kMin       ? as::SelectPolicy::kMin
                      : r.select_policy == SelectPolicy::kDisabled ? as::SelectPolicy::kDisabled
                                                                   : as::SelectPolicy::kMax;
  if (!r.policies.empty()) {
    std::vector<as::ScalingPolicy> policies;
    for (const auto& p : r.policies)
      policies.push_back({p.type == HpaPolicyType::kPods ? as::ScalingPolicyType::kPods
                                                         : as::ScalingPolicyType::kPercent,
                          static_cast<int32_t>(p.value), static_cast<int32_t>(p.period.us / 1000000)});
    out.policies = std::move(policies);
  }
  return out;
}

as::AutoscalingConfig BindAutoscaling(const Scenario& scenario) {
  as::AutoscalingConfig c;
  for (const auto& s : scenario.services) {
    if (!s.hpa.enabled) continue;
    as::HpaConfig h;
    h.name = s.name;
    h.target = s.name;
    h.min_replicas = static_cast<int32_t>(s.hpa.min_replicas);
    h.max_replicas = static_cast<int32_t>(s.hpa.max_replicas);
    for (const auto& m : s.hpa.metrics) h.metrics.push_back(BindMetric(m));
    auto up = BindRules(s.hpa.scale_up);
    auto down = BindRules(s.hpa.scale_down);
    if (up || down) {
      as::HpaBehavior behavior;
      if (up) behavior.scale_up = *up;
      if (down) behavior.scale_down = *down;
      h.behavior = behavior;
    }
    c.hpas.push_back(std::move(h));
  }
  const ClusterAutoscalerSpec& ca = scenario.cluster.autoscaler;
  c.cluster_autoscaler.enabled = ca.enabled;
  c.cluster_autoscaler.scan_interval = ca.scan_interval;
  switch (ca.expander) {
    case Expander::kLeastWaste: c.cluster_autoscaler.expanders = {as::ExpanderKind::kLeastWaste}; break;
    case Expander::kRandom: c.cluster_autoscaler.expanders = {as::ExpanderKind::kRandom}; break;
    case Expander::kMostPods: c.cluster_autoscaler.expanders = {as::ExpanderKind::kMostPods}; break;
    case Expander::kLeastNodes: c.cluster_autoscaler.expanders = {as::ExpanderKind::kLeastNodes}; break;
    case Expander::kPrice: c.cluster_autoscaler.expanders = {as::ExpanderKind::kPrice}; break;
    case Expander::kPriority: c.cluster_autoscaler.expanders = {as::ExpanderKind::kPriority}; break;
  }
  c.cluster_autoscaler.scale_down_delay_after_add = ca.scale_down_delay_after_add;
  c.cluster_autoscaler.scale_down_unneeded_time = ca.scale_down_unneeded_time;
  c.cluster_autoscaler.scale_down_utilization_threshold = ca.scale_down_utilization_threshold;
  c.cluster_autoscaler.max_node_provision_time = ca.max_node_provision_time;
  return c;
}

// ---------------------------------------------------------------- wallet


models::wallet::WalletLoopConfig BindWallet(const Scenario& scenario) {
  const WalletSpec& w = scenario.wallet;
  models::wallet::WalletLoopConfig c;
  c.service = w.service;
  switch (w.replication) {
    case Replication::kAsync: c.replication = models::wallet::ReplicationMode::kAsync; break;
    case Replication::kSync: c.replication = models::wallet::ReplicationMode::kSync; break;
    case Replication::kQuorum: c.replication = models::wallet::ReplicationMode::kQuorum; break;
  }
  c.replicas = static_cast<int32_t>(w.replicas);
  c.zones = !w.zones.empty() ? w.zones : scenario.cluster.zones;
  c.failover.ttl = w.failover.ttl;
  c.failover.loop_wait = w.failover.loop_wait;
  c.failover.retry_timeout = w.failover.retry_timeout;
  c.failover.maximum_lag_on_failover_bytes = w.failover.maximum_lag_on_failover_bytes;
  c.group_commit_max_batch = w.group_commit_max_batch;
  c.group_commit_max_delay = w.group_commit_max_delay;
  c.fsync_latency = w.fsync_latency;
  c.replication_latency = w.replication_latency;
  c.players = w.players;
  // sampling 0.01 = one player in 100 has real money moving.
  c.sample_one_in = w.sampling > 0 ? std::max<int64_t>(1, std::llround(1.0 / w.sampling)) : 1;
  c.retry_with_fresh_key = w.retry_with_fresh_key;
  c.snapshot_interval = w.backups.snapshot_interval;
  c.archive_interval = w.backups.archive_interval;
  c.restore_bytes_per_s = static_cast<double>(w.backups.restore_bytes_per_s);
  c.backups_kept = static_cast<int32_t>(w.backups.kept);
  return c;
}

// The scenario's timeline, owned by the world so that scheduled events can
// refer to it by index (events capture a pointer and an index, no copies).
class ScenarioTimeline final : public models::Component {
 public:
  ScenarioTimeline(std::vector<Fault> f, std::vector<Release> r)
      : faults(std::move(f)), releases(std::move(r)) {}
  const std::vector<Fault> faults;
  const std::vector<Release> releases;
};

}  // namespace

sim::Result<std::unique_ptr<models::World>> BuildWorld(const Scenario& scenario,
                                                       const BuildOptions& options) {
  uint64_t seed = options.seed.value_or(scenario.seed);
  Fidelity fidelity = options.fidelity.value_or(scenario.fidelity);
  auto world = std::make_unique<models::World>(seed, scenario.duration, scenario.sample_interval);
  sim::Simulation& sim = world->sim();

  world->Emplace<TimelineComponent>();
  auto& cluster = world->Emplace<ClusterComponent>(std::make_unique<ClusterModel>(
      sim, BindCluster(scenario), BindWorkloads(scenario), &world->usage()));

  auto traffic_config = BindTraffic(scenario, fidelity);
  if (!traffic_config.ok()) return traffic_config.errors();
  if (!traffic_config->entry_points.empty()) {
    auto traffic = tr::TrafficModel::Create(sim, world->usage(), std::move(traffic_config.value()));
    if (!traffic.ok()) return traffic.errors();
    auto& component = world->Emplace<TrafficComponent>(std::move(traffic.value()));
    cluster.model().AddEndpointListener(&component.model());
    if (scenario.cluster.warm_start) {
      // The warm cluster's pods become Ready through a chain of events at
      // t = 0; players arrive one microsecond later, when the platform is up.
      tr::TrafficModel* model = &component.model();
      sim.Schedule(sim::Time{1}, sim.RegisterKind("traffic.start"), 0, [model] { model->Start(); });
    } else {
      component.model().Start();
    }
  }

  // After the traffic model, so its first usage writes precede the first
  // metrics scrape at equal times (scheduling order breaks ties).
  auto autoscaling = BindAutoscaling(scenario);
  if (!autoscaling.hpas.empty() || autoscaling.cluster_autoscaler.enabled) {
    world->Emplace<models::AutoscalingComponent>(std::make_unique<as::AutoscalingModel>(
        sim, cluster.model(), world->usage(), autoscaling));
  }

  if (scenario.wallet.enabled) {
    models::wallet::WalletLoopConfig config = BindWallet(scenario);
    auto* traffic = world->Find<TrafficComponent>();
    bool served = false;
    if (traffic != nullptr)
      for (const auto& svc : traffic->model().config().services) served = served || svc.name == config.service;
    if (served) {
      const tr::TrafficModel* model = &traffic->model();
      std::string service = config.service;
      // Each game round makes about 2.3 wallet calls (bet, settle, end round,
      // the odd cashier call: the wallet loop's own mix), so rounds started
      // per second = wallet requests per second / 2.3.
      config.bets_per_s_fn = [model, service](sim::Time t) {
        return model->ArrivalRate(service, t) / kWalletCallsPerRound;
      };
    }
    auto& wallet = world->Emplace<models::wallet::WalletLoop>(sim, std::move(config));
    const Service* host = scenario.FindService(scenario.wallet.service);
    if (host != nullptr && host->kind == WorkloadKind::kStatefulSet) {
      // The wallet StatefulSet's pods host the engines: they arrive, move
      // and die with the cluster.
      cluster.model().AddEndpointListener(&wallet);
      wallet.StartTraffic();
    } else {
      world->Emplace<WalletStandalone>();
      wallet.StartStandalone();
    }
  }

  models::World* w = world.get();
  auto& timeline = world->Emplace<ScenarioTimeline>(scenario.faults, scenario.releases);
  const ScenarioTimeline* t = &timeline;
  auto fault_kind = sim.RegisterKind("scenario.fault");
  for (size_t i = 0; i < t->faults.size(); ++i) {
    sim.Schedule(sim::Time{t->faults[i].at.us}, fault_kind, i, [w, t, i] {
      const Fault& fault = t->faults[i];
      auto applied = ApplyFault(*w, fault);
      if (!applied.ok())
        w->sim().recorder().Log(w->sim().now(), "FaultSkipped", ToString(fault.type),
                                applied.error().ToString());
    });
  }
  auto release_kind = sim.RegisterKind("scenario.release");
  for (size_t i = 0; i < t->releases.size(); ++i) {
    sim.Schedule(sim::Time{t->releases[i].at.us}, release_kind, i, [w, t, i] {
      const Release& release = t->releases[i];
      auto& c = w->Find<ClusterComponent>()->model();
      models::WorkloadId id = c.FindWorkload(release.service);
      if (id != models::kNoId) c.SetTemplateVersion(id, release.version);
    });
  }
  return world;
}

sim::Result<bool> InjectFault(models::World& world, const Fault& fault) {
  return ApplyFault(world, fault);
}

}  // namespace rehearsal::scenarios
