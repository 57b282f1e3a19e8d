// Sweep aggregation: grid order, Student-t intervals, Pareto front,
// recommendation, shards merging to the same result.
#include "reports/sweep.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace rehearsal::reports {
namespace {

TEST(Sweep, GridIsRowMajorLastAxisFastest) {
  auto g = GridPoints({{"a", {"1", "2"}}, {"b", {"x", "y", "z"}}});
  ASSERT_EQ(g.size(), 6u);
  EXPECT_EQ(g[0], (std::vector<std::string>{"1", "x"}));
  EXPECT_EQ(g[1], (std::vector<std::string>{"1", "y"}));
  EXPECT_EQ(g[3], (std::vector<std::string>{"2", "x"}));
  EXPECT_EQ(GridPoints({}).size(), 1u);  // no axes: the scenario itself
}

TEST(Sweep, StudentTInterval) {
  // {1, 2, 3}: mean 2, sd 1, t(0.975, 2) = 4.303 -> 4.303 / sqrt(3) = 2.4843.
  Stat s = Summarize({1, 2, 3});
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_NEAR(s.ci95, 4.303 / std::sqrt(3.0), 1e-12);
  EXPECT_EQ(Summarize({5}).ci95, 0);
  EXPECT_EQ(Summarize({4, 4, 4, 4}).ci95, 0);
}

SweepResult Three() {
  // cost / misses: A (10, 0), B (8, 1), C (12, 1) -> C is dominated by A.
  SweepResult r;
  r.scenario_name = "s";
  r.axes = {{"hpa", {"50%", "70%", "40%"}}};
  double costs[] = {10, 8, 12}, misses[] = {0, 1, 1};
  for (int i = 0; i < 3; ++i) {
    PointResult p;
    p.values = {r.axes[0].values[static_cast<size_t>(i)]};
    for (int k = 0; k < 2; ++k) {
      Figures f;
      f.cost_usd = costs[i] + (k ? 0.5 : -0.5);
      f.slos_missed = misses[i];
      f.digest = "d";
      p.runs.push_back(f);
      p.seeds.push_back(static_cast<uint64_t>(k + 1));
    }
    r.points.push_back(p);
  }
  Aggregate(r);
  return r;
}

TEST(Sweep, ParetoFrontAndRecommendation) {
  SweepResult r = Three();
  EXPECT_TRUE(r.points[0].pareto);
  EXPECT_TRUE(r.points[1].pareto);
  EXPECT_FALSE(r.points[2].pareto);
  EXPECT_EQ(r.recommended, 0);  // the cheapest point that met everything
  EXPECT_DOUBLE_EQ(r.points[0].stats[0].mean, 10);
  EXPECT_NEAR(r.points[0].stats[0].ci95, 12.706 * std::sqrt(0.5) / std::sqrt(2.0), 1e-9);
}

TEST(Sweep, CsvHasVariedValuesThenMeansAndIntervals) {
  SweepResult r = Three();
  std::string csv = SweepCsv(r);
  std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header.rfind("hpa,seeds,cost_usd_mean,cost_usd_ci95,slos_missed_mean", 0), 0u) << header;
  EXPECT_NE(csv.find("\n50%,2,10,"), std::string::npos) << csv;
  auto j = nlohmann::json::parse(SweepJson(r));
  EXPECT_EQ(j["recommended"], 0);
  EXPECT_EQ(j["points"].size(), 3u);
  std::string html = SweepHtml(r, "0.1.0");
  EXPECT_NE(html.find("Recommended:</b> hpa=50%"), std::string::npos);
  EXPECT_NE(html.find("Pareto"), std::string::npos);
}

TEST(Sweep, ShardsMergeToTheSameResult) {
  SweepResult whole = Three();
  std::vector<RunRecord> odd, even;
  size_t idx = 0;
  for (size_t p = 0; p < whole.points.size(); ++p)
    for (size_t k = 0; k < 2; ++k, ++idx)
      (idx % 2 ? odd : even).push_back({p, k, whole.points[p].seeds[k], whole.points[p].runs[k]});
  auto a = ParseShardJson(ShardJson("s", whole.axes, 2, even), "a");
  auto b = ParseShardJson(ShardJson("s", whole.axes, 2, odd), "b");
  ASSERT_TRUE(a.ok() && b.ok());
  auto merged = MergeShards({a.value(), b.value()});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(SweepCsv(merged.value()), SweepCsv(whole));
  EXPECT_EQ(SweepJson(merged.value()), SweepJson(whole));
  // A missing shard is an error, not a silently smaller sweep.
  auto partial = MergeShards({a.value()});
  ASSERT_FALSE(partial.ok());
  EXPECT_NE(partial.error().message.find("runs missing"), std::string::npos);
}

}  // namespace
}  // namespace rehearsal::reports
