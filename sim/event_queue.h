#pragma once
// The kernel's priority queue: an implicit d-ary min-heap of 16-byte entries
// ordered by (time, order), where `order` packs the scheduling sequence number
// (high 40 bits) above the event's slot index (low 24 bits). Sequence numbers
// are unique, so the slot never decides the order; it only tells the kernel
// where the callback lives. Internal to sim/ (the benchmark compares arities).
//
// Layout: storage is 64-byte aligned and the root sits at index kArity - 1, so
// the kArity children of any node share one cache line when kArity * 16 == 64
// (the 4-ary case): a sift-down touches one line per level.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "sim/assert.h"

namespace rehearsal::sim::detail {

struct QueueEntry {
  int64_t time_us;
  uint64_t order;  // seq << kSlotBits | slot

  bool operator<(const QueueEntry& o) const {
    return time_us < o.time_us || (time_us == o.time_us && order < o.order);
  }
};
static_assert(sizeof(QueueEntry) == 16);

inline constexpr int kSlotBits = 24;
inline constexpr uint64_t kSlotMask = (uint64_t{1} << kSlotBits) - 1;
inline constexpr uint64_t kMaxSlots = uint64_t{1} << kSlotBits;       // 16.7 M pending events
inline constexpr uint64_t kMaxSequence = uint64_t{1} << (64 - kSlotBits);  // 1.1e12 events per run

template <int kArity>
class DaryHeap {
  static_assert(kArity >= 2);

 public:
  DaryHeap() = default;
  DaryHeap(const DaryHeap&) = delete;
  DaryHeap& operator=(const DaryHeap&) = delete;
  ~DaryHeap() { std::free(raw_); }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  // REQUIRES: !empty().
  const QueueEntry& top() const { return base_[kRoot]; }

  void Push(QueueEntry e) {
    if (size_ == capacity_) Grow();
    size_t i = kRoot + size_;
    ++size_;
    // Sift up: move parents down until e fits.
    while (i > kRoot) {
      const size_t parent = Parent(i);
      if (!(e < base_[parent])) break;
      base_[i] = base_[parent];
      i = parent;
    }
    base_[i] = e;
  }

  // Removes top(). REQUIRES: !empty().
  void Pop() {
    RH_DEBUG_ASSERT(size_ > 0);
    --size_;
    if (size_ == 0) return;
    const QueueEntry last = base_[kRoot + size_];
    const size_t end = kRoot + size_;
    size_t i = kRoot;
    for (;;) {
      const size_t first = FirstChild(i);
      if (first >= end) break;
      // Smallest child.
      size_t best = first;
      const size_t stop = first + kArity < end ? first + kArity : end;
      for (size_t c = first + 1; c < stop; ++c) {
        if (base_[c] < base_[best]) best = c;
      }
      if (!(base_[best] < last)) break;
      base_[i] = base_[best];
      i = best;
    }
    base_[i] = last;
  }

  // Replaces top() by e and restores the heap (one sift-down instead of a
  // pop plus a push). REQUIRES: !empty().
  void ReplaceTop(QueueEntry e) {
    const size_t end = kRoot + size_;
    size_t i = kRoot;
    for (;;) {
      const size_t first = FirstChild(i);
      if (first >= end) break;
      size_t best = first;
      const size_t stop = first + kArity < end ? first + kArity : end;
      for (size_t c = first + 1; c < stop; ++c) {
        if (base_[c] < base_[best]) best = c;
      }
      if (!(base_[best] < e)) break;
      base_[i] = base_[best];
      i = best;
    }
    base_[i] = e;
  }

  // Keeps only entries for which keep(entry) is true, then re-heapifies (O(n)).
  template <typename Keep>
  void Filter(Keep keep) {
    size_t out = kRoot;
    for (size_t i = kRoot; i < kRoot + size_; ++i) {
      if (keep(base_[i])) base_[out++] = base_[i];
    }
    size_ = out - kRoot;
    if (size_ < 2) return;
    // Floyd's heap construction: sift down every internal node, last first.
    for (size_t i = Parent(kRoot + size_ - 1) + 1; i-- > kRoot;) SiftDownFrom(i);
  }

  void Clear() { size_ = 0; }

 private:
  static constexpr size_t kRoot = kArity - 1;
  static size_t Parent(size_t i) { return (i - kRoot - 1) / kArity + kRoot; }
  static size_t FirstChild(size_t i) { return (i - kRoot) * kArity + kRoot + 1; }

  void SiftDownFrom(size_t i) {
    const QueueEntry e = base_[i];
    const size_t end = kRoot + size_;
    for (;;) {
      const size_t first = FirstChild(i);
      if (first >= end) break;
      size_t best = first;
      const size_t stop = first + kArity < end ? first + kArity : end;
      for (size_t c = first + 1; c < stop; ++c) {
        if (base_[c] < base_[best]) best = c;
      }
      if (!(base_[best] < e)) break;
      base_[i] = base_[best];
      i = best;
    }
    base_[i] = e;
  }

  void Grow() {
    const size_t new_capacity = capacity_ == 0 ? 256 : capacity_ * 2;
    const size_t bytes = (new_capacity + kRoot) * sizeof(QueueEntry);
    const size_t rounded = (bytes + 63) / 64 * 64;
    void* raw = std::aligned_alloc(64, rounded);
    RH_ASSERT(raw != nullptr);
    auto* base = static_cast<QueueEntry*>(raw);
    if (size_ > 0) std::memcpy(base + kRoot, base_ + kRoot, size_ * sizeof(QueueEntry));
    std::free(raw_);
    raw_ = raw;
    base_ = base;
    capacity_ = new_capacity;
  }

  void* raw_ = nullptr;
  QueueEntry* base_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

}  // namespace rehearsal::sim::detail
