#pragma once
// Log-bucketed histogram (HdrHistogram-style) for non-negative integer values
// such as latencies in microseconds. Quantiles are exact to within 1% relative
// error; histograms merge (per window, per service, per seed).
#include <cstdint>
#include <vector>

namespace rehearsal::sim {

class Histogram {
 public:
  Histogram();
  void Record(int64_t value, uint64_t count = 1);  // REQUIRES: value >= 0
  void Merge(const Histogram& other);
  void Clear();

  uint64_t count() const { return count_; }
  int64_t min() const;
  int64_t max() const;
  double mean() const;
  // q in [0, 1]; returns 0 when empty. Relative error <= 1%.
  int64_t Quantile(double q) const;

 private:
  std::vector<uint64_t> buckets_;
  uint64_t count_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
  long double sum_ = 0;
};

}  // namespace rehearsal::sim
