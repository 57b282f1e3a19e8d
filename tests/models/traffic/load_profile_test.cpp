#include "models/traffic/load_profile.h"

#include <cmath>

#include <gtest/gtest.h>

namespace rehearsal::models::traffic {
namespace {

sim::Time At(int h, int m = 0, int s = 0) {
  return sim::Time::Zero() + sim::Duration::Hours(h) + sim::Duration::Minutes(m) +
         sim::Duration::Seconds(s);
}

TEST(LoadProfile, ConstantIsFlat) {
  LoadProfile p;
  p.base_rps = 250;
  EXPECT_DOUBLE_EQ(RateAt(p, At(0)), 250);
  EXPECT_DOUBLE_EQ(RateAt(p, At(37, 12)), 250);
}

TEST(LoadProfile, HourlyShapeInterpolatesBetweenHourMidpoints) {
  LoadProfile p;
  p.base_rps = 100;
  p.hourly_shape.assign(24, 1.0);
  p.hourly_shape[10] = 2.0;
  EXPECT_DOUBLE_EQ(RateAt(p, At(10, 30)), 200);  // midpoint of hour 10
  EXPECT_DOUBLE_EQ(RateAt(p, At(10)), 150);       // halfway between 9:30 and 10:30
  EXPECT_DOUBLE_EQ(RateAt(p, At(11, 15)), 125);
  EXPECT_DOUBLE_EQ(RateAt(p, At(34, 30)), 200);   // next day, same shape
}

TEST(LoadProfile, WorkedExampleOfTheHeader) {
  LoadProfile p;
  p.base_rps = 100;
  p.hourly_shape.assign(24, 1.0);
  p.hourly_shape[10] = 2.0;
  p.peaks.push_back(Peak{At(10), sim::Duration::Minutes(10), sim::Duration::Minutes(30),
                         sim::Duration::Minutes(10), 3.0});
  EXPECT_NEAR(RateAt(p, At(10)), 150, 1e-9);
  EXPECT_NEAR(RateAt(p, At(10, 5)), 100 * (1.5 + 5.0 / 60) * 2.0, 1e-9);
}

TEST(LoadProfile, PeakRampsHoldsAndDecays) {
  Peak k{At(1), sim::Duration::Minutes(10), sim::Duration::Minutes(20),
         sim::Duration::Minutes(10), 4.0};
  EXPECT_DOUBLE_EQ(PeakFactor(k, At(0, 59)), 1.0);
  EXPECT_DOUBLE_EQ(PeakFactor(k, At(1, 5)), 2.5);
  EXPECT_DOUBLE_EQ(PeakFactor(k, At(1, 20)), 4.0);
  EXPECT_DOUBLE_EQ(PeakFactor(k, At(1, 35)), 2.5);
  EXPECT_DOUBLE_EQ(PeakFactor(k, At(1, 40)), 1.0);
}

TEST(LoadProfile, FlashCrowdDecaysExponentially) {
  FlashCrowd f{At(2), 5.0, sim::Duration::Minutes(5), sim::Duration::Minutes(30)};
  EXPECT_DOUBLE_EQ(FlashFactor(f, At(2)), 5.0);
  EXPECT_NEAR(FlashFactor(f, At(2, 5)), 1 + 4 * std::exp(-1.0), 1e-12);
  EXPECT_DOUBLE_EQ(FlashFactor(f, At(2, 30)), 1.0);
}

TEST(LoadProfile, WeeklyAndReplay) {
  LoadProfile p;
  p.base_rps = 10;
  p.weekly_shape = {1, 1, 1, 1, 1, 2, 3};
  EXPECT_DOUBLE_EQ(RateAt(p, At(24 * 5 + 3)), 20);
  EXPECT_DOUBLE_EQ(RateAt(p, At(24 * 13 + 3)), 30);
  p.replay = {{At(0), 100}, {At(1), 300}};
  EXPECT_DOUBLE_EQ(RateAt(p, At(0, 30)), 200);
  EXPECT_DOUBLE_EQ(RateAt(p, At(5)), 300);
  EXPECT_GE(RateBound(p, At(0), At(1)), 300);
}

}  // namespace
}  // namespace rehearsal::models::traffic
