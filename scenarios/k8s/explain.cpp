#include "scenarios/k8s/explain.h"

#include <algorithm>
#include <map>
#include <optional>
#include <sstream>

#include "models/autoscaling/hpa_normalizer.h"
#include "models/autoscaling/pdb_calculator.h"
#include "models/autoscaling/replica_calculator.h"
#include "scenarios/k8s/json_value.h"
#include "scenarios/k8s/k8s_objects.h"
#include "scenarios/k8s/quantity.h"

namespace rehearsal::scenarios {
namespace {

namespace as = models::autoscaling;
using k8s::JsonValue;
using k8s::K8sObject;

constexpr const char* kUsage =
    "usage: rehearse explain hpa --hpa HPA.yaml --target WORKLOAD.yaml --pods PODS.json\n"
    "                            --metrics PODMETRICS.json [--custom-metrics METRICS.json]...\n"
    "                            [--now RFC3339] [--history steady|fresh] [--json]\n"
    "       rehearse explain pdb --pdb PDB.yaml --pods PODS.json [--workload FILE]...\n"
    "                            [--now RFC3339] [--json]\n"
    "Files are Kubernetes objects as `kubectl get ... -o yaml|json` prints them.\n";

// Parsed flags: single-valued ones in `one`, repeatable ones in `many`.
struct Flags {
  std::map<std::string, std::string> one;
  std::map<std::string, std::vector<std::string>> many;
  bool json = false;
};

bool ParseFlags(const std::vector<std::string>& args, size_t from,
                const std::vector<std::string>& single, const std::vector<std::string>& repeated,
                Flags* flags, std::ostream& err) {
  for (size_t i = from; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--json") {
      flags->json = true;
      continue;
    }
    std::string name = a, value;
    bool has_value = false;
    if (auto eq = a.find('='); a.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = a.substr(0, eq);
      value = a.substr(eq + 1);
      has_value = true;
    }
    bool is_single = std::find(single.begin(), single.end(), name) != single.end();
    bool is_repeated = std::find(repeated.begin(), repeated.end(), name) != repeated.end();
    if (!is_single && !is_repeated) {
      err << "rehearse explain: unknown argument '" << a << "'\n" << kUsage;
      return false;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        err << "rehearse explain: " << name << " needs a value\n";
        return false;
      }
      value = args[++i];
    }
    if (is_single) {
      if (flags->one.count(name)) {
        err << "rehearse explain: " << name << " given twice\n";
        return false;
      }
      flags->one[name] = value;
    } else {
      flags->many[name].push_back(value);
    }
  }
  return true;
}

void PrintErrors(const sim::Errors& errors, std::ostream& err) {
  for (const auto& e : errors) err << e.ToString() << "\n";
}

sim::Error FileError(const std::string& file, const std::string& message) {
  return sim::Error{sim::SourceMark{file, 0, 0}, message};
}
sim::Error ObjectError(const K8sObject& o, const std::string& message) {
  return sim::Error{o.mark, message};
}

// Loads a file and checks every object is one of `kinds`.
std::optional<std::vector<K8sObject>> Load(const std::string& path,
                                           const std::vector<std::string>& kinds,
                                           const std::string& flag, sim::Errors* errors) {
  auto r = k8s::ParseK8sObjects(path);
  if (!r.ok()) {
    errors->insert(errors->end(), r.errors().begin(), r.errors().end());
    return std::nullopt;
  }
  bool bad = false;
  for (const auto& o : *r) {
    if (std::find(kinds.begin(), kinds.end(), o.kind) == kinds.end()) {
      std::string expected;
      for (size_t i = 0; i < kinds.size(); ++i)
        expected += (i ? (i + 1 == kinds.size() ? " or " : ", ") : "") + kinds[i];
      errors->push_back(ObjectError(o, ".kind: found " + o.kind + " (" + o.meta.name +
                                           "), expected " + expected + " for " + flag));
      bad = true;
    }
  }
  if (bad) return std::nullopt;
  return std::move(*r);
}

std::string Percent(int32_t p) { return std::to_string(p) + "%"; }

std::string Ratio(double r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", r);
  return buf;
}

// "now": --now, or the latest timestamp found among the metrics / pods.
struct Clock {
  int64_t now_us = 0;
  std::string source;
};

std::optional<Clock> ResolveNow(const Flags& flags, int64_t latest_us, const std::string& what,
                                sim::Errors* errors) {
  Clock c;
  if (auto it = flags.one.find("--now"); it != flags.one.end()) {
    auto t = k8s::ParseRfc3339Micros(it->second);
    if (!t) {
      errors->push_back(FileError("--now", "found '" + it->second +
                                               "', expected an RFC 3339 time such as "
                                               "2024-05-01T12:00:00Z"));
      return std::nullopt;
    }
    c.now_us = *t;
    c.source = "--now";
  } else {
    c.now_us = latest_us;
    c.source = what;
  }
  return c;
}

// ---------------------------------------------------------------- hpa

struct MetricExplanation {
  as::MetricSpec spec;
  as::ReplicaProposal proposal;
  std::string target_text;   // "50% utilization", "averageValue 30"
  std::string current_text;  // "62% (average 620m per pod)"
};

std::string TargetText(const as::MetricSpec& m) {
  switch (m.target_type) {
    case as::MetricTargetType::kUtilization:
      return Percent(m.target_utilization_percent) + " average utilization";
    case as::MetricTargetType::kValue: return "value " + k8s::FormatMilli(m.target_milli);
    case as::MetricTargetType::kAverageValue:
      return "average value " + k8s::FormatMilli(m.target_milli);
  }
  return "?";
}

struct HpaInputs {
  const K8sObject* hpa = nullptr;
  const K8sObject* target = nullptr;
  std::vector<as::HpaPod> pods;
  std::map<std::string, const k8s::K8sPodMetrics*> pod_metrics;
  std::vector<const K8sObject*> custom;  // MetricValue / ExternalMetricValue
  int64_t now_us = 0;
};

MetricExplanation ExplainMetric(const as::MetricSpec& m, const HpaInputs& in, int32_t current,
                                int32_t status_replicas, const as::CalculatorParams& params) {
  MetricExplanation e;
  e.spec = m;
  e.target_text = TargetText(m);
  sim::Time now = sim::Time::FromMicros(in.now_us);
  auto invalid = [&](const std::string& msg) {
    e.proposal = as::ReplicaProposal{};
    e.proposal.error = msg;
    return e;
  };
  switch (m.type) {
    case as::MetricSourceType::kResource:
    case as::MetricSourceType::kContainerResource: {
      if (m.name != "cpu" && m.name != "memory")
        return invalid("resource " + m.name + " is not reported by metrics-server");
      bool container_only = m.type == as::MetricSourceType::kContainerResource;
      as::PodSamples samples;
      for (const auto& [pod, pm] : in.pod_metrics) {
        int64_t sum = 0;
        bool found = !container_only;
        for (const auto& c : pm->containers) {
          if (container_only && c.name != m.container) continue;
          found = true;
          sum += m.name == "cpu" ? c.cpu_milli : c.memory_milli;
        }
        if (!found) continue;
        int64_t window = pm->window_us > 0 ? pm->window_us : 15000000;
        samples[pod] = as::PodSample{sum, sim::Time::FromMicros(pm->timestamp_us),
                                     sim::Duration::Micros(window)};
      }
      if (m.target_type == as::MetricTargetType::kUtilization) {
        as::PodRequests req = as::ComputeRequests(in.pods, m.name, container_only ? m.container : "");
        e.proposal = as::ResourceUtilizationReplicas(current, m.target_utilization_percent, m.name,
                                                     in.pods, samples, req, now, params);
        if (e.proposal.valid) {
          std::string avg = m.name == "cpu"
                                ? k8s::FormatMilli(e.proposal.current_value_milli) + " CPU"
                                : std::to_string(e.proposal.current_value_milli / 1000) + " bytes";
          e.current_text = Percent(*e.proposal.utilization_percent) + " of requests (average " +
                           avg + " per pod)";
        }
      } else {
        e.proposal = as::PlainMetricReplicas(current, m.target_milli, m.name, in.pods, samples, now,
                                             params);
        if (e.proposal.valid)
          e.current_text = "average " + k8s::FormatMilli(e.proposal.current_value_milli) + " per pod";
      }
      return e;
    }
    case as::MetricSourceType::kPods: {
      as::PodSamples samples;
      for (const K8sObject* o : in.custom) {
        const auto& v = std::get<k8s::K8sMetricValue>(o->body);
        if (o->kind != "MetricValue" || v.described_kind != "Pod" || v.metric_name != m.name)
          continue;
        samples[v.described_name] =
            as::PodSample{v.value_milli, sim::Time::FromMicros(v.timestamp_us), sim::Duration::Seconds(60)};
      }
      if (samples.empty())
        return invalid("no values of pods metric '" + m.name +
                       "' (give a custom.metrics.k8s.io MetricValueList with --custom-metrics)");
      e.proposal = as::PlainMetricReplicas(current, m.target_milli, "", in.pods, samples, now, params);
      if (e.proposal.valid)
        e.current_text = "average " + k8s::FormatMilli(e.proposal.current_value_milli) + " per pod";
      return e;
    }
    case as::MetricSourceType::kObject:
    case as::MetricSourceType::kExternal: {
      bool external = m.type == as::MetricSourceType::kExternal;
      std::optional<int64_t> value;
      for (const K8sObject* o : in.custom) {
        const auto& v = std::get<k8s::K8sMetricValue>(o->body);
        if (v.metric_name != m.name) continue;
        if (external) {
          if (o->kind != "ExternalMetricValue") continue;
          value = value.value_or(0) + v.value_milli;  // External: sum of the series
        } else {
          if (o->kind != "MetricValue" || v.described_kind + "/" + v.described_name != m.described_object)
            continue;
          value = v.value_milli;
        }
      }
      if (!value)
        return invalid(std::string("no value of ") + (external ? "external" : "object") + " metric '" +
                       m.name + "'" + (external ? "" : " for " + m.described_object) +
                       " (give it with --custom-metrics)");
      if (m.target_type == as::MetricTargetType::kValue) {
        e.proposal = as::ObjectValueReplicas(current, *value, m.target_milli,
                                             as::CountRunningReadyPods(in.pods), params);
        e.current_text = "value " + k8s::FormatMilli(*value);
      } else {
        e.proposal = as::ObjectAverageValueReplicas(current, status_replicas, *value, m.target_milli,
                                                    params);
        e.current_text = "value " + k8s::FormatMilli(*value) + " = " +
                         k8s::FormatMilli(e.proposal.current_value_milli) + " per replica over " +
                         std::to_string(status_replicas);
      }
      return e;
    }
  }
  return e;
}

std::string PolicyText(const as::ScalingPolicy& p) {
  return (p.type == as::ScalingPolicyType::kPods ? "Pods " + std::to_string(p.value)
                                                 : "Percent " + std::to_string(p.value) + "%") +
         " per " + std::to_string(p.period_seconds) + "s";
}

std::string RulesText(const as::ResolvedRules& r) {
  std::string s = "window " + std::to_string(r.stabilization_window_seconds) + "s, selectPolicy " +
                  (r.select_policy == as::SelectPolicy::kMax   ? "Max"
                   : r.select_policy == as::SelectPolicy::kMin ? "Min"
                                                               : "Disabled") +
                  ", policies [";
  for (size_t i = 0; i < r.policies.size(); ++i) s += (i ? ", " : "") + PolicyText(r.policies[i]);
  return s + "]";
}

int ExplainHpa(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Flags flags;
  if (!ParseFlags(args, 1, {"--hpa", "--target", "--pods", "--metrics", "--now", "--history"},
                  {"--custom-metrics"}, &flags, err))
    return 2;
  for (const char* required : {"--hpa", "--target", "--pods", "--metrics"}) {
    if (!flags.one.count(required)) {
      err << "rehearse explain hpa: " << required << " is required\n" << kUsage;
      return 2;
    }
  }
  std::string history_mode = flags.one.count("--history") ? flags.one["--history"] : "steady";
  if (history_mode != "steady" && history_mode != "fresh") {
    err << "rehearse explain hpa: --history: found '" << history_mode
        << "', expected steady or fresh\n";
    return 2;
  }
  sim::Errors errors;
  auto hpa_objs = Load(flags.one["--hpa"], {"HorizontalPodAutoscaler"}, "--hpa", &errors);
  auto target_objs =
      Load(flags.one["--target"], {"Deployment", "StatefulSet", "ReplicaSet"}, "--target", &errors);
  auto pod_objs = Load(flags.one["--pods"], {"Pod"}, "--pods", &errors);
  auto metric_objs = Load(flags.one["--metrics"], {"PodMetrics"}, "--metrics", &errors);
  std::vector<std::vector<K8sObject>> custom_files;
  for (const auto& f : flags.many["--custom-metrics"]) {
    auto c = Load(f, {"MetricValue", "ExternalMetricValue"}, "--custom-metrics", &errors);
    if (c) custom_files.push_back(std::move(*c));
  }
  if (!errors.empty()) {
    PrintErrors(errors, err);
    return 2;
  }
  if (hpa_objs->size() != 1) {
    err << flags.one["--hpa"] << ": expected exactly one HorizontalPodAutoscaler, found "
        << hpa_objs->size() << "\n";
    return 2;
  }
  HpaInputs in;
  in.hpa = &hpa_objs->front();
  const auto& hpa = std::get<k8s::K8sHpa>(in.hpa->body);
  for (const auto& o : *target_objs)
    if (o.kind == hpa.target_kind && o.meta.name == hpa.target_name) in.target = &o;
  if (in.target == nullptr) {
    const K8sObject& first = target_objs->front();
    PrintErrors({sim::Error{first.mark, ".metadata.name: " + first.Ref() +
                                            " is not the HPA's scale target: " +
                                            in.hpa->meta.name + " has spec.scaleTargetRef " +
                                            hpa.target_kind + "/" + hpa.target_name + " (" +
                                            flags.one["--hpa"] + ")"}},
                err);
    return 2;
  }
  if (in.target->meta.namespace_ != in.hpa->meta.namespace_) {
    PrintErrors({ObjectError(*in.target, ".metadata.namespace: " + in.target->meta.namespace_ +
                                             " differs from the HPA's namespace " +
                                             in.hpa->meta.namespace_)},
                err);
    return 2;
  }
  const auto& workload = std::get<k8s::K8sWorkload>(in.target->body);
  // Pods: all must belong to the target (selector + namespace).
  for (const auto& o : *pod_objs) {
    if (o.meta.namespace_ != in.hpa->meta.namespace_ || !workload.selector.Matches(o.meta.labels)) {
      errors.push_back(ObjectError(
          o, ".metadata.labels: pod " + o.meta.namespace_ + "/" + o.meta.name +
                 " does not match the selector of " + in.target->Ref() + " (" +
                 workload.selector.ToString() + "); list only its pods: kubectl get pods -n " +
                 in.hpa->meta.namespace_ + " -l '" + workload.selector.ToString() + "' -o json"));
      continue;
    }
    in.pods.push_back(k8s::ToHpaPod(o));
  }
  if (!errors.empty()) {
    PrintErrors(errors, err);
    return 2;
  }
  int64_t latest = 0;
  for (const auto& o : *metric_objs) {
    const auto& pm = std::get<k8s::K8sPodMetrics>(o.body);
    in.pod_metrics[o.meta.name] = &pm;
    latest = std::max(latest, pm.timestamp_us);
  }
  for (const auto& file : custom_files)
    for (const auto& o : file) {
      in.custom.push_back(&o);
      latest = std::max(latest, std::get<k8s::K8sMetricValue>(o.body).timestamp_us);
    }
  auto clock = ResolveNow(flags, latest, "the latest metric timestamp", &errors);
  if (!clock) {
    PrintErrors(errors, err);
    return 2;
  }
  in.now_us = clock->now_us;
  sim::Time now = sim::Time::FromMicros(in.now_us);

  as::HpaControllerFlags controller;
  as::CalculatorParams params;
  if (hpa.config.behavior) {
    params.scale_up_tolerance = as::ResolveScaleUp(hpa.config.behavior->scale_up, controller).tolerance;
    params.scale_down_tolerance =
        as::ResolveScaleDown(hpa.config.behavior->scale_down, controller).tolerance;
  }
  int32_t current = workload.replicas;
  int32_t status_replicas = workload.status_replicas.value_or(current);
  std::vector<as::MetricSpec> specs = hpa.config.metrics;
  if (specs.empty()) specs.push_back(as::DefaultCpuMetric());
  std::vector<MetricExplanation> metrics;
  std::vector<as::ReplicaProposal> proposals;
  for (const auto& m : specs) {
    metrics.push_back(ExplainMetric(m, in, current, status_replicas, params));
    proposals.push_back(metrics.back().proposal);
  }

  // A snapshot holds no recommendation history: "steady" assumes the past
  // window recommended what this sync does (stabilization is a no-op);
  // "fresh" is a controller that just started (history = the current count).
  as::HpaHistory history;
  history.seeded = true;
  if (history_mode == "fresh") history.recommendations.push_back({current, now});
  as::HpaSyncDecision d = as::DecideHpaSync(&history, hpa.config, controller, current, proposals, now);

  std::vector<std::string> assumptions;
  as::ResolvedRules up, down;
  if (hpa.config.behavior) {
    up = as::ResolveScaleUp(hpa.config.behavior->scale_up, controller);
    down = as::ResolveScaleDown(hpa.config.behavior->scale_down, controller);
  }
  if (history_mode == "steady") {
    assumptions.push_back(
        "stabilization: a snapshot holds no recommendation history; assumed the recommendations of "
        "the last " +
        std::to_string(hpa.config.behavior ? std::max(up.stabilization_window_seconds,
                                                      down.stabilization_window_seconds)
                                           : 300) +
        "s equal this one (steady load), so stabilization changes nothing. With --history fresh "
        "(a controller that just started) a scale-down is held at the current count for the "
        "scale-down window.");
  } else {
    assumptions.push_back("stabilization: assumed a controller that just started: its history "
                          "holds only the current count (" + std::to_string(current) + ") at now.");
  }
  if (hpa.config.behavior) {
    assumptions.push_back("rate limits: assumed no scaling within the policies' periods, so "
                          "periodStart = current replicas (" + std::to_string(current) + ").");
    int32_t longest = 0;
    for (const auto& p : up.policies) longest = std::max(longest, p.period_seconds);
    for (const auto& p : down.policies) longest = std::max(longest, p.period_seconds);
    if (hpa.last_scale_time_us && in.now_us - *hpa.last_scale_time_us < int64_t{longest} * 1000000)
      assumptions.push_back("warning: status.lastScaleTime " + k8s::FormatRfc3339(*hpa.last_scale_time_us) +
                            " is within the longest policy period (" + std::to_string(longest) +
                            "s): the real limit may be tighter.");
  }

  std::string hpa_name = in.hpa->meta.namespace_ + "/" + in.hpa->meta.name;
  if (flags.json) {
    JsonValue root{JsonValue::Object{}};
    root.Set("hpa", hpa_name);
    root.Set("scaleTargetRef", in.target->Ref());
    root.Set("now", k8s::FormatRfc3339(in.now_us));
    root.Set("currentReplicas", current);
    root.Set("minReplicas", hpa.config.min_replicas);
    root.Set("maxReplicas", hpa.config.max_replicas);
    root.Set("outcome", as::HpaSyncOutcomeName(d.outcome));
    JsonValue arr{JsonValue::Array{}};
    for (const auto& e : metrics) {
      JsonValue m{JsonValue::Object{}};
      m.Set("type", as::MetricSourceTypeName(e.spec.type));
      m.Set("name", e.spec.name);
      if (!e.spec.container.empty()) m.Set("container", e.spec.container);
      if (!e.spec.described_object.empty()) m.Set("describedObject", e.spec.described_object);
      JsonValue target{JsonValue::Object{}};
      target.Set("type", as::MetricTargetTypeName(e.spec.target_type));
      if (e.spec.target_type == as::MetricTargetType::kUtilization)
        target.Set("averageUtilization", e.spec.target_utilization_percent);
      else
        target.Set(e.spec.target_type == as::MetricTargetType::kValue ? "value" : "averageValue",
                   k8s::FormatMilli(e.spec.target_milli));
      m.Set("target", target);
      m.Set("valid", e.proposal.valid);
      if (e.proposal.valid) {
        m.Set("proposedReplicas", e.proposal.replicas);
        if (e.proposal.utilization_percent) m.Set("currentUtilization", *e.proposal.utilization_percent);
        m.Set("currentValue", k8s::FormatMilli(e.proposal.current_value_milli));
        m.Set("ratio", e.proposal.ratio);
        if (e.proposal.slow_path) m.Set("ratioAfterFillIn", e.proposal.ratio_after_fill);
        m.Set("readyPods", e.proposal.ready_pods);
        m.Set("ignoredPods", e.proposal.ignored_pods);
        m.Set("missingPods", e.proposal.missing_pods);
        m.Set("droppedPods", e.proposal.dropped_pods);
        m.Set("reason", as::ProposalReasonName(e.proposal.reason));
      } else {
        m.Set("proposedReplicas", nullptr);
        m.Set("error", e.proposal.error);
      }
      arr.Push(m);
    }
    root.Set("metrics", arr);
    if (d.outcome == as::HpaSyncOutcome::kNormalized) {
      root.Set("metricsProposal", d.combined.replicas);
      const auto& n = *d.normalization;
      JsonValue norm{JsonValue::Object{}};
      norm.Set("path", hpa.config.behavior ? "behavior" : "legacy");
      norm.Set("stabilized", n.stabilized);
      norm.Set("stabilizationReason", as::StabilizationReasonName(n.stabilization));
      norm.Set("limitReason", as::LimitReasonName(n.limit));
      if (n.rate_limit >= 0) norm.Set("rateLimit", n.rate_limit);
      root.Set("normalization", norm);
    } else if (d.outcome == as::HpaSyncOutcome::kMetricsInvalid) {
      root.Set("error", d.combined.error);
    }
    root.Set("desiredReplicas", d.desired_replicas);
    JsonValue notes{JsonValue::Array{}};
    for (const auto& a : assumptions) notes.Push(a);
    root.Set("assumptions", notes);
    out << root.Dump() << "\n";
    return 0;
  }

  out << "HPA " << hpa_name << " -> " << in.target->Ref() << ": " << current
      << " replicas now (min " << hpa.config.min_replicas << ", max " << hpa.config.max_replicas
      << ")\n";
  out << "now: " << k8s::FormatRfc3339(in.now_us) << " (" << clock->source << ")\n";
  for (size_t i = 0; i < metrics.size(); ++i) {
    const auto& e = metrics[i];
    out << "\nmetric " << (i + 1) << ": " << e.spec.Describe() << ", target " << e.target_text
        << (hpa.config.metrics.empty() ? " (API default)" : "") << "\n";
    if (!e.proposal.valid) {
      out << "  invalid: " << e.proposal.error << "\n";
      continue;
    }
    const auto& p = e.proposal;
    bool pod_based = e.spec.type != as::MetricSourceType::kObject &&
                     e.spec.type != as::MetricSourceType::kExternal;
    if (pod_based) {
      out << "  pods: " << p.ready_pods << " ready, " << p.ignored_pods << " ignored";
      if (!p.ignored_names.empty()) {
        out << " (";
        for (size_t j = 0; j < p.ignored_names.size(); ++j) out << (j ? ", " : "") << p.ignored_names[j];
        out << ": pending, unready or initializing)";
      }
      out << ", " << p.missing_pods << " missing";
      if (!p.missing_names.empty()) {
        out << " (";
        for (size_t j = 0; j < p.missing_names.size(); ++j) out << (j ? ", " : "") << p.missing_names[j];
        out << ": no sample)";
      }
      out << ", " << p.dropped_pods << " dropped (deleting or failed)\n";
    }
    out << "  current: " << e.current_text << "; ratio " << Ratio(p.ratio) << " (tolerance "
        << Ratio(p.ratio > 1 ? params.scale_up_tolerance : params.scale_down_tolerance) << ")\n";
    if (p.slow_path) {
      out << "  slow path:";
      if (p.missing_pods > 0)
        out << " missing pods count as "
            << (p.ratio < 1 ? (e.spec.target_type == as::MetricTargetType::kUtilization
                                   ? "100% of their request (scale-down)"
                                   : "the target value (scale-down)")
                            : "0 (scale-up)")
            << ";";
      if (p.ignored_pods > 0 && p.ratio > 1) out << " ignored pods count as 0 (scale-up);";
      out << " ratio after fill-in " << Ratio(p.ratio_after_fill) << "\n";
    }
    out << "  proposal: " << p.replicas << " (" << as::ProposalReasonName(p.reason) << ")\n";
  }
  out << "\n";
  switch (d.outcome) {
    case as::HpaSyncOutcome::kScalingDisabled:
      out << "scaling disabled: the target has 0 replicas and minReplicas is not 0\n";
      break;
    case as::HpaSyncOutcome::kAboveMax:
      out << "current replicas above maxReplicas: set to " << d.desired_replicas << "\n";
      break;
    case as::HpaSyncOutcome::kBelowMin:
      out << "current replicas below minReplicas: set to " << d.desired_replicas << "\n";
      break;
    case as::HpaSyncOutcome::kMetricsInvalid:
      out << "no scaling this sync: " << d.combined.error << "\n";
      break;
    case as::HpaSyncOutcome::kNormalized: {
      out << "metrics: " << d.combined.replicas << " (maximum over " << proposals.size()
          << " metric" << (proposals.size() == 1 ? "" : "s");
      if (d.combined.invalid_metrics > 0)
        out << "; " << d.combined.invalid_metrics << " invalid, ignored because this is a scale-up";
      out << ")\n";
      const auto& n = *d.normalization;
      if (hpa.config.behavior) {
        out << "normalization (spec.behavior):\n  scaleUp: " << RulesText(up)
            << "\n  scaleDown: " << RulesText(down) << "\n";
        out << "  stabilization -> " << n.stabilized << " ("
            << as::StabilizationReasonName(n.stabilization) << ")\n";
        if (!n.policies.empty()) {
          out << "  rate limit:";
          for (const auto& pl : n.policies)
            out << " " << PolicyText(pl.policy) << " from " << pl.period_start << " -> "
                << pl.proposal << ";";
          out << " limit " << n.rate_limit << "\n";
        }
      } else {
        out << "normalization (legacy, no spec.behavior): scale-down stabilization 300s, "
               "scale-up limit max(2 x "
            << current << ", 4) = " << n.rate_limit << "\n";
        out << "  stabilization -> " << n.stabilized << " ("
            << as::StabilizationReasonName(n.stabilization) << ")\n";
      }
      out << "  clamp -> " << n.desired << " (" << as::LimitReasonName(n.limit) << ")\n";
      break;
    }
  }
  out << "desired replicas: " << d.desired_replicas;
  if (d.desired_replicas > current) out << " (scale up from " << current << ")";
  else if (d.desired_replicas < current) out << " (scale down from " << current << ")";
  else out << " (no change)";
  out << "\n\nassumptions:\n";
  for (const auto& a : assumptions) out << "  - " << a << "\n";
  return 0;
}

// ---------------------------------------------------------------- pdb

int ExplainPdb(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Flags flags;
  if (!ParseFlags(args, 1, {"--pdb", "--pods", "--now"}, {"--workload"}, &flags, err)) return 2;
  for (const char* required : {"--pdb", "--pods"}) {
    if (!flags.one.count(required)) {
      err << "rehearse explain pdb: " << required << " is required\n" << kUsage;
      return 2;
    }
  }
  sim::Errors errors;
  auto pdb_objs = Load(flags.one["--pdb"], {"PodDisruptionBudget"}, "--pdb", &errors);
  auto pod_objs = Load(flags.one["--pods"], {"Pod"}, "--pods", &errors);
  std::vector<std::vector<K8sObject>> workload_files;
  for (const auto& f : flags.many["--workload"]) {
    auto w = Load(f, {"Deployment", "StatefulSet", "ReplicaSet"}, "--workload", &errors);
    if (w) workload_files.push_back(std::move(*w));
  }
  if (!errors.empty()) {
    PrintErrors(errors, err);
    return 2;
  }
  if (pdb_objs->size() != 1) {
    err << flags.one["--pdb"] << ": expected exactly one PodDisruptionBudget, found "
        << pdb_objs->size() << "\n";
    return 2;
  }
  const K8sObject& pdb_obj = pdb_objs->front();
  const auto& pdb = std::get<k8s::K8sPdb>(pdb_obj.body);
  std::map<std::string, const K8sObject*> workloads;  // "Kind/name" -> object
  for (const auto& file : workload_files)
    for (const auto& o : file)
      if (o.meta.namespace_ == pdb_obj.meta.namespace_) workloads[o.Ref()] = &o;

  int64_t latest = 0;
  std::vector<as::PdbPod> pods;
  std::map<std::string, int32_t> scales;
  bool needs_scale = pdb.max_unavailable.has_value() ||
                     (pdb.min_available.has_value() && pdb.min_available->percent);
  for (const auto& o : *pod_objs) {
    if (o.meta.namespace_ != pdb_obj.meta.namespace_ || !pdb.selector.Matches(o.meta.labels)) {
      errors.push_back(ObjectError(
          o, ".metadata.labels: pod " + o.meta.namespace_ + "/" + o.meta.name +
                 " does not match the selector of PodDisruptionBudget " + pdb_obj.meta.name + " (" +
                 pdb.selector.ToString() + "); list only its pods: kubectl get pods -n " +
                 pdb_obj.meta.namespace_ + " -l '" + pdb.selector.ToString() + "' -o json"));
      continue;
    }
    const auto& pod = std::get<k8s::K8sPod>(o.body);
    as::PdbPod p;
    p.name = o.meta.name;
    p.ready = pod.ready_status && *pod.ready_status == "True";
    p.deleting = o.meta.deletion_timestamp_us.has_value();
    p.controller = o.meta.ControllerKey();
    latest = std::max({latest, pod.ready_transition_us, pod.start_time_us.value_or(0)});
    if (auto it = pdb.disrupted_pods_us.find(o.meta.name); it != pdb.disrupted_pods_us.end())
      p.disrupted_at = sim::Time::FromMicros(it->second);
    pods.push_back(p);
    if (!needs_scale || p.controller.empty() || scales.count(p.controller)) continue;
    // The controller's scale (getExpectedScale): a ReplicaSet owned by a
    // Deployment counts with the Deployment's replicas.
    std::string owner = p.controller;
    const K8sObject* w = nullptr;
    if (auto it = workloads.find(owner); it != workloads.end()) {
      w = it->second;
      std::string parent = w->meta.ControllerKey();
      if (w->kind == "ReplicaSet" && parent.rfind("Deployment/", 0) == 0) {
        auto dit = workloads.find(parent);
        if (dit == workloads.end()) {
          errors.push_back(ObjectError(*w, ".metadata.ownerReferences: " + w->Ref() +
                                               " is owned by " + parent +
                                               ": pass that Deployment with --workload"));
          continue;
        }
        w = dit->second;
      }
    } else if (owner.rfind("ReplicaSet/", 0) == 0) {
      // A Deployment's ReplicaSet is named <deployment>-<pod-template-hash>.
      auto hash = o.meta.labels.find("pod-template-hash");
      for (const auto& [ref, obj] : workloads)
        if (obj->kind == "Deployment" && hash != o.meta.labels.end() &&
            owner == "ReplicaSet/" + obj->meta.name + "-" + hash->second)
          w = obj;
    }
    if (w == nullptr) {
      errors.push_back(ObjectError(o, ".metadata.ownerReferences: pod " + o.meta.name +
                                          " is controlled by " + owner +
                                          ", which no --workload file holds (pass its Deployment, "
                                          "ReplicaSet or StatefulSet: the PDB's expectedPods needs "
                                          "its spec.replicas)"));
      continue;
    }
    scales[owner] = std::get<k8s::K8sWorkload>(w->body).replicas;
  }
  for (const auto& [name, t] : pdb.disrupted_pods_us) latest = std::max(latest, t);
  if (!errors.empty()) {
    PrintErrors(errors, err);
    return 2;
  }
  auto clock = ResolveNow(flags, latest, "the latest timestamp in the pods", &errors);
  if (!clock) {
    PrintErrors(errors, err);
    return 2;
  }
  as::PdbStatus s = as::ComputePdbStatus(pdb.min_available, pdb.max_unavailable, pods, scales,
                                         sim::Time::FromMicros(clock->now_us));
  if (!s.ok) {
    err << flags.one["--pdb"] << ": " << s.error << "\n";
    return 2;
  }
  auto spec_text = [&]() {
    const auto& v = pdb.min_available ? *pdb.min_available : *pdb.max_unavailable;
    return std::string(pdb.min_available ? "minAvailable " : "maxUnavailable ") +
           std::to_string(v.value) + (v.percent ? "%" : "");
  };
  if (flags.json) {
    JsonValue root{JsonValue::Object{}};
    root.Set("pdb", pdb_obj.meta.namespace_ + "/" + pdb_obj.meta.name);
    root.Set("spec", spec_text());
    root.Set("now", k8s::FormatRfc3339(clock->now_us));
    root.Set("disruptionsAllowed", s.disruptions_allowed);
    root.Set("currentHealthy", s.current_healthy);
    root.Set("desiredHealthy", s.desired_healthy);
    root.Set("expectedPods", s.expected_pods);
    JsonValue ctrl{JsonValue::Object{}};
    for (const auto& [k, v] : scales) ctrl.Set(k, v);
    root.Set("controllers", ctrl);
    if (pdb.status_disruptions_allowed) {
      JsonValue live{JsonValue::Object{}};
      live.Set("disruptionsAllowed", *pdb.status_disruptions_allowed);
      if (pdb.status_current_healthy) live.Set("currentHealthy", *pdb.status_current_healthy);
      if (pdb.status_desired_healthy) live.Set("desiredHealthy", *pdb.status_desired_healthy);
      if (pdb.status_expected_pods) live.Set("expectedPods", *pdb.status_expected_pods);
      root.Set("status", live);
    }
    out << root.Dump() << "\n";
    return 0;
  }
  out << "PodDisruptionBudget " << pdb_obj.meta.namespace_ << "/" << pdb_obj.meta.name << " ("
      << spec_text() << ", selector " << pdb.selector.ToString() << ")\n";
  out << "now: " << k8s::FormatRfc3339(clock->now_us) << " (" << clock->source << ")\n";
  out << "pods matching: " << pods.size() << "\n";
  if (pdb.min_available && !pdb.min_available->percent) {
    out << "expectedPods: " << s.expected_pods << " (the number of matching pods)\n";
  } else {
    out << "expectedPods: " << s.expected_pods << " (sum of the controllers' replicas:";
    for (const auto& [k, v] : scales) out << " " << k << "=" << v;
    out << ")\n";
  }
  out << "desiredHealthy: " << s.desired_healthy;
  if (pdb.max_unavailable)
    out << " (expected " << s.expected_pods << " - " << (s.expected_pods - s.desired_healthy)
        << " unavailable allowed" << (pdb.max_unavailable->percent ? ", percent rounded up" : "") << ")";
  else if (pdb.min_available->percent)
    out << " (" << pdb.min_available->value << "% of " << s.expected_pods << ", rounded up)";
  out << "\n";
  out << "currentHealthy: " << s.current_healthy
      << " (Ready, not deleting, not evicted within the last 2 minutes)\n";
  out << "disruptionsAllowed: " << s.disruptions_allowed << " (currentHealthy - desiredHealthy"
      << (s.current_healthy - s.desired_healthy < 0 ? ", floored at 0" : "") << ")\n";
  if (pdb.status_disruptions_allowed && *pdb.status_disruptions_allowed != s.disruptions_allowed)
    out << "note: the PDB's status says disruptionsAllowed " << *pdb.status_disruptions_allowed
        << " (the live controller saw other pods or an older state)\n";
  return 0;
}

}  // namespace

int RunExplain(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    (args.empty() ? err : out) << kUsage;
    return args.empty() ? 2 : 0;
  }
  if (args[0] == "hpa") return ExplainHpa(args, out, err);
  if (args[0] == "pdb") return ExplainPdb(args, out, err);
  err << "rehearse explain: unknown subject '" << args[0] << "' (expected hpa or pdb)\n" << kUsage;
  return 2;
}

}  // namespace rehearsal::scenarios
