// ChunkQueue: a FIFO of trivially copyable records stored in fixed-size
// chunks (push_back, pop_back, pop_front, O(1) indexing). The ledger's
// idempotency entries live here: std::deque allocates 512-byte blocks (three
// 160-byte entries each), so a replay of 2 M records made ~700 k allocations
// and page-faulted every 4 KiB; full chunks here are ~2 MiB huge-page-backed
// blocks (AllocateLarge), and the newest chunk starts at 64 elements and
// doubles, so a small ledger (tests, swarm nodes) stays small. Profiled with
// perf on `wallet_bench --benchmark_filter=Replay`. Reserve(n) allocates and
// prefaults the full chunks n elements need up front (static allocation, as
// a production wallet sizes for its retention), and a chunk consumed at the
// front is kept as a spare for the back: in steady state push_back neither
// maps memory nor page-faults. A copy is a deep copy (without spares);
// iteration order is insertion order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <deque>
#include <memory>
#include <type_traits>

#include "wallet-engine/base.h"

namespace wallet {

template <typename T, size_t kChunk = ((size_t{2} << 20) / sizeof(T))>
class ChunkQueue {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_destructible_v<T>);
  static constexpr size_t kFirstCapacity = 64;

 public:
  ChunkQueue() = default;
  ChunkQueue(const ChunkQueue& other) { *this = other; }
  ChunkQueue& operator=(const ChunkQueue& other) {
    if (this == &other) return *this;
    chunks_.clear();
    spare_.clear();
    head_ = 0;
    size_ = 0;
    last_capacity_ = 0;
    for (size_t i = 0; i < other.size_; ++i) push_back(other[i]);
    return *this;
  }
  ChunkQueue(ChunkQueue&&) noexcept = default;
  ChunkQueue& operator=(ChunkQueue&&) noexcept = default;

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& operator[](size_t i) {
    const size_t j = head_ + i;
    return chunks_[j / kChunk].get()[j % kChunk];
  }
  const T& operator[](size_t i) const {
    const size_t j = head_ + i;
    return chunks_[j / kChunk].get()[j % kChunk];
  }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  void push_back(const T& v) {
    const size_t j = head_ + size_;
    const size_t c = j / kChunk;
    const size_t at = j % kChunk;
    if (c == chunks_.size()) {
      if (!spare_.empty()) {  // reserved or recycled: full size, already faulted in
        chunks_.push_back(std::move(spare_.front()));
        spare_.pop_front();
        last_capacity_ = kChunk;
      } else {
        // A new chunk: full size once the queue is that large already.
        last_capacity_ = chunks_.empty() ? kFirstCapacity : kChunk;
        last_capacity_ = std::min(last_capacity_, kChunk);
        chunks_.emplace_back(Allocate(last_capacity_));
      }
    } else if (at == last_capacity_) {
      // The newest chunk is full below kChunk: double it.
      const size_t grown = std::min(kChunk, last_capacity_ * 2);
      std::unique_ptr<T, LargeDeleter> bigger = Allocate(grown);
      std::memcpy(static_cast<void*>(bigger.get()), chunks_.back().get(), last_capacity_ * sizeof(T));
      chunks_.back() = std::move(bigger);
      last_capacity_ = grown;
    }
    std::memcpy(static_cast<void*>(chunks_[c].get() + at), &v, sizeof(T));
    ++size_;
  }
  // Chunks are kept (a linked chain's undo is followed by more appends).
  void pop_back() {
    WE_ASSERT(size_ > 0);
    --size_;
  }
  void pop_front() {
    WE_ASSERT(size_ > 0);
    ++head_;
    --size_;
    if (head_ == kChunk) {  // the front chunk was full and is now consumed
      if (spare_.size() < kSparesKept) spare_.push_back(std::move(chunks_.front()));
      chunks_.pop_front();
      head_ = 0;
    }
  }
  // Full chunks for n elements in total (from the front), allocated and
  // faulted in now; push_back then takes them in order.
  void Reserve(size_t n) {
    const size_t chunks_needed = (head_ + n + kChunk - 1) / kChunk;
    while (chunks_.size() + spare_.size() < chunks_needed) spare_.push_back(Allocate(kChunk, true));
  }
  // Calls f(element) in insertion order.
  template <typename F>
  void ForEach(F&& f) const {
    for (size_t i = 0; i < size_; ++i) f((*this)[i]);
  }

 private:
  static constexpr size_t kSparesKept = 2;  // recycled front chunks kept for the back
  static std::unique_ptr<T, LargeDeleter> Allocate(size_t n, bool prefault = false) {
    return std::unique_ptr<T, LargeDeleter>(
        static_cast<T*>(AllocateLarge(n * sizeof(T), false, prefault)), LargeDeleter{n * sizeof(T)});
  }
  std::deque<std::unique_ptr<T, LargeDeleter>> chunks_;
  std::deque<std::unique_ptr<T, LargeDeleter>> spare_;  // full-size, unused
  size_t head_ = 0;           // index of front() in chunks_.front()
  size_t size_ = 0;
  size_t last_capacity_ = 0;  // elements allocated in chunks_.back()
};

}  // namespace wallet
