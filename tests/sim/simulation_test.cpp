#include "sim/simulation.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace rehearsal::sim {
namespace {

TEST(EventQueue, RunsEqualTimesInSchedulingOrder) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  std::vector<int> order;
  for (int i = 0; i < 10; ++i) {
    sim.Schedule(Time{5}, kind, 0, [&order, i] { order.push_back(i); });
  }
  sim.Schedule(Time{3}, kind, 0, [&order] { order.push_back(-1); });
  sim.Run();
  EXPECT_EQ(order, (std::vector<int>{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(sim.now(), Time{5});
}

TEST(EventQueue, CancelledEventDoesNotRun) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  int ran = 0;
  const EventId a = sim.ScheduleIn(Duration::Seconds(1), kind, 0, [&ran] { ran += 1; });
  sim.ScheduleIn(Duration::Seconds(2), kind, 0, [&ran] { ran += 10; });
  EXPECT_TRUE(sim.IsPending(a));
  EXPECT_EQ(sim.pending(), 2u);
  EXPECT_TRUE(sim.Cancel(a));
  EXPECT_FALSE(sim.Cancel(a));
  EXPECT_FALSE(sim.IsPending(a));
  EXPECT_EQ(sim.pending(), 1u);
  sim.Run();
  EXPECT_EQ(ran, 10);
}

}  // namespace
}  // namespace rehearsal::sim
