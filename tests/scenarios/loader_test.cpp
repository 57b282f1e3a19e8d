// The loader: Kubernetes units, defaults, --set overrides, manifests and the
// JSON Schema kept in sync with the key tables.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "scenarios/loader.h"
#include "scenarios/manifests.h"
#include "scenarios/yaml_spec.h"

namespace rehearsal::scenarios {
namespace {

namespace fs = std::filesystem;

std::string ErrorsOf(const sim::Result<Scenario>& r) {
  std::string s;
  if (!r.ok())
    for (const auto& e : r.errors()) s += e.ToString() + "\n";
  return s;
}

const char* kSmall = R"(name: small
duration: 2h
cluster:
  zones: [a, b]
  pools:
    - name: general
      cpu: 7900m
      memory: 30Gi
      price_per_hour: 0.384
      min: 2
      max: 10
services:
  - name: api
    replicas: 3
    resources: {requests: {cpu: 500m, memory: 512Mi}, limits: {cpu: "1.5", memory: 1G}}
    calls: [{to: db, per_request: 0.5}]
    hpa:
      max_replicas: 12
      metrics: [{type: cpu, target_utilization: 60%}]
    pdb: {min_available: 80%}
    rollout: {max_surge: 2, max_unavailable: 10%}
  - name: db
traffic:
  start: "18:00"
  entry_points:
    - name: web
      service: api
      profile: {type: diurnal, rps: 100, peak_rps: 400, peak_at: "21:00"}
      peaks: [{at: "20:45", rps: 300}]
faults:
  - {type: node-failure, at: "19:30", pool: general}
slos:
  - {name: p99, sli: latency, target: api, objective: 250ms}
  - {name: avail, sli: availability, target: web, objective: 99.9%, window: 5m}
)";

TEST(Loader, ParsesKubernetesUnits) {
  auto r = LoadScenarioText(kSmall, "small.yaml");
  ASSERT_TRUE(r.ok()) << ErrorsOf(r);
  const Scenario& s = *r;
  EXPECT_EQ(s.duration, sim::Duration::Hours(2));
  ASSERT_EQ(s.cluster.pools.size(), 1u);
  EXPECT_EQ(s.cluster.pools[0].cpu_millicores, 7900);
  EXPECT_EQ(s.cluster.pools[0].memory_bytes, 30LL << 30);
  const Service* api = s.FindService("api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->resources.cpu_request_millicores, 500);
  EXPECT_EQ(api->resources.memory_request_bytes, 512LL << 20);
  EXPECT_EQ(api->resources.cpu_limit_millicores, 1500);
  EXPECT_EQ(api->resources.memory_limit_bytes, 1000000000);
  EXPECT_DOUBLE_EQ(api->hpa.metrics.at(0).target_utilization, 0.6);
  ASSERT_TRUE(api->pdb.min_available.has_value());
  EXPECT_EQ(api->pdb.min_available->value, 80);
  EXPECT_TRUE(api->pdb.min_available->percent);
  EXPECT_EQ(api->rollout.max_surge.Resolve(10, true), 2);
  EXPECT_EQ(api->rollout.max_unavailable.Resolve(10, false), 1);
  // Times of day are relative to traffic.start (18:00): 20:45 is 2h45m in.
  EXPECT_EQ(s.traffic.entry_points.at(0).peaks.at(0).at, sim::Duration::Hours(2) + sim::Duration::Minutes(45));
  EXPECT_EQ(s.traffic.entry_points.at(0).profile.peak_at, sim::Duration::Hours(21));
  EXPECT_EQ(s.faults.at(0).at, sim::Duration::Minutes(90));
  EXPECT_DOUBLE_EQ(s.slos.at(0).threshold, 250.0);   // ms
  EXPECT_DOUBLE_EQ(s.slos.at(1).threshold, 0.999);
  EXPECT_EQ(s.slos.at(1).window, sim::Duration::Minutes(5));
}

TEST(Loader, AppliesKubernetesDefaults) {
  auto r = LoadScenarioText(kSmall, "small.yaml");
  ASSERT_TRUE(r.ok()) << ErrorsOf(r);
  const Service* api = r->FindService("api");
  EXPECT_EQ(api->hpa.min_replicas, 1);               // HPA minReplicas default
  EXPECT_DOUBLE_EQ(api->hpa.tolerance, 0.1);         // controller tolerance
  EXPECT_FALSE(api->hpa.scale_down.stabilization_window.has_value());  // 300 s flag applies
  const Service* db = r->FindService("db");
  EXPECT_EQ(db->kind, WorkloadKind::kDeployment);
  EXPECT_EQ(db->rollout.max_surge.value, 25);        // Deployment 25% / 25%
  EXPECT_TRUE(db->rollout.max_surge.percent);
  EXPECT_FALSE(db->hpa.enabled);
  EXPECT_EQ(r->cluster.autoscaler.scan_interval, sim::Duration::Seconds(10));
  EXPECT_EQ(r->cluster.autoscaler.expander, Expander::kLeastWaste);
  EXPECT_EQ(r->seed, 1u);
  EXPECT_EQ(r->fidelity, Fidelity::kFluid);
}

TEST(Loader, SetOverridesAnyFieldBeforeValidation) {
  LoadOptions o;
  o.sets = {"services.api.hpa.max_replicas=40", "cluster.pools.general.max=20", "seed=9",
            "services.api.hpa.metrics.0.target_utilization=75%", "fidelity=request"};
  auto r = LoadScenarioText(kSmall, "small.yaml", o);
  ASSERT_TRUE(r.ok()) << ErrorsOf(r);
  EXPECT_EQ(r->FindService("api")->hpa.max_replicas, 40);
  EXPECT_EQ(r->cluster.pools[0].max_nodes, 20);
  EXPECT_EQ(r->seed, 9u);
  EXPECT_DOUBLE_EQ(r->FindService("api")->hpa.metrics[0].target_utilization, 0.75);
  EXPECT_EQ(r->fidelity, Fidelity::kRequest);
  // The input digest covers the overrides.
  auto plain = LoadScenarioText(kSmall, "small.yaml");
  EXPECT_NE(plain->input_digest, r->input_digest);
}

TEST(Loader, BadSetValueIsReportedAgainstTheFlag) {
  LoadOptions o;
  o.sets = {"services.api.replicas=many"};
  auto r = LoadScenarioText(kSmall, "small.yaml", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToString(),
            "--set services.api.replicas=many: found 'many', expected an integer from 0 to 100000");
}

TEST(Loader, SetWithUnknownKeySuggests) {
  LoadOptions o;
  o.sets = {"services.api.replcas=4"};
  auto r = LoadScenarioText(kSmall, "small.yaml", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(ErrorsOf(r).find("did you mean 'replicas'?"), std::string::npos) << ErrorsOf(r);
}

TEST(Loader, SetOnMissingListElementNamesTheChoices) {
  LoadOptions o;
  o.sets = {"services.apx.replicas=4"};
  auto r = LoadScenarioText(kSmall, "small.yaml", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().ToString(),
            "--set services.apx.replicas=4: found no element 'apx' in services, expected a name (api, db) or an "
            "index (did you mean 'api'?)");
}

TEST(Loader, MalformedSetIsAnError) {
  LoadOptions o;
  o.sets = {"replicas"};
  auto r = LoadScenarioText(kSmall, "small.yaml", o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("expected path=value"), std::string::npos);
}

TEST(Loader, SameTextSameDigest) {
  auto a = LoadScenarioText(kSmall, "a.yaml");
  auto b = LoadScenarioText(kSmall, "b.yaml");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->input_digest, b->input_digest);
  EXPECT_EQ(a->input_digest.size(), 16u);
}

TEST(Loader, VersionProfilesStartFromTheServiceProfile) {
  std::string text = std::string(kSmall) + "";
  text.replace(text.find("  - name: db\n"), 13,
               "  - name: db\n    performance: {cpu_per_request: 10ms, concurrency: 8}\n"
               "    versions:\n      v2-bad: {cpu_per_request: 30ms}\n");
  auto r = LoadScenarioText(text, "v.yaml");
  ASSERT_TRUE(r.ok()) << ErrorsOf(r);
  const auto& v = r->FindService("db")->versions.at("v2-bad");
  EXPECT_EQ(v.cpu_per_request, sim::Duration::Millis(30));
  EXPECT_EQ(v.concurrency, 8);  // inherited
}

TEST(EditDistance, SuggestsOnlyCloseWords) {
  EXPECT_EQ(spec::EditDistance("replicsa", "replicas"), 2u);
  EXPECT_EQ(spec::Closest("replcas", {"replicas", "resources", "rollout"}), "replicas");
  EXPECT_EQ(spec::Closest("colour", {"period", "timeout"}), "");
}

TEST(Manifests, WorkloadsHpasPdbsAndPrioritiesJoinTheScenario) {
  fs::path f = fs::path(REHEARSAL_SOURCE_DIR) / "scenarios/examples/node-pool-upgrade.yaml";
  auto r = LoadScenarioFile(f.string());
  ASSERT_TRUE(r.ok()) << ErrorsOf(r);
  const Service* api = r->FindService("gaming-api");
  ASSERT_NE(api, nullptr);
  EXPECT_EQ(api->replicas, 8);
  EXPECT_EQ(api->version, "v41");                    // from the image tag
  EXPECT_EQ(api->resources.cpu_request_millicores, 500);
  EXPECT_EQ(api->resources.memory_limit_bytes, 1LL << 30);
  EXPECT_EQ(api->priority, 100000);                  // PriorityClass value
  EXPECT_TRUE(api->probes.readiness.enabled);
  EXPECT_EQ(api->probes.readiness.period, sim::Duration::Seconds(5));
  EXPECT_TRUE(api->hpa.enabled);
  EXPECT_EQ(api->hpa.min_replicas, 8);
  EXPECT_EQ(api->hpa.max_replicas, 30);
  EXPECT_DOUBLE_EQ(api->hpa.metrics.at(0).target_utilization, 0.6);
  EXPECT_EQ(api->hpa.scale_down.stabilization_window, sim::Duration::Seconds(300));
  ASSERT_TRUE(api->pdb.min_available.has_value());
  EXPECT_EQ(api->pdb.min_available->value, 75);
  // The scenario entry completed the manifest's workload.
  EXPECT_EQ(api->performance.cpu_per_request, sim::Duration::Millis(5));
  EXPECT_EQ(api->calls.at(0).to, "wallet");
  const Service* wallet = r->FindService("wallet");
  ASSERT_NE(wallet, nullptr);
  EXPECT_EQ(wallet->kind, WorkloadKind::kStatefulSet);
  ASSERT_TRUE(wallet->pdb.max_unavailable.has_value());
  EXPECT_EQ(wallet->pdb.max_unavailable->value, 1);
  // Fields that change nothing: one warning listing them.
  ASSERT_EQ(r->warnings.size(), 1u);
  const std::string& w = r->warnings[0];
  EXPECT_NE(w.find("fields that change nothing"), std::string::npos);
  EXPECT_NE(w.find("ports"), std::string::npos) << w;
  EXPECT_NE(w.find("env"), std::string::npos) << w;
  EXPECT_NE(w.find("readinessProbe.httpGet"), std::string::npos) << w;
  EXPECT_NE(w.find("kinds ignored: Service"), std::string::npos) << w;
}

TEST(Manifests, ErrorsPointIntoTheManifest) {
  Scenario s;
  sim::Errors errors;
  LoadManifestText(
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {name: x}\n"
      "spec:\n  scaleTargetRef: {kind: Deployment, name: nothere}\n  maxReplicas: 3\n",
      "m.yaml", s, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].ToString(),
            "m.yaml:5:44: found HPA target 'nothere', expected a Deployment or StatefulSet from the manifests");
}

TEST(Manifests, PdbMustSelectSomething) {
  Scenario s;
  sim::Errors errors;
  LoadManifestText(
      "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata: {name: lonely}\n"
      "spec:\n  minAvailable: 1\n  selector: {matchLabels: {app: ghost}}\n",
      "p.yaml", s, errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_NE(errors[0].message.find("selecting no workload"), std::string::npos);
}

// scenarios/schema.json is generated from the loader's key tables; this keeps
// the checked-in file equal to them (REHEARSAL_UPDATE_GOLDEN=1 rewrites it).
TEST(Schema, FileMatchesTheLoaderTables) {
  fs::path p = fs::path(REHEARSAL_SOURCE_DIR) / "scenarios/schema.json";
  std::string generated = nlohmann::json::parse(ScenarioJsonSchema()).dump(2) + "\n";
  if (const char* u = std::getenv("REHEARSAL_UPDATE_GOLDEN"); u && std::string(u) == "1") {
    std::ofstream(p) << generated;
  }
  std::ifstream in(p);
  ASSERT_TRUE(in) << p << " missing; run with REHEARSAL_UPDATE_GOLDEN=1";
  std::stringstream buf;
  buf << in.rdbuf();
  EXPECT_EQ(buf.str(), generated) << "scenarios/schema.json is stale: rerun with REHEARSAL_UPDATE_GOLDEN=1";
}

// Collects "a.b[].c" key paths from a JSON Schema.
void Collect(const nlohmann::json& s, const std::string& prefix, std::set<std::string>& out) {
  if (s.contains("properties")) {
    for (auto it = s["properties"].begin(); it != s["properties"].end(); ++it) {
      std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
      out.insert(key);
      Collect(it.value(), key, out);
    }
  }
  if (s.contains("items") && s["items"].is_object()) Collect(s["items"], prefix + "[]", out);
  if (s.contains("additionalProperties") && s["additionalProperties"].is_object())
    Collect(s["additionalProperties"], prefix + ".*", out);
}

TEST(Schema, EveryLoaderKeyIsInTheSchemaAndViceVersa) {
  std::ifstream in(fs::path(REHEARSAL_SOURCE_DIR) / "scenarios/schema.json");
  ASSERT_TRUE(in);
  nlohmann::json schema = nlohmann::json::parse(in);
  std::set<std::string> from_schema;
  Collect(schema, "", from_schema);
  // Map-valued leaves ("labels.*") are not keys of the format.
  const std::vector<std::string> loader_keys = ScenarioKeyPaths();
  std::set<std::string> from_loader(loader_keys.begin(), loader_keys.end());
  std::set<std::string> schema_keys;
  for (const auto& k : from_schema)
    if (k.find(".*") == std::string::npos || k.find("versions.*.") != std::string::npos) schema_keys.insert(k);
  for (const auto& k : from_loader) EXPECT_TRUE(schema_keys.count(k)) << "loader key missing in schema: " << k;
  for (const auto& k : schema_keys) EXPECT_TRUE(from_loader.count(k)) << "schema key unknown to the loader: " << k;
  EXPECT_TRUE(from_loader.count("services[].hpa.behavior.scale_up.stabilization_window"));
  EXPECT_TRUE(from_loader.count("wallet.failover.maximum_lag_on_failover"));
}

// Every key path the schema lists is accepted by the loader (no "unknown key").
TEST(Schema, LoaderAcceptsEveryTopLevelKey) {
  for (const auto& k : ScenarioKeyPaths()) {
    if (k.find('.') != std::string::npos || k.find('[') != std::string::npos) continue;
    auto r = LoadScenarioText(std::string("name: x\nservices: [{name: a}]\n") + (k == "name" || k == "services" ? "" : k + ": ~\n"),
                              "k.yaml");
    std::string errs = ErrorsOf(r);
    EXPECT_EQ(errs.find("unknown key"), std::string::npos) << k << ": " << errs;
  }
}

}  // namespace
}  // namespace rehearsal::scenarios
