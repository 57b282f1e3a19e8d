// The Eigen traffic-equation solver against queueing.md's worked Jackson
// example, and the retry amplification theory.
#include "models/traffic/network_baseline.h"

#include <gtest/gtest.h>

#include "models/traffic/queueing.h"

namespace rehearsal::models::traffic {
namespace {

TEST(TrafficEquations, SolveTheWorkedJacksonExample) {
  Eigen::MatrixXd p = Eigen::MatrixXd::Zero(4, 4);
  p(0, 1) = 1.0;
  p(1, 2) = 0.7;
  p(2, 3) = 0.5;
  p(3, 2) = 0.1;
  Eigen::VectorXd gamma(4);
  gamma << 100, 0, 0, 0;
  const Eigen::VectorXd lambda = SolveTrafficEquations(p, gamma);
  EXPECT_NEAR(lambda(0), 100.0, 1e-9);
  EXPECT_NEAR(lambda(1), 100.0, 1e-9);
  EXPECT_NEAR(lambda(2), 73.6842, 1e-4);
  EXPECT_NEAR(lambda(3), 36.8421, 1e-4);
  // Each node an independent M/M/c: the table's Wq and W (ms) and network W.
  const int c[] = {1, 4, 8, 2};
  const double mu[] = {500, 40, 12, 60};
  const double wq_ms[] = {0.5000, 5.3309, 17.5065, 1.7345};
  const double w_ms[] = {2.5000, 30.3309, 100.8398, 18.4012};
  double l_total = 0;
  for (int j = 0; j < 4; ++j) {
    const MmcResult m = Mmc(c[j], lambda(j), mu[j]);
    EXPECT_NEAR(m.wait_mean * 1e3, wq_ms[j], 1e-3) << j;
    EXPECT_NEAR(m.sojourn_mean * 1e3, w_ms[j], 1e-3) << j;
    l_total += m.in_system_mean;
  }
  EXPECT_NEAR(l_total, 11.3913, 1e-3);
  EXPECT_NEAR(l_total / 100.0 * 1e3, 113.9134, 1e-2);
}

TEST(RetryAmplification, IsAGeometricSum) {
  EXPECT_DOUBLE_EQ(RetryAmplification(0.5, 3), 1.75);
  EXPECT_DOUBLE_EQ(RetryAmplification(0.0, 5), 1.0);
  EXPECT_DOUBLE_EQ(RetryAmplification(1.0, 4), 4.0);
  EXPECT_DOUBLE_EQ(RetryAmplification(0.2, 1), 1.0);
}

TrafficConfig ThreeTier() {
  TrafficConfig cfg;
  cfg.services.resize(3);
  cfg.services[0].name = "ingress";
  cfg.services[1].name = "api";
  cfg.services[2].name = "wallet";
  cfg.externals.push_back({});
  cfg.externals[0].name = "psp";
  cfg.externals[0].error_fraction = 0.5;
  cfg.externals[0].retry.attempts = 3;
  cfg.edges = {{"ingress", "api", 1.0, CallMode::kSync, ""},
               {"api", "wallet", 2.0, CallMode::kSync, ""},
               {"wallet", "psp", 0.1, CallMode::kSync, ""}};
  cfg.entry_points.push_back({});
  cfg.entry_points[0].name = "web";
  cfg.entry_points[0].target_service = "ingress";
  return cfg;
}

TEST(Baseline, FailingDependencyWithThreeAttemptsGets175TimesItsCalls) {
  TrafficConfig cfg = ThreeTier();
  cfg.edges = {{"ingress", "psp", 1.0, CallMode::kSync, ""}};
  auto g = BuildCallGraph(cfg);
  ASSERT_TRUE(g.ok());
  const NetworkBaseline b = SolveBaseline(cfg, *g, {200.0});
  EXPECT_NEAR(b.arrival_rps[g->Find("psp")], 350.0, 1e-9);
  EXPECT_NEAR(b.attempt_success[g->Find("ingress")], 1 - 0.125, 1e-12);
}

TEST(Baseline, FanOutFailFastAndRetriesCompose) {
  TrafficConfig cfg = ThreeTier();
  auto g = BuildCallGraph(cfg);
  ASSERT_TRUE(g.ok());
  const NetworkBaseline b = SolveBaseline(cfg, *g, {100.0});
  // wallet attempt succeeds unless its 0.1 psp call fails 3 times.
  const double s_wallet = 1 - 0.1 * 0.125;
  EXPECT_NEAR(b.attempt_success[g->Find("wallet")], s_wallet, 1e-12);
  // api makes 2 sequential wallet calls, the second only if the first worked.
  EXPECT_NEAR(b.arrival_rps[g->Find("wallet")], 100 * (1 + s_wallet), 1e-9);
  EXPECT_NEAR(b.arrival_rps[g->Find("psp")], 100 * (1 + s_wallet) * 0.1 * 1.75, 1e-9);
  EXPECT_FALSE(g->HasLoops());
}

TEST(Baseline, ReportsConfigErrorsTogether) {
  TrafficConfig cfg = ThreeTier();
  cfg.edges.push_back({"api", "nope", 1.0, CallMode::kSync, ""});
  cfg.edges.push_back({"psp", "api", 1.0, CallMode::kSync, ""});
  cfg.entry_points[0].target_service = "psp";
  auto g = BuildCallGraph(cfg);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.errors().size(), 3u);
}

}  // namespace
}  // namespace rehearsal::models::traffic
