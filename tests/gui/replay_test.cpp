// Replay files: every fault type the panel can build survives the trip
// through the YAML writer and the scenario loader unchanged.
#include <gtest/gtest.h>

#include "gui/engine/replay.h"
#include "scenarios/loader.h"
#include "synthetic_world_testlib.h"

namespace rehearsal::gui {
namespace {

using scenarios::Fault;
using scenarios::FaultType;
using testing::kScenarioPath;
using testing::ReadFile;

std::vector<Fault> OneOfEach() {
  std::vector<Fault> v;
  Fault f;
  f.type = FaultType::kZoneOutage;
  f.at = sim::Duration::Micros(61'500'001);  // µs precision must survive
  f.zone = "zone-b";
  f.duration = sim::Duration::Minutes(5);
  v.push_back(f);
  f = {};
  f.type = FaultType::kNodeFailure;
  f.at = sim::Duration::Minutes(2);
  f.pool = "general";
  f.count = 2;
  v.push_back(f);
  f = {};
  f.type = FaultType::kSpotStorm;
  f.at = sim::Duration::Minutes(3);
  f.pool = "spot";
  f.fraction = 0.35;
  f.notice = sim::Duration::Seconds(30);
  v.push_back(f);
  f = {};
  f.type = FaultType::kBadRelease;
  f.at = sim::Duration::Minutes(4);
  f.service = "gaming-api";
  f.version = "v2-bad";
  v.push_back(f);
  f = {};
  f.type = FaultType::kWalletPrimaryLoss;
  f.at = sim::Duration::Minutes(5);
  v.push_back(f);
  f = {};
  f.type = FaultType::kDiskFault;
  f.at = sim::Duration::Minutes(6);
  f.target = "wallet-1";
  f.mode = scenarios::DiskFaultMode::kSlowFsync;
  f.slow_by = sim::Duration::Millis(80);
  f.duration = sim::Duration::Minutes(1);
  v.push_back(f);
  f = {};
  f.type = FaultType::kPartition;
  f.at = sim::Duration::Minutes(7);
  f.zones = {"zone-a", "zone-c"};
  f.duration = sim::Duration::Seconds(90);
  v.push_back(f);
  f = {};
  f.type = FaultType::kPoolUpgrade;
  f.at = sim::Duration::Minutes(8);
  f.pool = "general";
  f.max_unavailable = {25, true};
  v.push_back(f);
  return v;
}

TEST(Replay, EveryFaultTypeRoundTripsThroughTheLoader) {
  const auto faults = OneOfEach();
  auto text = MakeReplayYaml(ReadFile(kScenarioPath), kScenarioPath, faults);
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  auto loaded = scenarios::LoadScenarioText(text.value(), kScenarioPath);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString() << "\n" << text.value();
  const auto& got = loaded.value().faults;
  ASSERT_EQ(got.size(), faults.size());
  for (size_t i = 0; i < faults.size(); ++i) {
    SCOPED_TRACE(scenarios::ToString(faults[i].type));
    EXPECT_EQ(got[i].type, faults[i].type);
    EXPECT_EQ(got[i].at, faults[i].at);
    EXPECT_EQ(got[i].duration, faults[i].duration);
    EXPECT_EQ(got[i].zone, faults[i].zone);
    EXPECT_EQ(got[i].pool, faults[i].pool);
    EXPECT_EQ(got[i].service, faults[i].service);
    EXPECT_EQ(got[i].version, faults[i].version);
    EXPECT_EQ(got[i].target, faults[i].target);
    EXPECT_EQ(got[i].count, faults[i].count);
    EXPECT_DOUBLE_EQ(got[i].fraction, faults[i].fraction);
    EXPECT_EQ(got[i].notice, faults[i].notice);
    EXPECT_EQ(got[i].mode, faults[i].mode);
    EXPECT_EQ(got[i].slow_by, faults[i].slow_by);
    EXPECT_EQ(got[i].zones, faults[i].zones);
    EXPECT_EQ(got[i].max_unavailable.value, faults[i].max_unavailable.value);
    EXPECT_EQ(got[i].max_unavailable.percent, faults[i].max_unavailable.percent);
  }
  // The rest of the scenario is unchanged.
  auto original = scenarios::LoadScenarioFile(kScenarioPath);
  ASSERT_TRUE(original.ok());
  EXPECT_EQ(loaded.value().name, original.value().name);
  EXPECT_EQ(loaded.value().duration, original.value().duration);
  EXPECT_EQ(loaded.value().services.size(), original.value().services.size());
  EXPECT_EQ(loaded.value().slos.size(), original.value().slos.size());
}

TEST(Replay, AppendsToTheScenariosOwnFaults) {
  std::string text = ReadFile(kScenarioPath) +
                     "faults:\n  - type: node-failure\n    at: 1m\n    pool: general\n";
  Fault live;
  live.type = FaultType::kZoneOutage;
  live.at = sim::Duration::Minutes(9);
  live.zone = "zone-c";
  auto replay = MakeReplayYaml(text, kScenarioPath, {live});
  ASSERT_TRUE(replay.ok());
  auto loaded = scenarios::LoadScenarioText(replay.value(), kScenarioPath);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  ASSERT_EQ(loaded.value().faults.size(), 2u);
  EXPECT_EQ(loaded.value().faults[0].type, FaultType::kNodeFailure);
  EXPECT_EQ(loaded.value().faults[1].type, FaultType::kZoneOutage);
  EXPECT_EQ(loaded.value().faults[1].at, sim::Duration::Minutes(9));
}

TEST(Replay, MakesRelativeManifestPathsAbsolute) {
  auto replay = MakeReplayYaml("name: x\nmanifests: [k8s/api.yaml, /abs/b.yaml]\n", "/work/scn/s.yaml", {});
  ASSERT_TRUE(replay.ok());
  EXPECT_NE(replay.value().find("/work/scn/k8s/api.yaml"), std::string::npos) << replay.value();
  EXPECT_NE(replay.value().find("/abs/b.yaml"), std::string::npos);
}

TEST(Replay, RejectsANonMapping) {
  EXPECT_FALSE(MakeReplayYaml("- a\n- b\n", "s.yaml", {}).ok());
  EXPECT_FALSE(MakeReplayYaml("name: x\nfaults: 3\n", "s.yaml", {Fault{}}).ok());
}

TEST(Replay, FaultYamlNamesOnlyTheKeysOfItsType) {
  Fault f;
  f.type = FaultType::kZoneOutage;
  f.at = sim::Duration::Seconds(90);
  f.zone = "zone-b";
  EXPECT_EQ(FaultYaml(f), "{type: zone-outage, at: 1m30s, zone: zone-b}");
}

}  // namespace
}  // namespace rehearsal::gui
