#include "scenarios/manifests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "scenarios/yaml_spec.h"

namespace rehearsal::scenarios {
namespace {

// Reads fields of one Kubernetes object and remembers which paths were used,
// so everything else can be reported as "changes nothing in the simulation".
class ObjectReader {
 public:
  ObjectReader(const YAML::Node& root, const std::string& file, sim::Errors& errors)
      : root_(root), file_(file), errors_(errors) {}

  // The node at a dotted path ("spec.template.spec"), marked as used. An
  // undefined node when absent.
  YAML::Node Get(const YAML::Node& base, const std::string& base_path, const std::string& rel) {
    YAML::Node cur;
    cur.reset(base);
    std::stringstream ss(rel);
    for (std::string seg; std::getline(ss, seg, '.');) {
      if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      YAML::Node next = cur[seg];
      if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
      cur.reset(next);
    }
    used_.insert(Join(base_path, rel));
    return cur;
  }
  YAML::Node Get(const std::string& path) { return Get(root_, "", path); }
  // The node at a path without marking it used (its children are read one by one).
  YAML::Node Peek(const std::string& path) {
    YAML::Node cur;
    cur.reset(root_);
    std::stringstream ss(path);
    for (std::string seg; std::getline(ss, seg, '.');) {
      if (!cur.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
      YAML::Node next = cur[seg];
      if (!next.IsDefined()) return YAML::Node(YAML::NodeType::Undefined);
      cur.reset(next);
    }
    return cur;
  }

  sim::SourceMark Mark(const YAML::Node& n) const {
    YAML::Mark m = n.Mark();
    if (m.is_null() || m.line < 0) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }
  void Error(const YAML::Node& n, std::string msg) { errors_.push_back({Mark(n), std::move(msg)}); }

  bool Int(const YAML::Node& n, int64_t& out) {
    if (!n.IsDefined()) return false;
    try {
      if (n.IsScalar()) {
        out = n.as<int64_t>();
        return true;
      }
    } catch (const YAML::Exception&) {
    }
    Error(n, "found " + spec::Describe(n) + ", expected an integer");
    return false;
  }
  bool Str(const YAML::Node& n, std::string& out) {
    if (!n.IsDefined()) return false;
    if (n.IsScalar()) {
      out = n.Scalar();
      return true;
    }
    Error(n, "found " + spec::Describe(n) + ", expected a string");
    return false;
  }
  // Runs a scenario kind (Cpu(), Memory(), ...) on a manifest node.
  template <typename M>
  bool Kind(const YAML::Node& n, const spec::Kind<M>& kind, M& out) {
    if (!n.IsDefined()) return false;
    spec::Ctx ctx;
    ctx.file = file_;
    bool ok = kind.parse(n, ctx, out);
    for (auto& e : ctx.errors) errors_.push_back(e);
    return ok;
  }

  // Leaf paths not covered by a used path (list indices as "[]").
  void Unused(std::set<std::string>& out) const { Walk(root_, "", out); }

  static std::string Join(const std::string& a, const std::string& b) {
    return a.empty() ? b : b.empty() ? a : a + "." + b;
  }

 private:
  bool Covered(const std::string& path) const {
    for (const auto& u : used_)
      if (path == u || (path.size() > u.size() && path.compare(0, u.size(), u) == 0 &&
                        (path[u.size()] == '.' || path[u.size()] == '[')))
        return true;
    return false;
  }
  void Walk(const YAML::Node& n, const std::string& path, std::set<std::string>& out) const {
    if (!path.empty() && Covered(path)) return;
    if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) Walk(it->second, Join(path, it->first.Scalar()), out);
    } else if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) Walk(n[i], path + "[]", out);
    } else if (!path.empty()) {
      out.insert(path);
    }
  }

  YAML::Node root_;
  std::string file_;
  sim::Errors& errors_;
  std::set<std::string> used_;
};

IntOrPercent ToIntOrPercent(ObjectReader& r, const YAML::Node& n) {
  IntOrPercent v;
  std::string s;
  if (!r.Str(n, s)) return v;
  bool pct = !s.empty() && s.back() == '%';
  std::string digits = pct ? s.substr(0, s.size() - 1) : s;
  if (digits.empty() || digits.size() > 9 || !std::all_of(digits.begin(), digits.end(), ::isdigit)) {
    r.Error(n, "found " + spec::Describe(n) + ", expected an integer or a percentage");
    return v;
  }
  return {std::stoll(digits), pct};
}

void ReadProbe(ObjectReader& r, const YAML::Node& c, const std::string& cpath, const std::string& key, Probe& p) {
  YAML::Node n = c[key];
  if (!n.IsDefined()) return;
  p.enabled = true;
  // The handler (httpGet/exec/tcpSocket) changes nothing: the simulator only
  // models timing. Read the timing fields.
  std::string base = ObjectReader::Join(cpath, key);
  int64_t v = 0;
  if (r.Int(r.Get(c, cpath, key + ".initialDelaySeconds"), v)) p.initial_delay = sim::Duration::Seconds(v);
  if (r.Int(r.Get(c, cpath, key + ".periodSeconds"), v)) p.period = sim::Duration::Seconds(v);
  if (r.Int(r.Get(c, cpath, key + ".timeoutSeconds"), v)) p.timeout = sim::Duration::Seconds(v);
  if (r.Int(r.Get(c, cpath, key + ".failureThreshold"), v)) p.failure_threshold = v;
  if (r.Int(r.Get(c, cpath, key + ".successThreshold"), v)) p.success_threshold = v;
  (void)base;
}

struct PendingPdb {
  std::string name;
  std::map<std::string, std::string> match_labels;
  PdbSpec pdb;
  YAML::Node node;
};

struct Context {
  std::map<std::string, std::map<std::string, std::string>> labels_by_service;
  std::map<std::string, int64_t> priority_values;
};

void ReadWorkload(ObjectReader& r, const YAML::Node& doc, WorkloadKind kind, const std::string& file,
                  Scenario& s, Context& c) {
  Service svc;
  svc.kind = kind;
  svc.source = file;
  svc.mark = r.Mark(doc);
  if (!r.Str(r.Get("metadata.name"), svc.name)) {
    r.Error(doc, "found a " + std::string(ToString(kind)) + " without metadata.name, expected a name");
    return;
  }
  r.Get("apiVersion");
  r.Get("kind");
  r.Get("spec.selector");  // matches the template labels by construction
  int64_t v = 0;
  if (r.Int(r.Get("spec.replicas"), v)) svc.replicas = v;
  if (r.Int(r.Get("spec.minReadySeconds"), v)) svc.rollout.min_ready = sim::Duration::Seconds(v);
  if (r.Int(r.Get("spec.progressDeadlineSeconds"), v)) svc.rollout.progress_deadline = sim::Duration::Seconds(v);
  std::string strategy;
  if (r.Str(r.Get("spec.strategy.type"), strategy)) {
    if (strategy == "Recreate") svc.rollout.strategy = RolloutStrategy::kRecreate;
  }
  YAML::Node ms = r.Get("spec.strategy.rollingUpdate.maxSurge");
  if (ms.IsDefined()) svc.rollout.max_surge = ToIntOrPercent(r, ms);
  YAML::Node mu = r.Get("spec.strategy.rollingUpdate.maxUnavailable");
  if (mu.IsDefined()) svc.rollout.max_unavailable = ToIntOrPercent(r, mu);
  YAML::Node labels = r.Get("spec.template.metadata.labels");
  if (labels.IsMap())
    for (auto it = labels.begin(); it != labels.end(); ++it)
      if (it->second.IsScalar()) c.labels_by_service[svc.name][it->first.Scalar()] = it->second.Scalar();
  r.Str(r.Get("spec.template.spec.priorityClassName"), svc.priority_class);
  if (r.Int(r.Get("spec.template.spec.terminationGracePeriodSeconds"), v))
    svc.termination_grace = sim::Duration::Seconds(v);
  YAML::Node selector = r.Get("spec.template.spec.nodeSelector");
  if (selector.IsMap()) {
    // A node selector that matches exactly one pool's labels pins the workload there.
    for (const auto& pool : s.cluster.pools) {
      bool all = selector.size() > 0;
      for (auto it = selector.begin(); it != selector.end(); ++it) {
        auto l = pool.labels.find(it->first.Scalar());
        all = all && l != pool.labels.end() && it->second.IsScalar() && l->second == it->second.Scalar();
      }
      if (all) svc.node_pool = pool.name;
    }
  }
  YAML::Node containers = r.Peek("spec.template.spec.containers");
  if (!containers.IsSequence() || containers.size() == 0) {
    r.Error(doc, "found a " + std::string(ToString(kind)) + " without containers, expected spec.template.spec.containers");
  } else {
    // Pod requests are the sum over containers (init containers ignored).
    svc.resources = Resources{0, 0, 0, 0};
    const std::string cpath = "spec.template.spec.containers[]";
    for (size_t i = 0; i < containers.size(); ++i) {
      YAML::Node ct = containers[i];
      int64_t q = 0;
      if (r.Kind(r.Get(ct, cpath, "resources.requests.cpu"), spec::Cpu(), q)) svc.resources.cpu_request_millicores += q;
      if (r.Kind(r.Get(ct, cpath, "resources.requests.memory"), spec::Memory(), q)) svc.resources.memory_request_bytes += q;
      if (r.Kind(r.Get(ct, cpath, "resources.limits.cpu"), spec::Cpu(), q)) svc.resources.cpu_limit_millicores += q;
      if (r.Kind(r.Get(ct, cpath, "resources.limits.memory"), spec::Memory(), q)) svc.resources.memory_limit_bytes += q;
      ReadProbe(r, ct, cpath, "readinessProbe", svc.probes.readiness);
      ReadProbe(r, ct, cpath, "livenessProbe", svc.probes.liveness);
      ReadProbe(r, ct, cpath, "startupProbe", svc.probes.startup);
      std::string image;
      if (i == 0 && r.Str(r.Get(ct, cpath, "image"), image)) {
        // The tag is the version ("registry/gaming-api:v2" -> "v2"); the rest changes nothing.
        size_t colon = image.rfind(':');
        size_t slash = image.rfind('/');
        if (colon != std::string::npos && (slash == std::string::npos || colon > slash))
          svc.version = image.substr(colon + 1);
      }
      r.Get(ct, cpath, "name");
    }
    if (svc.resources.cpu_request_millicores == 0) svc.resources.cpu_request_millicores = svc.resources.cpu_limit_millicores;
    if (svc.resources.memory_request_bytes == 0) svc.resources.memory_request_bytes = svc.resources.memory_limit_bytes;
  }
  for (const auto& existing : s.services)
    if (existing.name == svc.name) {
      r.Error(doc, "found a second workload '" + svc.name + "', expected unique workload names");
      return;
    }
  s.services.push_back(std::move(svc));
}

void ReadHpaRules(ObjectReader& r, const std::string& base, HpaRules& rules) {
  int64_t v = 0;
  if (r.Int(r.Get(base + ".stabilizationWindowSeconds"), v)) rules.stabilization_window = sim::Duration::Seconds(v);
  std::string sp;
  if (r.Str(r.Get(base + ".selectPolicy"), sp)) {
    if (sp == "Min") rules.select_policy = SelectPolicy::kMin;
    else if (sp == "Disabled") rules.select_policy = SelectPolicy::kDisabled;
  }
  YAML::Node pols = r.Get(base + ".policies");
  if (pols.IsSequence()) {
    for (size_t i = 0; i < pols.size(); ++i) {
      HpaPolicy p;
      std::string type;
      if (r.Str(pols[i]["type"], type)) p.type = type == "Pods" ? HpaPolicyType::kPods : HpaPolicyType::kPercent;
      r.Int(pols[i]["value"], p.value);
      if (r.Int(pols[i]["periodSeconds"], v)) p.period = sim::Duration::Seconds(v);
      rules.policies.push_back(p);
    }
  }
}

void ReadHpa(ObjectReader& r, const YAML::Node& doc, Scenario& s) {
  std::string target;
  r.Get("apiVersion");
  r.Get("kind");
  r.Get("metadata.name");
  r.Get("spec.scaleTargetRef.apiVersion");
  r.Get("spec.scaleTargetRef.kind");
  YAML::Node tn = r.Get("spec.scaleTargetRef.name");
  if (!r.Str(tn, target)) {
    r.Error(doc, "found an HPA without spec.scaleTargetRef.name, expected a target workload");
    return;
  }
  Service* svc = nullptr;
  for (auto& x : s.services)
    if (x.name == target) svc = &x;
  if (!svc) {
    r.Error(tn, "found HPA target '" + target + "', expected a Deployment or StatefulSet from the manifests");
    return;
  }
  HpaSpec& h = svc->hpa;
  h.enabled = true;
  h.mark = r.Mark(doc);
  r.Int(r.Get("spec.minReplicas"), h.min_replicas);
  r.Int(r.Get("spec.maxReplicas"), h.max_replicas);
  YAML::Node metrics = r.Get("spec.metrics");
  if (metrics.IsSequence()) {
    for (size_t i = 0; i < metrics.size(); ++i) {
      YAML::Node m = metrics[i];
      std::string type = m["type"].IsScalar() ? m["type"].Scalar() : "";
      HpaMetric hm;
      if (type == "Resource") {
        std::string name = m["resource"]["name"].IsScalar() ? m["resource"]["name"].Scalar() : "";
        hm.type = name == "memory" ? HpaMetricType::kMemory : HpaMetricType::kCpu;
        int64_t u = 0;
        if (r.Int(m["resource"]["target"]["averageUtilization"], u)) hm.target_utilization = static_cast<double>(u) / 100.0;
      } else if (type == "Pods" || type == "External") {
        hm.type = type == "Pods" ? HpaMetricType::kRequestsPerPod : HpaMetricType::kExternal;
        YAML::Node src = type == "Pods" ? m["pods"] : m["external"];
        r.Str(src["metric"]["name"], hm.name);
        YAML::Node av = src["target"]["averageValue"];
        double d = 0;
        if (av.IsDefined() && r.Kind(av, spec::Number(0, 1e12), d)) hm.target_average_value = d;
      } else {
        r.Error(m, "found metric type " + spec::Describe(m["type"]) + ", expected Resource, Pods or External");
        continue;
      }
      h.metrics.push_back(hm);
    }
  }
  if (r.Get("spec.behavior").IsDefined()) {
    ReadHpaRules(r, "spec.behavior.scaleUp", h.scale_up);
    ReadHpaRules(r, "spec.behavior.scaleDown", h.scale_down);
  }
  if (h.min_replicas > h.max_replicas)
    r.Error(doc, "found minReplicas above maxReplicas, expected minReplicas <= maxReplicas");
}

}  // namespace

void LoadManifestText(const std::string& text, const std::string& file, Scenario& s, sim::Errors& errors) {
  if (auto bad = spec::CheckYamlText(text, file)) {
    errors.push_back(*bad);
    return;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = spec::LoadAllDocuments(text);
  } catch (const YAML::ParserException& e) {
    errors.push_back({{file, e.mark.line + 1, e.mark.column + 1},
                      "found invalid YAML (" + e.msg + "), expected Kubernetes objects"});
    return;
  } catch (const YAML::Exception& e) {
    errors.push_back({{file, 0, 0}, "found invalid YAML (" + e.msg + "), expected Kubernetes objects"});
    return;
  }
  Context c;
  std::set<std::string> unused;
  std::set<std::string> ignored_kinds;
  std::vector<PendingPdb> pdbs;
  try {
    // Pass 1: workloads and priority classes; pass 2: what refers to them.
    for (int pass = 1; pass <= 2; ++pass) {
      for (const auto& doc : docs) {
        if (!doc.IsDefined() || doc.IsNull()) continue;
        ObjectReader r(doc, file, errors);
        if (!doc.IsMap()) {
          if (pass == 1) r.Error(doc, "found " + spec::Describe(doc) + ", expected a Kubernetes object");
          continue;
        }
        std::string kind = doc["kind"].IsScalar() ? doc["kind"].Scalar() : "";
        if (kind == "List" && pass == 1) {
          r.Error(doc, "found a List, expected one object per YAML document (use kubectl get -o yaml per object)");
          continue;
        }
        bool handled = true;
        if (pass == 1 && kind == "Deployment") ReadWorkload(r, doc, WorkloadKind::kDeployment, file, s, c);
        else if (pass == 1 && kind == "StatefulSet") ReadWorkload(r, doc, WorkloadKind::kStatefulSet, file, s, c);
        else if (pass == 1 && kind == "PriorityClass") {
          std::string name;
          int64_t value = 0;
          r.Get("apiVersion");
          r.Get("kind");
          r.Str(r.Get("metadata.name"), name);
          if (r.Int(r.Get("value"), value)) c.priority_values[name] = value;
          r.Get("description");
        } else if (pass == 2 && kind == "HorizontalPodAutoscaler") {
          ReadHpa(r, doc, s);
        } else if (pass == 2 && kind == "PodDisruptionBudget") {
          PendingPdb p;
          p.node = doc;
          r.Get("apiVersion");
          r.Get("kind");
          r.Str(r.Get("metadata.name"), p.name);
          YAML::Node ma = r.Get("spec.minAvailable");
          YAML::Node mu = r.Get("spec.maxUnavailable");
          p.pdb.enabled = true;
          if (ma.IsDefined()) p.pdb.min_available = ToIntOrPercent(r, ma);
          if (mu.IsDefined()) p.pdb.max_unavailable = ToIntOrPercent(r, mu);
          if (ma.IsDefined() == mu.IsDefined())
            r.Error(doc, "found a PodDisruptionBudget with " + std::string(ma.IsDefined() ? "both" : "neither") +
                             " of minAvailable and maxUnavailable, expected exactly one");
          YAML::Node ml = r.Get("spec.selector.matchLabels");
          if (ml.IsMap())
            for (auto it = ml.begin(); it != ml.end(); ++it)
              if (it->second.IsScalar()) p.match_labels[it->first.Scalar()] = it->second.Scalar();
          pdbs.push_back(p);
        } else {
          handled = false;
        }
        bool known = kind == "Deployment" || kind == "StatefulSet" || kind == "PriorityClass" ||
                     kind == "HorizontalPodAutoscaler" || kind == "PodDisruptionBudget";
        if (!known && pass == 1) ignored_kinds.insert(kind.empty() ? "(no kind)" : kind);
        if (handled) {
          std::set<std::string> u;
          r.Unused(u);
          for (const auto& path : u) unused.insert(kind + " " + path);
        }
      }
    }
  } catch (const YAML::Exception& e) {
    errors.push_back({{file, e.mark.line + 1, e.mark.column + 1}, "found " + e.msg + ", expected Kubernetes objects"});
    return;
  }
  // Priority values and PDBs attach to the workloads they select.
  for (auto& svc : s.services) {
    auto it = c.priority_values.find(svc.priority_class);
    if (it != c.priority_values.end()) svc.priority = it->second;
  }
  for (const auto& p : pdbs) {
    bool matched = false;
    for (auto& svc : s.services) {
      auto lit = c.labels_by_service.find(svc.name);
      if (lit == c.labels_by_service.end() || p.match_labels.empty()) continue;
      bool all = true;
      for (const auto& [k, v] : p.match_labels) {
        auto l = lit->second.find(k);
        all = all && l != lit->second.end() && l->second == v;
      }
      if (all) {
        svc.pdb = p.pdb;
        matched = true;
      }
    }
    if (!matched) {
      sim::SourceMark m{file, p.node.Mark().line + 1, p.node.Mark().column + 1};
      errors.push_back({m, "found PodDisruptionBudget '" + p.name +
                               "' selecting no workload, expected matchLabels of a Deployment or StatefulSet"});
    }
  }
  if (!unused.empty() || !ignored_kinds.empty()) {
    std::string w = file + ": fields that change nothing in the simulation:";
    for (const auto& u : unused) w += " " + u + ";";
    if (!ignored_kinds.empty()) {
      w += " kinds ignored:";
      for (const auto& k : ignored_kinds) w += " " + k;
    }
    s.warnings.push_back(w);
  }
}

void LoadManifestFile(const std::string& path, const sim::SourceMark& from, Scenario& s, sim::Errors& errors) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    errors.push_back({from, "found '" + path + "', expected a readable Kubernetes YAML file"});
    return;
  }
  std::stringstream buf;
  buf << in.rdbuf();
  LoadManifestText(buf.str(), path, s, errors);
}

}  // namespace rehearsal::scenarios
