#include "models/core/int_or_percent.h"

#include <gtest/gtest.h>

#include "models/core/distribution.h"

namespace rehearsal::models {
namespace {

struct ScaleCase {
  IntOrPercent v;
  int64_t total;
  bool round_up;
  int64_t want;
};

TEST(IntOrPercent, ScalesLikeKubernetesIntstr) {
  const ScaleCase cases[] = {
      {IntOrPercent::Percent(25), 10, true, 3},   // maxSurge 25 % of 10
      {IntOrPercent::Percent(25), 10, false, 2},  // maxUnavailable 25 % of 10
      {IntOrPercent::Percent(39), 10, true, 4},
      {IntOrPercent::Percent(39), 10, false, 3},
      {IntOrPercent::Percent(80), 10, true, 8},
      {IntOrPercent::Percent(34), 3, true, 2},    // 1.02 rounds up
      {IntOrPercent::Percent(30), 7, true, 3},    // 2.1 rounds up
      {IntOrPercent::Percent(0), 0, false, 0},
      {IntOrPercent::Int(3), 100, true, 3},       // ints are used as given
      {IntOrPercent::Int(3), 1, false, 3},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.v.Scaled(c.total, c.round_up), c.want)
        << c.v.value << (c.v.percent ? "%" : "") << " of " << c.total;
  }
}

TEST(DurationDistribution, FixedAndUniformStayInBounds) {
  sim::Rng rng(7);
  auto fixed = DurationDistribution::Fixed(sim::Duration::Seconds(3));
  EXPECT_EQ(fixed.Sample(rng), sim::Duration::Seconds(3));
  auto uni = DurationDistribution::Uniform(sim::Duration::Seconds(5), sim::Duration::Seconds(15));
  double sum = 0;
  for (int i = 0; i < 2000; ++i) {
    sim::Duration d = uni.Sample(rng);
    ASSERT_GE(d, sim::Duration::Seconds(5));
    ASSERT_LE(d, sim::Duration::Seconds(15));
    sum += d.seconds();
  }
  EXPECT_NEAR(sum / 2000, 10.0, 0.4);
  EXPECT_DOUBLE_EQ(uni.MeanSeconds(), 10.0);
}

TEST(DurationDistribution, LogNormalMedianAndCap) {
  sim::Rng rng(11);
  auto ln = DurationDistribution::LogNormal(sim::Duration::Seconds(20), 0.5, sim::Duration::Seconds(60));
  int below = 0;
  for (int i = 0; i < 4000; ++i) {
    sim::Duration d = ln.Sample(rng);
    ASSERT_LE(d, sim::Duration::Seconds(60));
    below += d < sim::Duration::Seconds(20) ? 1 : 0;
  }
  EXPECT_NEAR(below / 4000.0, 0.5, 0.04);  // the median is the parameter
}

}  // namespace
}  // namespace rehearsal::models
