// The run directory contract: summary.json against reports/summary.schema.json,
// timeseries.csv, events.jsonl, report.html, atomic writes.
#include "reports/run_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <memory>
#include <fstream>
#include <sstream>

#include "sim/simulation.h"

namespace rehearsal::reports {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A small JSON Schema validator for the keywords summary.schema.json uses:
// type, const, enum, pattern (prefix ^...$ only checked for hex digests),
// required, properties, additionalProperties, items, minimum.
bool TypeIs(const json& v, const std::string& t) {
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  if (t == "null") return v.is_null();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  return false;
}

void Validate(const json& schema, const json& v, const std::string& path, std::vector<std::string>& errors) {
  if (schema.contains("type")) {
    bool ok = false;
    if (schema["type"].is_array()) {
      for (const auto& t : schema["type"]) ok = ok || TypeIs(v, t.get<std::string>());
    } else {
      ok = TypeIs(v, schema["type"].get<std::string>());
    }
    if (!ok) {
      errors.push_back(path + ": type " + schema["type"].dump() + " expected, got " + v.dump());
      return;
    }
  }
  if (schema.contains("const") && schema["const"] != v) errors.push_back(path + ": const " + schema["const"].dump());
  if (schema.contains("enum")) {
    bool found = false;
    for (const auto& e : schema["enum"]) found = found || e == v;
    if (!found) errors.push_back(path + ": not in enum: " + v.dump());
  }
  if (schema.contains("minimum") && v.is_number() && v.get<double>() < schema["minimum"].get<double>())
    errors.push_back(path + ": below minimum");
  if (schema.contains("pattern") && v.is_string() && schema["pattern"] == "^[0-9a-f]{16}$") {
    const std::string s = v.get<std::string>();
    bool ok = s.size() == 16 && s.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!ok) errors.push_back(path + ": not 16 hex digits");
  }
  if (v.is_object()) {
    if (schema.contains("required"))
      for (const auto& r : schema["required"])
        if (!v.contains(r.get<std::string>())) errors.push_back(path + ": missing " + r.get<std::string>());
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (schema.contains("properties") && schema["properties"].contains(it.key())) {
        Validate(schema["properties"][it.key()], it.value(), path + "." + it.key(), errors);
      } else if (schema.contains("additionalProperties")) {
        const auto& ap = schema["additionalProperties"];
        if (ap.is_boolean() && !ap.get<bool>()) errors.push_back(path + ": unexpected key " + it.key());
        if (ap.is_object()) Validate(ap, it.value(), path + "." + it.key(), errors);
      }
    }
  }
  if (v.is_array() && schema.contains("items"))
    for (size_t i = 0; i < v.size(); ++i) Validate(schema["items"], v[i], path + "[" + std::to_string(i) + "]", errors);
}

json SummarySchema() {
  std::ifstream in(fs::path(REHEARSAL_SOURCE_DIR) / "reports/summary.schema.json");
  return json::parse(in);
}

models::RunSummary FullSummary() {
  models::RunSummary s;
  s.scenario_name = "evening-peak";
  s.scenario_file = "scenarios/examples/evening-peak.yaml";
  s.input_digest = "0123456789abcdef";
  s.seed = 42;
  s.simulated_s = 14400;
  s.wall_s = 1.25;
  s.events = 123456;
  s.digest = "00ff00ff00ff00ff";
  s.fidelity = "fluid";
  s.slos.push_back({"gaming-api p99", "p99(gaming-api) <= 250 ms", 212.5, 250, true, "ms"});
  s.slos.push_back({"rollout", "rollout_duration <= 600 s", std::numeric_limits<double>::infinity(), 600, false, "s"});
  models::ServiceSummary api;
  api.requests = 1000;
  api.errors = 3;
  api.error_rate = 0.003;
  api.availability = 0.997;
  api.latency_ms = {20, 80, 212.5, 31};
  api.errors_by_cause["timeout"] = 3;
  s.services["gaming-api"] = api;
  s.cluster.nodes_max = 14;
  s.cluster.cost_usd = 21.456;
  s.cluster.node_hours_by_pool["general"] = 40;
  s.wallet.enabled = true;
  s.wallet.replication = "async";
  s.wallet.failovers.push_back({});
  s.faults.push_back({1800, "zone-outage", "eu-west-1a", "20m"});
  s.rollouts.push_back({"gaming-api", "RollingUpdate", 100, -1, "progress-deadline-exceeded"});
  return s;
}

TEST(SummaryJson, MatchesTheSchema) {
  json schema = SummarySchema();
  for (const auto& s : {FullSummary(), models::RunSummary{}}) {
    models::RunSummary x = s;
    if (x.digest.empty()) x.digest = "0000000000000000";
    if (x.fidelity.empty()) x.fidelity = "fluid";
    json j = json::parse(SummaryJson(x, "0.1.0"));
    std::vector<std::string> errors;
    Validate(schema, j, "$", errors);
    for (const auto& e : errors) ADD_FAILURE() << e;
  }
}

TEST(SummaryJson, SchemaCatchesABrokenSummary) {
  json j = json::parse(SummaryJson(FullSummary(), "0.1.0"));
  j.erase("digest");
  j["seed"] = "forty-two";
  std::vector<std::string> errors;
  Validate(SummarySchema(), j, "$", errors);
  EXPECT_EQ(errors.size(), 2u);
}

TEST(SummaryJson, FixedKeyOrderAndIntegers) {
  std::string text = SummaryJson(FullSummary(), "0.1.0");
  json j = json::parse(text);
  EXPECT_EQ(j["schema"], "rehearsal.summary/v1");
  EXPECT_LT(text.find("\"schema\""), text.find("\"scenario\""));
  EXPECT_LT(text.find("\"scenario\""), text.find("\"seed\""));
  EXPECT_LT(text.find("\"slos\""), text.find("\"services\""));
  EXPECT_TRUE(j["seed"].is_number_integer());
  EXPECT_TRUE(j["events"].is_number_integer());
  EXPECT_EQ(j["simulated_us"], 14400000000LL);
  EXPECT_EQ(j["cluster"]["cost_cents"], 2146);
  EXPECT_EQ(j["verdict"], "missed");
  EXPECT_TRUE(j["slos"][1]["actual"].is_null());  // infinity is not JSON
  EXPECT_TRUE(j["rollouts"][0]["finished_s"].is_null());
  EXPECT_EQ(SummaryJson(FullSummary(), "0.1.0"), text);  // same input, same bytes
}

sim::Simulation& Recorded(sim::Simulation& sim) {
  auto rps = std::make_shared<double>(0);
  sim.recorder().set_sample_interval(sim::Duration::Seconds(10));
  sim.recorder().AddSeries("gaming-api.rps", [rps] { return *rps += 10; });
  sim.recorder().AddSeries("cluster.nodes.general", [] { return 6; });
  sim.recorder().Log(sim::Time::Zero() + sim::Duration::Seconds(30), "ScalingReplicaSet", "deployment/gaming-api",
                     "Scaled up replica set gaming-api-v41 to 8");
  sim.recorder().Log(sim::Time::Zero() + sim::Duration::Seconds(20), "FaultInjected", "zone/eu-west-1a", "zone outage");
  sim.RunUntil(sim::Time::Zero() + sim::Duration::Seconds(40));
  return sim;
}

TEST(TimeseriesCsv, TimeThenOneColumnPerSeries) {
  sim::Simulation sim(1);
  Recorded(sim);
  std::string csv = TimeseriesCsv(sim.recorder());
  std::istringstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "time_s,gaming-api.rps,cluster.nodes.general");
  std::string row;
  size_t rows = 0;
  while (std::getline(in, row)) {
    ++rows;
    EXPECT_EQ(std::count(row.begin(), row.end(), ','), 2) << row;
  }
  EXPECT_EQ(rows, sim.recorder().sample_times().size());
  EXPECT_GE(rows, 4u);
}

TEST(EventsJsonl, OneObjectPerLineInTimeOrder) {
  sim::Simulation sim(1);
  Recorded(sim);
  std::istringstream in(EventsJsonl(sim.recorder()));
  std::vector<json> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(json::parse(l));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["kind"], "FaultInjected");  // t=20 s sorts before t=30 s
  EXPECT_DOUBLE_EQ(lines[0]["t_s"].get<double>(), 20.0);
  for (const auto& l : lines)
    for (const char* k : {"t_s", "kind", "object", "message"}) EXPECT_TRUE(l.contains(k)) << k;
}

TEST(ReportHtml, SelfContainedWithChartsSloTableAndTimeline) {
  sim::Simulation sim(1);
  Recorded(sim);
  std::string html = ReportHtml(FullSummary(), sim.recorder(), "0.1.0");
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("Traffic per service"), std::string::npos);
  EXPECT_NE(html.find("Nodes by pool"), std::string::npos);
  EXPECT_NE(html.find("id=\"slos\""), std::string::npos);
  EXPECT_NE(html.find("gaming-api p99"), std::string::npos);
  EXPECT_NE(html.find("class=\"faultrow\""), std::string::npos);  // the fault is marked
  EXPECT_NE(html.find("class=\"fault\""), std::string::npos);
  // Self-contained: no external resources.
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("src="), std::string::npos);
}

TEST(ReportHtml, EscapesNames) {
  models::RunSummary s = FullSummary();
  s.scenario_name = "<script>alert(1)</script>";
  sim::Simulation sim(1);
  std::string html = ReportHtml(s, sim.recorder(), "0.1.0");
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)"), std::string::npos);
}

TEST(WriteRunDir, WritesFourFilesAndReplacesAtomically) {
  fs::path dir = fs::path(REHEARSAL_BINARY_DIR) / "test-tmp/reports/run";
  fs::remove_all(dir);
  sim::Simulation sim(1);
  Recorded(sim);
  ASSERT_TRUE(WriteRunDir(dir.string(), FullSummary(), sim.recorder(), "0.1.0").ok());
  for (const char* f : {"summary.json", "timeseries.csv", "events.jsonl", "report.html"})
    EXPECT_TRUE(fs::exists(dir / f)) << f;
  std::ofstream(dir / "stale.txt") << "old";
  ASSERT_TRUE(WriteRunDir(dir.string(), FullSummary(), sim.recorder(), "0.1.0").ok());
  EXPECT_FALSE(fs::exists(dir / "stale.txt"));  // replaced, not merged
  // No temp directories left behind.
  for (const auto& e : fs::directory_iterator(dir.parent_path()))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace rehearsal::reports
