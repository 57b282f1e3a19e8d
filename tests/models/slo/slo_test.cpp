// SLO evaluation: whole-run figures from the summary, rolling windows from the
// series, and the multi-window burn-rate alerts of the SRE workbook.
#include "models/slo/slo.h"

#include <gtest/gtest.h>

#include <cmath>

namespace rehearsal::models::slo {
namespace {

// A series table of `n` samples every `step` with constant rps and errors
// per second given by a function of the sample index.
template <typename F>
SeriesTable Table(size_t n, sim::Duration step, double rps, F errors) {
  SeriesTable t;
  t.names = {"api.rps", "api.errors_per_s", "api.latency_p99_ms"};
  for (size_t i = 0; i < n; ++i) {
    t.times.push_back(sim::Time::Zero() + step * static_cast<int64_t>(i + 1));
    t.rows.push_back({rps, errors(i), 100.0});
  }
  return t;
}

RunSummary Summary(uint64_t requests, uint64_t errors, double p99) {
  RunSummary s;
  s.simulated_s = 7200;
  ServiceSummary svc;
  svc.requests = requests;
  svc.errors = errors;
  svc.error_rate = requests ? static_cast<double>(errors) / static_cast<double>(requests) : 0;
  svc.availability = 1 - svc.error_rate;
  svc.latency_ms.p50 = p99 / 4;
  svc.latency_ms.p95 = p99 / 2;
  svc.latency_ms.p99 = p99;
  s.services["api"] = svc;
  return s;
}

TEST(Slo, WholeRunLatencyAndAvailability) {
  std::vector<Objective> objs = {
      {"p99", SliKind::kLatency, "api", 99, 250, {}, true},
      {"p50", SliKind::kLatency, "api", 50, 50, {}, true},
      {"avail", SliKind::kAvailability, "api", 99, 0.999, {}, true},
  };
  auto ev = Evaluate(objs, Summary(100000, 50, 300), SeriesTable{});
  ASSERT_EQ(ev.results.size(), 3u);
  EXPECT_FALSE(ev.results[0].met);            // 300 > 250
  EXPECT_DOUBLE_EQ(ev.results[0].actual, 300);
  EXPECT_FALSE(ev.results[1].met);            // p50 = 75 > 50
  EXPECT_TRUE(ev.results[2].met);             // 1 - 50/100000 = 0.9995 >= 0.999
  EXPECT_DOUBLE_EQ(ev.results[2].actual, 0.9995);
  EXPECT_FALSE(ev.all_met());
  EXPECT_EQ(ev.results[0].objective, "p99(api) <= 250 ms");
}

TEST(Slo, CostRpoRtoPendingAndRollouts) {
  RunSummary s;
  s.simulated_s = 7200;              // 2 h
  s.cluster.cost_usd = 30;           // -> 15 USD/h
  s.cluster.pending_pod_s = 120;
  s.wallet.rpo_transfers = 3;
  s.wallet.rto_s = 45;
  s.rollouts.push_back({"api", "RollingUpdate", 100, 700, "complete"});
  s.rollouts.push_back({"web", "RollingUpdate", 100, -1, "progress-deadline-exceeded"});
  std::vector<Objective> objs = {
      {"cost/h", SliKind::kCostPerHour, "", 99, 20, {}, true},
      {"cost", SliKind::kCostPerRun, "", 99, 25, {}, true},
      {"pending", SliKind::kPendingPodTime, "", 99, 60, {}, true},
      {"rpo", SliKind::kRpoTransfers, "", 99, 0, {}, true},
      {"rto", SliKind::kRto, "", 99, 60, {}, true},
      {"api rollout", SliKind::kRolloutDuration, "api", 99, 900, {}, true},
      {"web rollout", SliKind::kRolloutDuration, "web", 99, 900, {}, true},
  };
  auto ev = Evaluate(objs, s, SeriesTable{});
  EXPECT_DOUBLE_EQ(ev.results[0].actual, 15);
  EXPECT_TRUE(ev.results[0].met);
  EXPECT_FALSE(ev.results[1].met);
  EXPECT_FALSE(ev.results[2].met);
  EXPECT_FALSE(ev.results[3].met);
  EXPECT_TRUE(ev.results[4].met);
  EXPECT_DOUBLE_EQ(ev.results[5].actual, 600);
  EXPECT_TRUE(ev.results[5].met);
  EXPECT_TRUE(std::isinf(ev.results[6].actual));  // never finished: missed
  EXPECT_FALSE(ev.results[6].met);
}

TEST(Slo, RollingWindowCatchesAShortOutageTheWholeRunHides) {
  // 2 h at 100 rps, 10 s samples; a 5-minute outage with half the requests
  // failing. Whole run: 2.08% errors; worst 5-minute window: 50%.
  auto t = Table(720, sim::Duration::Seconds(10), 100, [](size_t i) { return i >= 300 && i < 330 ? 50.0 : 0.0; });
  RunSummary s = Summary(720000, 15000, 100);
  Objective whole{"avail", SliKind::kAvailability, "api", 99, 0.97, {}, false};
  Objective windowed = whole;
  windowed.window = sim::Duration::Minutes(5);
  auto ev = Evaluate({whole, windowed}, s, t);
  EXPECT_TRUE(ev.results[0].met);
  EXPECT_NEAR(ev.results[0].actual, 1 - 15000.0 / 720000.0, 1e-12);
  EXPECT_FALSE(ev.results[1].met);
  EXPECT_NEAR(ev.results[1].actual, 0.5, 1e-12);
}

TEST(Slo, BurnRateOfAWindow) {
  // 0.5% errors against a 99.9% objective (budget 0.1%) burn at 5x.
  auto t = Table(60, sim::Duration::Seconds(60), 1000, [](size_t) { return 5.0; });
  EXPECT_NEAR(BurnRate(t, 0, 1, 59, sim::Duration::Hours(1), 0.001), 5.0, 1e-9);
  // No requests in the window: no burn.
  auto idle = Table(10, sim::Duration::Seconds(60), 0, [](size_t) { return 0.0; });
  EXPECT_EQ(BurnRate(idle, 0, 1, 9, sim::Duration::Hours(1), 0.001), 0.0);
}

TEST(Slo, FastBurnPagesOnlyWhenBothWindowsBurn) {
  // 3 h at 1000 rps, 1-minute samples. From minute 60, 2% errors (20x a 0.1%
  // budget). The 5-minute window crosses 14.4x after 4 minutes (16x), but the
  // 1-hour window needs 14.4/20 of an hour = 43.2 minutes: the page fires at
  // minute 60 + 44 = 104 (sample time 104 min), not before.
  auto t = Table(180, sim::Duration::Seconds(60), 1000, [](size_t i) { return i >= 60 ? 20.0 : 0.0; });
  Objective o{"avail", SliKind::kAvailability, "api", 99, 0.999, {}, true};
  auto ev = Evaluate({o}, Summary(1, 0, 1), t);
  // The slow-burn ticket (6x over the clipped 6 h window and 30 min) comes
  // first: 20 (T - 60) / T >= 6 at T = 86 min.
  ASSERT_EQ(ev.alerts.size(), 2u);
  EXPECT_EQ(ev.alerts[0].severity, "ticket");
  EXPECT_EQ(ev.alerts[0].t, sim::Time::Zero() + sim::Duration::Minutes(86));
  const auto& page = ev.alerts[1];
  EXPECT_EQ(page.severity, "page");
  EXPECT_EQ(page.t, sim::Time::Zero() + sim::Duration::Minutes(104));
  EXPECT_GE(page.burn_rate_long, 14.4);
  EXPECT_GE(page.burn_rate_short, 14.4);
  // One alert per rising edge: the page does not repeat while it keeps firing.
  int pages = 0;
  for (const auto& a : ev.alerts) pages += a.severity == std::string("page");
  EXPECT_EQ(pages, 1);
}

TEST(Slo, SlowBurnTicketsAtSixTimes) {
  // 0.8% errors = 8x a 0.1% budget: never pages (8 < 14.4) but tickets once
  // the 6-hour window averages 6x (at 6/8 of 6 h = 4.5 h after the start).
  auto t = Table(8 * 60, sim::Duration::Seconds(60), 1000, [](size_t) { return 8.0; });
  Objective o{"avail", SliKind::kAvailability, "api", 99, 0.999, {}, true};
  auto ev = Evaluate({o}, Summary(1, 0, 1), t);
  ASSERT_EQ(ev.alerts.size(), 1u);
  EXPECT_EQ(ev.alerts[0].severity, "ticket");
  // The window is clipped at the start, so the average is 8x from the first sample.
  EXPECT_EQ(ev.alerts[0].t, sim::Time::Zero() + sim::Duration::Minutes(1));
}

TEST(Slo, NoSeriesNoWindowedVerdictAndNoAlerts) {
  Objective o{"avail", SliKind::kAvailability, "api", 99, 0.999, sim::Duration::Minutes(5), true};
  auto ev = Evaluate({o}, Summary(1000, 0, 1), SeriesTable{});
  EXPECT_TRUE(ev.results[0].met);
  EXPECT_TRUE(ev.alerts.empty());
}

}  // namespace
}  // namespace rehearsal::models::slo

namespace rehearsal::models::slo {
namespace {

// An objective on an entry point names it plainly ("players"); the summary
// keys it "entry/players" and the traffic model's series are
// "entry.players.*". Both the whole-run and the windowed figure must find it.
TEST(Slo, EntryPointTargetsResolveToTheirSummaryKeyAndSeries) {
  RunSummary s;
  s.simulated_s = 3600;
  ServiceSummary entry;
  entry.requests = 100000;
  entry.errors = 1000;  // 1% over the run
  s.services["entry/players"] = entry;
  SeriesTable t;
  t.names = {"entry.players.rps", "entry.players.errors_per_s"};
  // 60 one-minute samples at 100 rps; minutes 10-14 fail 20% (20 errors/s).
  for (size_t i = 0; i < 60; ++i) {
    t.times.push_back(sim::Time::Zero() + sim::Duration::Minutes(static_cast<int64_t>(i + 1)));
    t.rows.push_back({100.0, i >= 10 && i < 15 ? 20.0 : 0.0});
  }
  Objective whole{"avail", SliKind::kAvailability, "players", 99, 0.95, {}, false};
  Objective windowed = whole;
  windowed.window = sim::Duration::Minutes(5);
  auto ev = Evaluate({whole, windowed}, s, t);
  ASSERT_EQ(ev.results.size(), 2u);
  EXPECT_DOUBLE_EQ(ev.results[0].actual, 0.99);  // whole run: 1 - 1000/100000
  EXPECT_TRUE(ev.results[0].met);
  // The worst 5-minute window is exactly the failing one: 1 - 20/100.
  EXPECT_NEAR(ev.results[1].actual, 0.80, 1e-12);
  EXPECT_FALSE(ev.results[1].met);
}

TEST(FormatActual, RatiosReadAsPercentagesOtherUnitsAsNumbers) {
  EXPECT_EQ(FormatActual(1.0, "ratio"), "100%");
  EXPECT_EQ(FormatActual(0.99966667, "ratio"), "99.9667%");
  EXPECT_EQ(FormatActual(54.655, "ms"), "54.655 ms");
  EXPECT_EQ(FormatActual(0, "transfers"), "0 transfers");
  EXPECT_EQ(FormatActual(2.02507, "usd"), "$2.03");
}

}  // namespace
}  // namespace rehearsal::models::slo
