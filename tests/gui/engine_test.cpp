// RunEngine / RunWorker: snapshots do not depend on pacing, and live
// injections replay exactly from the saved replay file.
#include <gtest/gtest.h>

#include <thread>

#include "gui/engine/run_engine.h"
#include "gui/engine/run_worker.h"
#include "scenarios/loader.h"
#include "synthetic_world_testlib.h"

namespace rehearsal::gui {
namespace {

using testing::kScenarioPath;
using testing::ReadFile;
using testing::SyntheticHooks;

std::unique_ptr<RunEngine> MakeEngine(bool schedule_faults = true, const std::string& text = ReadFile(kScenarioPath)) {
  auto e = RunEngine::FromText(text, kScenarioPath, SyntheticHooks(schedule_faults));
  EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().ToString());
  return std::move(e.value());
}

sim::Time At(sim::Duration d) { return sim::Time::Zero() + d; }

// The run's data only (no injection list): what a replay must reproduce.
struct RunData {
  uint64_t digest, events;
  size_t rows, log;
  uint64_t snapshot_digest_without_injections;
};
RunData DataOf(std::shared_ptr<const Snapshot> s) {
  Snapshot copy = *s;
  copy.injections.clear();
  copy.score = {};
  copy.replay_yaml.reset();
  return {s->digest, s->events, s->rows.size(), s->log.size(), SnapshotDigest(copy)};
}

scenarios::Fault ZoneOutage(const std::string& zone, sim::Duration duration) {
  scenarios::Fault f;
  f.type = scenarios::FaultType::kZoneOutage;
  f.zone = zone;
  f.duration = duration;
  return f;
}

TEST(RunEngine, SnapshotsAreIdenticalWhateverTheChunking) {
  auto one_go = MakeEngine();
  one_go->AdvanceTo(one_go->end());
  const auto a = one_go->Publish();
  ASSERT_TRUE(a->finished);
  ASSERT_GT(a->rows.size(), 100u);
  ASSERT_GT(a->log.size(), 0u);

  auto chunked = MakeEngine();
  for (sim::Time t = sim::Time::Zero(); t < chunked->end();) {
    t = std::min(chunked->end(), t + sim::Duration::Seconds(7));
    chunked->AdvanceTo(t);
    chunked->Publish();  // publishing in between must not matter either
  }
  const auto b = chunked->Publish();

  auto irregular = MakeEngine();
  const int64_t steps_us[] = {1, 999'999, 10'000'000, 3'333'333, 60'000'000, 250'000};
  for (size_t i = 0; irregular->now() < irregular->end(); ++i) {
    irregular->AdvanceTo(std::min(irregular->end(), irregular->now() + sim::Duration::Micros(steps_us[i % 6])));
    if (i % 3 == 0) irregular->Publish();
  }
  const auto c = irregular->Publish();

  EXPECT_EQ(a->digest, b->digest);
  EXPECT_EQ(a->digest, c->digest);
  EXPECT_EQ(SnapshotDigest(*a), SnapshotDigest(*b));
  EXPECT_EQ(SnapshotDigest(*a), SnapshotDigest(*c));
  EXPECT_NE(a->sequence, b->sequence);  // the only pacing-dependent field
}

TEST(RunEngine, IntermediateSnapshotsAgreeAtTheSameSimulatedTime) {
  auto a = MakeEngine();
  a->AdvanceTo(At(sim::Duration::Minutes(9)));
  auto b = MakeEngine();
  for (int i = 1; i <= 54; ++i) {
    b->AdvanceTo(At(sim::Duration::Seconds(10 * i)));
    b->Publish();
  }
  EXPECT_EQ(SnapshotDigest(*a->Publish()), SnapshotDigest(*b->Publish()));
}

TEST(RunWorker, PacingPausesAndStepsDoNotChangeTheFinalSnapshot) {
  auto reference = MakeEngine();
  reference->AdvanceTo(reference->end());
  const uint64_t expected = SnapshotDigest(*reference->Publish());

  {
    RunWorker w(MakeEngine());
    w.SetSpeed(Speed::kMax);
    w.Play();
    w.WaitIdle();
    EXPECT_EQ(SnapshotDigest(*w.Latest()), expected);
  }
  {
    RunWorker w(MakeEngine());
    w.SetSpeed(Speed::kX100);
    w.Play();
    std::this_thread::sleep_for(std::chrono::milliseconds(120));  // a few paced chunks
    w.Pause();
    w.WaitIdle();
    const auto paused = w.Latest();
    EXPECT_GT(paused->now.us, 0);
    EXPECT_LT(paused->now, paused->end);
    for (int i = 0; i < 3; ++i) w.Step();
    w.WaitIdle();
    // A step ends on a sample boundary.
    EXPECT_EQ(w.Latest()->now.us % w.Latest()->sample_interval.us, 0);
    w.SetSpeed(Speed::kMax);
    w.SetStopAt(At(sim::Duration::Minutes(13)));
    w.Play();
    w.WaitIdle();
    EXPECT_EQ(w.Latest()->now, At(sim::Duration::Minutes(13)));
    w.SetStopAt(std::nullopt);
    w.Play();
    w.WaitIdle();
    EXPECT_TRUE(w.Latest()->finished);
    EXPECT_EQ(SnapshotDigest(*w.Latest()), expected);
  }
}

TEST(RunEngine, LiveInjectionReplaysExactlyFromTheSavedFile) {
  auto live = MakeEngine();
  live->AdvanceTo(At(sim::Duration::Seconds(367)));
  const InjectionRecord& rec = live->Inject(ZoneOutage("zone-b", sim::Duration::Minutes(4)));
  EXPECT_EQ(rec.mode, InjectionMode::kReplayedFromStart) << rec.message;
  EXPECT_EQ(rec.t, At(sim::Duration::Seconds(367)));
  EXPECT_EQ(live->now(), At(sim::Duration::Seconds(367)));
  live->AdvanceTo(live->end());
  const auto live_end = live->Publish();
  ASSERT_TRUE(live_end->replay_yaml);

  // The replay file, loaded and run like `rehearse run` would.
  auto replay = MakeEngine(true, *live_end->replay_yaml);
  ASSERT_EQ(replay->original().faults.size(), 1u);
  EXPECT_EQ(replay->original().faults[0].at, sim::Duration::Seconds(367));
  replay->AdvanceTo(replay->end());
  const RunData a = DataOf(live_end), b = DataOf(replay->Publish());
  EXPECT_EQ(a.digest, b.digest);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.snapshot_digest_without_injections, b.snapshot_digest_without_injections);

  // And the fault really changed the run.
  auto untouched = MakeEngine();
  untouched->AdvanceTo(untouched->end());
  EXPECT_NE(untouched->Publish()->digest, a.digest);
}

TEST(RunWorker, InjectionAtAStepBoundaryReplaysExactly) {
  std::shared_ptr<const Snapshot> live_end;
  {
    RunWorker w(MakeEngine());
    for (int i = 0; i < 31; ++i) w.Step();  // 5m10s
    w.WaitIdle();
    w.Inject(ZoneOutage("zone-a", sim::Duration::Minutes(2)));
    w.WaitIdle();
    w.SetSpeed(Speed::kX100);
    w.Play();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    w.Pause();
    w.WaitIdle();
    scenarios::Fault storm;
    storm.type = scenarios::FaultType::kSpotStorm;
    storm.pool = "spot";
    storm.fraction = 0.5;
    w.Inject(storm);
    w.SetSpeed(Speed::kMax);
    w.Play();
    w.WaitIdle();
    live_end = w.Latest();
  }
  ASSERT_EQ(live_end->injections.size(), 2u);
  EXPECT_EQ(live_end->injections[0].t, At(sim::Duration::Seconds(310)));
  for (const auto& inj : live_end->injections) EXPECT_EQ(inj.mode, InjectionMode::kReplayedFromStart) << inj.message;
  auto replay = MakeEngine(true, *live_end->replay_yaml);
  ASSERT_EQ(replay->original().faults.size(), 2u);
  replay->AdvanceTo(replay->end());
  EXPECT_EQ(DataOf(live_end).snapshot_digest_without_injections,
            DataOf(replay->Publish()).snapshot_digest_without_injections);
}

TEST(RunEngine, RejectedFaultChangesNothing) {
  auto e = MakeEngine();
  e->AdvanceTo(At(sim::Duration::Minutes(3)));
  const InjectionRecord& rec = e->Inject(ZoneOutage("zone-x", sim::Duration::Minutes(1)));
  EXPECT_EQ(rec.mode, InjectionMode::kRejected);
  EXPECT_NE(rec.message.find("zone-x"), std::string::npos) << rec.message;
  e->AdvanceTo(e->end());
  auto untouched = MakeEngine();
  untouched->AdvanceTo(untouched->end());
  EXPECT_EQ(e->Publish()->digest, untouched->Publish()->digest);
  auto text = e->ReplayYaml();
  ASSERT_TRUE(text.ok());
  auto reloaded = scenarios::LoadScenarioText(text.value(), kScenarioPath);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_TRUE(reloaded.value().faults.empty());
}

TEST(RunEngine, FallsBackToDirectInjectionWhenTheBinderIgnoresFaults) {
  auto e = MakeEngine(/*schedule_faults=*/false);
  e->AdvanceTo(At(sim::Duration::Minutes(2)));
  EXPECT_EQ(e->Inject(ZoneOutage("zone-c", sim::Duration::Minutes(1))).mode, InjectionMode::kDirect);
  e->AdvanceTo(At(sim::Duration::Minutes(4)));
  EXPECT_EQ(e->Inject(ZoneOutage("zone-a", sim::Duration::Minutes(1))).mode, InjectionMode::kDirect);
  const auto s = e->Publish();
  size_t logged = 0;
  for (size_t i = 0; i < s->log.size(); ++i) logged += s->log[i].kind == "FaultInjected";
  EXPECT_EQ(logged, 2u);
  EXPECT_EQ(s->injections.size(), 2u);
}

TEST(RunEngine, NoInjectionAfterTheEnd) {
  auto e = MakeEngine();
  e->AdvanceTo(e->end());
  EXPECT_EQ(e->Inject(ZoneOutage("zone-a", {})).mode, InjectionMode::kRejected);
}

TEST(RunEngine, BuildsTheRealWorldThroughTheBinder) {
  // Default hooks: scenarios::BuildWorld / InjectFault, whatever they bind today.
  auto e = RunEngine::FromFile(kScenarioPath);
  ASSERT_TRUE(e.ok()) << e.error().ToString();
  (*e)->AdvanceTo(At(sim::Duration::Minutes(2)));
  const auto& rec = (*e)->Inject(ZoneOutage("zone-a", sim::Duration::Minutes(1)));
  EXPECT_EQ(rec.t, At(sim::Duration::Minutes(2)));
  (*e)->AdvanceTo((*e)->end());
  const auto s = (*e)->Publish();
  EXPECT_TRUE(s->finished);
  EXPECT_EQ(s->scenario_name, "gui-gameday");
  EXPECT_EQ(s->zones.size(), 3u);
  EXPECT_EQ(s->spot_pools, std::vector<std::string>{"spot"});
}

}  // namespace
}  // namespace rehearsal::gui
