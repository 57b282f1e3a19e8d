// The `rehearse` executable end to end: exit codes, nothing written on bad
// input, run directories, compare, and sweeps whose files do not depend on
// --jobs or on sharding.
#include <unistd.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

namespace fs = std::filesystem;

const fs::path kBin = fs::path(REHEARSAL_BINARY_DIR) / "bin/rehearse";
const fs::path kSrc = fs::path(REHEARSAL_SOURCE_DIR);
const fs::path kTmp = fs::path(REHEARSAL_BINARY_DIR) / "test-tmp/cli";

struct Outcome {
  int code = -1;
  std::string out, err;
};

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

Outcome Rehearse(const std::string& args) {
  fs::create_directories(kTmp);
  // CTest runs each test in its own process, in parallel: name the capture
  // files after the process so concurrent tests never read each other's output.
  static int calls = 0;
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++calls);
  fs::path out = kTmp / ("stdout-" + tag + ".txt"), err = kTmp / ("stderr-" + tag + ".txt");
  std::string cmd = kBin.string() + " " + args + " >" + out.string() + " 2>" + err.string();
  int status = std::system(cmd.c_str());
  Outcome o;
  o.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  o.out = Slurp(out);
  o.err = Slurp(err);
  return o;
}

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kBin)) GTEST_SKIP() << kBin << " not built (build the rehearse target)";
  }
};

std::string Example(const std::string& name) { return (kSrc / "scenarios/examples" / (name + ".yaml")).string(); }

TEST_F(Cli, VersionAndHelpExitZero) {
  auto v = Rehearse("--version");
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out.rfind("rehearse ", 0), 0u);
  for (const char* cmd : {"--help", "run --help", "validate --help", "sweep --help", "sweep-merge --help",
                          "compare --help", "schema --help"}) {
    auto h = Rehearse(cmd);
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("usage: rehearse"), std::string::npos) << cmd;
  }
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(Rehearse("").code, 2);
  EXPECT_EQ(Rehearse("frobnicate").code, 2);
  EXPECT_EQ(Rehearse("run").code, 2);
  EXPECT_EQ(Rehearse("run " + Example("evening-peak") + " --colour red").code, 2);
  EXPECT_EQ(Rehearse("run " + Example("evening-peak") + " --fidelity exact").code, 2);
  EXPECT_EQ(Rehearse("run " + Example("evening-peak") + " --seed -1").code, 2);
  EXPECT_EQ(Rehearse("sweep " + Example("evening-peak") + " --vary x").code, 2);  // no --out
}

TEST_F(Cli, BadScenarioExitsTwoAndWritesNothing) {
  fs::path out = kTmp / "bad-run";
  fs::remove_all(out);
  auto o = Rehearse("run " + (kSrc / "tests/scenarios/malformed/many_errors_at_once.yaml").string() + " --out " +
                    out.string());
  EXPECT_EQ(o.code, 2);
  EXPECT_FALSE(fs::exists(out));
  // All errors at once, each with file:line:col.
  EXPECT_NE(o.err.find("many_errors_at_once.yaml:5:11: found 'soon'"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("did you mean 'replicas'?"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("3 errors"), std::string::npos) << o.err;
  EXPECT_EQ(o.out, "");
}

TEST_F(Cli, BadSetExitsTwo) {
  auto o = Rehearse("validate " + Example("evening-peak") + " --set services.gaming-api.replicas=lots");
  EXPECT_EQ(o.code, 2);
  EXPECT_NE(o.err.find("--set services.gaming-api.replicas=lots: found 'lots'"), std::string::npos) << o.err;
}

TEST_F(Cli, ValidateEveryExample) {
  for (const auto& e : fs::directory_iterator(kSrc / "scenarios/examples")) {
    if (e.path().extension() != ".yaml") continue;
    auto o = Rehearse("validate " + e.path().string());
    EXPECT_EQ(o.code, 0) << e.path() << "\n" << o.err;
    EXPECT_NE(o.out.find(": ok: "), std::string::npos);
  }
}

TEST_F(Cli, RunWritesTheRunDirectoryAndExitsByVerdict) {
  fs::path out = kTmp / "run-evening";
  auto o = Rehearse("run " + Example("evening-peak") + " --until 3m --out " + out.string());
  ASSERT_TRUE(o.code == 0 || o.code == 1) << o.err;
  for (const char* f : {"summary.json", "timeseries.csv", "events.jsonl", "report.html"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  auto j = nlohmann::json::parse(Slurp(out / "summary.json"));
  EXPECT_EQ(j["schema"], "rehearsal.summary/v1");
  EXPECT_EQ(j["scenario"]["name"], "evening-peak");
  EXPECT_EQ(j["seed"], 42);
  EXPECT_DOUBLE_EQ(j["simulated_s"].get<double>(), 180.0);
  bool all_met = true;
  for (const auto& s : j["slos"]) all_met = all_met && s["met"].get<bool>();
  EXPECT_EQ(o.code, all_met ? 0 : 1);
  EXPECT_EQ(j["verdict"], all_met ? "met" : "missed");
  // --seed changes the seed; the run directory is replaced.
  auto o2 = Rehearse("run " + Example("evening-peak") + " --until 3m --seed 7 --out " + out.string());
  ASSERT_TRUE(o2.code == 0 || o2.code == 1) << o2.err;
  EXPECT_EQ(nlohmann::json::parse(Slurp(out / "summary.json"))["seed"], 7);
}

TEST_F(Cli, MissedObjectiveExitsOne) {
  fs::path out = kTmp / "run-missed";
  // A p99 objective of 1 microsecond cannot hold once traffic is modelled.
  auto o = Rehearse("run " + Example("evening-peak") +
                    " --until 3m --set slos.0.objective=1us --out " + out.string());
  auto j = nlohmann::json::parse(Slurp(out / "summary.json"));
  if (j["services"].empty()) GTEST_SKIP() << "no traffic model bound yet: nothing can miss";
  EXPECT_EQ(o.code, 1) << o.err;
}

TEST_F(Cli, CompareTwoRuns) {
  fs::path a = kTmp / "cmp-a", b = kTmp / "cmp-b";
  ASSERT_LE(Rehearse("run " + Example("zone-outage-wallet-sync") + " --until 2m --out " + a.string()).code, 1);
  ASSERT_LE(Rehearse("run " + Example("zone-outage-wallet-async") + " --until 2m --out " + b.string()).code, 1);
  auto o = Rehearse("compare " + a.string() + " " + b.string());
  EXPECT_EQ(o.code, 0) << o.err;
  EXPECT_NE(o.out.find("cluster.cost_usd"), std::string::npos);
  EXPECT_NE(o.out.find("slo no lost transfers"), std::string::npos) << o.out;
  EXPECT_EQ(Rehearse("compare " + a.string() + " " + (kTmp / "nothing-here").string()).code, 2);
}

std::string SweepArgs(const std::string& out) {
  return "sweep " + Example("hpa-threshold-sweep") +
         " --set duration=2m --vary services.gaming-api.hpa.metrics.0.target_utilization=50%,70%"
         " --vary cluster.pools.general.max=16,32 --seeds 2 --out " + out;
}

TEST_F(Cli, SweepFilesDoNotDependOnJobsOrShards) {
  fs::path one = kTmp / "sweep-j1", two = kTmp / "sweep-j2", shards = kTmp / "sweep-shards", merged = kTmp / "sweep-merged";
  fs::remove_all(shards);
  auto a = Rehearse(SweepArgs(one.string()) + " --jobs 1");
  ASSERT_LE(a.code, 1) << a.err;
  auto b = Rehearse(SweepArgs(two.string()) + " --jobs 2");
  ASSERT_LE(b.code, 1) << b.err;
  for (const char* f : {"sweep.csv", "sweep.json", "report.html"}) {
    ASSERT_TRUE(fs::exists(one / f)) << f;
    EXPECT_EQ(Slurp(one / f), Slurp(two / f)) << f;
  }
  ASSERT_LE(Rehearse(SweepArgs(shards.string()) + " --shard 1/3").code, 1);
  ASSERT_LE(Rehearse(SweepArgs(shards.string()) + " --shard 2/3 --jobs 2").code, 1);
  // An incomplete set of shards is refused.
  EXPECT_EQ(Rehearse("sweep-merge --out " + merged.string() + " " + shards.string()).code, 2);
  ASSERT_LE(Rehearse(SweepArgs(shards.string()) + " --shard 3/3").code, 1);
  auto m = Rehearse("sweep-merge --out " + merged.string() + " " + shards.string());
  ASSERT_LE(m.code, 1) << m.err;
  for (const char* f : {"sweep.csv", "sweep.json", "report.html"}) EXPECT_EQ(Slurp(one / f), Slurp(merged / f)) << f;
  // 4 points x 2 seeds.
  auto j = nlohmann::json::parse(Slurp(one / "sweep.json"));
  EXPECT_EQ(j["points"].size(), 4u);
  EXPECT_EQ(j["points"][0]["runs"].size(), 2u);
  std::string csv = Slurp(one / "sweep.csv");
  EXPECT_EQ(csv.rfind("services.gaming-api.hpa.metrics.0.target_utilization,cluster.pools.general.max,seeds,", 0), 0u)
      << csv;
}

TEST_F(Cli, SweepWithABadValueExitsTwoAndWritesNothing) {
  fs::path out = kTmp / "sweep-bad";
  fs::remove_all(out);
  auto o = Rehearse("sweep " + Example("hpa-threshold-sweep") +
                    " --vary services.gaming-api.hpa.metrics.0.target_utilization=50%,lots --out " + out.string());
  EXPECT_EQ(o.code, 2);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_NE(o.err.find("found 'lots', expected a percentage"), std::string::npos) << o.err;
}

TEST_F(Cli, SchemaCommandPrintsTheCheckedInSchema) {
  auto o = Rehearse("schema");
  EXPECT_EQ(o.code, 0);
  EXPECT_EQ(o.out, Slurp(kSrc / "scenarios/schema.json"));
}

}  // namespace
