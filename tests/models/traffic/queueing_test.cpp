// Closed forms against the tables of shared/spec/queueing.md.
#include "models/traffic/queueing.h"

#include <cmath>

#include <gtest/gtest.h>

namespace rehearsal::models::traffic {
namespace {

TEST(ErlangB, MatchesClassicPoints) {
  EXPECT_NEAR(ErlangB(1, 1), 0.500000, 1e-6);
  EXPECT_NEAR(ErlangB(5, 2), 0.036697, 1e-6);
  EXPECT_NEAR(ErlangB(10, 5), 0.018385, 1e-6);
  EXPECT_NEAR(ErlangB(10, 7), 0.078741, 1e-6);
  EXPECT_NEAR(ErlangB(20, 15), 0.045593, 1e-6);
  EXPECT_NEAR(ErlangB(50, 40), 0.018691, 1e-6);
  EXPECT_NEAR(ErlangB(100, 80), 0.003992, 1e-6);
}

TEST(ErlangB, MatchesPerServerLoadTable) {
  struct Row { int c; double rho, b; };
  const Row rows[] = {{1, 0.5, 0.33333}, {2, 0.8, 0.32990}, {4, 0.9, 0.27069},
                      {8, 0.95, 0.21313}, {16, 0.5, 0.00453}, {16, 0.9, 0.12641}};
  for (const Row& r : rows) EXPECT_NEAR(ErlangB(r.c, r.c * r.rho), r.b, 1e-5) << r.c;
}

struct MmcRow { int c; double rho, p_wait, wq, w, wq_p95; };
const MmcRow kMmc[] = {
    {1, 0.5, 0.5, 1.0, 2.0, 4.6052},        {1, 0.9, 0.9, 9.0, 10.0, 28.9037},
    {2, 0.8, 0.7111, 1.7778, 2.7778, 6.6370}, {4, 0.5, 0.1739, 0.0870, 1.0870, 0.6233},
    {4, 0.9, 0.7878, 1.9694, 2.9694, 6.8929}, {8, 0.8, 0.4576, 0.2860, 1.2860, 1.3838},
    {16, 0.5, 0.0090, 0.0011, 1.0011, 0.0},   {16, 0.95, 0.7802, 0.9752, 1.9752, 3.4344},
};

TEST(Mmc, MatchesErlangCTable) {
  for (const MmcRow& r : kMmc) {
    const double lambda = r.c * r.rho;
    const MmcResult m = Mmc(r.c, lambda, 1.0);
    EXPECT_NEAR(m.p_wait, r.p_wait, 1e-4) << r.c << " " << r.rho;
    EXPECT_NEAR(m.wait_mean, r.wq, 1e-4) << r.c << " " << r.rho;
    EXPECT_NEAR(m.sojourn_mean, r.w, 1e-4) << r.c << " " << r.rho;
    EXPECT_NEAR(m.queue_mean, lambda * r.wq, 1e-3);
    EXPECT_NEAR(MmcWaitQuantile(r.c, lambda, 1.0, 0.95), r.wq_p95, 1e-4) << r.c;
  }
}

TEST(Mmc, SojournQuantilesOfMm1AreExponential) {
  EXPECT_NEAR(MmcSojournQuantile(1, 0.5, 1.0, 0.5), 1.3863, 1e-4);
  EXPECT_NEAR(MmcSojournQuantile(1, 0.5, 1.0, 0.95), 5.9915, 1e-4);
  EXPECT_NEAR(MmcSojournQuantile(1, 0.8, 1.0, 0.95), 14.9787, 1e-4);
  EXPECT_NEAR(MmcSojournQuantile(1, 0.9, 1.0, 0.99), 46.0517, 1e-4);
}

TEST(Mmc, SojournTailIntegratesToTheMean) {
  // E[T] = integral of P(T > t) dt: checks the multi-server tail formula.
  for (const MmcRow& r : kMmc) {
    const double lambda = r.c * r.rho;
    double sum = 0;
    const double dt = 0.001;
    for (double t = dt / 2; t < 400; t += dt) sum += MmcSojournTail(r.c, lambda, 1.0, t) * dt;
    EXPECT_NEAR(sum, r.w, 2e-3) << r.c << " " << r.rho;
  }
}

TEST(Mmck, MatchesTable) {
  struct Row { int c, k; double lambda, pk, l, w; };
  const Row rows[] = {{1, 5, 0.9, 0.126023, 2.1948, 2.7903},  {1, 10, 1.0, 0.090909, 5.0, 5.5},
                      {1, 10, 1.5, 0.337232, 8.1287, 8.1765}, {2, 10, 1.8, 0.054807, 4.2814, 2.5165},
                      {4, 8, 3.6, 0.096636, 4.3319, 1.3320},  {16, 32, 15.2, 0.025482, 19.3838, 1.3086}};
  for (const Row& r : rows) {
    const MmckResult m = Mmck(r.c, r.k, r.lambda, 1.0);
    EXPECT_NEAR(m.p_block, r.pk, 1e-6) << r.c << "/" << r.k;
    EXPECT_NEAR(m.in_system_mean, r.l, 1e-4);
    EXPECT_NEAR(m.sojourn_mean, r.w, 1e-4);
  }
}

TEST(AllenCunneen, ReducesToPollaczekKhinchineForOneServer) {
  // M/D/1, M/E2/1, M/M/1, M/H2/1 columns of the P-K table at rho 0.8.
  EXPECT_NEAR(AllenCunneenWait(1, 0.8, 1.0, 1.0, 0.0), 2.0, 1e-9);
  EXPECT_NEAR(AllenCunneenWait(1, 0.8, 1.0, 1.0, 0.5), 3.0, 1e-9);
  EXPECT_NEAR(AllenCunneenWait(1, 0.8, 1.0, 1.0, 1.0), 4.0, 1e-9);
  EXPECT_NEAR(AllenCunneenWait(1, 0.9, 1.0, 1.0, 4.0), 22.5, 1e-9);
}

TEST(ProcessorSharing, MeanSojournIsServiceOverOneMinusRho) {
  EXPECT_NEAR(ProcessorSharingSojourn(0.5, 1.0), 2.0, 1e-12);
  EXPECT_NEAR(ProcessorSharingSojourn(0.9, 1.0), 10.0, 1e-12);
  EXPECT_NEAR(ProcessorSharingSojourn(9.5, 0.1), 2.0, 1e-12);
}

TEST(CfsWallTime, ThrottlesPastTheQuota) {
  // No limit, or a limit above demand: wall = CPU.
  EXPECT_DOUBLE_EQ(CfsWallTime(0.08, 1, 0.0), 0.08);
  EXPECT_DOUBLE_EQ(CfsWallTime(0.08, 2, 2.0), 0.08);
  // 0.5 core, 80 ms: 50 run + 50 throttled + 30 run.
  EXPECT_NEAR(CfsWallTime(0.08, 1, 0.5), 0.130, 1e-12);
  // Fits in the first period's share: no throttling.
  EXPECT_NEAR(CfsWallTime(0.03, 1, 0.5), 0.030, 1e-12);
  // 4 threads on a 1-core quota: 25 ms each per period; 60 ms -> 2 full + 10 ms.
  EXPECT_NEAR(CfsWallTime(0.06, 4, 1.0), 0.210, 1e-12);
  // Exactly two shares: the second period's share completes it.
  EXPECT_NEAR(CfsWallTime(0.1, 1, 0.5), 0.150, 1e-12);
}

}  // namespace
}  // namespace rehearsal::models::traffic
