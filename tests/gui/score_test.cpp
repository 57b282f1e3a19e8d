// The game-day score calculator, against hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>

#include "gui/engine/score.h"

namespace rehearsal::gui {
namespace {

using models::slo::Objective;
using models::slo::SliKind;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// names: gaming-api.latency_p99_ms, gaming-api.rps, gaming-api.errors_per_s
FrozenLog<SeriesRow> Rows(const std::vector<std::vector<double>>& values, int64_t interval_s = 10) {
  LogBuilder<SeriesRow> b;
  for (size_t i = 0; i < values.size(); ++i)
    b.Append({sim::Time::Zero() + sim::Duration::Seconds(static_cast<int64_t>(i + 1) * interval_s), values[i]});
  return b.Freeze();
}

const std::vector<std::string> kNames = {"gaming-api.latency_p99_ms", "gaming-api.rps", "gaming-api.errors_per_s"};

Objective Latency(double ms) {
  Objective o;
  o.name = "lat";
  o.sli = SliKind::kLatency;
  o.target = "gaming-api";
  o.percentile = 99;
  o.threshold = ms;
  return o;
}

TEST(Score, WorkedExampleFromTheHeader) {
  // Rows every 10 s; the first injection at 10m = row 60; rows 61..63 violate.
  std::vector<std::vector<double>> v(70, {100, 400, 0});
  for (int i = 60; i < 63; ++i) v[static_cast<size_t>(i)][0] = 400;  // rows at 10m10s, 10m20s, 10m30s
  v[10][0] = 900;  // before the injection: does not count
  const auto card = ComputeScore({Latency(250)}, kNames, Rows(v), sim::Time::Zero() + sim::Duration::Minutes(10));
  ASSERT_EQ(card.objectives.size(), 1u);
  EXPECT_DOUBLE_EQ(card.objectives[0].minutes_out, 0.5);
  EXPECT_DOUBLE_EQ(card.minutes_out_any, 0.5);
  EXPECT_EQ(card.objectives[0].status, ObjectiveScore::Status::kMet);  // last row is fine
  EXPECT_DOUBLE_EQ(card.objectives[0].current, 100);
}

TEST(Score, InjectionBetweenSamplesCountsOnlyThePartAfterIt) {
  // Injection at 25 s; the row at 30 s violates: only 5 s count.
  const auto card = ComputeScore({Latency(250)}, kNames, Rows({{100, 1, 0}, {100, 1, 0}, {300, 1, 0}}),
                                 sim::Time::Zero() + sim::Duration::Seconds(25));
  EXPECT_DOUBLE_EQ(card.objectives[0].minutes_out, 5.0 / 60.0);
  EXPECT_EQ(card.objectives[0].status, ObjectiveScore::Status::kViolated);
}

TEST(Score, AvailabilityAndErrorRateUseErrorsOverRequests) {
  Objective avail;
  avail.name = "avail";
  avail.sli = SliKind::kAvailability;
  avail.target = "gaming-api";
  avail.threshold = 0.999;
  Objective err = avail;
  err.name = "err";
  err.sli = SliKind::kErrorRate;
  err.threshold = 0.01;
  // 1000 rps: 0.5 errors/s = 99.95% (met), 5/s = 99.5% (avail out, error rate 0.5% ok), 20/s = 2% (both out).
  const auto card = ComputeScore({avail, err}, kNames, Rows({{0, 1000, 0.5}, {0, 1000, 5}, {0, 1000, 20}}),
                                 sim::Time::Zero());
  EXPECT_DOUBLE_EQ(card.objectives[0].minutes_out, 20.0 / 60.0);
  EXPECT_DOUBLE_EQ(card.objectives[1].minutes_out, 10.0 / 60.0);
  EXPECT_DOUBLE_EQ(card.minutes_out_any, 20.0 / 60.0);
  EXPECT_DOUBLE_EQ(card.objectives[0].current, 0.98);
}

TEST(Score, NoDataIsNeverCountedAsOut) {
  const auto card = ComputeScore({Latency(250)}, kNames, Rows({{kNaN, 1, 0}, {kNaN, 1, 0}}), sim::Time::Zero());
  EXPECT_EQ(card.objectives[0].status, ObjectiveScore::Status::kNoData);
  EXPECT_EQ(card.objectives[0].minutes_out, 0);
  Objective other = Latency(250);
  other.target = "cashier";  // no such series
  EXPECT_EQ(ComputeScore({other}, kNames, Rows({{900, 1, 0}}), sim::Time::Zero()).objectives[0].status,
            ObjectiveScore::Status::kNoData);
}

// A target naming an entry point reads its "entry.<name>.*" series, as the
// CLI's evaluation does (it showed "no data" for a whole run before).
TEST(Score, EntryPointTargetReadsTheEntrySeries) {
  const std::vector<std::string> names = {"entry.players.rps", "entry.players.errors_per_s",
                                          "entry.players.latency_p99_ms"};
  Objective avail;
  avail.name = "players availability";
  avail.sli = SliKind::kAvailability;
  avail.target = "players";
  avail.threshold = 0.99;
  Objective latency = Latency(250);
  latency.target = "players";
  const auto card = ComputeScore({avail, latency}, names, Rows({{1000, 5, 300}}), sim::Time::Zero());
  EXPECT_EQ(card.objectives[0].status, ObjectiveScore::Status::kMet);
  EXPECT_NEAR(card.objectives[0].current, 0.995, 1e-12);  // 1 - 5/1000
  EXPECT_EQ(card.objectives[1].status, ObjectiveScore::Status::kViolated);
  EXPECT_DOUBLE_EQ(card.objectives[1].current, 300);
}

TEST(Score, EmptyTargetTakesTheWorstService) {
  const std::vector<std::string> names = {"a.latency_p99_ms", "b.latency_p99_ms"};
  Objective all = Latency(250);
  all.target = "";
  const auto card = ComputeScore({all}, names, Rows({{100, 300}}), sim::Time::Zero());
  EXPECT_EQ(card.objectives[0].status, ObjectiveScore::Status::kViolated);
  EXPECT_DOUBLE_EQ(card.objectives[0].current, 300);
}

TEST(Score, WholeRunObjectivesAreJudgedAtTheEndOnly) {
  Objective rpo;
  rpo.name = "rpo";
  rpo.sli = SliKind::kRpoTransfers;
  const auto card = ComputeScore({rpo}, kNames, Rows({{1, 1, 1}}), std::nullopt);
  EXPECT_EQ(card.objectives[0].status, ObjectiveScore::Status::kEndOfRunOnly);
  EXPECT_FALSE(card.started);
  EXPECT_EQ(card.minutes_out_any, 0);
}

}  // namespace
}  // namespace rehearsal::gui
