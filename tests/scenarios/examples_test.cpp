// Every shipped example loads, validates and runs; runs are deterministic; and
// golden digests (tests/scenarios/golden/<example>.txt, "seed digest" lines)
// catch accidental changes. REHEARSAL_UPDATE_GOLDEN=1 rewrites the goldens;
// review the diff like code. Runs stop at kExampleUntil of simulated time to
// keep the suite fast; `rehearse run` runs them whole.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scenarios/loader.h"
#include "scenarios/run.h"

namespace rehearsal::scenarios {
namespace {

namespace fs = std::filesystem;
const sim::Duration kExampleUntil = sim::Duration::Minutes(3);

std::vector<fs::path> Examples() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(REHEARSAL_SOURCE_DIR) / "scenarios/examples"))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream b;
  b << in.rdbuf();
  return b.str();
}

TEST(Examples, TheIssueListIsShipped) {
  std::vector<std::string> names;
  for (const auto& p : Examples()) names.push_back(p.stem().string());
  for (const char* want : {"evening-peak", "sports-final", "etl-spot-storm", "zone-outage-wallet-sync",
                           "zone-outage-wallet-async", "node-pool-upgrade", "hpa-threshold-sweep"})
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
}

TEST(Examples, EachStatesWhatItTeachesAndItsVerdict) {
  for (const auto& p : Examples()) {
    std::string text = ReadFile(p);
    EXPECT_NE(text.find("# What it teaches:"), std::string::npos) << p;
    EXPECT_NE(text.find("# Verdict"), std::string::npos) << p;
  }
}

TEST(Examples, EachLoadsAndRunsDeterministically) {
  const bool update = std::getenv("REHEARSAL_UPDATE_GOLDEN") && std::string(std::getenv("REHEARSAL_UPDATE_GOLDEN")) == "1";
  for (const auto& p : Examples()) {
    SCOPED_TRACE(p.filename().string());
    auto s = LoadScenarioFile(p.string());
    ASSERT_TRUE(s.ok()) << s.errors().front().ToString();
    RunOptions o;
    o.until = kExampleUntil;
    auto a = RunScenario(*s, o);
    auto b = RunScenario(*s, o);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_EQ(a->summary.digest, b->summary.digest);
    EXPECT_EQ(a->summary.events, b->summary.events);
    EXPECT_EQ(a->summary.slos.size(), s->slos.size());
    std::string line = std::to_string(a->summary.seed) + " " + a->summary.digest + "\n";
    fs::path golden = fs::path(REHEARSAL_SOURCE_DIR) / "tests/scenarios/golden" / (p.stem().string() + ".txt");
    if (update) {
      std::ofstream(golden) << line;
    }
    if (fs::exists(golden)) {
      EXPECT_EQ(ReadFile(golden), line) << "digest changed; if intended, REHEARSAL_UPDATE_GOLDEN=1";
    }
  }
}

// The verdict each example states in its comments ("objectives met" or "...
// missed") is what a whole run of it says: the comments are documentation a
// user trusts, so they are checked like code.
TEST(Examples, StatedVerdictIsTheWholeRunsVerdict) {
  for (const auto& p : Examples()) {
    SCOPED_TRACE(p.filename().string());
    std::string text = ReadFile(p);
    // "# Verdict: objectives met - why" or "# Verdict: objective missed - why".
    size_t at = text.find("# Verdict: ");
    ASSERT_NE(at, std::string::npos) << "expected a '# Verdict: ' line";
    std::string verdict = text.substr(at + 11, text.find(" - ", at) - at - 11);
    const bool says_met = verdict == "objectives met";
    ASSERT_TRUE(says_met || verdict == "objective missed" || verdict == "objectives missed") << verdict;
    auto s = LoadScenarioFile(p.string());
    ASSERT_TRUE(s.ok()) << s.errors().front().ToString();
    auto run = RunScenario(*s, RunOptions{});
    ASSERT_TRUE(run.ok());
    bool all_met = std::all_of(run->summary.slos.begin(), run->summary.slos.end(),
                               [](const auto& r) { return r.met; });
    EXPECT_EQ(all_met, says_met) << "the comment says: " << verdict;
  }
}

TEST(Examples, DifferentSeedsDifferentRunsSameSeedSameRun) {
  auto s = LoadScenarioFile((fs::path(REHEARSAL_SOURCE_DIR) / "scenarios/examples/evening-peak.yaml").string());
  ASSERT_TRUE(s.ok());
  RunOptions o;
  o.until = sim::Duration::Minutes(5);
  o.seed = 1;
  auto a = RunScenario(*s, o);
  auto c = RunScenario(*s, o);
  ASSERT_TRUE(a.ok() && c.ok());
  EXPECT_EQ(a->summary.seed, 1u);
  EXPECT_EQ(a->summary.digest, c->summary.digest);
  EXPECT_EQ(a->summary.scenario_name, "evening-peak");
  EXPECT_EQ(a->summary.input_digest, s->input_digest);
  EXPECT_DOUBLE_EQ(a->summary.simulated_s, 300.0);
}

}  // namespace
}  // namespace rehearsal::scenarios
