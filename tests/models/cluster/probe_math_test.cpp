#include "models/cluster/probe_math.h"

#include <gtest/gtest.h>

namespace rehearsal::models {
namespace {

sim::Time T(int64_t s) { return sim::Time::Zero() + sim::Duration::Seconds(s); }

TEST(ProbeMath, StartupProbePassesAtFirstProbeAfterHealthy) {
  Probe p;
  p.enabled = true;  // delay 0, period 10 s, threshold 3
  ProbeOutcome o = FirstProbeSuccess(p, T(0), T(12), true);
  EXPECT_TRUE(o.success);
  EXPECT_EQ(o.at, T(20));
  o = FirstProbeSuccess(p, T(0), T(0), true);
  EXPECT_TRUE(o.success);
  EXPECT_EQ(o.at, T(0));
}

TEST(ProbeMath, StartupProbeGivesUpAfterFailureThreshold) {
  Probe p;
  p.enabled = true;
  ProbeOutcome o = FirstProbeSuccess(p, T(0), T(35), true);  // fails at 0, 10, 20
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.at, T(20));
  o = FirstProbeSuccess(p, T(100), sim::Time::Max(), true);
  EXPECT_FALSE(o.success);
  EXPECT_EQ(o.at, T(120));
}

TEST(ProbeMath, ReadinessNeverGivesUpAndHonoursInitialDelay) {
  Probe p;
  p.enabled = true;
  p.initial_delay = sim::Duration::Seconds(5);
  p.period = sim::Duration::Seconds(3);
  ProbeOutcome o = FirstProbeSuccess(p, T(10), T(60), false);
  EXPECT_TRUE(o.success);
  EXPECT_EQ(o.at, T(60));  // 15 + 15 * 3
  o = FirstProbeSuccess(p, T(10), T(61), false);
  EXPECT_EQ(o.at, T(63));
  o = FirstProbeSuccess(p, T(10), sim::Time::Max(), false);
  EXPECT_FALSE(o.success);
}

TEST(ProbeMath, CrashLoopBackOffDoublesFrom10sTo5m) {
  const int64_t want[] = {10, 20, 40, 80, 160, 300, 300, 300};
  for (int32_t i = 0; i < 8; ++i)
    EXPECT_EQ(CrashLoopBackOff(i + 1), sim::Duration::Seconds(want[i])) << "restart " << i + 1;
}

}  // namespace
}  // namespace rehearsal::models
