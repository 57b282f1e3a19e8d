// The request fidelity against closed-form queueing results (queueing.md),
// with fixed seeds and run lengths chosen from the variance: each case also
// checks, by batch means (20 batches), that its tolerance is at least 2
// standard errors of its own estimate (95%, as queueing.md's run-length
// table), so a pass is not a lucky seed.
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "fake_cluster.h"
#include "models/traffic/network_baseline.h"
#include "models/traffic/queueing.h"
#include "models/traffic/traffic_model.h"

namespace rehearsal::models::traffic {
namespace {

constexpr double kServiceMeanS = 0.010;  // mu = 100 / s per worker

struct Station {
  int c = 1;
  double rho = 0.5;
  double lambda = 0;  // overrides rho when > 0
  int queue_capacity = 0;
  QueueDiscipline discipline = QueueDiscipline::kFifo;
  LatencyDistribution::Kind kind = LatencyDistribution::Kind::kExponential;
  double customers = 1e5;
  uint64_t seed = 1;
};

struct Observed {
  double wait_mean_s = 0, wait_se_s = 0;
  double sojourn_mean_s = 0, sojourn_se_s = 0;
  double block = 0, block_se = 0;
  double p95_s = 0;
};

double Se(const std::vector<double>& batches) {
  double m = 0;
  for (double b : batches) m += b;
  m /= static_cast<double>(batches.size());
  double v = 0;
  for (double b : batches) v += (b - m) * (b - m);
  v /= static_cast<double>(batches.size() - 1);
  return std::sqrt(v / static_cast<double>(batches.size()));
}

Observed RunStation(const Station& st) {
  TrafficConfig cfg;
  ServiceProfile sp;
  sp.name = "s";
  sp.workers_per_pod = st.c;
  sp.cpu_per_request = {st.kind, kServiceMeanS * 1e3, 1.0};
  sp.queue_capacity = st.queue_capacity;
  sp.discipline = st.discipline;
  sp.endpoint_propagation_delay = sim::Duration{0};
  cfg.services.push_back(sp);
  EntryPoint ep;
  ep.name = "load";
  ep.target_service = "s";
  const double lambda = st.lambda > 0 ? st.lambda : st.rho * st.c / kServiceMeanS;
  ep.load.base_rps = lambda;
  cfg.entry_points.push_back(ep);
  cfg.usage_interval = sim::Duration::Hours(1000);
  sim::Simulation sim(st.seed);
  sim.recorder().set_sample_interval(sim::Duration{0});
  UsageBoard board;
  TrafficModel model(sim, board, cfg, Fidelity::kRequest);
  testing::FakeCluster cluster(sim, model);
  cluster.AddReady("s", 1);
  model.Start();
  const int kBatches = 20;
  const double horizon_s = st.customers / lambda;
  std::vector<double> waits, sojourns, blocks;
  const Sli& sli = model.NodeSli("s");
  double w0 = 0, n0 = 0, req0 = 0, err0 = 0;
  sim::Histogram hist_total;
  for (int b = 1; b <= kBatches; ++b) {
    sim.RunUntil(sim::Time::Zero() + sim::Duration::FromSeconds(horizon_s * b / kBatches));
    const double w = sli.wait_sum_us, n = static_cast<double>(sli.waits);
    waits.push_back((w - w0) / (n - n0) / 1e6);
    const double req = static_cast<double>(sli.requests);
    const double err = static_cast<double>(sli.error_count());
    blocks.push_back((err - err0) / (req - req0));
    // Sojourn per batch from the open window.
    sojourns.push_back(sli.window_latency_us.mean() / 1e6);
    hist_total.Merge(sli.window_latency_us);
    const_cast<Sli&>(sli).window_latency_us.Clear();
    w0 = w, n0 = n, req0 = req, err0 = err;
  }
  Observed o;
  o.wait_mean_s = sli.wait_sum_us / static_cast<double>(sli.waits) / 1e6;
  o.wait_se_s = Se(waits);
  o.sojourn_mean_s = hist_total.mean() / 1e6;
  o.sojourn_se_s = Se(sojourns);
  o.block = static_cast<double>(sli.error_count()) / static_cast<double>(sli.requests);
  o.block_se = Se(blocks);
  o.p95_s = static_cast<double>(hist_total.Quantile(0.95)) / 1e6;
  return o;
}

struct MmcCase {
  int c;
  double rho;
  double customers;
};

// Run lengths come from the variance: for the mean of N waits,
// (se / Wq)^2 = K / N, with K (the relative variance constant, autocorrelation
// included) estimated by batch means over 4e7 customers of an exact FIFO
// M/M/c recursion (Kiefer-Wolfowitz), per (c, rho):
//   c\rho   0.5    0.8    0.9
//   1       28    119    450
//   2       55    140    449
//   4      115    207    588
//   8      406    310    753
//   16    3118    643    967
// 2 se <= 3% needs N >= K / 0.015^2; each case runs about 2.5x that, so the
// 3% band is ~3 standard errors wide, and the test re-checks 2 se <= 3% from
// its own 20 batches.
void ExpectMmcWait(const MmcCase& k, uint64_t seed) {
  Station st;
  st.c = k.c;
  st.rho = k.rho;
  st.customers = k.customers;
  st.seed = seed;
  const Observed o = RunStation(st);
  const MmcResult th = Mmc(k.c, k.rho * k.c / kServiceMeanS, 1 / kServiceMeanS);
  const double tol = 0.03 * th.wait_mean;
  std::printf("M/M/%d rho %.2f: Wq %.7f s (theory %.7f, se %.7f)\n", k.c, k.rho, o.wait_mean_s,
              th.wait_mean, o.wait_se_s);
  EXPECT_NEAR(o.wait_mean_s, th.wait_mean, tol) << "c=" << k.c << " rho=" << k.rho;
  EXPECT_LE(2.0 * o.wait_se_s, tol) << "run too short: c=" << k.c << " rho=" << k.rho;
}

TEST(RequestFidelity, MmcMeanWaitMatchesErlangC) {
  const MmcCase cases[] = {
      {1, 0.5, 3e5},   {1, 0.8, 1.3e6}, {1, 0.9, 5.2e6}, {2, 0.5, 8e5},  {2, 0.8, 1.6e6},
      {2, 0.9, 5e6},   {4, 0.5, 1.3e6}, {4, 0.8, 2.3e6}, {4, 0.9, 6.5e6}, {8, 0.8, 3.6e6},
      {16, 0.8, 7.2e6},
  };
  uint64_t seed = 100;
  for (const MmcCase& k : cases) ExpectMmcWait(k, ++seed);
}

// The long cases of the {1,2,4,8,16} x {0.5,0.8,0.9} grid, one test each so
// CTest can run them side by side. At c = 16, rho = 0.5 only ~0.9% of
// customers wait at all (Erlang C), hence K = 3118 and 3.5e7 customers.
TEST(RequestFidelity, MmcMeanWaitEightServersHalfLoad) { ExpectMmcWait({8, 0.5, 4.5e6}, 201); }
TEST(RequestFidelity, MmcMeanWaitEightServersHighLoad) { ExpectMmcWait({8, 0.9, 8.4e6}, 202); }
TEST(RequestFidelity, MmcMeanWaitSixteenServersHighLoad) { ExpectMmcWait({16, 0.9, 1.1e7}, 203); }
TEST(RequestFidelity, MmcMeanWaitSixteenServersHalfLoad) { ExpectMmcWait({16, 0.5, 3.5e7}, 204); }

// Sojourn as well where waiting is rare (the wait is < 1.5% of the sojourn).
TEST(RequestFidelity, MmcSojournWhereWaitingIsRare) {
  const MmcCase cases[] = {{8, 0.5, 2e5}, {16, 0.5, 2e5}};
  for (const MmcCase& k : cases) {
    Station st;
    st.c = k.c;
    st.rho = k.rho;
    st.customers = k.customers;
    st.seed = 7;
    const Observed o = RunStation(st);
    const MmcResult th = Mmc(k.c, k.rho * k.c / kServiceMeanS, 1 / kServiceMeanS);
    EXPECT_NEAR(o.sojourn_mean_s, th.sojourn_mean, 0.03 * th.sojourn_mean) << k.c;
    EXPECT_LE(2.0 * o.sojourn_se_s, 0.03 * th.sojourn_mean);
  }
}

TEST(RequestFidelity, Mm1SojournP95IsExponential) {
  Station st;
  st.rho = 0.8;
  st.customers = 1.5e6;
  st.seed = 11;
  const Observed o = RunStation(st);
  const double th = MmcSojournQuantile(1, 80, 100, 0.95);  // 14.9787 service times
  EXPECT_NEAR(th, 0.149787, 1e-5);
  EXPECT_NEAR(o.p95_s, th, 0.05 * th);
}

TEST(RequestFidelity, MmckBlockingMatchesTable) {
  struct Case { int c, k; double lambda_per_mu, pk, customers; };
  const Case cases[] = {{1, 5, 0.9, 0.126023, 4e5}, {1, 10, 1.5, 0.337232, 3e5},
                        {2, 10, 1.8, 0.054807, 1e6}, {4, 8, 3.6, 0.096636, 5e5},
                        {8, 16, 7.6, 0.059838, 1e6}};
  for (const Case& k : cases) {
    Station st;
    st.c = k.c;
    st.queue_capacity = k.k - k.c;
    st.lambda = k.lambda_per_mu / kServiceMeanS;
    st.customers = k.customers;
    st.seed = 21;
    const Observed o = RunStation(st);
    EXPECT_NEAR(o.block, k.pk, 0.03 * k.pk) << k.c << "/" << k.k;
    EXPECT_LE(2.0 * o.block_se, 0.03 * k.pk) << "run too short " << k.c << "/" << k.k;
  }
}

TEST(RequestFidelity, ProcessorSharingSojournIsInsensitive) {
  struct Case { double rho; LatencyDistribution::Kind kind; double customers; };
  const Case cases[] = {{0.5, LatencyDistribution::Kind::kExponential, 3e5},
                        {0.8, LatencyDistribution::Kind::kExponential, 1.5e6},
                        {0.8, LatencyDistribution::Kind::kConstant, 1e6}};
  for (const Case& k : cases) {
    Station st;
    st.rho = k.rho;
    st.kind = k.kind;
    st.discipline = QueueDiscipline::kProcessorSharing;
    st.customers = k.customers;
    st.seed = 31;
    const Observed o = RunStation(st);
    const double th = ProcessorSharingSojourn(k.rho / kServiceMeanS, kServiceMeanS);
    EXPECT_NEAR(o.sojourn_mean_s, th, 0.03 * th) << k.rho;
    EXPECT_LE(2.0 * o.sojourn_se_s, 0.03 * th) << "run too short " << k.rho;
  }
}

}  // namespace
}  // namespace rehearsal::models::traffic
