// Arrival processes and recorder series of the request fidelity.
#include <cmath>

#include <gtest/gtest.h>

#include "models/traffic/load_profile.h"
#include "models/traffic/sli.h"
#include "scenario_util.h"

namespace rehearsal::models::traffic {
namespace {

using testing::Entry;
using testing::Harness;
using testing::Service;

TEST(Arrivals, ThinningFollowsAPeak) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 64, 1)};
  cfg.entry_points.push_back(Entry("web", "api", 100));
  Peak p;
  p.start = sim::Time::Zero() + sim::Duration::Seconds(100);
  p.ramp = sim::Duration::Seconds(100);
  p.hold = sim::Duration::Seconds(200);
  p.decay = sim::Duration::Seconds(100);
  p.multiplier = 3.0;
  cfg.entry_points[0].load.peaks.push_back(p);
  Harness h(cfg, Fidelity::kRequest, 8);
  h.cluster->AddReady("api", 1);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(600));
  h.model->Finish();
  // Integral of the rate: 100/s x (600 s + the peak's extra: ramp 100 s x 1
  // + hold 200 s x 2 + decay 100 s x 1 = 600 s) = 120,000 requests.
  const double expected = 120000;
  EXPECT_NEAR(static_cast<double>(h.model->EntrySli("web").requests), expected,
              4 * std::sqrt(expected));
}

TEST(Arrivals, MmppKeepsTheMeanAndAddsBurstiness) {
  auto run = [](ArrivalProcess process) {
    TrafficConfig cfg;
    cfg.services = {Service("api", 1, 10)};
    cfg.entry_points.push_back(Entry("web", "api", 60));
    cfg.entry_points[0].arrival = process;
    cfg.entry_points[0].mmpp = {3.0, sim::Duration::Seconds(5), sim::Duration::Seconds(45)};
    Harness h(cfg, Fidelity::kRequest, 4);
    h.cluster->AddReady("api", 1);
    h.model->Start();
    h.RunFor(sim::Duration::Seconds(5000));
    h.model->Finish();
    return Summarize(h.model->NodeSli("api"));
  };
  const ServiceSummary poisson = run(ArrivalProcess::kPoisson);
  const ServiceSummary mmpp = run(ArrivalProcess::kMmpp);
  EXPECT_NEAR(static_cast<double>(mmpp.requests), 300000, 0.03 * 300000);
  // Bursts at 180/s overload a 100/s server: far worse tail than Poisson.
  EXPECT_GT(mmpp.latency_ms.p99, 3 * poisson.latency_ms.p99);
}

TEST(Series, RecorderGetsPerServiceColumns) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 4, 10)};
  cfg.entry_points.push_back(Entry("web", "api", 100));
  Harness h(cfg);
  h.cluster->AddReady("api", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(101));
  const sim::Recorder& rec = h.sim.recorder();
  const auto& names = rec.series_names();
  auto column = [&](const std::string& n) {
    for (size_t i = 0; i < names.size(); ++i) {
      if (names[i] == n) return static_cast<int>(i);
    }
    return -1;
  };
  const int rps = column("api.rps");
  const int util = column("api.utilization");
  const int pred = column("api.predicted_utilization");
  ASSERT_GE(rps, 0);
  ASSERT_GE(util, 0);
  ASSERT_GE(pred, 0);
  ASSERT_GE(column("api.latency_p99_ms"), 0);
  ASSERT_GE(column("api.error_rate"), 0);
  ASSERT_GE(column("entry.web.rps"), 0);
  ASSERT_GE(rec.rows().size(), 10u);
  const auto& row = rec.rows()[10];  // the window (90 s, 100 s]
  EXPECT_NEAR(row[rps], 100, 15);
  EXPECT_NEAR(row[pred], 100 * 0.010 / 8, 1e-9);  // 1 busy worker of 8
  EXPECT_NEAR(row[util], 0.125, 0.03);
}

// The window figures every series is cut from: 40 requests in a 10 s window,
// 10 of them failed -> 4 rps, 25 % errors, 1 error/s; the window then resets.
TEST(Series, WindowFiguresCountErrorsPerSecond) {
  Sli sli;
  for (int i = 0; i < 30; ++i) sli.RecordOk(1000);
  for (int i = 0; i < 10; ++i) sli.RecordError(static_cast<ErrorCause>(0));
  const WindowFigures f = CloseWindow(sli, sim::Duration::Seconds(10));
  EXPECT_DOUBLE_EQ(f.rps, 4.0);
  EXPECT_DOUBLE_EQ(f.error_rate, 0.25);
  EXPECT_DOUBLE_EQ(f.errors_per_s, 1.0);
  const WindowFigures empty = CloseWindow(sli, sim::Duration::Seconds(10));
  EXPECT_EQ(empty.rps, 0.0);
  EXPECT_EQ(empty.errors_per_s, 0.0);
  EXPECT_EQ(sli.requests, 40u);
}

}  // namespace
}  // namespace rehearsal::models::traffic
