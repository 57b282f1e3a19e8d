#pragma once
// The kernel's event queue: a radix heap with 256-way digits (a hierarchical
// timing wheel that keeps exact (time, sequence) order), exploiting that
// simulated time is a monotone integer: nothing is ever scheduled before the
// last event run (Schedule REQUIRES at >= now).
//
// Keys are int64 µs >= 0, read as 8 bytes. Relative to `last_` (a lower bound
// of every key in the queue), an entry with key t != last_ lives at level l =
// the highest byte where t and last_ differ, in bucket b = byte l of t (always
// > byte l of last_, since t > last_). Entries with t == last_ live in bucket
// "zero", popped FIFO from its front.
//
// When bucket zero is empty, the lowest non-empty bucket (l, b) (found with
// per-level 256-bit maps) is scanned for its minimum time m; last_ becomes m
// and the bucket's entries move to zero (time m) or to lower levels. An entry
// moves at most once per level, so a key spread of 2^24 µs costs at most 3
// moves per event, all sequential vector appends and scans, where a binary or
// 4-ary heap takes a branch mispredict per level and, at 10^6 entries, a cache
// miss per level.
//
// Example: last_ = 0x0100. Push 0x0100 -> zero. Push 0x0105 -> level 0,
// bucket 5. Push 0x0302 and 0x0307 -> level 1, bucket 3. Pop 0x0100 (zero).
// Pop again: zero is empty, the lowest bucket is (0, 5): last_ = 0x0105, which
// moves to zero and is popped. Then (1, 3): its minimum 0x0302 becomes last_
// and moves to zero; 0x0307 moves to level 0, bucket 7.
//
// Ties: entries with equal keys are always in the same bucket (the bucket is
// a function of key and last_), pushes append in sequence order, and a
// redistribution is stable and only fills empty lower levels; so every bucket
// keeps equal keys in sequence order and zero pops them in scheduling order.
//
// Peeking never moves last_ past a caller's limit, so RunUntil(until) can stop
// with `now = until` and later scheduling at any time >= until stays legal.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/assert.h"
#include "sim/event_queue.h"

namespace rehearsal::sim::detail {

class RadixQueue {
 public:
  static constexpr int kLevels = 8;
  static constexpr int kBucketsPerLevel = 256;

  RadixQueue() { buckets_.resize(kLevels * kBucketsPerLevel); }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // Optional: the kernel's slot slab, so entries about to run (moved to the
  // lowest level) get their payload prefetched. slot i is at base + i * stride.
  void SetPrefetchTarget(const char* base, size_t stride) {
    prefetch_base_ = base;
    prefetch_stride_ = stride;
  }

  // REQUIRES: e.time_us >= 0 and >= the time of every entry popped so far
  // (and >= every limit passed to Front since).
  void Push(QueueEntry e) {
    RH_ASSERT(e.time_us >= last_);
    ++size_;
    const auto x = static_cast<uint64_t>(e.time_us) ^ static_cast<uint64_t>(last_);
    if (x == 0) {
      zero_.push_back(e);
      return;
    }
    const int level = (63 - std::countl_zero(x)) >> 3;
    const int b = static_cast<int>((static_cast<uint64_t>(e.time_us) >> (level * 8)) & 0xFF);
    buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)].push_back(e);
    MarkNonEmpty(level, b);
  }

  // The earliest entry if its time is <= limit_us, else nullptr. May advance
  // last_, but never beyond limit_us. The pointer is valid until the next
  // Push, Pop or Filter.
  const QueueEntry* Front(int64_t limit_us) {
    if (head0_ == zero_.size() && !Refill(limit_us)) return nullptr;
    const QueueEntry* e = &zero_[head0_];
    return e->time_us <= limit_us ? e : nullptr;
  }

  // Removes the entry Front() returned. REQUIRES: Front(...) returned non-null
  // and nothing was pushed with an earlier (time, order) since.
  void Pop() {
    RH_DEBUG_ASSERT(head0_ < zero_.size());
    ++head0_;
    --size_;
    if (head0_ == zero_.size()) {
      zero_.clear();
      head0_ = 0;
    }
  }

  // The k-th entry after the front of bucket zero, or nullptr.
  const QueueEntry* PeekAhead(size_t k) const {
    const size_t i = head0_ + k;
    return i < zero_.size() ? &zero_[i] : nullptr;
  }

  // The earliest time among entries for which live(entry) is true, without
  // moving last_ (scans buckets in key order); INT64_MAX when there is none.
  template <typename Live>
  int64_t MinTime(Live live) const {
    for (size_t i = head0_; i < zero_.size(); ++i) {
      if (live(zero_[i])) return zero_[i].time_us;
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
    for (size_t i = head0_; i < zero_.size(); ++i) {
      if (keep(zero_[i])) zero_[out++] = zero_[i];
    }
    zero_.resize(out);
    head0_ = 0;
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

  // Bucket zero is empty: moves the lowest non-empty bucket down so that zero
  // holds the earliest entries, unless their time is > limit_us. The bucket's
  // minimum time becomes last_: its entries with that time go straight to
  // zero, the rest to lower levels. (Using the bucket's lower bound instead
  // would cascade a sparse entry through every level.)
  bool Refill(int64_t limit_us) {
    if (level_mask_ == 0) return false;
    const int level = std::countr_zero(level_mask_);
    const int b = LowestBucket(level);
    std::vector<QueueEntry>& src = buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)];
    if (src.size() == 1) {  // common when sparse: no scan, no lower-level work
      if (src[0].time_us > limit_us) return false;
      last_ = src[0].time_us;
      zero_.push_back(src[0]);
      src.clear();
      MarkEmpty(level, b);
      return true;
    }
    int64_t min_us = INT64_MAX;
    for (const QueueEntry& e : src) min_us = e.time_us < min_us ? e.time_us : min_us;
    if (min_us > limit_us) return false;
    Redistribute(level, b, min_us);
    return true;
  }

  // Moves every entry of bucket (level, b) below it, relative to last_ =
  // new_last (the bucket's minimum time). REQUIRES: zero is empty.
  void Redistribute(int level, int b, int64_t new_last) {
    RH_DEBUG_ASSERT(new_last >= last_);
    last_ = new_last;
    std::vector<QueueEntry>& src = buckets_[static_cast<size_t>(level * kBucketsPerLevel + b)];
    MarkEmpty(level, b);
    for (const QueueEntry& e : src) {
      const auto x = static_cast<uint64_t>(e.time_us) ^ static_cast<uint64_t>(new_last);
      if (x == 0) {
        zero_.push_back(e);
        continue;
      }
      const int nl = (63 - std::countl_zero(x)) >> 3;
      RH_DEBUG_ASSERT(nl < level);
      const int nb = static_cast<int>((static_cast<uint64_t>(e.time_us) >> (nl * 8)) & 0xFF);
      buckets_[static_cast<size_t>(nl * kBucketsPerLevel + nb)].push_back(e);
      MarkNonEmpty(nl, nb);
      // Level 0 holds exact times within the next 256 µs: these run soon.
      if (nl == 0 && prefetch_base_ != nullptr) {
        __builtin_prefetch(prefetch_base_ + (e.order & kSlotMask) * prefetch_stride_);
      }
    }
    src.clear();
  }

  std::vector<QueueEntry> zero_;  // entries with time == last_, FIFO
  size_t head0_ = 0;
  std::vector<std::vector<QueueEntry>> buckets_;  // [level * 256 + byte]
  uint64_t maps_[kLevels][4] = {};                // non-empty buckets per level
  uint32_t level_mask_ = 0;                       // non-empty levels
  int64_t last_ = 0;
  size_t size_ = 0;
  const char* prefetch_base_ = nullptr;
  size_t prefetch_stride_ = 0;
};

}  // namespace rehearsal::sim::detail
