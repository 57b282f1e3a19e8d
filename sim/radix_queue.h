#pragma once
// A radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) for the kernel's event
// entries, exploiting that simulated time is a monotone integer: no event is
// ever scheduled before the last one popped (Schedule REQUIRES at >= now).
//
// Bucket b holds entries whose time differs from `last_` (the time of the
// last redistribution) first at bit b-1 (counting from 0); bucket 0 holds
// entries with time == last_. Popping from an empty bucket 0 finds the lowest
// non-empty bucket, takes its minimum time as the new last_, and moves its
// entries down (each entry moves at most 64 times, in practice 2-4). Every
// access is a sequential vector append or scan, so at N = 10^6 pending events
// it streams through memory where a binary/4-ary heap takes a cache miss per
// level (sim/README.md has the measurements).
//
// Order within equal times: entries with equal time always sit in the same
// bucket (the bucket is a function of time and last_), pushes append in
// sequence order, and redistribution is stable and only fills empty lower
// buckets. So bucket 0 is always in sequence order and pops FIFO from its
// front: ties run in scheduling order, exactly like (time, seq) in a heap.
//
// Example (times only): last_ = 8 (0b1000). Push 8 -> bucket 0; push 9
// (8^9 = 1, highest bit 0) -> bucket 1; push 12 (8^12 = 0b100) -> bucket 3.
// Pop 8 from bucket 0. Pop again: bucket 1 is lowest, min 9 becomes last_.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "sim/assert.h"
#include "sim/event_queue.h"

namespace rehearsal::sim::detail {

class RadixQueue {
 public:
  static constexpr int kBuckets = 65;

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  // REQUIRES: e.time_us >= the time of every entry popped so far, and >= 0.
  void Push(QueueEntry e) {
    RH_DEBUG_ASSERT(e.time_us >= last_);
    const int b = BucketOf(e.time_us);
    buckets_[b].push_back(e);
    if (b != 0) nonempty_ |= uint64_t{1} << (b - 1);
    ++size_;
    if (min_valid_ && b == min_bucket_ && e < buckets_[b][min_index_]) {
      min_index_ = buckets_[b].size() - 1;
    } else if (min_valid_ && b < min_bucket_) {
      min_valid_ = false;
    }
  }

  // The smallest entry by (time, order). Does not move last_, so a caller
  // may still push entries between last_ and top().time_us afterwards.
  // REQUIRES: !empty().
  const QueueEntry& top() const {
    RH_DEBUG_ASSERT(size_ > 0);
    if (head0_ < buckets_[0].size()) return buckets_[0][head0_];
    if (!min_valid_) FindMin();
    return buckets_[min_bucket_][min_index_];
  }

  // The k-th entry after the front of bucket 0, if there is one (for
  // prefetching the payloads of events about to run); nullptr otherwise.
  const QueueEntry* PeekAhead(size_t k) const {
    const size_t i = head0_ + k;
    return i < buckets_[0].size() ? &buckets_[0][i] : nullptr;
  }

  // Removes top(). REQUIRES: !empty().
  void Pop() {
    RH_DEBUG_ASSERT(size_ > 0);
    if (head0_ >= buckets_[0].size()) Redistribute();
    ++head0_;
    --size_;
    if (head0_ == buckets_[0].size()) {
      buckets_[0].clear();
      head0_ = 0;
    }
  }

  // Keeps only entries for which keep(entry) is true (stable, O(n)).
  template <typename Keep>
  void Filter(Keep keep) {
    size_ = 0;
    for (int b = 0; b < kBuckets; ++b) {
      std::vector<QueueEntry>& v = buckets_[b];
      size_t out = 0;
      for (size_t i = (b == 0 ? head0_ : 0); i < v.size(); ++i) {
        if (keep(v[i])) v[out++] = v[i];
      }
      v.resize(out);
      size_ += out;
      if (b != 0 && out == 0) nonempty_ &= ~(uint64_t{1} << (b - 1));
    }
    head0_ = 0;
    min_valid_ = false;
  }

 private:
  int BucketOf(int64_t t) const {
    const auto x = static_cast<uint64_t>(t) ^ static_cast<uint64_t>(last_);
    return x == 0 ? 0 : 64 - std::countl_zero(x);
  }

  // Locates the minimum of the lowest non-empty bucket. REQUIRES: bucket 0
  // is exhausted and some other bucket is not empty.
  void FindMin() const {
    RH_DEBUG_ASSERT(nonempty_ != 0);
    const int b = std::countr_zero(nonempty_) + 1;
    const std::vector<QueueEntry>& v = buckets_[b];
    size_t best = 0;
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i] < v[best]) best = i;
    }
    min_bucket_ = b;
    min_index_ = best;
    min_valid_ = true;
  }

  // Bucket 0 is exhausted: make the minimum the new last_ and move the
  // lowest non-empty bucket's entries down, in order.
  void Redistribute() {
    if (!min_valid_) FindMin();
    const int b = min_bucket_;
    std::vector<QueueEntry>& src = buckets_[b];
    last_ = src[min_index_].time_us;
    buckets_[0].clear();
    head0_ = 0;
    for (const QueueEntry& e : src) {
      const int nb = BucketOf(e.time_us);
      RH_DEBUG_ASSERT(nb < b);
      buckets_[nb].push_back(e);
      if (nb != 0) nonempty_ |= uint64_t{1} << (nb - 1);
    }
    src.clear();
    nonempty_ &= ~(uint64_t{1} << (b - 1));
    min_valid_ = false;
  }

  std::vector<QueueEntry> buckets_[kBuckets];
  size_t head0_ = 0;           // bucket 0 pops from the front
  int64_t last_ = 0;           // time every bucket index is relative to
  size_t size_ = 0;
  uint64_t nonempty_ = 0;      // bit b-1 set: bucket b (1..64) is not empty
  mutable bool min_valid_ = false;  // cache of FindMin (top() is const)
  mutable int min_bucket_ = 0;
  mutable size_t min_index_ = 0;
};

}  // namespace rehearsal::sim::detail
