#include "scenarios/k8s/k8s_objects.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

#include "scenarios/k8s/quantity.h"
#include "scenarios/yaml_spec.h"

namespace rehearsal::scenarios::k8s {
namespace {

namespace as = models::autoscaling;

// Parse state of one file: its name and the errors found so far.
struct Parser {
  std::string file;
  sim::Errors errors;

  sim::SourceMark Mark(const YAML::Node& n) const {
    sim::SourceMark m;
    m.file = file;
    if (n.IsDefined()) {
      YAML::Mark mk = n.Mark();
      if (mk.line >= 0) {
        m.line = mk.line + 1;
        m.column = mk.column + 1;
      }
    }
    return m;
  }
  // `at` is the node (or, when the field is missing, its parent).
  void Error(const YAML::Node& at, const std::string& field, const std::string& message) {
    errors.push_back(sim::Error{Mark(at), field + ": " + message});
  }
};

bool IsMap(const YAML::Node& n) { return n.IsDefined() && n.IsMap(); }
bool IsSeq(const YAML::Node& n) { return n.IsDefined() && n.IsSequence(); }
bool IsScalar(const YAML::Node& n) { return n.IsDefined() && n.IsScalar(); }

std::string Scalar(const YAML::Node& n) { return IsScalar(n) ? n.Scalar() : std::string(); }

// A required string field.
std::string ReqString(Parser& p, const YAML::Node& parent, const char* key,
                      const std::string& path) {
  YAML::Node n = parent[key];
  if (!IsScalar(n) || n.Scalar().empty()) {
    p.Error(n.IsDefined() ? n : parent, path + "." + key, "missing (expected a string)");
    return {};
  }
  return n.Scalar();
}

std::optional<int64_t> OptInt(Parser& p, const YAML::Node& parent, const char* key,
                              const std::string& path, int64_t min, int64_t max) {
  YAML::Node n = parent[key];
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  if (!n.IsScalar()) {
    p.Error(n, path + "." + key, "expected an integer");
    return std::nullopt;
  }
  try {
    int64_t v = n.as<int64_t>();
    if (v < min || v > max) {
      p.Error(n, path + "." + key,
              "value " + n.Scalar() + " out of range [" + std::to_string(min) + ", " +
                  std::to_string(max) + "]");
      return std::nullopt;
    }
    return v;
  } catch (const YAML::Exception&) {
    p.Error(n, path + "." + key, "found '" + n.Scalar() + "', expected an integer");
    return std::nullopt;
  }
}

std::optional<int64_t> QuantityField(Parser& p, const YAML::Node& n, const std::string& path) {
  if (!IsScalar(n)) {
    p.Error(n, path, "expected a quantity such as 250m, 2 or 512Mi");
    return std::nullopt;
  }
  auto v = ParseQuantityMilli(n.Scalar());
  if (!v) p.Error(n, path, "found '" + n.Scalar() + "', expected a quantity such as 250m or 512Mi");
  return v;
}

std::optional<int64_t> TimeField(Parser& p, const YAML::Node& n, const std::string& path) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  auto v = IsScalar(n) ? ParseRfc3339Micros(n.Scalar()) : std::nullopt;
  if (!v) p.Error(n, path, "expected an RFC 3339 time such as 2024-05-01T12:00:00Z");
  return v;
}

std::map<std::string, std::string> StringMap(Parser& p, const YAML::Node& n,
                                             const std::string& path) {
  std::map<std::string, std::string> out;
  if (!n.IsDefined() || n.IsNull()) return out;
  if (!n.IsMap()) {
    p.Error(n, path, "expected a mapping of strings");
    return out;
  }
  for (const auto& kv : n) out[kv.first.Scalar()] = Scalar(kv.second);
  return out;
}

LabelSelector ParseSelector(Parser& p, const YAML::Node& n, const std::string& path) {
  LabelSelector s;
  if (!n.IsDefined() || n.IsNull()) return s;
  if (!n.IsMap()) {
    p.Error(n, path, "expected a label selector (matchLabels / matchExpressions)");
    return s;
  }
  s.match_labels = StringMap(p, n["matchLabels"], path + ".matchLabels");
  YAML::Node exprs = n["matchExpressions"];
  if (IsSeq(exprs)) {
    for (size_t i = 0; i < exprs.size(); ++i) {
      std::string ep = path + ".matchExpressions[" + std::to_string(i) + "]";
      SelectorRequirement r;
      r.key = ReqString(p, exprs[i], "key", ep);
      std::string op = ReqString(p, exprs[i], "operator", ep);
      if (op == "In") r.op = SelectorOp::kIn;
      else if (op == "NotIn") r.op = SelectorOp::kNotIn;
      else if (op == "Exists") r.op = SelectorOp::kExists;
      else if (op == "DoesNotExist") r.op = SelectorOp::kDoesNotExist;
      else if (!op.empty())
        p.Error(exprs[i]["operator"], ep + ".operator",
                "found '" + op + "', expected In, NotIn, Exists or DoesNotExist");
      if (IsSeq(exprs[i]["values"]))
        for (const auto& v : exprs[i]["values"]) r.values.push_back(Scalar(v));
      s.match_expressions.push_back(r);
    }
  }
  return s;
}

std::vector<K8sContainer> ParseContainers(Parser& p, const YAML::Node& n, const std::string& path) {
  std::vector<K8sContainer> out;
  if (!IsSeq(n)) {
    p.Error(n, path, "missing (expected a list of containers)");
    return out;
  }
  for (size_t i = 0; i < n.size(); ++i) {
    std::string cp = path + "[" + std::to_string(i) + "]";
    K8sContainer c;
    c.name = ReqString(p, n[i], "name", cp);
    YAML::Node res = n[i]["resources"];
    if (IsMap(res)) {
      YAML::Node req = res["requests"];
      YAML::Node lim = res["limits"];
      if (IsMap(req) && req["cpu"].IsDefined())
        c.cpu_request_milli = QuantityField(p, req["cpu"], cp + ".resources.requests.cpu");
      if (IsMap(req) && req["memory"].IsDefined())
        c.memory_request_milli = QuantityField(p, req["memory"], cp + ".resources.requests.memory");
      if (IsMap(lim) && lim["cpu"].IsDefined())
        c.cpu_limit_milli = QuantityField(p, lim["cpu"], cp + ".resources.limits.cpu");
      if (IsMap(lim) && lim["memory"].IsDefined())
        c.memory_limit_milli = QuantityField(p, lim["memory"], cp + ".resources.limits.memory");
      // Kubernetes defaults a missing request to the limit.
      if (!c.cpu_request_milli && c.cpu_limit_milli) c.cpu_request_milli = c.cpu_limit_milli;
      if (!c.memory_request_milli && c.memory_limit_milli)
        c.memory_request_milli = c.memory_limit_milli;
    }
    out.push_back(c);
  }
  return out;
}

void ParseMeta(Parser& p, const YAML::Node& obj, ObjectMeta& meta, bool name_required) {
  YAML::Node md = obj["metadata"];
  if (!IsMap(md)) {
    if (name_required) p.Error(obj, ".metadata", "missing (expected a mapping with a name)");
    return;
  }
  if (name_required) {
    meta.name = ReqString(p, md, "name", ".metadata");
  } else {
    meta.name = Scalar(md["name"]);
  }
  if (IsScalar(md["namespace"])) meta.namespace_ = md["namespace"].Scalar();
  meta.labels = StringMap(p, md["labels"], ".metadata.labels");
  meta.annotations = StringMap(p, md["annotations"], ".metadata.annotations");
  meta.deletion_timestamp_us = TimeField(p, md["deletionTimestamp"], ".metadata.deletionTimestamp");
  YAML::Node owners = md["ownerReferences"];
  if (IsSeq(owners)) {
    for (const auto& o : owners) {
      OwnerReference ref;
      ref.kind = Scalar(o["kind"]);
      ref.name = Scalar(o["name"]);
      ref.controller = IsScalar(o["controller"]) && o["controller"].Scalar() == "true";
      meta.owners.push_back(ref);
    }
  }
}

K8sWorkload ParseWorkload(Parser& p, const YAML::Node& obj) {
  K8sWorkload w;
  YAML::Node spec = obj["spec"];
  if (!IsMap(spec)) {
    p.Error(obj, ".spec", "missing");
    return w;
  }
  w.replicas = static_cast<int32_t>(OptInt(p, spec, "replicas", ".spec", 0, 1000000).value_or(1));
  if (IsMap(obj["status"]))
    if (auto r = OptInt(p, obj["status"], "replicas", ".status", 0, 1000000))
      w.status_replicas = static_cast<int32_t>(*r);
  if (!IsMap(spec["selector"])) {
    p.Error(spec, ".spec.selector", "missing (expected a label selector)");
  } else {
    w.selector = ParseSelector(p, spec["selector"], ".spec.selector");
  }
  YAML::Node tmpl = spec["template"];
  if (IsMap(tmpl)) {
    if (IsMap(tmpl["metadata"]))
      w.template_labels = StringMap(p, tmpl["metadata"]["labels"], ".spec.template.metadata.labels");
    if (IsMap(tmpl["spec"])) {
      w.containers = ParseContainers(p, tmpl["spec"]["containers"], ".spec.template.spec.containers");
      w.priority_class = Scalar(tmpl["spec"]["priorityClassName"]);
    }
  }
  return w;
}

std::optional<models::IntOrPercent> IntOrPercentField(Parser& p, const YAML::Node& n,
                                                      const std::string& path) {
  if (!n.IsDefined() || n.IsNull()) return std::nullopt;
  std::string s = Scalar(n);
  try {
    if (!s.empty() && s.back() == '%') {
      int v = std::stoi(s.substr(0, s.size() - 1));
      if (v >= 0 && std::to_string(v) + "%" == s) return models::IntOrPercent::Percent(v);
    } else if (!s.empty()) {
      int v = std::stoi(s);
      if (v >= 0 && std::to_string(v) == s) return models::IntOrPercent::Int(v);
    }
  } catch (const std::exception&) {
  }
  p.Error(n, path, "found '" + s + "', expected a non-negative integer or a percentage like 25%");
  return std::nullopt;
}

// spec.metrics[i].<x>.target
void ParseTarget(Parser& p, const YAML::Node& src, const std::string& path, as::MetricSpec& m) {
  YAML::Node t = src["target"];
  std::string tp = path + ".target";
  if (!IsMap(t)) {
    p.Error(src, tp, "missing (expected type and a value)");
    return;
  }
  std::string type = ReqString(p, t, "type", tp);
  if (type == "Utilization") {
    m.target_type = as::MetricTargetType::kUtilization;
    auto v = OptInt(p, t, "averageUtilization", tp, 1, 100000);
    if (!v) {
      if (!t["averageUtilization"].IsDefined())
        p.Error(t, tp + ".averageUtilization", "missing (required for type Utilization)");
    } else {
      m.target_utilization_percent = static_cast<int32_t>(*v);
    }
  } else if (type == "AverageValue" || type == "Value") {
    m.target_type = type == "Value" ? as::MetricTargetType::kValue
                                    : as::MetricTargetType::kAverageValue;
    const char* key = type == "Value" ? "value" : "averageValue";
    if (!t[key].IsDefined()) {
      p.Error(t, tp + "." + key, std::string("missing (required for type ") + type + ")");
    } else if (auto v = QuantityField(p, t[key], tp + "." + key)) {
      if (*v <= 0) p.Error(t[key], tp + "." + key, "must be positive");
      m.target_milli = *v;
    }
  } else if (!type.empty()) {
    p.Error(t["type"], tp + ".type", "found '" + type + "', expected Utilization, Value or AverageValue");
  }
}

as::ScalingRules ParseRules(Parser& p, const YAML::Node& n, const std::string& path) {
  as::ScalingRules r;
  if (!IsMap(n)) return r;
  if (auto w = OptInt(p, n, "stabilizationWindowSeconds", path, 0, 3600))
    r.stabilization_window_seconds = static_cast<int32_t>(*w);
  if (IsScalar(n["selectPolicy"])) {
    std::string s = n["selectPolicy"].Scalar();
    if (s == "Max") r.select_policy = as::SelectPolicy::kMax;
    else if (s == "Min") r.select_policy = as::SelectPolicy::kMin;
    else if (s == "Disabled") r.select_policy = as::SelectPolicy::kDisabled;
    else p.Error(n["selectPolicy"], path + ".selectPolicy", "found '" + s + "', expected Max, Min or Disabled");
  }
  if (n["tolerance"].IsDefined()) {
    if (auto t = QuantityField(p, n["tolerance"], path + ".tolerance"))
      r.tolerance = static_cast<double>(*t) / 1000.0;
  }
  YAML::Node pols = n["policies"];
  if (IsSeq(pols)) {
    std::vector<as::ScalingPolicy> list;
    for (size_t i = 0; i < pols.size(); ++i) {
      std::string pp = path + ".policies[" + std::to_string(i) + "]";
      as::ScalingPolicy pol;
      std::string type = ReqString(p, pols[i], "type", pp);
      if (type == "Pods") pol.type = as::ScalingPolicyType::kPods;
      else if (type == "Percent") pol.type = as::ScalingPolicyType::kPercent;
      else if (!type.empty()) p.Error(pols[i]["type"], pp + ".type", "found '" + type + "', expected Pods or Percent");
      auto v = OptInt(p, pols[i], "value", pp, 1, 1000000);
      auto per = OptInt(p, pols[i], "periodSeconds", pp, 1, 1800);
      if (!pols[i]["value"].IsDefined()) p.Error(pols[i], pp + ".value", "missing");
      if (!pols[i]["periodSeconds"].IsDefined()) p.Error(pols[i], pp + ".periodSeconds", "missing");
      pol.value = static_cast<int32_t>(v.value_or(1));
      pol.period_seconds = static_cast<int32_t>(per.value_or(15));
      list.push_back(pol);
    }
    r.policies = list;
  }
  return r;
}

K8sHpa ParseHpa(Parser& p, const YAML::Node& obj, const std::string& name) {
  K8sHpa h;
  h.config.name = name;
  YAML::Node spec = obj["spec"];
  if (!IsMap(spec)) {
    p.Error(obj, ".spec", "missing");
    return h;
  }
  YAML::Node ref = spec["scaleTargetRef"];
  if (!IsMap(ref)) {
    p.Error(spec, ".spec.scaleTargetRef", "missing (expected kind and name)");
  } else {
    h.target_kind = ReqString(p, ref, "kind", ".spec.scaleTargetRef");
    h.target_name = ReqString(p, ref, "name", ".spec.scaleTargetRef");
    h.target_api_version = Scalar(ref["apiVersion"]);
  }
  h.config.target = h.target_name;
  h.config.min_replicas =
      static_cast<int32_t>(OptInt(p, spec, "minReplicas", ".spec", 0, 1000000).value_or(1));
  auto max = OptInt(p, spec, "maxReplicas", ".spec", 1, 1000000);
  if (!spec["maxReplicas"].IsDefined()) p.Error(spec, ".spec.maxReplicas", "missing (required)");
  h.config.max_replicas = static_cast<int32_t>(max.value_or(1));
  if (max && h.config.min_replicas > h.config.max_replicas)
    p.Error(spec["minReplicas"], ".spec.minReplicas", "greater than maxReplicas");
  YAML::Node metrics = spec["metrics"];
  if (IsSeq(metrics)) {
    for (size_t i = 0; i < metrics.size(); ++i) {
      std::string mp = ".spec.metrics[" + std::to_string(i) + "]";
      const YAML::Node& mn = metrics[i];
      as::MetricSpec m;
      std::string type = ReqString(p, mn, "type", mp);
      if (type == "Resource" || type == "ContainerResource") {
        const char* key = type == "Resource" ? "resource" : "containerResource";
        m.type = type == "Resource" ? as::MetricSourceType::kResource
                                    : as::MetricSourceType::kContainerResource;
        YAML::Node src = mn[key];
        std::string sp = mp + "." + key;
        if (!IsMap(src)) {
          p.Error(mn, sp, "missing");
          continue;
        }
        m.name = ReqString(p, src, "name", sp);
        if (m.type == as::MetricSourceType::kContainerResource)
          m.container = ReqString(p, src, "container", sp);
        ParseTarget(p, src, sp, m);
        if (m.target_type == as::MetricTargetType::kValue)
          p.Error(src["target"], sp + ".target.type", "Value is not allowed for resource metrics");
      } else if (type == "Pods" || type == "Object" || type == "External") {
        const char* key = type == "Pods" ? "pods" : type == "Object" ? "object" : "external";
        m.type = type == "Pods" ? as::MetricSourceType::kPods
                 : type == "Object" ? as::MetricSourceType::kObject
                                    : as::MetricSourceType::kExternal;
        YAML::Node src = mn[key];
        std::string sp = mp + "." + key;
        if (!IsMap(src)) {
          p.Error(mn, sp, "missing");
          continue;
        }
        YAML::Node metric = src["metric"];
        if (!IsMap(metric)) {
          p.Error(src, sp + ".metric", "missing (expected name)");
        } else {
          m.name = ReqString(p, metric, "name", sp + ".metric");
          if (IsMap(metric["selector"]))
            m.metric_selector = StringMap(p, metric["selector"]["matchLabels"],
                                          sp + ".metric.selector.matchLabels");
        }
        if (m.type == as::MetricSourceType::kObject) {
          YAML::Node d = src["describedObject"];
          if (!IsMap(d)) {
            p.Error(src, sp + ".describedObject", "missing (expected kind and name)");
          } else {
            m.described_object = ReqString(p, d, "kind", sp + ".describedObject") + "/" +
                                 ReqString(p, d, "name", sp + ".describedObject");
          }
        }
        ParseTarget(p, src, sp, m);
        if (m.type == as::MetricSourceType::kPods &&
            m.target_type != as::MetricTargetType::kAverageValue)
          p.Error(src["target"], sp + ".target.type", "Pods metrics support only AverageValue");
        if (m.target_type == as::MetricTargetType::kUtilization &&
            m.type != as::MetricSourceType::kPods)
          p.Error(src["target"], sp + ".target.type", "Utilization applies only to resource metrics");
      } else if (!type.empty()) {
        p.Error(mn["type"], mp + ".type",
                "found '" + type + "', expected Resource, ContainerResource, Pods, Object or External");
        continue;
      }
      h.config.metrics.push_back(m);
    }
  }
  YAML::Node behavior = spec["behavior"];
  if (IsMap(behavior)) {
    as::HpaBehavior b;
    b.scale_up = ParseRules(p, behavior["scaleUp"], ".spec.behavior.scaleUp");
    b.scale_down = ParseRules(p, behavior["scaleDown"], ".spec.behavior.scaleDown");
    h.config.behavior = b;
  }
  YAML::Node status = obj["status"];
  if (IsMap(status)) {
    h.last_scale_time_us = TimeField(p, status["lastScaleTime"], ".status.lastScaleTime");
    if (auto d = OptInt(p, status, "desiredReplicas", ".status", 0, 1000000))
      h.status_desired_replicas = static_cast<int32_t>(*d);
  }
  return h;
}

K8sPdb ParsePdb(Parser& p, const YAML::Node& obj) {
  K8sPdb d;
  YAML::Node spec = obj["spec"];
  if (!IsMap(spec)) {
    p.Error(obj, ".spec", "missing");
    return d;
  }
  d.min_available = IntOrPercentField(p, spec["minAvailable"], ".spec.minAvailable");
  d.max_unavailable = IntOrPercentField(p, spec["maxUnavailable"], ".spec.maxUnavailable");
  if (spec["minAvailable"].IsDefined() == spec["maxUnavailable"].IsDefined())
    p.Error(spec, ".spec", "exactly one of minAvailable or maxUnavailable must be set");
  if (!spec["selector"].IsDefined()) {
    p.Error(spec, ".spec.selector", "missing (a PDB without a selector selects no pods)");
  } else {
    d.selector = ParseSelector(p, spec["selector"], ".spec.selector");
  }
  if (IsScalar(spec["unhealthyPodEvictionPolicy"]))
    d.unhealthy_pod_eviction_policy = spec["unhealthyPodEvictionPolicy"].Scalar();
  YAML::Node status = obj["status"];
  if (IsMap(status)) {
    YAML::Node dp = status["disruptedPods"];
    if (IsMap(dp))
      for (const auto& kv : dp)
        if (auto t = TimeField(p, kv.second, ".status.disruptedPods." + kv.first.Scalar()))
          d.disrupted_pods_us[kv.first.Scalar()] = *t;
    auto get = [&](const char* key) -> std::optional<int32_t> {
      if (auto v = OptInt(p, status, key, ".status", -1000000, 1000000))
        return static_cast<int32_t>(*v);
      return std::nullopt;
    };
    d.status_disruptions_allowed = get("disruptionsAllowed");
    d.status_current_healthy = get("currentHealthy");
    d.status_desired_healthy = get("desiredHealthy");
    d.status_expected_pods = get("expectedPods");
  }
  return d;
}

K8sPod ParsePod(Parser& p, const YAML::Node& obj) {
  K8sPod pod;
  YAML::Node spec = obj["spec"];
  if (!IsMap(spec)) {
    p.Error(obj, ".spec", "missing");
  } else {
    pod.containers = ParseContainers(p, spec["containers"], ".spec.containers");
    pod.node_name = Scalar(spec["nodeName"]);
  }
  YAML::Node status = obj["status"];
  if (IsMap(status)) {
    if (IsScalar(status["phase"])) pod.phase = status["phase"].Scalar();
    pod.start_time_us = TimeField(p, status["startTime"], ".status.startTime");
    YAML::Node conds = status["conditions"];
    if (IsSeq(conds)) {
      for (size_t i = 0; i < conds.size(); ++i) {
        if (Scalar(conds[i]["type"]) != "Ready") continue;
        pod.ready_status = Scalar(conds[i]["status"]);
        pod.ready_transition_us =
            TimeField(p, conds[i]["lastTransitionTime"],
                      ".status.conditions[" + std::to_string(i) + "].lastTransitionTime")
                .value_or(0);
      }
    }
  }
  return pod;
}

K8sPodMetrics ParsePodMetrics(Parser& p, const YAML::Node& obj) {
  K8sPodMetrics m;
  m.timestamp_us = TimeField(p, obj["timestamp"], ".timestamp").value_or(0);
  if (!obj["timestamp"].IsDefined()) p.Error(obj, ".timestamp", "missing");
  if (IsScalar(obj["window"])) {
    auto w = ParseGoDurationMicros(obj["window"].Scalar());
    if (!w) p.Error(obj["window"], ".window", "expected a duration such as 15s or 1m0s");
    m.window_us = w.value_or(0);
  }
  YAML::Node cs = obj["containers"];
  if (!IsSeq(cs)) {
    p.Error(obj, ".containers", "missing (expected a list of container usages)");
    return m;
  }
  for (size_t i = 0; i < cs.size(); ++i) {
    std::string cp = ".containers[" + std::to_string(i) + "]";
    K8sContainerUsage u;
    u.name = ReqString(p, cs[i], "name", cp);
    YAML::Node usage = cs[i]["usage"];
    if (!IsMap(usage)) {
      p.Error(cs[i], cp + ".usage", "missing");
      continue;
    }
    if (usage["cpu"].IsDefined()) u.cpu_milli = QuantityField(p, usage["cpu"], cp + ".usage.cpu").value_or(0);
    if (usage["memory"].IsDefined())
      u.memory_milli = QuantityField(p, usage["memory"], cp + ".usage.memory").value_or(0);
    m.containers.push_back(u);
  }
  return m;
}

K8sMetricValue ParseMetricValue(Parser& p, const YAML::Node& obj, bool external) {
  K8sMetricValue v;
  if (!external) {
    YAML::Node d = obj["describedObject"];
    if (!IsMap(d)) {
      p.Error(obj, ".describedObject", "missing (expected kind and name)");
    } else {
      v.described_kind = ReqString(p, d, "kind", ".describedObject");
      v.described_name = ReqString(p, d, "name", ".describedObject");
    }
  }
  if (IsScalar(obj["metricName"])) {
    v.metric_name = obj["metricName"].Scalar();
  } else if (IsMap(obj["metric"])) {  // custom.metrics.k8s.io/v1beta2
    v.metric_name = ReqString(p, obj["metric"], "name", ".metric");
  } else {
    p.Error(obj, ".metricName", "missing");
  }
  v.metric_labels = StringMap(p, obj["metricLabels"], ".metricLabels");
  v.timestamp_us = TimeField(p, obj["timestamp"], ".timestamp").value_or(0);
  if (!obj["value"].IsDefined()) {
    p.Error(obj, ".value", "missing");
  } else {
    v.value_milli = QuantityField(p, obj["value"], ".value").value_or(0);
  }
  return v;
}

void ParseObject(Parser& p, const YAML::Node& n, const std::string& default_kind,
                 const std::string& default_api, std::vector<K8sObject>& out) {
  if (!IsMap(n)) {
    p.Error(n, "(document)", "expected a Kubernetes object (a mapping with kind and apiVersion)");
    return;
  }
  K8sObject o;
  o.mark = p.Mark(n);
  o.kind = IsScalar(n["kind"]) ? n["kind"].Scalar() : default_kind;
  o.api_version = IsScalar(n["apiVersion"]) ? n["apiVersion"].Scalar() : default_api;
  if (o.kind.empty()) {
    p.Error(n, ".kind", "missing");
    return;
  }
  // Lists: List, PodList, PodMetricsList, MetricValueList, ...
  if (o.kind.size() >= 4 && o.kind.compare(o.kind.size() - 4, 4, "List") == 0) {
    std::string item_kind = o.kind == "List" ? "" : o.kind.substr(0, o.kind.size() - 4);
    YAML::Node items = n["items"];
    if (!items.IsDefined() || items.IsNull()) return;  // an empty list prints "items: []" or null
    if (!items.IsSequence()) {
      p.Error(items, ".items", "expected a list");
      return;
    }
    for (const auto& item : items) ParseObject(p, item, item_kind, o.api_version, out);
    return;
  }
  size_t errors_before = p.errors.size();
  bool name_required = o.kind != "MetricValue" && o.kind != "ExternalMetricValue";
  ParseMeta(p, n, o.meta, name_required);
  auto with_kind = [&](size_t from) {
    for (size_t i = from; i < p.errors.size(); ++i)
      p.errors[i].message = o.kind + (o.meta.name.empty() ? "" : " " + o.meta.name) + " " +
                            p.errors[i].message;
  };
  if (o.kind == "Deployment" || o.kind == "StatefulSet" || o.kind == "ReplicaSet") {
    o.body = ParseWorkload(p, n);
  } else if (o.kind == "HorizontalPodAutoscaler") {
    if (o.api_version != "autoscaling/v2" && o.api_version != "autoscaling/v2beta2") {
      p.Error(n["apiVersion"].IsDefined() ? n["apiVersion"] : n, ".apiVersion",
              "found '" + o.api_version +
                  "', expected autoscaling/v2 (print it with kubectl get hpa.v2.autoscaling NAME -o yaml)");
    }
    o.body = ParseHpa(p, n, o.meta.name);
  } else if (o.kind == "PodDisruptionBudget") {
    o.body = ParsePdb(p, n);
  } else if (o.kind == "PriorityClass") {
    K8sPriorityClass pc;
    auto v = OptInt(p, n, "value", "", -2147483648LL, 1000000000);
    if (!n["value"].IsDefined()) p.Error(n, ".value", "missing");
    pc.value = static_cast<int32_t>(v.value_or(0));
    pc.global_default = IsScalar(n["globalDefault"]) && n["globalDefault"].Scalar() == "true";
    if (IsScalar(n["preemptionPolicy"])) pc.preemption_policy = n["preemptionPolicy"].Scalar();
    o.body = pc;
  } else if (o.kind == "Pod") {
    o.body = ParsePod(p, n);
  } else if (o.kind == "PodMetrics") {
    o.body = ParsePodMetrics(p, n);
  } else if (o.kind == "MetricValue") {
    o.body = ParseMetricValue(p, n, false);
  } else if (o.kind == "ExternalMetricValue") {
    o.body = ParseMetricValue(p, n, true);
  }
  with_kind(errors_before);
  out.push_back(std::move(o));
}

}  // namespace

std::string ObjectMeta::ControllerKey() const {
  for (const auto& o : owners)
    if (o.controller) return o.kind + "/" + o.name;
  return {};
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& r : match_expressions) {
    auto it = labels.find(r.key);
    bool in = false;
    if (it != labels.end())
      for (const auto& v : r.values) in = in || v == it->second;
    switch (r.op) {
      case SelectorOp::kIn: if (!in) return false; break;
      case SelectorOp::kNotIn: if (in) return false; break;
      case SelectorOp::kExists: if (it == labels.end()) return false; break;
      case SelectorOp::kDoesNotExist: if (it != labels.end()) return false; break;
    }
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string s;
  for (const auto& [k, v] : match_labels) s += (s.empty() ? "" : ",") + k + "=" + v;
  for (const auto& r : match_expressions) {
    s += s.empty() ? "" : ",";
    switch (r.op) {
      case SelectorOp::kExists: s += r.key; break;
      case SelectorOp::kDoesNotExist: s += "!" + r.key; break;
      case SelectorOp::kIn:
      case SelectorOp::kNotIn: {
        s += r.key + (r.op == SelectorOp::kIn ? " in (" : " notin (");
        for (size_t i = 0; i < r.values.size(); ++i) s += (i ? "," : "") + r.values[i];
        s += ")";
      }
    }
  }
  return s;
}

sim::Result<std::vector<K8sObject>> ParseK8sText(const std::string& text, const std::string& file) {
  Parser p;
  p.file = file;
  std::vector<K8sObject> out;
  if (auto bad = spec::CheckYamlText(text, file)) return *bad;
  try {
    std::vector<YAML::Node> docs = spec::LoadAllDocuments(text);
    for (const auto& doc : docs) {
      if (!doc.IsDefined() || doc.IsNull()) continue;
      ParseObject(p, doc, "", "", out);
    }
  } catch (const YAML::Exception& e) {
    sim::SourceMark m{file, e.mark.line >= 0 ? e.mark.line + 1 : 0,
                      e.mark.column >= 0 ? e.mark.column + 1 : 0};
    return sim::Error{m, "not valid YAML or JSON: " + e.msg};
  }
  if (!p.errors.empty()) return p.errors;
  if (out.empty()) return sim::Error{sim::SourceMark{file, 0, 0}, "no Kubernetes objects found"};
  return out;
}

sim::Result<std::vector<K8sObject>> ParseK8sObjects(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Error{sim::SourceMark{path, 0, 0}, "cannot read the file"};
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseK8sText(ss.str(), path);
}

models::autoscaling::HpaPod ToHpaPod(const K8sObject& obj) {
  namespace as = models::autoscaling;
  const auto& pod = std::get<K8sPod>(obj.body);
  as::HpaPod p;
  p.name = obj.meta.name;
  p.deleting = obj.meta.deletion_timestamp_us.has_value();
  if (pod.phase == "Pending") p.phase = as::PodPhase::kPending;
  else if (pod.phase == "Running") p.phase = as::PodPhase::kRunning;
  else if (pod.phase == "Succeeded") p.phase = as::PodPhase::kSucceeded;
  else if (pod.phase == "Failed") p.phase = as::PodPhase::kFailed;
  else p.phase = as::PodPhase::kUnknown;
  if (pod.ready_status) {
    p.ready = *pod.ready_status == "True"    ? as::ConditionStatus::kTrue
              : *pod.ready_status == "False" ? as::ConditionStatus::kFalse
                                             : as::ConditionStatus::kUnknown;
  }
  p.ready_transition = sim::Time::FromMicros(pod.ready_transition_us);
  if (pod.start_time_us) p.start_time = sim::Time::FromMicros(*pod.start_time_us);
  for (const auto& c : pod.containers)
    p.containers.push_back(as::ContainerRequests{c.name, c.cpu_request_milli, c.memory_request_milli});
  return p;
}

}  // namespace rehearsal::scenarios::k8s
