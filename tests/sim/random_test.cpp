#include "sim/random.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

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
