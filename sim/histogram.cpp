#include "sim/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "sim/assert.h"

namespace rehearsal::sim {
namespace {

// Bucket layout (HdrHistogram-like, 2 significant binary digits + 7 bits):
// values 0..127 each get their own bucket (exact). A value v >= 128 with
// highest set bit e (v in [2^e, 2^(e+1))) lands in one of 128 equal
// sub-buckets of width 2^(e-7) of that octave. A bucket's width is at most
// 1/128 of its lower bound, and Quantile reports the bucket midpoint, so the
// relative error is <= 1/256 ~= 0.4% (< 1%). Example: 1000 -> e = 9,
// width 4, bucket [1000, 1004), reported as 1001 (clamped to [min, max]).
constexpr int kSubBits = 7;
constexpr int64_t kSub = int64_t{1} << kSubBits;  // 128

size_t BucketIndex(int64_t v) {
  if (v < kSub) return static_cast<size_t>(v);
  const int e = 63 - std::countl_zero(static_cast<uint64_t>(v));
  const int shift = e - kSubBits;
  const int64_t sub = (v >> shift) - kSub;  // [0, 128)
  return static_cast<size_t>(kSub + static_cast<int64_t>(shift) * kSub + sub);
}

// Inclusive lower bound and width of bucket `index`.
void BucketRange(size_t index, int64_t* lo, int64_t* width) {
  const auto i = static_cast<int64_t>(index);
  if (i < kSub) {
    *lo = i;
    *width = 1;
    return;
  }
  const int64_t shift = (i - kSub) / kSub;
  const int64_t sub = (i - kSub) % kSub;
  *lo = (kSub + sub) << shift;
  *width = int64_t{1} << shift;
}

}  // namespace

Histogram::Histogram() = default;

void Histogram::Record(int64_t value, uint64_t count) {
  RH_ASSERT(value >= 0);
  if (count == 0) return;
  const size_t index = BucketIndex(value);
  if (index >= buckets_.size()) buckets_.resize(index + 1, 0);
  buckets_[index] += count;
  if (count_ == 0) {
    min_ = value;
    max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  count_ += count;
  sum_ += static_cast<long double>(value) * static_cast<long double>(count);
}

void Histogram::Merge(const Histogram& other) {
  if (other.count_ == 0) return;
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size(), 0);
  for (size_t i = 0; i < other.buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::Clear() {
  buckets_.clear();
  count_ = 0;
  min_ = 0;
  max_ = 0;
  sum_ = 0;
}

int64_t Histogram::min() const { return count_ == 0 ? 0 : min_; }
int64_t Histogram::max() const { return count_ == 0 ? 0 : max_; }

double Histogram::mean() const {
  return count_ == 0 ? 0.0 : static_cast<double>(sum_ / static_cast<long double>(count_));
}

// Nearest-rank quantile: the value of rank ceil(q * count) (at least 1) in the
// sorted sample, approximated by its bucket's midpoint. q = 0 gives min(),
// q = 1 gives max() exactly.
int64_t Histogram::Quantile(double q) const {
  RH_ASSERT(q >= 0 && q <= 1);
  if (count_ == 0) return 0;
  if (q == 0) return min_;
  if (q == 1) return max_;
  auto rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) {
      int64_t lo = 0;
      int64_t width = 0;
      BucketRange(i, &lo, &width);
      const int64_t mid = lo + (width - 1) / 2;
      return std::clamp(mid, min_, max_);
    }
  }
  RH_ASSERT(false);  // counts are consistent: unreachable
  return max_;
}

}  // namespace rehearsal::sim
