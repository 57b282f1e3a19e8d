#include "sim/simulation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
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

namespace rehearsal::sim {
namespace {

TEST(EventQueue, RunUntilRunsEventsAtTheBoundaryAndStopsBeforeLaterOnes) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  std::vector<int64_t> ran;
  for (int64_t t : {10, 20, 20, 30}) {
    sim.Schedule(Time{t}, kind, 0, [&ran, &sim] { ran.push_back(sim.now().us); });
  }
  sim.RunUntil(Time{20});
  EXPECT_EQ(ran, (std::vector<int64_t>{10, 20, 20}));
  EXPECT_EQ(sim.now(), Time{20});
  EXPECT_EQ(sim.pending(), 1u);
  EXPECT_EQ(sim.next_time(), Time{30});
  sim.RunUntil(Time{25});  // nothing due: time still advances to the bound
  EXPECT_EQ(sim.now(), Time{25});
  EXPECT_EQ(ran.size(), 3u);
  sim.RunUntil(Time{100});
  EXPECT_EQ(ran.size(), 4u);
  EXPECT_EQ(sim.now(), Time{100});
  EXPECT_EQ(sim.next_time(), Time::Max());
}

TEST(EventQueue, EventsScheduledAtNowDuringRunUntilStillRun) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  int chain = 0;
  sim.Schedule(Time{5}, kind, 0, [&] {
    ++chain;
    sim.ScheduleIn(Duration{}, kind, 0, [&] { ++chain; });
  });
  sim.RunUntil(Time{5});
  EXPECT_EQ(chain, 2);
}

TEST(EventQueue, StepRunsExactlyOneEventAndSkipsCancelled) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  int ran = 0;
  const EventId first = sim.Schedule(Time{1}, kind, 0, [&ran] { ran = 1; });
  sim.Schedule(Time{2}, kind, 0, [&ran] { ran = 2; });
  sim.Cancel(first);
  EXPECT_TRUE(sim.Step());
  EXPECT_EQ(ran, 2);
  EXPECT_EQ(sim.now(), Time{2});
  EXPECT_FALSE(sim.Step());
  EXPECT_EQ(sim.events_executed(), 1u);
}

TEST(EventQueue, PauseReturnsAfterTheCurrentEvent) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  int ran = 0;
  for (int i = 1; i <= 5; ++i) {
    sim.Schedule(Time{i}, kind, 0, [&ran, &sim, i] {
      ++ran;
      if (i == 2) sim.Pause();
    });
  }
  sim.RunUntil(Time{10});
  EXPECT_EQ(ran, 2);
  EXPECT_TRUE(sim.paused());
  EXPECT_EQ(sim.now(), Time{2});  // not advanced to 10: paused first
  sim.Run();
  EXPECT_EQ(ran, 5);
  EXPECT_FALSE(sim.paused());
}

TEST(EventQueue, StaleIdsAreHarmlessAfterSlotReuse) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  int ran = 0;
  const EventId old_id = sim.Schedule(Time{1}, kind, 0, [&ran] { ran += 1; });
  sim.Run();
  // The slot of old_id is reused by the next event.
  const EventId fresh = sim.Schedule(Time{2}, kind, 0, [&ran] { ran += 10; });
  EXPECT_EQ(fresh.slot, old_id.slot);
  EXPECT_FALSE(sim.IsPending(old_id));
  EXPECT_FALSE(sim.Cancel(old_id));
  EXPECT_TRUE(sim.IsPending(fresh));
  EXPECT_FALSE(sim.Cancel(EventId{}));
  sim.Run();
  EXPECT_EQ(ran, 11);
}

TEST(EventQueue, AnEventCannotCancelItselfWhileRunning) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("test");
  EventId self;
  bool cancelled = true;
  self = sim.Schedule(Time{1}, kind, 0, [&] { cancelled = sim.Cancel(self); });
  sim.Run();
  EXPECT_FALSE(cancelled);
}

// Callbacks run in place in their slot. One that schedules enough events to
// grow the slot slab (twice) must still see its own captures intact
// afterwards, and every moved callback must still run with its captures.
TEST(EventQueue, ACallbackThatGrowsTheSlabKeepsItsCaptures) {
  struct Context {
    Simulation sim{1};
    EventKind kind;
    std::vector<std::string> seen;
  } c;
  c.kind = c.sim.RegisterKind("test");
  // Non-trivial captures (std::string): relocated by move, not memcpy.
  c.sim.Schedule(Time{2}, c.kind, 0, [&c, tag = std::string("pending-before-growth")] {
    c.seen.push_back(tag);
  });
  const std::string big(40, 'x');  // past the small-string buffer: heap-owned
  c.sim.Schedule(Time{1}, c.kind, 0, [&c, tag = big] {
    for (int i = 0; i < 1000; ++i) {
      c.sim.Schedule(Time{3}, c.kind, 0, [&c, n = std::to_string(i)] {
        if (n == "999") c.seen.push_back(n);
      });
    }
    c.seen.push_back(tag);  // after the slab moved several times
  });
  c.sim.Run();
  EXPECT_EQ(c.seen, (std::vector<std::string>{big, "pending-before-growth", "999"}));
  EXPECT_EQ(c.sim.events_executed(), 1002u);
  EXPECT_EQ(c.sim.pending(), 0u);
}

// Random schedule/cancel traffic against a reference model (a sorted
// multiset of (time, sequence)), enough cancellations to trigger compaction.
TEST(EventQueue, MatchesAReferenceModelUnderRandomScheduleAndCancel) {
  Simulation sim(7);
  const EventKind kind = sim.RegisterKind("test");
  Rng rng(8);
  struct Pending {
    EventId id;
    int64_t time_us;
    uint64_t seq;
  };
  std::vector<Pending> pending;
  std::vector<std::pair<int64_t, uint64_t>> executed;
  uint64_t seq = 0;
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < 500; ++i) {
      const int64_t t = sim.now().us + static_cast<int64_t>(rng.Below(1000));
      const uint64_t my_seq = seq++;
      const EventId id = sim.Schedule(Time{t}, kind, my_seq, [&executed, t, my_seq] {
        executed.emplace_back(t, my_seq);
      });
      pending.push_back({id, t, my_seq});
    }
    // Cancel ~70% of pending events: heavy garbage forces compaction.
    std::vector<Pending> kept;
    for (const Pending& p : pending) {
      if (rng.Bernoulli(7, 10)) {
        ASSERT_TRUE(sim.Cancel(p.id));
      } else {
        kept.push_back(p);
      }
    }
    pending = kept;
    ASSERT_EQ(sim.pending(), pending.size());
    // Run half the remaining events (by reference order) and compare.
    std::sort(pending.begin(), pending.end(), [](const Pending& a, const Pending& b) {
      return a.time_us != b.time_us ? a.time_us < b.time_us : a.seq < b.seq;
    });
    const size_t run = pending.size() / 2;
    executed.clear();
    for (size_t i = 0; i < run; ++i) ASSERT_TRUE(sim.Step());
    ASSERT_EQ(executed.size(), run);
    for (size_t i = 0; i < run; ++i) {
      ASSERT_EQ(executed[i].first, pending[i].time_us);
      ASSERT_EQ(executed[i].second, pending[i].seq);
    }
    pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(run));
    for (const Pending& p : pending) ASSERT_TRUE(sim.IsPending(p.id));
  }
}

// The invariant checker: time never goes back, observed after every event.
TEST(EventQueue, TimeNeverDecreasesUnderRandomLoad) {
  Simulation sim(3);
  const EventKind kind = sim.RegisterKind("hold");
  Rng rng = sim.Stream("hold");
  Time last = Time::Zero();
  uint64_t observed = 0;
  sim.AddObserver([&last, &observed](const Simulation& s) {
    ASSERT_GE(s.now(), last);
    last = s.now();
    ++observed;
  });
  std::function<void()> hold = [&] {
    if (sim.events_executed() < 100000) {
      sim.ScheduleIn(Duration::FromSeconds(rng.Exponential(1.0)), kind, 0, [&hold] { hold(); });
    }
  };
  for (int i = 0; i < 1000; ++i) {
    sim.ScheduleIn(Duration::FromSeconds(rng.Exponential(1.0)), kind, 0, [&hold] { hold(); });
  }
  sim.Run();
  EXPECT_EQ(observed, sim.events_executed());
  EXPECT_GE(observed, 100000u);
}

uint64_t RunDigest(uint64_t seed, bool with_sampling, bool perturb_key) {
  Simulation sim(seed);
  const EventKind a = sim.RegisterKind("a");
  const EventKind b = sim.RegisterKind("b");
  Rng rng = sim.Stream("load");
  if (with_sampling) {
    sim.recorder().set_sample_interval(Duration::Millis(100));
    sim.recorder().AddSeries("sim.pending", [&sim] { return static_cast<double>(sim.pending()); });
  }
  for (uint64_t i = 0; i < 2000; ++i) {
    const uint64_t key = (perturb_key && i == 1234) ? i + 1 : i;
    sim.Schedule(Time{static_cast<int64_t>(rng.Below(10000000))}, i % 2 ? a : b, key, [] {});
  }
  sim.RunUntil(Time{20000000});
  return sim.digest();
}

TEST(Digest, IsReproducibleAndSensitiveToEveryKeyButNotToSampling) {
  const uint64_t base = RunDigest(1, false, false);
  EXPECT_EQ(base, RunDigest(1, false, false));
  EXPECT_EQ(base, RunDigest(1, true, false));  // recorder sampling is invisible
  EXPECT_NE(base, RunDigest(1, false, true));
  EXPECT_NE(base, RunDigest(2, false, false));
}

TEST(Digest, KindHashIsByNameNotRegistrationOrder) {
  Simulation x(1);
  Simulation y(1);
  x.RegisterKind("other");
  const EventKind kx = x.RegisterKind("pod.start");
  const EventKind ky = y.RegisterKind("pod.start");
  EXPECT_EQ(kx.name_hash, ky.name_hash);
  EXPECT_NE(kx.index, ky.index);
  EXPECT_EQ(x.KindName(kx), "pod.start");
  EXPECT_EQ(x.RegisterKind("pod.start").index, kx.index);
  x.Schedule(Time{3}, kx, 9, [] {});
  y.Schedule(Time{3}, ky, 9, [] {});
  x.Run();
  y.Run();
  EXPECT_EQ(x.digest(), y.digest());
  x.MixDigest(1);
  EXPECT_NE(x.digest(), y.digest());
}

TEST(Recorder, RunUntilSamplesEveryIntervalAfterEventsAtTheBoundary) {
  Simulation sim(1);
  const EventKind kind = sim.RegisterKind("inc");
  sim.recorder().set_sample_interval(Duration::Seconds(10));
  int counter = 0;
  std::vector<int64_t> sampler_now;
  sim.recorder().AddSeries("counter", [&] {
    sampler_now.push_back(sim.now().us);
    return static_cast<double>(counter);
  });
  // Increments at 0s, 10s, 15s, 20s, 35s.
  for (int64_t s : {0, 10, 15, 20, 35}) {
    sim.Schedule(Time{s * 1000000}, kind, 0, [&counter] { ++counter; });
  }
  sim.RunUntil(Time{30000000});
  // Rows at 0, 10, 20, 30 s, each after every event at or before it.
  ASSERT_EQ(sim.recorder().sample_times().size(), 4u);
  const std::vector<double> expected = {1, 2, 4, 4};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(sim.recorder().sample_times()[i], Time{static_cast<int64_t>(i) * 10000000});
    EXPECT_EQ(sim.recorder().rows()[i][0], expected[i]) << i;
  }
  EXPECT_EQ(sampler_now, (std::vector<int64_t>{0, 10000000, 20000000, 30000000}));
  sim.RunUntil(Time{45000000});
  ASSERT_EQ(sim.recorder().rows().size(), 5u);
  EXPECT_EQ(sim.recorder().rows()[4][0], 5);
  EXPECT_EQ(sim.now(), Time{45000000});
}

TEST(Recorder, LateSeriesAreBackfilledAndLogKeepsOrder) {
  Recorder r;
  r.AddSeries("a", [] { return 1.0; });
  r.Sample(Time{0});
  r.AddSeries("b", [] { return 2.0; });
  r.Sample(Time{10});
  ASSERT_EQ(r.rows().size(), 2u);
  EXPECT_TRUE(std::isnan(r.rows()[0][1]));
  EXPECT_EQ(r.rows()[1], (std::vector<double>{1.0, 2.0}));
  EXPECT_EQ(r.series_names(), (std::vector<std::string>{"a", "b"}));
  r.Log(Time{5}, "ScalingReplicaSet", "deployment/gaming-api", "Scaled up replica set to 7");
  ASSERT_EQ(r.log().size(), 1u);
  EXPECT_EQ(r.log()[0].object, "deployment/gaming-api");
  r.histogram("api.latency_us").Record(100);
  EXPECT_EQ(r.histograms().at("api.latency_us").count(), 1u);
}

}  // namespace
}  // namespace rehearsal::sim
