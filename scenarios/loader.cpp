#include "scenarios/loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <tuple>

#include "scenarios/manifests.h"
#include "scenarios/yaml_spec.h"
#include "sim/random.h"

namespace rehearsal::scenarios {

using namespace spec;  // NOLINT: the key tables read better without the prefix
namespace slo = models::slo;

const char* ToString(Fidelity f) { return f == Fidelity::kFluid ? "fluid" : "request"; }
const char* ToString(WorkloadKind k) {
  switch (k) {
    case WorkloadKind::kDeployment: return "Deployment";
    case WorkloadKind::kStatefulSet: return "StatefulSet";
    case WorkloadKind::kJob: return "Job";
    case WorkloadKind::kCronJob: return "CronJob";
    case WorkloadKind::kDaemonSet: return "DaemonSet";
  }
  return "?";
}
const char* ToString(FaultType t) {
  switch (t) {
    case FaultType::kZoneOutage: return "zone-outage";
    case FaultType::kNodeFailure: return "node-failure";
    case FaultType::kSpotStorm: return "spot-storm";
    case FaultType::kBadRelease: return "bad-release";
    case FaultType::kWalletPrimaryLoss: return "wallet-primary-loss";
    case FaultType::kDiskFault: return "disk-fault";
    case FaultType::kPartition: return "partition";
    case FaultType::kPoolUpgrade: return "pool-upgrade";
  }
  return "?";
}
const char* ToString(DiskFaultMode m) {
  switch (m) {
    case DiskFaultMode::kSlowFsync: return "slow-fsync";
    case DiskFaultMode::kFsyncError: return "fsync-error";
    case DiskFaultMode::kTornWrite: return "torn-write";
    case DiskFaultMode::kLostWrite: return "lost-write";
    case DiskFaultMode::kBitFlip: return "bit-flip";
    case DiskFaultMode::kFullDisk: return "full-disk";
  }
  return "?";
}
const char* ToString(Replication r) {
  switch (r) {
    case Replication::kAsync: return "async";
    case Replication::kSync: return "sync";
    case Replication::kQuorum: return "quorum";
  }
  return "?";
}
const char* ToString(RolloutStrategy s) {
  switch (s) {
    case RolloutStrategy::kRollingUpdate: return "RollingUpdate";
    case RolloutStrategy::kRecreate: return "Recreate";
    case RolloutStrategy::kCanary: return "Canary";
    case RolloutStrategy::kBlueGreen: return "BlueGreen";
  }
  return "?";
}
const char* ToString(CapacityType c) { return c == CapacityType::kSpot ? "spot" : "on-demand"; }

namespace {

// ---- small kinds that need scenario types ---------------------------------

Kind<IntOrPercent> IntOrPct() {
  return {[](const YAML::Node& n, Ctx& ctx, IntOrPercent& out) {
            const char* expected = "a count such as 2 or a percentage such as 25%";
            if (n.IsScalar()) {
              const std::string& s = n.Scalar();
              bool pct = !s.empty() && s.back() == '%';
              std::string digits = pct ? s.substr(0, s.size() - 1) : s;
              bool ok = !digits.empty() && digits.size() < 10;
              for (char c : digits) ok = ok && c >= '0' && c <= '9';
              if (ok) {
                out = {std::stoll(digits), pct};
                if (!pct || out.value <= 100) return true;
              }
            }
            ctx.Error(n, "found " + Describe(n) + ", expected " + expected);
            return false;
          },
          "{\"type\": [\"string\", \"integer\"], \"pattern\": \"^[0-9]+%?$\", \"minimum\": 0}"};
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s;
}

std::vector<std::string> ServiceNames(const Scenario& s) {
  std::vector<std::string> names;
  for (const auto& svc : s.services) names.push_back(svc.name);
  return names;
}

// "found 'x' in <what>, expected one of the <kind>: a, b (did you mean 'a'?)"
void UnknownRef(Ctx& ctx, const YAML::Node& n, const std::string& kind,
                const std::vector<std::string>& known) {
  std::string close = Closest(n.IsScalar() ? n.Scalar() : "", known);
  std::string msg = "found " + Describe(n) + ", expected one of the " + kind + " (" +
                    (known.empty() ? std::string("none defined") : Join(known)) + ")";
  if (!close.empty()) msg += " (did you mean '" + close + "'?)";
  ctx.Error(n, msg);
}

// ---- the key tables ---------------------------------------------------------

struct Specs {
  ObjectSpec<ClusterAutoscalerSpec> autoscaler{"the cluster autoscaler"};
  ObjectSpec<NodePool> pool{"a node pool"};
  ObjectSpec<ClusterSpec> cluster{"the cluster"};
  ObjectSpec<Resources> requests{"resource requests"};
  ObjectSpec<Resources> limits{"resource limits"};
  ObjectSpec<Resources> resources{"resources"};
  ObjectSpec<Probe> probe{"a probe"};
  ObjectSpec<Probes> probes{"probes"};
  ObjectSpec<PerformanceProfile> performance{"a performance profile"};
  ObjectSpec<Call> call{"a call"};
  ObjectSpec<HpaMetric> hpa_metric{"an HPA metric"};
  ObjectSpec<HpaPolicy> hpa_policy{"an HPA scaling policy"};
  ObjectSpec<HpaRules> hpa_rules{"HPA scaling rules"};
  ObjectSpec<HpaSpec> hpa_behavior{"HPA behavior"};
  ObjectSpec<HpaSpec> hpa{"an HPA"};
  ObjectSpec<PdbSpec> pdb{"a PodDisruptionBudget"};
  ObjectSpec<CanaryStep> canary_step{"a canary step"};
  ObjectSpec<RolloutSpec> analysis{"rollout analysis"};
  ObjectSpec<RolloutSpec> rollout{"a rollout strategy"};
  ObjectSpec<PodAffinitySpec> affinity_term{"a pod (anti-)affinity term"};
  ObjectSpec<SpreadSpec> spread{"a topology spread constraint"};
  ObjectSpec<Service> service{"a service"};
  ObjectSpec<LoadProfile> profile{"a load profile"};
  ObjectSpec<Peak> peak{"a peak"};
  ObjectSpec<EntryPoint> entry_point{"an entry point"};
  ObjectSpec<TrafficSpec> traffic{"traffic"};
  ObjectSpec<FailoverSpec> failover{"failover settings"};
  ObjectSpec<BackupSpec> backups{"backup and point-in-time-restore settings"};
  ObjectSpec<WalletSpec> group_commit{"group commit"};
  ObjectSpec<WalletSpec> wallet{"the wallet"};
  ObjectSpec<Release> release{"a release"};
  ObjectSpec<Fault> fault{"a fault"};
  ObjectSpec<slo::Objective> objective{"an SLO"};
  ObjectSpec<Scenario> scenario{"a scenario"};

  Specs();
};

Specs::Specs() {
  autoscaler
      .Add("enabled", &ClusterAutoscalerSpec::enabled, Bool(), "run the cluster autoscaler")
      .Add("expander", &ClusterAutoscalerSpec::expander,
           Enum<Expander>({{"least-waste", Expander::kLeastWaste}, {"random", Expander::kRandom},
                           {"most-pods", Expander::kMostPods}, {"least-nodes", Expander::kLeastNodes},
                           {"price", Expander::kPrice}, {"priority", Expander::kPriority}}),
           "which node pool grows (default least-waste)")
      .Add("scan_interval", &ClusterAutoscalerSpec::scan_interval, Duration(), "default 10s")
      .Add("scale_down_delay_after_add", &ClusterAutoscalerSpec::scale_down_delay_after_add, Duration(),
           "default 10m")
      .Add("scale_down_unneeded_time", &ClusterAutoscalerSpec::scale_down_unneeded_time, Duration(),
           "default 10m")
      .Add("scale_down_utilization_threshold", &ClusterAutoscalerSpec::scale_down_utilization_threshold,
           Percent(), "default 50%")
      .Add("max_node_provision_time", &ClusterAutoscalerSpec::max_node_provision_time, Duration(),
           "default 15m");

  pool.Add("name", &NodePool::name, Name(), "pool name", true)
      .Add("instance_type", &NodePool::instance_type, String(), "e.g. m6i.2xlarge")
      .Add("provider", &NodePool::provider,
           Enum<std::string>({{"aws", "aws"}, {"gcp", "gcp"}, {"azure", "azure"}, {"generic", "generic"}}),
           "cloud provider (spot notice and behaviour)")
      .Add("cpu", &NodePool::cpu_millicores, Cpu(), "allocatable CPU per node")
      .Add("memory", &NodePool::memory_bytes, Memory(), "allocatable memory per node")
      .Add("max_pods", &NodePool::max_pods, Integer(1, 1000), "pods per node (default 110)")
      .Add("price_per_hour", &NodePool::price_per_hour_usd, Number(0, 1000), "USD per node-hour")
      .Add("capacity_type", &NodePool::capacity_type,
           Enum<CapacityType>({{"on-demand", CapacityType::kOnDemand}, {"spot", CapacityType::kSpot}}),
           "on-demand or spot")
      .Add("spot_interruptions_per_node_hour", &NodePool::spot_interruptions_per_node_hour,
           Number(0, 100), "background spot reclaim rate")
      .Add("spot_notice", &NodePool::spot_notice, Duration(), "warning before a reclaim (AWS 2m)")
      .Add("min", &NodePool::min_nodes, Integer(0, 10000), "fewest nodes")
      .Add("max", &NodePool::max_nodes, Integer(0, 10000), "most nodes")
      .Add("initial", &NodePool::initial_nodes, Integer(0, 10000), "nodes at t=0 (default min)")
      .Add("zones", &NodePool::zones, NameList(), "zones the pool spans (default all)")
      .Add("provisioning_delay", &NodePool::provisioning_delay, Duration(), "request -> node Ready")
      .Add("labels", &NodePool::labels, StringMap(), "node labels")
      .Add("taints", &NodePool::taints, StringList(), "key=value:Effect")
      .Check([](const YAML::Node& n, NodePool& p, Ctx& ctx) {
        p.mark = ctx.Mark(n);
        if (p.min_nodes > p.max_nodes)
          ctx.Error(n["min"], "found min " + std::to_string(p.min_nodes) + " above max " +
                                  std::to_string(p.max_nodes) + ", expected min <= max");
        if (p.initial_nodes >= 0 && (p.initial_nodes < p.min_nodes || p.initial_nodes > p.max_nodes))
          ctx.Error(n["initial"], "found initial " + std::to_string(p.initial_nodes) +
                                      ", expected a count between min and max");
        const auto& zones = ctx.scenario->cluster.zones;
        for (size_t i = 0; i < p.zones.size(); ++i)
          if (!Contains(zones, p.zones[i])) UnknownRef(ctx, n["zones"][i], "cluster zones", zones);
      });

  cluster.Add("zones", &ClusterSpec::zones, NameList(), "availability zones")
      .List("pools", &ClusterSpec::pools, &pool, "node pools")
      .Object("autoscaler", &ClusterSpec::autoscaler, &autoscaler, "cluster autoscaler settings")
      .Add("warm_start", &ClusterSpec::warm_start, Bool(),
           "initial pods already Ready at t = 0 (default true); false: cold start")
      .Check([](const YAML::Node& n, ClusterSpec& c, Ctx& ctx) {
        if (c.zones.empty()) ctx.Error(n["zones"], "found no zones, expected at least one zone");
        for (size_t i = 0; i < c.pools.size(); ++i)
          for (size_t j = 0; j < i; ++j)
            if (c.pools[i].name == c.pools[j].name)
              ctx.Error(n["pools"][i]["name"], "found a second pool '" + c.pools[i].name +
                                                   "', expected unique pool names");
      });

  requests.Add("cpu", &Resources::cpu_request_millicores, Cpu(), "CPU request")
      .Add("memory", &Resources::memory_request_bytes, Memory(), "memory request");
  limits.Add("cpu", &Resources::cpu_limit_millicores, Cpu(), "CPU limit (CFS throttling)")
      .Add("memory", &Resources::memory_limit_bytes, Memory(), "memory limit (OOM kill)");
  resources
      .Custom("requests", requests.Schema(),
              [this](const YAML::Node& n, Resources& r, Ctx& ctx) { requests.Parse(n, r, ctx); },
              "what the scheduler reserves", false, [this] { return ObjectSpec<Resources>::Prefix(".", requests.KeyPaths()); })
      .Custom("limits", limits.Schema(),
              [this](const YAML::Node& n, Resources& r, Ctx& ctx) { limits.Parse(n, r, ctx); },
              "caps", false, [this] { return ObjectSpec<Resources>::Prefix(".", limits.KeyPaths()); })
      .Check([](const YAML::Node& n, Resources& r, Ctx& ctx) {
        if (r.cpu_limit_millicores > 0 && r.cpu_limit_millicores < r.cpu_request_millicores)
          ctx.Error(n["limits"]["cpu"], "found a CPU limit below the request, expected limit >= request");
        if (r.memory_limit_bytes > 0 && r.memory_limit_bytes < r.memory_request_bytes)
          ctx.Error(n["limits"]["memory"], "found a memory limit below the request, expected limit >= request");
      });

  probe.Add("initial_delay", &Probe::initial_delay, Duration(), "initialDelaySeconds")
      .Add("period", &Probe::period, Duration(), "periodSeconds (default 10s)")
      .Add("timeout", &Probe::timeout, Duration(), "timeoutSeconds (default 1s)")
      .Add("failure_threshold", &Probe::failure_threshold, Integer(1, 100), "default 3")
      .Add("success_threshold", &Probe::success_threshold, Integer(1, 100), "default 1")
      .Check([](const YAML::Node&, Probe& p, Ctx&) { p.enabled = true; });
  probes.Object("readiness", &Probes::readiness, &probe, "readiness probe")
      .Object("liveness", &Probes::liveness, &probe, "liveness probe")
      .Object("startup", &Probes::startup, &probe, "startup probe");

  performance.Add("cpu_per_request", &PerformanceProfile::cpu_per_request, Duration(), "CPU time per request")
      .Add("concurrency", &PerformanceProfile::concurrency, Integer(1, 100000), "requests in flight per pod")
      .Add("base_latency", &PerformanceProfile::base_latency, Duration(), "latency not spent on CPU")
      .Add("timeout", &PerformanceProfile::timeout, Duration(), "client timeout")
      .Add("retries", &PerformanceProfile::retries, Integer(0, 10), "retries after a timeout or 5xx")
      .Add("retry_backoff", &PerformanceProfile::retry_backoff, Duration(), "first backoff (doubles)")
      .Add("queue_capacity", &PerformanceProfile::queue_capacity, Integer(0, 1000000), "queued requests per pod")
      .Add("error_rate", &PerformanceProfile::error_ratio, Percent(), "intrinsic error rate")
      .Add("warmup", &PerformanceProfile::warmup, Duration(), "slow period after start (JIT, caches)");

  call.Add("to", &Call::to, Name(), "callee service", true)
      .Add("per_request", &Call::per_request, Number(0, 1000), "calls per caller request")
      .Add("mode", &Call::async, Enum<bool>({{"sync", false}, {"async", true}}), "sync or async")
      .Check([](const YAML::Node& n, Call& c, Ctx& ctx) { c.mark = ctx.Mark(n); });

  hpa_metric
      .Add("type", &HpaMetric::type,
           Enum<HpaMetricType>({{"cpu", HpaMetricType::kCpu}, {"memory", HpaMetricType::kMemory},
                                {"requests_per_pod", HpaMetricType::kRequestsPerPod},
                                {"external", HpaMetricType::kExternal}}),
           "metric source", true)
      .Add("target_utilization", &HpaMetric::target_utilization, Percent(), "of requests (cpu, memory)")
      .Add("target_average_value", &HpaMetric::target_average_value, Number(0, 1e12), "per pod")
      .Add("name", &HpaMetric::name, String(), "external metric name")
      .Check([](const YAML::Node& n, HpaMetric& m, Ctx& ctx) {
        bool value_kind = m.type == HpaMetricType::kRequestsPerPod || m.type == HpaMetricType::kExternal;
        if (value_kind && !n["target_average_value"].IsDefined())
          ctx.Error(n, "found a " + std::string(m.type == HpaMetricType::kExternal ? "external" : "requests_per_pod") +
                           " metric without 'target_average_value', expected a per-pod target value");
        if (m.type == HpaMetricType::kExternal && m.name.empty())
          ctx.Error(n, "found an external metric without 'name', expected the metric's name");
        if (!value_kind && m.target_utilization <= 0)
          ctx.Error(n["target_utilization"], "found 0%, expected a utilization target above 0%");
      });
  hpa_policy
      .Add("type", &HpaPolicy::type, Enum<HpaPolicyType>({{"Pods", HpaPolicyType::kPods}, {"Percent", HpaPolicyType::kPercent}}),
           "Pods or Percent", true)
      .Add("value", &HpaPolicy::value, Integer(1, 100000), "pods or percent", true)
      .Add("period", &HpaPolicy::period, Duration(), "periodSeconds (default 15s)");
  hpa_rules
      .Add("stabilization_window", &HpaRules::stabilization_window, Optional(Duration()),
           "default 0 up, 5m down")
      .Add("select_policy", &HpaRules::select_policy,
           Enum<SelectPolicy>({{"Max", SelectPolicy::kMax}, {"Min", SelectPolicy::kMin},
                               {"Disabled", SelectPolicy::kDisabled}}),
           "default Max")
      .List("policies", &HpaRules::policies, &hpa_policy, "replace the default policies");
  hpa_behavior.Object("scale_up", &HpaSpec::scale_up, &hpa_rules, "scale-up rules")
      .Object("scale_down", &HpaSpec::scale_down, &hpa_rules, "scale-down rules");
  hpa.Add("min_replicas", &HpaSpec::min_replicas, Integer(0, 100000), "default 1")
      .Add("max_replicas", &HpaSpec::max_replicas, Integer(1, 100000), "upper bound", true)
      .List("metrics", &HpaSpec::metrics, &hpa_metric, "default: cpu 80%")
      .Custom("behavior", hpa_behavior.Schema(),
              [this](const YAML::Node& n, HpaSpec& h, Ctx& ctx) { hpa_behavior.Parse(n, h, ctx); },
              "autoscaling/v2 behavior", false,
              [this] { return ObjectSpec<HpaSpec>::Prefix(".", hpa_behavior.KeyPaths()); })
      .Add("tolerance", &HpaSpec::tolerance, Percent(), "default 10%")
      .Check([](const YAML::Node& n, HpaSpec& h, Ctx& ctx) {
        h.enabled = true;
        h.mark = ctx.Mark(n);
        if (h.min_replicas > h.max_replicas)
          ctx.Error(n["min_replicas"], "found min_replicas " + std::to_string(h.min_replicas) +
                                           " above max_replicas " + std::to_string(h.max_replicas) +
                                           ", expected min_replicas <= max_replicas");
      });

  pdb.Add("min_available", &PdbSpec::min_available, Optional(IntOrPct()), "pods that must stay available")
      .Add("max_unavailable", &PdbSpec::max_unavailable, Optional(IntOrPct()), "pods that may be down")
      .Check([](const YAML::Node& n, PdbSpec& p, Ctx& ctx) {
        p.enabled = true;
        if (n["min_available"].IsDefined() == n["max_unavailable"].IsDefined())
          ctx.Error(n, "found " + std::string(n["min_available"].IsDefined() ? "both" : "neither") +
                           " of min_available and max_unavailable, expected exactly one");
      });

  canary_step.Add("weight", &CanaryStep::weight, Percent(), "traffic to the new version", true)
      .Add("pause", &CanaryStep::pause, Duration(), "hold before the next step");
  analysis.Add("max_error_rate", &RolloutSpec::analysis_max_error_ratio, Percent(), "abort above")
      .Add("max_p99", &RolloutSpec::analysis_max_p99, Duration(), "abort above");
  rollout
      .Add("strategy", &RolloutSpec::strategy,
           Enum<RolloutStrategy>({{"RollingUpdate", RolloutStrategy::kRollingUpdate},
                                  {"Recreate", RolloutStrategy::kRecreate},
                                  {"Canary", RolloutStrategy::kCanary},
                                  {"BlueGreen", RolloutStrategy::kBlueGreen}}),
           "default RollingUpdate")
      .Add("max_surge", &RolloutSpec::max_surge, IntOrPct(), "default 25%")
      .Add("max_unavailable", &RolloutSpec::max_unavailable, IntOrPct(), "default 25%")
      .Add("min_ready", &RolloutSpec::min_ready, Duration(), "minReadySeconds")
      .Add("progress_deadline", &RolloutSpec::progress_deadline, Duration(), "default 10m")
      .List("steps", &RolloutSpec::steps, &canary_step, "canary steps")
      .Custom("analysis", analysis.Schema(),
              [this](const YAML::Node& n, RolloutSpec& r, Ctx& ctx) { analysis.Parse(n, r, ctx); },
              "automatic abort thresholds", false,
              [this] { return ObjectSpec<RolloutSpec>::Prefix(".", analysis.KeyPaths()); })
      .Check([](const YAML::Node& n, RolloutSpec& r, Ctx& ctx) {
        // Deployment validation: maxSurge and maxUnavailable cannot both be 0.
        if (r.max_surge.value == 0 && r.max_unavailable.value == 0)
          ctx.Error(n, "found max_surge 0 and max_unavailable 0, expected at least one above 0");
        if (r.strategy == RolloutStrategy::kCanary && r.steps.empty())
          ctx.Error(n, "found a Canary strategy without 'steps', expected a list of canary steps");
      });

  const auto topology = [] {
    return Enum<Topology>({{"hostname", Topology::kHostname}, {"zone", Topology::kZone}});
  };
  affinity_term.Add("topology", &PodAffinitySpec::topology, topology(), "hostname (a node) or zone", true)
      .Add("required", &PodAffinitySpec::required, Bool(), "a hard rule (default: preferred)")
      .Add("weight", &PodAffinitySpec::weight, Integer(1, 100), "preferred terms: score weight")
      .Add("services", &PodAffinitySpec::services, StringList(), "whose pods (default: its own)")
      .Check([](const YAML::Node& n, PodAffinitySpec& t, Ctx& ctx) {
        t.mark = ctx.Mark(n);
        if (t.required && n.IsMap() && n["weight"].IsDefined())
          ctx.Error(n["weight"], "found a weight on a required term, expected weight only on preferred terms");
      });
  spread.Add("topology", &SpreadSpec::topology, topology(), "hostname (a node) or zone", true)
      .Add("max_skew", &SpreadSpec::max_skew, Integer(1, 1000), "maxSkew")
      .Add("when_unsatisfiable", &SpreadSpec::do_not_schedule,
           Enum<bool>({{"DoNotSchedule", true}, {"ScheduleAnyway", false}}), "block or only prefer");

  service.Add("name", &Service::name, Name(), "service (workload) name", true)
      .Add("kind", &Service::kind,
           Enum<WorkloadKind>({{"Deployment", WorkloadKind::kDeployment},
                               {"StatefulSet", WorkloadKind::kStatefulSet}, {"Job", WorkloadKind::kJob},
                               {"CronJob", WorkloadKind::kCronJob}, {"DaemonSet", WorkloadKind::kDaemonSet}}),
           "workload kind")
      .Add("replicas", &Service::replicas, Integer(0, 100000), "initial replicas")
      .Add("version", &Service::version, String(), "version running at t=0")
      .Object("resources", &Service::resources, &resources, "requests and limits")
      .Object("probes", &Service::probes, &probes, "readiness, liveness, startup")
      .Add("startup_time", &Service::startup_time, Duration(), "container start -> ready")
      .Add("termination_grace", &Service::termination_grace, Duration(), "terminationGracePeriodSeconds")
      .Add("priority_class", &Service::priority_class, Name(), "PriorityClass name")
      .Add("priority", &Service::priority, Integer(-2147483648LL, 1000000000), "priority value")
      .Add("node_pool", &Service::node_pool, Name(), "pin to a node pool")
      .Add("spread_zones", &Service::spread_zones, Bool(), "topology spread over zones")
      .List("affinity", &Service::affinity, &affinity_term, "pod affinity: next to these pods")
      .List("anti_affinity", &Service::anti_affinity, &affinity_term, "pod anti-affinity: away from these pods")
      .List("topology_spread", &Service::topology_spread, &spread, "topologySpreadConstraints")
      .Object("performance", &Service::performance, &performance, "how a pod serves requests")
      .Custom("versions", "{\"type\": \"object\", \"additionalProperties\": " + performance.Schema() + "}",
              [this](const YAML::Node& n, Service& s, Ctx& ctx) {
                if (!n.IsMap()) {
                  ctx.Error(n, "found " + Describe(n) + ", expected a mapping of version -> performance profile");
                  return;
                }
                for (auto it = n.begin(); it != n.end(); ++it) {
                  // A version profile starts from the service's profile: only the
                  // differences need writing (a bad release: cpu_per_request x3).
                  PerformanceProfile p = s.performance;
                  ctx.path.push_back(it->first.Scalar());
                  performance.Parse(it->second, p, ctx);
                  ctx.path.pop_back();
                  s.versions[it->first.Scalar()] = p;
                }
              },
              "performance by version (bad releases)", false,
              [this] { return ObjectSpec<PerformanceProfile>::Prefix(".*.", performance.KeyPaths()); })
      .List("calls", &Service::calls, &call, "downstream calls")
      .Object("hpa", &Service::hpa, &hpa, "HorizontalPodAutoscaler")
      .Object("pdb", &Service::pdb, &pdb, "PodDisruptionBudget")
      .Object("rollout", &Service::rollout, &rollout, "rollout strategy")
      .Add("schedule", &Service::schedule, String(), "CronJob schedule")
      .Add("completions", &Service::completions, Integer(1, 100000), "Job completions")
      .Add("parallelism", &Service::parallelism, Integer(1, 100000), "Job parallelism")
      .Add("work", &Service::work, Duration(), "run time of one Job pod")
      .Check([](const YAML::Node& n, Service& s, Ctx& ctx) {
        s.mark = ctx.Mark(n);
        if (s.source.empty()) s.source = "scenario";
        if (s.kind == WorkloadKind::kCronJob && s.schedule.empty())
          ctx.Error(n, "found a CronJob without 'schedule', expected a cron schedule such as \"*/15 * * * *\"");
        if (s.hpa.enabled && (s.kind == WorkloadKind::kJob || s.kind == WorkloadKind::kCronJob ||
                              s.kind == WorkloadKind::kDaemonSet))
          ctx.Error(n["hpa"], std::string("found an HPA on a ") + ToString(s.kind) +
                                  ", expected HPAs only on Deployments and StatefulSets");
        if (!s.node_pool.empty()) {
          std::vector<std::string> pools;
          for (const auto& p : ctx.scenario->cluster.pools) pools.push_back(p.name);
          if (!Contains(pools, s.node_pool)) UnknownRef(ctx, n["node_pool"], "node pools", pools);
        }
      });

  profile
      .Add("type", &LoadProfile::type,
           Enum<ProfileType>({{"constant", ProfileType::kConstant}, {"diurnal", ProfileType::kDiurnal},
                              {"flash_crowd", ProfileType::kFlashCrowd}, {"csv", ProfileType::kCsv}}),
           "curve shape", true)
      .Add("rps", &LoadProfile::rps, Number(0, 1e9), "constant rate; diurnal minimum; flash-crowd base")
      .Add("peak_rps", &LoadProfile::peak_rps, Number(0, 1e9), "diurnal maximum; flash-crowd top")
      .Add("peak_at", &LoadProfile::peak_at, TimeOfDay(), "time of day of the diurnal maximum")
      .Custom("file", "{\"type\": \"string\"}",
              [](const YAML::Node& n, LoadProfile& p, Ctx& ctx) {
                if (!n.IsScalar()) {
                  ctx.Error(n, "found " + Describe(n) + ", expected a CSV file path");
                  return;
                }
                std::filesystem::path f = std::filesystem::path(ctx.base_dir) / n.Scalar();
                std::error_code ec;
                if (!std::filesystem::is_regular_file(f, ec)) {
                  ctx.Error(n, "found '" + n.Scalar() + "', expected a readable CSV file (t_s,rps)");
                  return;
                }
                p.csv_file = f.lexically_normal().string();
              },
              "CSV of t_s,rps (csv profile)")
      .Check([](const YAML::Node& n, LoadProfile& p, Ctx& ctx) {
        if (p.type == ProfileType::kCsv && !n["file"].IsDefined())
          ctx.Error(n, "found a csv profile without 'file', expected a CSV file path");
        if ((p.type == ProfileType::kDiurnal || p.type == ProfileType::kFlashCrowd) && p.peak_rps < p.rps)
          ctx.Error(n, "found peak_rps below rps, expected peak_rps >= rps");
      });

  peak.Add("at", &Peak::at, At(), "start (45m or 20:45)", true)
      .Add("rps", &Peak::rps, Number(0, 1e9), "added at the top", true)
      .Add("ramp", &Peak::ramp, Duration(), "rise time")
      .Add("hold", &Peak::hold, Duration(), "time at the top")
      .Add("decay", &Peak::decay, Duration(), "fall time");

  entry_point.Add("name", &EntryPoint::name, Name(), "entry point name", true)
      .Add("service", &EntryPoint::service, Name(), "first service called", true)
      .Object("profile", &EntryPoint::profile, &profile, "load curve")
      .List("peaks", &EntryPoint::peaks, &peak, "bumps on top of the curve")
      .Check([](const YAML::Node& n, EntryPoint& e, Ctx& ctx) {
        e.mark = ctx.Mark(n);
        if (!e.service.empty() && !ctx.scenario->FindService(e.service))
          UnknownRef(ctx, n["service"], "services", ServiceNames(*ctx.scenario));
      });

  traffic
      .Custom("start", TimeOfDay().schema,
              [](const YAML::Node& n, TrafficSpec& t, Ctx& ctx) {
                if (TimeOfDay().parse(n, ctx, t.start_time_of_day)) ctx.start_time_of_day = t.start_time_of_day;
              },
              "time of day at t=0 (default 18:00)")
      .List("entry_points", &TrafficSpec::entry_points, &entry_point, "where requests enter");

  backups.Add("snapshot_interval", &BackupSpec::snapshot_interval, Duration(), "base backup period (default 1h)")
      .Add("archive_interval", &BackupSpec::archive_interval, Duration(),
           "log archiving period: the RPO of a restore (default 5m)")
      .Add("restore_bandwidth", &BackupSpec::restore_bytes_per_s, Memory(),
           "bytes per second a restore reads and replays (default 100M)")
      .Add("kept", &BackupSpec::kept, Integer(1, 1000), "base backups retained (default 2)")
      .Check([](const YAML::Node& n, BackupSpec& b, Ctx& ctx) {
        if (b.snapshot_interval.us <= 0)
          ctx.Error(n["snapshot_interval"], "found a zero snapshot_interval, expected a positive duration");
        if (b.archive_interval.us <= 0)
          ctx.Error(n["archive_interval"], "found a zero archive_interval, expected a positive duration");
        if (b.restore_bytes_per_s <= 0)
          ctx.Error(n["restore_bandwidth"], "found a zero restore_bandwidth, expected bytes per second");
      });
  failover.Add("ttl", &FailoverSpec::ttl, Duration(), "leader lease (Patroni ttl, default 30s)")
      .Add("loop_wait", &FailoverSpec::loop_wait, Duration(), "HA loop period (default 10s)")
      .Add("retry_timeout", &FailoverSpec::retry_timeout, Duration(), "DCS retry timeout (default 10s)")
      .Add("maximum_lag_on_failover", &FailoverSpec::maximum_lag_on_failover_bytes, Memory(),
           "a standby further behind is not promoted (default 1Mi)")
      .Check([](const YAML::Node& n, FailoverSpec& f, Ctx& ctx) {
        // Patroni requires loop_wait + 2 * retry_timeout <= ttl, or the leader
        // can lose its lease while still retrying: 10 + 2*10 <= 30.
        if (f.loop_wait + f.retry_timeout * 2 > f.ttl)
          ctx.Error(n, "found loop_wait + 2 x retry_timeout = " + sim::FormatDuration(f.loop_wait + f.retry_timeout * 2) +
                           " above ttl " + sim::FormatDuration(f.ttl) +
                           ", expected loop_wait + 2 x retry_timeout <= ttl (Patroni)");
      });
  group_commit.Add("max_batch", &WalletSpec::group_commit_max_batch, Integer(1, 100000), "records per flush")
      .Add("max_delay", &WalletSpec::group_commit_max_delay, Duration(), "wait for a fuller batch");
  wallet.Add("enabled", &WalletSpec::enabled, Bool(), "real ledger in the loop (default true)")
      .Add("service", &WalletSpec::service, Name(), "the service fronting the ledger")
      .Add("replication", &WalletSpec::replication,
           Enum<Replication>({{"async", Replication::kAsync}, {"sync", Replication::kSync},
                              {"quorum", Replication::kQuorum}}),
           "log-shipping mode")
      .Add("replicas", &WalletSpec::replicas, Integer(1, 9), "primary + standbys")
      .Add("zones", &WalletSpec::zones, NameList(), "zones of the replicas")
      .Object("failover", &WalletSpec::failover, &failover, "Patroni-like failover")
      .Custom("group_commit", group_commit.Schema(),
              [this](const YAML::Node& n, WalletSpec& w, Ctx& ctx) { group_commit.Parse(n, w, ctx); },
              "WAL group commit", false,
              [this] { return ObjectSpec<WalletSpec>::Prefix(".", group_commit.KeyPaths()); })
      .Add("fsync_latency", &WalletSpec::fsync_latency, Duration(), "disk flush time")
      .Add("replication_latency", &WalletSpec::replication_latency, Duration(), "one-way link to a standby")
      .Add("players", &WalletSpec::players, Integer(1, 1000000000), "player accounts")
      .Add("sampling", &WalletSpec::sampling, Percent(), "share of players whose money really moves")
      .Add("retry_with_fresh_key", &WalletSpec::retry_with_fresh_key, Bool(),
           "anti-pattern: a client retry gets a new idempotency key")
      .Object("backups", &WalletSpec::backups, &backups, "base backups, log archive, restore")
      .Check([](const YAML::Node& n, WalletSpec& w, Ctx& ctx) {
        if (!n["enabled"].IsDefined()) w.enabled = true;
        if (!w.enabled) return;
        if (!ctx.scenario->FindService(w.service))
          UnknownRef(ctx, n["service"].IsDefined() ? n["service"] : n, "services", ServiceNames(*ctx.scenario));
        const auto& zones = ctx.scenario->cluster.zones;
        for (size_t i = 0; i < w.zones.size(); ++i)
          if (!Contains(zones, w.zones[i])) UnknownRef(ctx, n["zones"][i], "cluster zones", zones);
        if (w.replication != Replication::kAsync && w.replicas < 2)
          ctx.Error(n["replicas"].IsDefined() ? n["replicas"] : n,
                    std::string("found ") + ToString(w.replication) +
                        " replication with 1 replica, expected at least 2 replicas");
      });

  release.Add("at", &Release::at, At(), "when (45m or 20:45)", true)
      .Add("service", &Release::service, Name(), "which service", true)
      .Add("version", &Release::version, String(), "the new version", true)
      .Check([](const YAML::Node& n, Release& r, Ctx& ctx) {
        r.mark = ctx.Mark(n);
        if (!r.service.empty() && !ctx.scenario->FindService(r.service))
          UnknownRef(ctx, n["service"], "services", ServiceNames(*ctx.scenario));
      });

  fault
      .Add("type", &Fault::type,
           Enum<FaultType>({{"zone-outage", FaultType::kZoneOutage}, {"node-failure", FaultType::kNodeFailure},
                            {"spot-storm", FaultType::kSpotStorm}, {"bad-release", FaultType::kBadRelease},
                            {"wallet-primary-loss", FaultType::kWalletPrimaryLoss},
                            {"disk-fault", FaultType::kDiskFault}, {"partition", FaultType::kPartition},
                            {"pool-upgrade", FaultType::kPoolUpgrade}}),
           "what goes wrong", true)
      .Add("at", &Fault::at, At(), "when (45m or 20:45)", true)
      .Add("duration", &Fault::duration, Duration(), "how long (0: until the end)")
      .Add("zone", &Fault::zone, Name(),
           "zone-outage: a cluster zone, or wallet-primary (the zone hosting the wallet primary then)")
      .Add("pool", &Fault::pool, Name(), "node-failure, spot-storm, pool-upgrade")
      .Add("service", &Fault::service, Name(), "bad-release")
      .Add("version", &Fault::version, String(), "bad-release")
      .Add("target", &Fault::target, String(), "disk-fault: a wallet replica (wallet-0)")
      .Add("count", &Fault::count, Integer(1, 10000), "node-failure: nodes")
      .Add("fraction", &Fault::fraction, Percent(), "spot-storm: share of the pool reclaimed")
      .Add("notice", &Fault::notice, Duration(), "spot-storm: warning time")
      .Add("mode", &Fault::mode,
           Enum<DiskFaultMode>({{"slow-fsync", DiskFaultMode::kSlowFsync}, {"fsync-error", DiskFaultMode::kFsyncError},
                                {"torn-write", DiskFaultMode::kTornWrite}, {"lost-write", DiskFaultMode::kLostWrite},
                                {"bit-flip", DiskFaultMode::kBitFlip}, {"full-disk", DiskFaultMode::kFullDisk}}),
           "disk-fault kind")
      .Add("slow_by", &Fault::slow_by, Duration(), "disk-fault slow-fsync: added latency")
      .Add("zones", &Fault::zones, NameList(), "partition: the two sides")
      .Add("max_unavailable", &Fault::max_unavailable, IntOrPct(), "pool-upgrade: nodes drained at once")
      .Check([](const YAML::Node& n, Fault& f, Ctx& ctx) {
        f.mark = ctx.Mark(n);
        if (!n["type"].IsDefined()) return;
        const Scenario& s = *ctx.scenario;
        auto need = [&](const char* key) {
          if (n[key].IsDefined()) return true;
          ctx.Error(n, std::string("found a ") + ToString(f.type) + " fault without '" + key + "', expected '" +
                           key + "'");
          return false;
        };
        std::vector<std::string> pools;
        for (const auto& p : s.cluster.pools) pools.push_back(p.name);
        switch (f.type) {
          case FaultType::kZoneOutage:
            if (need("zone") && f.zone == kZoneOfWalletPrimary) {
              if (!s.wallet.enabled)
                ctx.Error(n["zone"], "found zone 'wallet-primary' but the wallet is disabled, expected a cluster zone");
            } else if (!f.zone.empty() && !Contains(s.cluster.zones, f.zone)) {
              UnknownRef(ctx, n["zone"], "cluster zones", s.cluster.zones);
            }
            break;
          case FaultType::kNodeFailure:
          case FaultType::kSpotStorm:
          case FaultType::kPoolUpgrade:
            if (need("pool") && !Contains(pools, f.pool)) {
              UnknownRef(ctx, n["pool"], "node pools", pools);
            } else if (f.type == FaultType::kSpotStorm) {
              for (const auto& p : s.cluster.pools)
                if (p.name == f.pool && p.capacity_type != CapacityType::kSpot)
                  ctx.Error(n["pool"], "found on-demand pool '" + f.pool + "', expected a spot pool for a spot-storm");
            }
            break;
          case FaultType::kBadRelease:
            if (need("service") && !s.FindService(f.service)) UnknownRef(ctx, n["service"], "services", ServiceNames(s));
            need("version");
            break;
          case FaultType::kWalletPrimaryLoss:
            if (!s.wallet.enabled) ctx.Error(n, "found a wallet-primary-loss fault, expected a 'wallet' section");
            break;
          case FaultType::kDiskFault:
            if (!s.wallet.enabled) ctx.Error(n, "found a disk-fault, expected a 'wallet' section (disks are the ledger's)");
            need("target");
            break;
          case FaultType::kPartition:
            if (need("zones")) {
              if (f.zones.size() != 2) ctx.Error(n["zones"], "found " + std::to_string(f.zones.size()) +
                                                                 " zones, expected exactly 2 (the two sides)");
              for (size_t i = 0; i < f.zones.size(); ++i)
                if (!Contains(s.cluster.zones, f.zones[i])) UnknownRef(ctx, n["zones"][i], "cluster zones", s.cluster.zones);
            }
            break;
        }
        if (f.at >= s.duration)
          ctx.Error(n["at"], "found a fault at " + sim::FormatDuration(f.at) + ", expected a time before the end (" +
                                 sim::FormatDuration(s.duration) + ")");
      });

  objective.Add("name", &slo::Objective::name, String(), "SLO name", true)
      .Add("sli", &slo::Objective::sli,
           Enum<slo::SliKind>({{"latency", slo::SliKind::kLatency}, {"error_rate", slo::SliKind::kErrorRate},
                               {"availability", slo::SliKind::kAvailability},
                               {"rpo_transfers", slo::SliKind::kRpoTransfers},
                               {"rpo_seconds", slo::SliKind::kRpoSeconds}, {"rto", slo::SliKind::kRto},
                               {"cost_per_hour", slo::SliKind::kCostPerHour},
                               {"cost_per_run", slo::SliKind::kCostPerRun},
                               {"pending_pod_time", slo::SliKind::kPendingPodTime},
                               {"rollout_duration", slo::SliKind::kRolloutDuration}}),
           "the indicator", true)
      .Add("target", &slo::Objective::target, Name(), "service or entry point (default: all)")
      .Add("percentile", &slo::Objective::percentile, Number(1, 99.99), "latency percentile (50, 95, 99)")
      .Custom("objective", "{\"type\": [\"string\", \"number\"]}",
              [](const YAML::Node& n, slo::Objective& o, Ctx& ctx) {
                // The objective's unit follows the SLI: latency "250ms",
                // availability "99.9%", cost 120 (USD), rpo_transfers 0.
                switch (o.sli) {
                  case slo::SliKind::kLatency: {
                    sim::Duration d;
                    if (Duration().parse(n, ctx, d)) o.threshold = static_cast<double>(d.us) / 1000.0;
                    break;
                  }
                  case slo::SliKind::kRpoSeconds:
                  case slo::SliKind::kRto:
                  case slo::SliKind::kPendingPodTime:
                  case slo::SliKind::kRolloutDuration: {
                    sim::Duration d;
                    if (Duration().parse(n, ctx, d)) o.threshold = d.seconds();
                    break;
                  }
                  case slo::SliKind::kErrorRate:
                  case slo::SliKind::kAvailability:
                    Percent().parse(n, ctx, o.threshold);
                    break;
                  case slo::SliKind::kRpoTransfers: {
                    int64_t v = 0;
                    if (Integer(0, 1000000000).parse(n, ctx, v)) o.threshold = static_cast<double>(v);
                    break;
                  }
                  case slo::SliKind::kCostPerHour:
                  case slo::SliKind::kCostPerRun:
                    Number(0, 1e12).parse(n, ctx, o.threshold);
                    break;
                }
              },
              "the bound: 250ms (latency), 99.9% (availability), 0 (rpo_transfers), 120 (USD)", true)
      .Add("window", &slo::Objective::window, Duration(), "also hold over every rolling window")
      .Add("burn_rate_alerts", &slo::Objective::burn_rate_alerts, Bool(), "14.4x/1h+5m and 6x/6h+30m alerts")
      .Check([](const YAML::Node& n, slo::Objective& o, Ctx& ctx) {
        if (o.target.empty()) return;
        const Scenario& s = *ctx.scenario;
        std::vector<std::string> known = ServiceNames(s);
        for (const auto& e : s.traffic.entry_points) known.push_back(e.name);
        if (!Contains(known, o.target)) UnknownRef(ctx, n["target"], "services and entry points", known);
      });

  scenario.Add("name", &Scenario::name, String(), "scenario name", true)
      .Add("description", &Scenario::description, String(), "what it rehearses and teaches")
      .Add("duration", &Scenario::duration, Duration(), "simulated time (default 1h)")
      .Add("seed", &Scenario::seed, Seed(), "random seed (default 1)")
      .Add("fidelity", &Scenario::fidelity,
           Enum<Fidelity>({{"fluid", Fidelity::kFluid}, {"request", Fidelity::kRequest}}),
           "fluid (rates per tick) or request (every request an event)")
      .Add("sample_interval", &Scenario::sample_interval, Duration(), "time-series sampling (default 10s)")
      .Add("tick", &Scenario::tick, Duration(), "fluid tick (default 1s)")
      .Custom("manifests", "{\"type\": \"array\", \"items\": {\"type\": \"string\"}}",
              [](const YAML::Node& n, Scenario& s, Ctx& ctx) {
                if (!n.IsSequence()) {
                  ctx.Error(n, "found " + Describe(n) + ", expected a list of Kubernetes YAML files");
                  return;
                }
                for (size_t i = 0; i < n.size(); ++i) {
                  if (!n[i].IsScalar()) {
                    ctx.Error(n[i], "found " + Describe(n[i]) + ", expected a file path");
                    continue;
                  }
                  std::string path = (std::filesystem::path(ctx.base_dir) / n[i].Scalar()).lexically_normal().string();
                  s.manifests.push_back(path);
                  LoadManifestFile(path, ctx.Mark(n[i]), s, ctx.errors);
                }
              },
              "Kubernetes YAML files (Deployment, StatefulSet, HPA v2, PDB, PriorityClass)")
      .Object("cluster", &Scenario::cluster, &cluster, "zones, node pools, autoscaler")
      .Custom("services", "{\"type\": \"array\", \"items\": " + service.Schema() + "}",
              [this](const YAML::Node& n, Scenario& s, Ctx& ctx) {
                if (!n.IsSequence()) {
                  ctx.Error(n, "found " + Describe(n) + ", expected a list of services");
                  return;
                }
                std::vector<std::string> seen;
                for (size_t i = 0; i < n.size(); ++i) {
                  const YAML::Node item = n[i];
                  std::string name = item.IsMap() && item["name"].IsScalar() ? item["name"].Scalar() : "";
                  ctx.path.push_back(ObjectSpec<Service>::ElementSegment(item, i));
                  if (!name.empty() && Contains(seen, name))
                    ctx.Error(item["name"], "found a second service '" + name + "', expected unique service names");
                  seen.push_back(name);
                  // A service already defined by a manifest is completed, not replaced:
                  // scenario entries add what manifests lack (performance, calls).
                  Service* existing = nullptr;
                  for (auto& svc : s.services)
                    if (!name.empty() && svc.name == name) existing = &svc;
                  if (existing) {
                    service.Parse(item, *existing, ctx);
                  } else {
                    Service v;
                    service.Parse(item, v, ctx);
                    s.services.push_back(std::move(v));
                  }
                  ctx.path.pop_back();
                }
                // Calls and (anti-)affinity terms may point forward: checked once all services exist.
                std::vector<std::string> names = ServiceNames(s);
                // Each element of service i's list `key`, or its field `field` when given.
                const auto each = [&n](size_t i, const char* key, const char* field, auto&& f) {
                  const YAML::Node list = n[i].IsMap() ? n[i][key] : YAML::Node();
                  for (size_t j = 0; list.IsDefined() && list.IsSequence() && j < list.size(); ++j) {
                    const YAML::Node v = !field ? list[j] : list[j].IsMap() ? list[j][field] : YAML::Node();
                    if (v.IsDefined()) f(v);
                  }
                };
                const auto known = [&](const YAML::Node& ref) {
                  if (ref.IsScalar() && !Contains(names, ref.Scalar())) UnknownRef(ctx, ref, "services", names);
                };
                for (size_t i = 0; i < n.size(); ++i) {
                  each(i, "calls", "to", [&](const YAML::Node& to) {
                    known(to);
                    if (to.IsScalar() && n[i]["name"].IsDefined() && to.Scalar() == n[i]["name"].Scalar())
                      ctx.Error(to, "found a service calling itself, expected a call to another service");
                  });
                  for (const char* key : {"affinity", "anti_affinity"})
                    each(i, key, "services", [&](const YAML::Node& svcs) {
                      for (size_t k = 0; svcs.IsSequence() && k < svcs.size(); ++k) known(svcs[k]);
                    });
                }
              },
              "workloads and the services in front of them", false,
              [this] { return ObjectSpec<Service>::Prefix("[].", service.KeyPaths()); })
      .Object("traffic", &Scenario::traffic, &traffic, "entry points and load")
      .Object("wallet", &Scenario::wallet, &wallet, "the real ledger in the loop")
      .List("releases", &Scenario::releases, &release, "planned releases")
      .List("faults", &Scenario::faults, &fault, "the fault timeline")
      .List("slos", &Scenario::slos, &objective, "service level objectives")
      .Check([](const YAML::Node& n, Scenario& s, Ctx& ctx) {
        if (s.duration.us <= 0) ctx.Error(n["duration"], "found 0s, expected a positive duration");
        if (s.duration > sim::Duration::Hours(24 * 31))
          ctx.Error(n["duration"], "found " + sim::FormatDuration(s.duration) + ", expected at most 31d");
        if (s.sample_interval.us <= 0)
          ctx.Error(n["sample_interval"], "found 0s, expected a positive sample interval");
        if (s.tick.us <= 0) ctx.Error(n["tick"], "found 0s, expected a positive tick");
        for (size_t i = 0; i < s.slos.size(); ++i)
          for (size_t j = 0; j < i; ++j)
            if (s.slos[i].name == s.slos[j].name)
              ctx.Error(n["slos"][i]["name"], "found a second SLO '" + s.slos[i].name + "', expected unique SLO names");
        if (s.services.empty() && n.IsMap() && !n["services"].IsDefined() && !n["manifests"].IsDefined())
          ctx.Error(n, "found a scenario without 'services' or 'manifests', expected at least one service");
        for (const auto& r : s.releases)
          if (r.at >= s.duration)
            ctx.Error(r.mark, "found a release at " + sim::FormatDuration(r.at) + ", expected a time before the end (" +
                                  sim::FormatDuration(s.duration) + ")");
      });
}

const Specs& GetSpecs() {
  static const Specs* specs = new Specs();  // never destroyed: parsers hold pointers into it
  return *specs;
}

// ---- --set overrides --------------------------------------------------------

// Applies one "path=value" to the tree. Returns the canonical path (list
// elements named by `name`), or an error.
bool ApplySet(YAML::Node& root, const std::string& text, Ctx& ctx) {
  sim::SourceMark mark{"--set " + text, 0, 0};
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) {
    ctx.Error(mark, "found '" + text + "', expected path=value (e.g. services.gaming-api.replicas=8)");
    return false;
  }
  std::string path = text.substr(0, eq), value = text.substr(eq + 1);
  std::vector<std::string> segs;
  std::stringstream ss(path);
  for (std::string seg; std::getline(ss, seg, '.');) segs.push_back(seg);
  if (!root.IsMap()) {
    ctx.Error(mark, "found a scenario that is not a mapping, expected a mapping to apply --set to");
    return false;
  }
  YAML::Node cur;
  cur.reset(root);
  std::string canonical;
  for (size_t i = 0; i < segs.size(); ++i) {
    const std::string& seg = segs[i];
    if (seg.empty()) {
      ctx.Error(mark, "found an empty path segment in '" + path + "', expected keys separated by '.'");
      return false;
    }
    bool last = i + 1 == segs.size();
    if (cur.IsSequence()) {
      // A list element by name, or by index.
      YAML::Node found;
      bool have = false;
      std::string segname = seg;
      for (size_t k = 0; k < cur.size() && !have; ++k) {
        YAML::Node item = cur[k];
        if (item.IsMap() && item["name"].IsDefined() && item["name"].IsScalar() && item["name"].Scalar() == seg) {
          found.reset(item);
          have = true;
        }
      }
      if (!have && !seg.empty() && std::all_of(seg.begin(), seg.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        size_t k = std::stoul(seg);
        if (k < cur.size()) {
          found.reset(cur[k]);
          have = true;
          segname = ObjectSpec<Service>::ElementSegment(found, k);
        }
      }
      if (!have) {
        std::vector<std::string> names;
        for (size_t k = 0; k < cur.size(); ++k)
          if (cur[k].IsMap() && cur[k]["name"].IsDefined() && cur[k]["name"].IsScalar())
            names.push_back(cur[k]["name"].Scalar());
        std::string close = Closest(seg, names);
        ctx.Error(mark, "found no element '" + seg + "' in " + (canonical.empty() ? "the scenario" : canonical) +
                            ", expected a name (" + Join(names) + ") or an index" +
                            (close.empty() ? "" : " (did you mean '" + close + "'?)"));
        return false;
      }
      canonical += (canonical.empty() ? "" : ".") + segname;
      if (last) {
        ctx.Error(mark, "found a whole list element as the target, expected a key inside it");
        return false;
      }
      cur.reset(found);
      continue;
    }
    if (!cur.IsMap()) {
      ctx.Error(mark, "found " + Describe(cur) + " at '" + canonical + "', expected a mapping to descend into");
      return false;
    }
    canonical += (canonical.empty() ? "" : ".") + seg;
    if (last) {
      YAML::Node v;
      try {
        v = YAML::Load(value);
      } catch (const YAML::Exception&) {
        v = YAML::Node(value);
      }
      if (!v.IsDefined() || v.IsNull()) v = YAML::Node(value);
      cur[seg] = v;
    } else {
      YAML::Node next = cur[seg];
      if (!next.IsDefined() || next.IsNull()) {
        cur[seg] = YAML::Node(YAML::NodeType::Map);
        next = cur[seg];
      }
      cur.reset(next);
    }
  }
  ctx.overrides[canonical] = mark.file;
  return true;
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

sim::Result<Scenario> LoadScenarioText(const std::string& text, const std::string& file,
                                       const LoadOptions& options) {
  Ctx ctx;
  ctx.file = file;
  ctx.base_dir = std::filesystem::path(file).parent_path().string();
  if (ctx.base_dir.empty()) ctx.base_dir = ".";
  if (auto bad = spec::CheckYamlText(text, file)) return *bad;
  std::vector<YAML::Node> docs;
  try {
    docs = spec::LoadAllDocuments(text);
  } catch (const YAML::ParserException& e) {
    sim::SourceMark m{file, e.mark.line + 1, e.mark.column + 1};
    return sim::Error{m, "found invalid YAML (" + e.msg + "), expected a YAML mapping"};
  } catch (const YAML::Exception& e) {
    return sim::Error{{file, 0, 0}, "found invalid YAML (" + e.msg + "), expected a YAML mapping"};
  }
  if (docs.empty() || docs[0].IsNull()) return sim::Error{{file, 1, 1}, "found an empty file, expected a scenario"};
  if (docs.size() > 1) {
    return sim::Error{ctx.Mark(docs[1]), "found a second YAML document, expected one scenario per file"};
  }
  YAML::Node root = docs[0];
  if (!root.IsMap()) return sim::Error{ctx.Mark(root), "found " + Describe(root) + ", expected a scenario (a mapping)"};

  uint64_t digest = sim::StableHash(text);
  try {
    for (const auto& set : options.sets) {
      ApplySet(root, set, ctx);
      digest = (digest ^ sim::StableHash(set)) * 1099511628211ULL;
    }
    if (!ctx.errors.empty()) return ctx.errors;

    Scenario s;
    s.file = file;
    ctx.scenario = &s;
    GetSpecs().scenario.Parse(root, s, ctx);
    if (!ctx.errors.empty()) {
      // The scenario file's errors first, in reading order; then the others.
      std::stable_sort(ctx.errors.begin(), ctx.errors.end(), [&](const sim::Error& a, const sim::Error& b) {
        return std::make_tuple(a.mark.file != file, a.mark.file, a.mark.line, a.mark.column) <
               std::make_tuple(b.mark.file != file, b.mark.file, b.mark.line, b.mark.column);
      });
      return ctx.errors;
    }
    s.input_digest = Hex(digest);
    return s;
  } catch (const YAML::Exception& e) {
    // yaml-cpp only throws here on a broken tree (e.g. a key that is not a scalar).
    return sim::Error{{file, e.mark.line + 1, e.mark.column + 1}, "found " + e.msg + ", expected a scenario"};
  }
}

sim::Result<Scenario> LoadScenarioFile(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Error{{path, 0, 0}, "found no readable file, expected a scenario YAML file"};
  std::stringstream buf;
  buf << in.rdbuf();
  return LoadScenarioText(buf.str(), path, options);
}

std::string ScenarioJsonSchema() {
  std::string body = GetSpecs().scenario.Schema();
  // Put the $schema header in front of the generated object.
  return "{\"$schema\": \"https://json-schema.org/draft/2020-12/schema\", \"$id\": "
         "\"https://rehearsal.dev/schema/scenario/v1\", \"title\": \"Rehearsal scenario\", " +
         body.substr(1) + "\n";
}

std::vector<std::string> ScenarioKeyPaths() { return GetSpecs().scenario.KeyPaths(); }

}  // namespace rehearsal::scenarios
