#pragma once
// The kernel's event queue: a radix heap with 256-way digits (a hierarchical
// timing wheel that keeps exact (time, sequence) order), exploiting that
// simulated time is a monotone integer: nothing is ever scheduled before the
// last event run (Schedule REQUIRES at >= now).
//
// Keys are int64 µs >= 0, read as 8 bytes. The earliest entries sit in `run_`,
// a sorted array popped from its front; every entry in `run_` has time <=
// last_ and every other entry time > last_. Relative to last_, such an entry
// lives at level l = the highest byte where t and last_ differ, in bucket
// b = byte l of t (always > byte l of last_, since t > last_).
//
// When the run is empty, the lowest non-empty bucket (l, b) (found with
// per-level 256-bit maps) refills it:
//  - l >= 2, small (<= 32 entries, or a level-2 bucket <= 1024, whose times
//    differ only in the two low bytes): sorted straight into the run
//    (insertion sort; LSD radix sort with stable counting passes).
//  - l >= 2, otherwise: the bucket's minimum time m becomes last_; its entries
//    with time m go to the run, the rest move to lower levels (an entry moves
//    at most once per level; a key spread of 2^24 µs costs at most 2 moves).
//  - l <= 1: buckets are drained in key order straight into the run, level 0
//    first (one exact time per bucket), then level-1 buckets (one 256 µs
//    window each) sorted by their low byte (insertion sort when small, a
//    stable counting sort otherwise), until the run holds kRunTarget entries;
//    last_ becomes the run's last time. No per-event bitmap search at 10^3
//    pending events, no level-0 scatter at 10^6.
// Sequential memory access only, where a binary or 4-ary heap takes a branch
// mispredict per level and, at 10^6 entries, a cache miss per level.
//
// A push with time < last_ (an event scheduled into the run's window, e.g. at
// `now`) is inserted into the run at its sorted place: after every entry with
// the same time (its sequence is the largest), shifting the shorter side.
//
// Ties: entries with equal keys are always in the same bucket (the bucket is
// a function of key and last_), pushes append in sequence order, and every
// move (redistribution, drain, sort) is stable; so equal keys come out of the
// run in scheduling order.
//
// Front(limit) never refills the run when the lowest bucket's minimum is past
// the limit; a refill may still set last_ past a caller's limit, which is why
// pushes below last_ go to the run: RunUntil(until) can stop with
// `now = until` and later scheduling at any time >= until stays legal.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "sim/assert.h"
#include "sim/event_queue.h"

namespace rehearsal::sim::detail {

class RadixQueue {
 public:
  static constexpr int kLevels = 8;
  static constexpr int kBucketsPerLevel = 256;
  // Draining levels 0-1 stops once the run holds this many entries: enough to
  // amortize the bucket search, few enough that inserting into the run
  // (scheduling inside its window) stays cheap.
  static constexpr size_t kRunTarget = 64;
  // Level-1 buckets up to this size are insertion-sorted, larger ones
  // counting-sorted (256 counters).
  static constexpr size_t kInsertionSortMax = 32;
  // A bucket of level >= 2 with at most this many entries is sorted straight
  // into the run rather than redistributed.
  static constexpr size_t kSortMax = 32;
  // A level-2 bucket (one 65.5 ms window) up to this size is radix-sorted
  // straight into the run (three passes up to kSmallRadixMax, two above).
  static constexpr size_t kRadixSortMax = 1024;
  static constexpr size_t kSmallRadixMax = 256;

  RadixQueue() { buckets_.resize(kLevels * kBucketsPerLevel); }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Optional: the kernel's slot slab, so entries about to run (moved into the
  // run) get their payload prefetched. slot i is at base + i * stride.
  void SetPrefetchTarget(const char* base, size_t stride) {
    prefetch_base_ = base;
    prefetch_stride_ = stride;
  }

  // REQUIRES: e.time_us >= 0 and >= the time of every entry popped so far.
  void Push(QueueEntry e) {
    RH_DEBUG_ASSERT(e.time_us >= popped_us_);
    ++size_;
    const auto x = static_cast<uint64_t>(e.time_us) ^ static_cast<uint64_t>(last_);
    if (x == 0) {  // the run's last time: after all of it (largest sequence)
      run_.push_back(e);
      return;
    }
    if (e.time_us < last_) {
      InsertIntoRun(e);
      return;
    }
    const int level = (63 - std::countl_zero(x)) >> 3;
    const int b = static_cast<int>((static_cast<uint64_t>(e.time_us) >> (level * 8)) & 0xFF);
    buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)].push_back(e);
    MarkNonEmpty(level, b);
  }

  // The earliest entry if its time is <= limit_us, else nullptr. The pointer
  // is valid until the next Push, Pop or Filter.
  const QueueEntry* Front(int64_t limit_us) {
    if (head_ == run_.size() && !Refill(limit_us)) return nullptr;
    const QueueEntry* e = &run_[head_];
    return e->time_us <= limit_us ? e : nullptr;
  }

  // Removes the entry Front() returned. REQUIRES: Front(...) returned non-null
  // and nothing was pushed with an earlier (time, order) since.
  void Pop() {
    RH_DEBUG_ASSERT(head_ < run_.size());
#ifndef NDEBUG
    popped_us_ = run_[head_].time_us;
#endif
    ++head_;
    --size_;
    if (head_ == run_.size()) {
      run_.clear();
      head_ = 0;
    }
  }

  // The k-th entry after the front of the run, or nullptr.
  const QueueEntry* PeekAhead(size_t k) const {
    const size_t i = head_ + k;
    return i < run_.size() ? &run_[i] : nullptr;
  }

  // The earliest time among entries for which live(entry) is true, without
  // moving last_ (scans the run, then buckets in key order); INT64_MAX when
  // there is none.
  template <typename Live>
  int64_t MinTime(Live live) const {
    for (size_t i = head_; i < run_.size(); ++i) {
      if (live(run_[i])) return run_[i].time_us;
    }
    for (int level = 0; level < kLevels; ++level) {
      if ((level_mask_ & (1u << level)) == 0) continue;
      // Buckets of a level, in ascending byte order, cover ascending key ranges,
      // and every level lies above the levels below it.
      for (int b = 0; b < kBucketsPerLevel; ++b) {
        int64_t best = INT64_MAX;
        for (const QueueEntry& e : buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)]) {
          if (e.time_us < best && live(e)) best = e.time_us;
        }
        if (best != INT64_MAX) return best;
      }
    }
    return INT64_MAX;
  }

  // Keeps only entries for which keep(entry) is true (stable, O(n + buckets)).
  template <typename Keep>
  void Filter(Keep keep) {
    size_ = 0;
    size_t out = 0;
    for (size_t i = head_; i < run_.size(); ++i) {
      if (keep(run_[i])) run_[out++] = run_[i];
    }
    run_.resize(out);
    head_ = 0;
    size_ += out;
    for (int level = 0; level < kLevels; ++level) {
      for (int b = 0; b < kBucketsPerLevel; ++b) {
        std::vector<QueueEntry>& v = buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)];
        if (v.empty()) continue;
        size_t kept = 0;
        for (const QueueEntry& e : v) {
          if (keep(e)) v[kept++] = e;
        }
        v.resize(kept);
        size_ += kept;
        if (kept == 0) MarkEmpty(level, b);
      }
    }
  }

 private:
  void MarkNonEmpty(int level, int b) {
    maps_[level][b >> 6] |= uint64_t{1} << (b & 63);
    level_mask_ |= 1u << level;
  }

  void MarkEmpty(int level, int b) {
    uint64_t* map = maps_[level];
    map[b >> 6] &= ~(uint64_t{1} << (b & 63));
    if ((map[0] | map[1] | map[2] | map[3]) == 0) level_mask_ &= ~(1u << level);
  }

  int LowestBucket(int level) const {
    const uint64_t* map = maps_[level];
    for (int w = 0; w < 4; ++w) {
      if (map[w] != 0) return w * 64 + std::countr_zero(map[w]);
    }
    RH_ASSERT(false);  // level_mask_ said this level has entries
    return 0;
  }

  std::vector<QueueEntry>& Bucket(int level, int b) {
    return buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)];
  }

  void Prefetch(const QueueEntry& e) const {
    if (prefetch_base_ != nullptr) {
      __builtin_prefetch(prefetch_base_ + (e.order & kSlotMask) * prefetch_stride_);
    }
  }

  // e.time_us < last_: e belongs inside the run, after every entry with time
  // <= e.time_us. Shifts whichever side of that place is shorter (scheduling
  // at `now` lands near the front, where popping has left room).
  void InsertIntoRun(QueueEntry e) {
    const auto first = run_.begin() + static_cast<std::ptrdiff_t>(head_);
    const auto pos = std::upper_bound(
        first, run_.end(), e.time_us,
        [](int64_t t, const QueueEntry& other) { return t < other.time_us; });
    const auto p = static_cast<size_t>(pos - run_.begin());
    if (head_ > 0 && p - head_ <= run_.size() - p) {
      std::memmove(&run_[head_ - 1], &run_[head_], (p - head_) * sizeof(QueueEntry));
      --head_;
      run_[p - 1] = e;
    } else {
      run_.insert(pos, e);
    }
  }

  // The run is empty: refills it from the lowest non-empty bucket unless that
  // bucket's earliest time is > limit_us. Out of line: once per run, and it
  // keeps Front small enough to inline.
  [[gnu::noinline]] bool Refill(int64_t limit_us) {
    run_.clear();
    head_ = 0;
    if (level_mask_ == 0) return false;
    const int level = std::countr_zero(level_mask_);
    const int b = LowestBucket(level);
    std::vector<QueueEntry>& src = Bucket(level, b);
    if (level == 0) {  // one exact time
      if (src[0].time_us > limit_us) return false;
      DrainLow();
      return true;
    }
    // Skips the bucket's minimum when its whole window is within the limit
    // (always, under Run).
    if (WindowEnd(level, b) > limit_us && BucketMin(src) > limit_us) return false;
    if (level == 1) {
      DrainLow();
      return true;
    }
    if (src.size() <= kSortMax || (level == 2 && src.size() <= kRadixSortMax)) {
      // Small: sort it straight into the run instead of moving its entries
      // down level by level. Levels below are empty, so every remaining
      // bucket stays valid with last_ = the bucket's last time.
      if (src.size() <= kSortMax) {
        run_.assign(src.begin(), src.end());
        InsertionSortTail(0);
      } else {
        RadixSortIntoRun(src);  // a level-2 bucket: two low bytes differ
      }
      src.clear();
      MarkEmpty(level, b);
      for (const QueueEntry& e : run_) Prefetch(e);
      last_ = run_.back().time_us;
      return true;
    }
    Redistribute(level, b, BucketMin(src));
    return true;
  }

  // The last key of bucket (level, b)'s window, relative to last_.
  int64_t WindowEnd(int level, int b) const {
    const uint64_t below = (uint64_t{1} << (8 * level)) - 1;  // bytes under the digit
    const uint64_t high = static_cast<uint64_t>(last_) & ~((below << 8) | 0xFF);
    return static_cast<int64_t>(high | (static_cast<uint64_t>(b) << (8 * level)) | below);
  }

  static int64_t BucketMin(const std::vector<QueueEntry>& v) {
    int64_t min_us = v[0].time_us;
    for (const QueueEntry& e : v) min_us = e.time_us < min_us ? e.time_us : min_us;
    return min_us;
  }

  // Levels 0 and 1 hold the earliest bucketed entries, level 0 below level 1.
  // Appends their buckets to the run in key order until it holds kRunTarget
  // entries; last_ becomes the run's last time (every remaining bucket stays
  // valid: its entries still differ from last_ first at the same byte).
  void DrainLow() {
    if ((level_mask_ & 1u) != 0 && DrainLevel<0>()) return;
    if ((level_mask_ & 2u) != 0) DrainLevel<1>();
  }

  // Drains the buckets of level 0 or 1 in order (walking the bitmap once);
  // true if it stopped because the run is full.
  template <int kLevel>
  bool DrainLevel() {
    uint64_t* map = maps_[kLevel];
    for (int w = 0; w < 4; ++w) {
      uint64_t bits = map[w];
      while (bits != 0) {
        const int b = w * 64 + std::countr_zero(bits);
        bits &= bits - 1;
        std::vector<QueueEntry>& src = Bucket(kLevel, b);
        const size_t base = run_.size();
        if (src.size() == 1) {  // the common case when sparse
          run_.push_back(src[0]);
        } else if (kLevel == 0 || src.size() <= kInsertionSortMax) {
          // Level 0: one exact time, already in sequence order. Level 1:
          // append, then insertion-sort the new part by time (stable).
          run_.insert(run_.end(), src.begin(), src.end());
          if (kLevel == 1) InsertionSortTail(base);
        } else {
          run_.resize(base + src.size());
          CountingSortBy(src.data(), src.size(), 0, run_.data() + base);
        }
        src.clear();
        for (size_t i = base; i < run_.size(); ++i) Prefetch(run_[i]);
        last_ = run_.back().time_us;
        if (run_.size() >= kRunTarget) {
          map[w] = bits;
          if ((map[0] | map[1] | map[2] | map[3]) == 0) level_mask_ &= ~(1u << kLevel);
          return true;
        }
      }
      map[w] = 0;
    }
    level_mask_ &= ~(1u << kLevel);
    return false;
  }

  // Stable insertion sort by time of run_[base, end).
  void InsertionSortTail(size_t base) {
    QueueEntry* out = run_.data();
    for (size_t n = base + 1; n < run_.size(); ++n) {
      const QueueEntry e = out[n];
      size_t i = n;
      while (i > base && out[i - 1].time_us > e.time_us) {
        out[i] = out[i - 1];
        --i;
      }
      out[i] = e;
    }
  }

  // Stable counting sort of in[0, n) by the byte of the time at `shift`.
  static void CountingSortBy(const QueueEntry* in, size_t n, int shift, QueueEntry* out) {
    uint32_t start[256] = {};
    for (size_t i = 0; i < n; ++i) ++start[(static_cast<uint64_t>(in[i].time_us) >> shift) & 0xFF];
    ExclusivePrefixSum(start);
    for (size_t i = 0; i < n; ++i) {
      out[start[(static_cast<uint64_t>(in[i].time_us) >> shift) & 0xFF]++] = in[i];
    }
  }

  // Stable LSD radix sort of src, whose times differ only in their two low
  // bytes, into the run (which is empty): two 8-bit passes, or, when small,
  // three passes of 6, 5 and 5 bits (fewer counters to clear and sum). The
  // small case takes its three histograms in one read of src (the digits do
  // not change between passes, only the order); at ~60 entries (10^3 pending
  // events) that is 50 instructions per entry where four separate 4-bit
  // counting sorts took 70.
  void RadixSortIntoRun(const std::vector<QueueEntry>& src) {
    const size_t n = src.size();
    if (scratch_.size() < n) scratch_.resize(n);
    run_.resize(n);
    if (n <= kSmallRadixMax) {
      uint32_t low[64] = {};
      uint32_t mid[32] = {};
      uint32_t high[32] = {};
      for (const QueueEntry& e : src) {
        const auto t = static_cast<uint64_t>(e.time_us);
        ++low[t & 63];
        ++mid[(t >> 6) & 31];
        ++high[(t >> 11) & 31];
      }
      ExclusivePrefixSum(low);
      ExclusivePrefixSum(mid);
      ExclusivePrefixSum(high);
      Scatter<0, 63>(src.data(), n, low, run_.data());
      Scatter<6, 31>(run_.data(), n, mid, scratch_.data());
      Scatter<11, 31>(scratch_.data(), n, high, run_.data());
    } else {
      CountingSortBy(src.data(), n, 0, scratch_.data());
      CountingSortBy(scratch_.data(), n, 8, run_.data());
    }
  }

  // Counts -> start offsets.
  template <size_t kN>
  static void ExclusivePrefixSum(uint32_t (&counts)[kN]) {
    uint32_t sum = 0;
    for (uint32_t& c : counts) {
      const uint32_t count = c;
      c = sum;
      sum += count;
    }
  }

  // One stable pass by the digit (time >> kShift) & kMask, given its start offsets.
  template <int kShift, uint64_t kMask>
  static void Scatter(const QueueEntry* in, size_t n, uint32_t* start, QueueEntry* out) {
    for (size_t i = 0; i < n; ++i) {
      out[start[(static_cast<uint64_t>(in[i].time_us) >> kShift) & kMask]++] = in[i];
    }
  }

  // Moves every entry of bucket (level, b) below it, relative to last_ =
  // new_last (the bucket's minimum time). REQUIRES: the run is empty.
  void Redistribute(int level, int b, int64_t new_last) {
    RH_DEBUG_ASSERT(new_last >= last_);
    last_ = new_last;
    std::vector<QueueEntry>& src = Bucket(level, b);
    MarkEmpty(level, b);
    for (const QueueEntry& e : src) {
      const auto x = static_cast<uint64_t>(e.time_us) ^ static_cast<uint64_t>(new_last);
      if (x == 0) {
        run_.push_back(e);
        Prefetch(e);
        continue;
      }
      const int nl = (63 - std::countl_zero(x)) >> 3;
      RH_DEBUG_ASSERT(nl < level);
      const int nb = static_cast<int>((static_cast<uint64_t>(e.time_us) >> (nl * 8)) & 0xFF);
      Bucket(nl, nb).push_back(e);
      MarkNonEmpty(nl, nb);
    }
    src.clear();
  }

  // The earliest entries, sorted by (time, sequence), all with time <= last_;
  // [head_, size) are still queued.
  std::vector<QueueEntry> run_;
  size_t head_ = 0;
  std::vector<QueueEntry> scratch_;  // the first pass of a two-byte radix sort
  std::vector<std::vector<QueueEntry>> buckets_;  // [level * 256 + byte]
  uint64_t maps_[kLevels][4] = {};                // non-empty buckets per level
  uint32_t level_mask_ = 0;                       // non-empty levels
  int64_t last_ = 0;
  size_t size_ = 0;
  const char* prefetch_base_ = nullptr;
  size_t prefetch_stride_ = 0;
#ifndef NDEBUG
  int64_t popped_us_ = 0;  // for the Push precondition
#endif
};

}  // namespace rehearsal::sim::detail
