#include "models/scheduler/score_math.h"

#include <gtest/gtest.h>

namespace rehearsal::models {
namespace {

TEST(ScoreMath, NumFeasibleNodesToFindAdaptive) {
  struct Case { int64_t nodes; int32_t pct; int64_t want; };
  const Case cases[] = {
      {50, 0, 50},       // small clusters: every node
      {100, 0, 100},     // p = 50 -> 50, floored at 100
      {1000, 0, 420},    // p = 50 - 8 = 42
      {5000, 0, 500},    // p = 50 - 40 = 10
      {20000, 0, 1000},  // p = max(5, -110) = 5
      {5000, 100, 5000},
      {5000, 1, 100},    // explicit 1 % -> 50, floored at 100
  };
  for (const auto& c : cases)
    EXPECT_EQ(NumFeasibleNodesToFind(c.nodes, c.pct), c.want) << c.nodes << " nodes " << c.pct << "%";
}

TEST(ScoreMath, ResourceScores) {
  EXPECT_EQ(LeastAllocatedScore(1000, 4000), 75);
  EXPECT_EQ(LeastAllocatedScore(5000, 4000), 0);
  EXPECT_EQ(MostAllocatedScore(1000, 4000), 25);
  EXPECT_EQ(MostAllocatedScore(5000, 4000), 100);
  // cpu 3000/4000 -> 25, memory 2/8 GiB -> 75: mean 50.
  EXPECT_EQ(ResourcesFitScore(ScoringStrategy::kLeastAllocated, 3000, 4000, 2, 8), 50);
  EXPECT_EQ(ResourcesFitScore(ScoringStrategy::kMostAllocated, 3000, 4000, 2, 8), 50);
  EXPECT_EQ(ResourcesFitScore(ScoringStrategy::kMostAllocated, 4000, 4000, 8, 8), 100);
  // cpu 50 %, memory 10 % -> std 0.2 -> 80; equal fractions -> 100.
  EXPECT_EQ(BalancedAllocationScore(2000, 4000, 1, 10), 80);
  EXPECT_EQ(BalancedAllocationScore(1000, 4000, 25, 100), 100);
}

TEST(ScoreMath, TopologySpread) {
  // 3 matching pods, 500 nodes, maxSkew 3: 3 * ln(502) + 2.
  EXPECT_NEAR(TopologyRawScore(3, TopologyNormalizingWeight(500), 3), 20.656, 1e-3);
  EXPECT_EQ(TopologyNormalizedScore(2, 2, 8), 100);
  EXPECT_EQ(TopologyNormalizedScore(5, 2, 8), 62);
  EXPECT_EQ(TopologyNormalizedScore(8, 2, 8), 25);
  EXPECT_EQ(TopologyNormalizedScore(0, 0, 0), 100);
  // zones {a: 3, b: 2, c: 2}, maxSkew 1: a fails (4 - 2 = 2), b passes (3 - 2 = 1).
  EXPECT_FALSE(TopologySpreadFits(3, 2, 3, 1, 1));
  EXPECT_TRUE(TopologySpreadFits(2, 2, 3, 1, 1));
  // Fewer domains than minDomains: the global minimum counts as 0.
  EXPECT_FALSE(TopologySpreadFits(1, 1, 2, 3, 1));
}

TEST(ScoreMath, OtherNormalizations) {
  EXPECT_EQ(TaintTolerationScore(0, 0), 100);
  EXPECT_EQ(TaintTolerationScore(1, 2), 50);
  EXPECT_EQ(TaintTolerationScore(2, 2), 0);
  EXPECT_EQ(NodeAffinityScore(30, 60), 50);
  EXPECT_EQ(NodeAffinityScore(0, 0), 0);
  EXPECT_EQ(MinMaxNormalizedScore(-5, -10, 10), 25);
  EXPECT_EQ(MinMaxNormalizedScore(3, 3, 3), 0);
}

}  // namespace
}  // namespace rehearsal::models
