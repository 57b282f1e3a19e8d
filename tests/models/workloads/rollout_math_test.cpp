#include "models/workloads/rollout_math.h"

#include <gtest/gtest.h>

namespace rehearsal::models {
namespace {

TEST(RolloutMath, FencepostsRoundSurgeUpAndUnavailableDown) {
  struct Case { int32_t replicas; IntOrPercent surge, unavail; int32_t want_surge, want_unavail; };
  const Case cases[] = {
      {10, IntOrPercent::Percent(25), IntOrPercent::Percent(25), 3, 2},
      {10, IntOrPercent::Percent(39), IntOrPercent::Percent(39), 4, 3},
      {0, IntOrPercent::Percent(0), IntOrPercent::Percent(0), 0, 1},   // both-zero rule
      {1, IntOrPercent::Percent(25), IntOrPercent::Percent(25), 1, 0},
      {3, IntOrPercent::Percent(10), IntOrPercent::Percent(10), 1, 0},
      {3, IntOrPercent::Int(0), IntOrPercent::Percent(10), 0, 1},      // 0 and 0.3 -> forced 1
      {10, IntOrPercent::Int(3), IntOrPercent::Int(2), 3, 2},
  };
  for (const auto& c : cases) {
    Fenceposts f = ResolveFenceposts(c.replicas, c.surge, c.unavail);
    EXPECT_EQ(f.surge, c.want_surge) << c.replicas;
    EXPECT_EQ(f.unavailable, c.want_unavail) << c.replicas;
  }
  EXPECT_EQ(MaxUnavailable(0, {0, 1}), 0);
  EXPECT_EQ(MaxUnavailable(2, {0, 5}), 2);
}

TEST(RolloutMath, TenReplicasAt25PercentAllowThirteenPodsAndEightAvailable) {
  Fenceposts f = ResolveFenceposts(10, IntOrPercent::Percent(25), IntOrPercent::Percent(25));
  EXPECT_EQ(10 + f.surge, 13);
  EXPECT_EQ(10 - MaxUnavailable(10, f), 8);
}

TEST(RolloutMath, NewReplicaSetScaleUp) {
  // replicas 10, surge 3: the new RS goes 0 -> 3 at once (total 13).
  EXPECT_EQ(NewReplicaSetReplicas(10, 3, 0, 10), 3);
  EXPECT_EQ(NewReplicaSetReplicas(10, 3, 3, 13), 3);   // at maxTotal: unchanged
  EXPECT_EQ(NewReplicaSetReplicas(10, 3, 3, 11), 5);   // room 2
  EXPECT_EQ(NewReplicaSetReplicas(10, 3, 9, 10), 10);  // capped at replicas
  EXPECT_EQ(NewReplicaSetReplicas(10, 3, 12, 14), 10); // above replicas: down to replicas
  EXPECT_EQ(NewReplicaSetReplicas(10, 3, 10, 10), 10);
}

TEST(RolloutMath, MaxScaledDownCountsUnavailableNewPods) {
  // all 13, minAvailable 8, new 3 of which 0 available -> 2 old pods may go.
  EXPECT_EQ(MaxScaledDown(13, 8, 3, 0), 2);
  EXPECT_EQ(MaxScaledDown(13, 8, 3, 3), 5);
  EXPECT_LE(MaxScaledDown(10, 8, 3, 0), 0);
}

TEST(RolloutMath, ProportionalDelta) {
  // RSs 6 and 4 of annotated 13 (10 + surge 3); replicas 20 -> allowed 25.
  EXPECT_EQ(ProportionalDelta(6, 25, 13, 15), 6);   // round(11.54) = 12
  EXPECT_EQ(ProportionalDelta(4, 25, 13, 9), 4);    // round(7.69) = 8
  EXPECT_EQ(ProportionalDelta(4, 25, 13, 2), 2);    // capped by what is left
  // Scale down 10 -> 5 (allowed 5 + 2 = 7) from annotated 13.
  EXPECT_EQ(ProportionalDelta(6, 7, 13, -6), -3);   // round(3.23) = 3
}

}  // namespace
}  // namespace rehearsal::models
