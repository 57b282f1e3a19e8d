#include "sim/random.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/exp_ziggurat.h"

namespace rehearsal::sim {
namespace {

// Reference vectors: the published xoshiro256** outputs for state {1,2,3,4},
// and Rng(42) / Derive(7, "arrivals") computed by an independent Python
// transcription of splitmix64 + xoshiro256** (splitmix64(0) = 0xe220a8397b1dcdaf).
TEST(Rng, MatchesXoshiro256StarStarReference) {
  Rng r = Rng::FromState(1, 2, 3, 4);
  EXPECT_EQ(r.Next(), 11520u);
  EXPECT_EQ(r.Next(), 0u);
  EXPECT_EQ(r.Next(), 1509978240u);
  EXPECT_EQ(r.Next(), 1215971899390074240u);
}

TEST(Rng, PinnedFirstValuesOfSeededAndDerivedStreams) {
  Rng r(42);
  EXPECT_EQ(r.Next(), 0x15780b2e0c2ec716u);
  EXPECT_EQ(r.Next(), 0x6104d9866d113a7eu);
  EXPECT_EQ(r.Next(), 0xae17533239e499a1u);
  Rng d = Rng::Derive(7, "arrivals");
  EXPECT_EQ(d.Next(), 0xdaa7e505ce42de9bu);
  EXPECT_EQ(d.Next(), 0x6d2ae7dfe06e67aau);
  EXPECT_EQ(d.Next(), 0x2320976ced5e153u);
  Rng u(42);
  EXPECT_DOUBLE_EQ(u.Uniform01(), 0.08386297105988216);
}

TEST(Rng, SameSeedSameSequence) {
  Rng a = Rng::Derive(99, "spot/pool-a");
  Rng b = Rng::Derive(99, "spot/pool-a");
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a.Next(), b.Next());
  Rng c = Rng::Derive(100, "spot/pool-a");
  Rng e = Rng::Derive(99, "spot/pool-b");
  Rng a2 = Rng::Derive(99, "spot/pool-a");
  int same_c = 0;
  int same_e = 0;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = a2.Next();
    same_c += c.Next() == v;
    same_e += e.Next() == v;
  }
  EXPECT_EQ(same_c, 0);
  EXPECT_EQ(same_e, 0);
}

TEST(Rng, AddingAStreamDoesNotChangeAnother) {
  // Run 1: only stream "a". Run 2: "b" is created and drawn from first.
  Rng a1 = Rng::Derive(5, "a");
  std::vector<uint64_t> first;
  for (int i = 0; i < 100; ++i) first.push_back(a1.Next());
  Rng b = Rng::Derive(5, "b");
  for (int i = 0; i < 50; ++i) b.Next();
  Rng a2 = Rng::Derive(5, "a");
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a2.Next(), first[static_cast<size_t>(i)]);
}

TEST(Rng, BelowIsUnbiasedAndInRange) {
  Rng r(3);
  // n = 3 * 2^62 is the worst case for a modulo-biased method: values below
  // 2^62 would be twice as likely. With Lemire's method each third is ~1/3.
  const uint64_t n = 3ULL << 62;
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 300000; ++i) {
    const uint64_t v = r.Below(n);
    ASSERT_LT(v, n);
    counts[v / (1ULL << 62)]++;
  }
  for (int c : counts) EXPECT_NEAR(c, 100000, 1500);  // sd ~ 258
  for (int i = 0; i < 10000; ++i) {
    const int64_t v = r.UniformInt(-3, 3);
    ASSERT_GE(v, -3);
    ASSERT_LE(v, 3);
  }
}

struct Moments {
  double mean = 0;
  double variance = 0;
};

template <typename Draw>
Moments Measure(int n, Draw draw) {
  // Welford's online algorithm (numerically stable).
  double mean = 0;
  double m2 = 0;
  for (int i = 1; i <= n; ++i) {
    const double x = draw();
    const double delta = x - mean;
    mean += delta / i;
    m2 += delta * (x - mean);
  }
  return {mean, m2 / (n - 1)};
}

constexpr int kDraws = 1000000;

// Tolerances: 5 standard errors for the mean (sd / sqrt(n)), and for the
// variance 5 * sigma^2 * sqrt((kurtosis - 1) / n) rounded up.
void ExpectMoments(const Moments& m, double mean, double variance, double kurtosis) {
  const double n = kDraws;
  EXPECT_NEAR(m.mean, mean, 5 * std::sqrt(variance / n)) << "mean";
  EXPECT_NEAR(m.variance, variance, 5 * variance * std::sqrt((kurtosis - 1) / n)) << "variance";
}

TEST(Distributions, UniformMoments) {
  Rng r(11);
  ExpectMoments(Measure(kDraws, [&] { return r.Uniform(2, 5); }), 3.5, 9.0 / 12, 1.8);
}

TEST(Distributions, ExponentialMoments) {
  Rng r(12);
  ExpectMoments(Measure(kDraws, [&] { return r.Exponential(0.5); }), 2.0, 4.0, 9.0);
}

// Kolmogorov-Smirnov distance of a sample from the Exp(1) CDF 1 - e^-x.
double KsDistanceFromExp1(std::vector<double> xs) {
  std::sort(xs.begin(), xs.end());
  const double n = static_cast<double>(xs.size());
  double d = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double cdf = -std::expm1(-xs[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - cdf, cdf - static_cast<double>(i) / n});
  }
  return d;
}

// The 0.1% critical value of the KS statistic, 1.949 / sqrt(n) (asymptotic
// Kolmogorov distribution), is 0.00195 for 10^6 draws.
constexpr double kKsCritical = 1.949 / 1000.0;

TEST(Distributions, ExponentialPassesKolmogorovSmirnov) {
  for (uint64_t seed : {21u, 22u}) {
    Rng r(seed);
    std::vector<double> xs(kDraws);
    for (double& x : xs) x = r.Exponential(1.0);
    EXPECT_LT(KsDistanceFromExp1(std::move(xs)), kKsCritical) << seed;
  }
}

// The test has the power to catch a broken sampler: the same tables without
// the wedge test (every point of a layer's rectangle accepted, the base's
// overhang taken as is) puts ~2% of its mass in the wrong places: D = 0.0026
// here, above the 0.1% critical value.
TEST(Distributions, KolmogorovSmirnovRejectsAZigguratWithoutWedges) {
  const detail::ExpZiggurat& z = detail::kExpZiggurat;
  Rng r(21);
  std::vector<double> xs(kDraws);
  for (double& x : xs) {
    const uint64_t bits = r.Next();
    x = static_cast<double>(bits >> 11) * z.scale[bits & 0xFF];
  }
  EXPECT_GT(KsDistanceFromExp1(std::move(xs)), kKsCritical);
}

// Counts between consecutive ziggurat boundaries against the closed form
// e^-x[j] - e^-x[j-1]: a layer with a wrong width or acceptance shows up here
// even where it is too thin for KS. Chi-square with 256 cells (255 degrees
// of freedom: mean 255, sd 22.6); the bound is mean + 5 sd.
TEST(Distributions, ExponentialFillsEachZigguratBandAsTheCdfSays) {
  const detail::ExpZiggurat& z = detail::kExpZiggurat;
  Rng r(23);
  std::vector<int> counts(detail::ExpZiggurat::kLayers, 0);
  int tail = 0;
  double tail_excess = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = r.Exponential(1.0);
    ASSERT_GE(x, 0);
    // Cell 0: x >= r (the tail); cell j: x[j] <= x < x[j-1].
    const auto it = std::lower_bound(z.x.begin(), z.x.end(), x, std::greater<>());
    // *it <= x: the first boundary not above x.
    const auto j = static_cast<size_t>(it - z.x.begin());
    counts[j]++;
    if (j == 0) {
      ++tail;
      tail_excess += x - detail::ExpZiggurat::kR;
    }
  }
  double chi2 = 0;
  for (size_t j = 0; j < counts.size(); ++j) {
    const double p = j == 0 ? std::exp(-z.x[0]) : std::exp(-z.x[j]) - std::exp(-z.x[j - 1]);
    const double expected = p * kDraws;
    chi2 += (counts[j] - expected) * (counts[j] - expected) / expected;
  }
  EXPECT_LT(chi2, 255 + 5 * 22.6);
  // The tail: P(X >= r) = e^-r = 4.54e-4 (454 of 10^6, sd 21), and past r
  // the excess is again Exp(1) (mean 1, sd of the mean 1 / sqrt(454)).
  EXPECT_NEAR(tail, 454.3, 5 * 21.3);
  EXPECT_NEAR(tail_excess / tail, 1.0, 5 / std::sqrt(454.3));
}

// The compile-time tables: every layer has area v, the base r f(r) + f(r) = v,
// and the constexpr exp/log agree with the library's to ~1e-15.
TEST(Distributions, ZigguratTablesHaveEqualAreas) {
  const detail::ExpZiggurat& z = detail::kExpZiggurat;
  const double v = detail::ExpZiggurat::kV;
  EXPECT_NEAR(z.x[0] * z.f[0] + z.f[0], v, 1e-15);
  for (int j = 1; j < detail::ExpZiggurat::kLayers; ++j) {
    const auto jj = static_cast<size_t>(j);
    // The top layer closes the recursion with f = 1: r's 18 digits leave it
    // 1.1e-14 (3e-12 relative) short of v.
    EXPECT_NEAR(z.x[jj - 1] * (z.f[jj] - z.f[jj - 1]), v, j == 255 ? 2e-14 : 1e-15) << j;
    EXPECT_LT(z.x[jj], z.x[jj - 1]) << j;
    EXPECT_NEAR(z.f[jj], std::exp(-z.x[jj]), 1e-15) << j;
    EXPECT_NEAR(static_cast<double>(z.accept[jj]) * 0x1.0p-53, z.x[jj] / z.x[jj - 1], 1e-15);
  }
  EXPECT_NEAR(z.x[1], 6.941033629377211, 1e-12);
  EXPECT_NEAR(z.x[254], 0.06385216381495624, 1e-12);
  for (double y : {1e-300, 0.001, 0.5, 0.7, 1.0, 1.5, 2.0, 1e10}) {
    EXPECT_NEAR(detail::ConstLog(y), std::log(y), 4e-16 * std::max(1.0, std::fabs(std::log(y))));
  }
  for (double x : {-700.0, -7.7, -1.0, -0.3, 0.0, 0.3, 1.0, 7.7}) {
    EXPECT_NEAR(detail::ConstExp(x), std::exp(x), 4e-16 * std::exp(x));
  }
}

TEST(Distributions, NormalMoments) {
  Rng r(13);
  ExpectMoments(Measure(kDraws, [&] { return r.Normal(10, 3); }), 10, 9, 3.0);
}

TEST(Distributions, LogNormalMoments) {
  Rng r(14);
  const double mu = 1.0;
  const double s2 = 0.25;  // sigma = 0.5
  const double mean = std::exp(mu + s2 / 2);
  const double variance = (std::exp(s2) - 1) * std::exp(2 * mu + s2);
  const double kurtosis = std::exp(4 * s2) + 2 * std::exp(3 * s2) + 3 * std::exp(2 * s2) - 3;
  ExpectMoments(Measure(kDraws, [&] { return r.LogNormal(mu, 0.5); }), mean, variance, kurtosis);
}

TEST(Distributions, PoissonMomentsSmallAndLargeMean) {
  for (double lambda : {0.3, 4.0, 9.9, 10.0, 37.5, 1000.0}) {
    Rng r(15);
    // Poisson: mean = variance = lambda, kurtosis = 3 + 1/lambda.
    const Moments m = Measure(kDraws, [&] { return static_cast<double>(r.Poisson(lambda)); });
    SCOPED_TRACE(lambda);
    ExpectMoments(m, lambda, lambda, 3 + 1 / lambda);
  }
}

TEST(Distributions, PoissonIsExactNotANormalApproximation) {
  // PTRS must be exact: P(X = 30) for lambda = 30 is e^-30 30^30 / 30! =
  // 0.0724632, and the third central moment equals lambda (a normal
  // approximation would give 0). sd of the sample third moment is about
  // sqrt(15 lambda^3 / n), so 5 sd is 3.2 at lambda = 30 and 612 at 1000.
  for (double lambda : {30.0, 1000.0}) {
    Rng r(16);
    int hits_at_mean = 0;
    std::vector<double> xs;
    xs.reserve(kDraws);
    for (int i = 0; i < kDraws; ++i) {
      const uint64_t x = r.Poisson(lambda);
      hits_at_mean += x == static_cast<uint64_t>(lambda);
      xs.push_back(static_cast<double>(x));
    }
    double m3 = 0;
    for (double x : xs) m3 += (x - lambda) * (x - lambda) * (x - lambda);
    m3 /= kDraws;
    EXPECT_NEAR(m3, lambda, 5 * std::sqrt(15 * lambda * lambda * lambda / kDraws)) << lambda;
    if (lambda == 30.0) {
      EXPECT_NEAR(hits_at_mean / static_cast<double>(kDraws), 0.0724632,
                  5 * std::sqrt(0.0724632 / kDraws));
    }
  }
}

TEST(Distributions, BernoulliIsExactRatio) {
  Rng r(17);
  const Moments m = Measure(kDraws, [&] { return r.Bernoulli(1, 3) ? 1.0 : 0.0; });
  const double p = 1.0 / 3;
  ExpectMoments(m, p, p * (1 - p), 1 / (p * (1 - p)) - 3);
  Rng s(18);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_FALSE(s.Bernoulli(0, 7));
    ASSERT_TRUE(s.Bernoulli(7, 7));
  }
  const Moments c = Measure(kDraws, [&] { return s.Chance(0.25) ? 1.0 : 0.0; });
  ExpectMoments(c, 0.25, 0.1875, 1 / 0.1875 - 3);
}

TEST(Distributions, DiscreteMatchesWeights) {
  const DiscreteDistribution d({0, 1, 0, 2, 7, 0});
  Rng r(19);
  std::vector<int> counts(6, 0);
  for (int i = 0; i < kDraws; ++i) counts[d.Sample(r)]++;
  EXPECT_EQ(counts[0], 0);
  EXPECT_EQ(counts[2], 0);
  EXPECT_EQ(counts[5], 0);
  const double weights[] = {0, 0.1, 0, 0.2, 0.7, 0};
  for (size_t i = 0; i < 6; ++i) {
    const double p = weights[i];
    EXPECT_NEAR(counts[i] / static_cast<double>(kDraws), p, 5 * std::sqrt(p * (1 - p) / kDraws));
  }
}

TEST(Distributions, EmpiricalInterpolatesOrderStatistics) {
  // Samples {1, 3}: linear interpolation gives Uniform[1, 3): mean 2, var 1/3.
  const EmpiricalDistribution two({3, 1});
  Rng r(20);
  ExpectMoments(Measure(kDraws, [&] { return two.Sample(r); }), 2.0, 4.0 / 12, 1.8);
  // Equally spaced samples 0..10: also uniform on [0, 10).
  const EmpiricalDistribution many({10, 0, 5, 2, 8, 1, 9, 3, 7, 4, 6});
  ExpectMoments(Measure(kDraws, [&] { return many.Sample(r); }), 5.0, 100.0 / 12, 1.8);
  const EmpiricalDistribution one({4.5});
  EXPECT_EQ(one.Sample(r), 4.5);
}

}  // namespace
}  // namespace rehearsal::sim
