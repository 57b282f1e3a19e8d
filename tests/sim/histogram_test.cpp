#include "sim/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/random.h"

namespace rehearsal::sim {
namespace {

// Nearest-rank quantile of a sorted sample: the value of rank ceil(q n).
int64_t ExactQuantile(const std::vector<int64_t>& sorted, double q) {
  auto rank = static_cast<size_t>(std::ceil(q * static_cast<double>(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void ExpectQuantilesWithin1Percent(const std::vector<int64_t>& samples) {
  Histogram h;
  for (int64_t v : samples) h.Record(v);
  std::vector<int64_t> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(h.count(), sorted.size());
  EXPECT_EQ(h.min(), sorted.front());
  EXPECT_EQ(h.max(), sorted.back());
  for (double q : {0.0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0}) {
    const auto exact = static_cast<double>(ExactQuantile(sorted, q));
    const auto approx = static_cast<double>(h.Quantile(q));
    EXPECT_LE(std::fabs(approx - exact), 0.01 * exact) << "q=" << q << " exact=" << exact;
  }
}

TEST(Histogram, QuantilesWithinOnePercentOnAMillionLogNormalLatencies) {
  Rng r(1);
  std::vector<int64_t> samples;
  for (int i = 0; i < 1000000; ++i) {
    samples.push_back(static_cast<int64_t>(r.LogNormal(std::log(50000.0), 1.2)));
  }
  ExpectQuantilesWithin1Percent(samples);
}

TEST(Histogram, QuantilesWithinOnePercentAcrossMagnitudes) {
  // Uniform in log space from 1us to ~3 hours: every octave is exercised.
  Rng r(2);
  std::vector<int64_t> samples;
  for (int i = 0; i < 1000000; ++i) {
    samples.push_back(static_cast<int64_t>(std::exp(r.Uniform(0, std::log(1e10)))));
  }
  ExpectQuantilesWithin1Percent(samples);
}

TEST(Histogram, SmallValuesAreExactAndMeanIsExact) {
  Histogram h;
  for (int64_t v = 0; v < 100; ++v) h.Record(v);
  EXPECT_EQ(h.Quantile(0.5), 49);
  EXPECT_EQ(h.Quantile(0.01), 0);
  EXPECT_DOUBLE_EQ(h.mean(), 49.5);
  h.Record(1000000, 100);
  EXPECT_EQ(h.count(), 200u);
  EXPECT_DOUBLE_EQ(h.mean(), (4950.0 + 1e8) / 200);
  EXPECT_EQ(h.max(), 1000000);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Rng r(3);
  Histogram a;
  Histogram b;
  Histogram all;
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(r.Exponential(1e-4));
    (i % 3 == 0 ? a : b).Record(v);
    all.Record(v);
  }
  Histogram merged;
  merged.Merge(a);
  merged.Merge(b);
  EXPECT_EQ(merged.count(), all.count());
  EXPECT_EQ(merged.min(), all.min());
  EXPECT_EQ(merged.max(), all.max());
  EXPECT_NEAR(merged.mean(), all.mean(), 1e-9 * all.mean());
  for (double q : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(merged.Quantile(q), all.Quantile(q));
}

TEST(Histogram, EmptyAndClear) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Quantile(0.5), 0);
  EXPECT_EQ(h.mean(), 0.0);
  h.Record(5);
  h.Clear();
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.max(), 0);
  h.Record(INT64_MAX / 2);
  EXPECT_EQ(h.Quantile(0.5), INT64_MAX / 2);
}

}  // namespace
}  // namespace rehearsal::sim
