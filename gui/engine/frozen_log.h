#pragma once
// FrozenLog<T>: an immutable, cheaply copyable view of an append-only
// sequence, and LogBuilder<T>: its single writer. The run's worker thread
// appends recorder rows and event-log records to a builder and freezes it into
// every snapshot; the UI thread reads the frozen view while the worker keeps
// appending. Full blocks are shared between snapshots (shared_ptr to const),
// only the partly filled tail block is copied, so a snapshot costs
// O(size / kBlockSize + kBlockSize), not O(size).
//
// Thread-safety: a FrozenLog is immutable; copies may be read from any thread.
// A LogBuilder belongs to one thread.
#include <cstddef>
#include <memory>
#include <vector>

#include "sim/assert.h"

namespace rehearsal::gui {

inline constexpr size_t kBlockSize = 256;

template <typename T>
class FrozenLog {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // REQUIRES: i < size().
  const T& operator[](size_t i) const {
    RH_ASSERT(i < size_);
    return (*blocks_[i / kBlockSize])[i % kBlockSize];
  }
  const T& back() const { return (*this)[size_ - 1]; }

 private:
  template <typename U>
  friend class LogBuilder;
  std::vector<std::shared_ptr<const std::vector<T>>> blocks_;
  size_t size_ = 0;
};

template <typename T>
class LogBuilder {
 public:
  void Append(T value) {
    tail_.push_back(std::move(value));
    tail_frozen_.reset();
    if (tail_.size() == kBlockSize) {
      full_.push_back(std::make_shared<const std::vector<T>>(std::move(tail_)));
      tail_ = {};
      tail_.reserve(kBlockSize);
    }
  }
  size_t size() const { return full_.size() * kBlockSize + tail_.size(); }
  void Clear() {
    full_.clear();
    tail_.clear();
    tail_frozen_.reset();
  }
  // The current contents as an immutable view (the tail block is copied once
  // per change, then shared by later freezes).
  FrozenLog<T> Freeze() {
    FrozenLog<T> out;
    out.blocks_ = full_;
    if (!tail_.empty()) {
      if (!tail_frozen_) tail_frozen_ = std::make_shared<const std::vector<T>>(tail_);
      out.blocks_.push_back(tail_frozen_);
    }
    out.size_ = size();
    return out;
  }

 private:
  std::vector<std::shared_ptr<const std::vector<T>>> full_;
  std::vector<T> tail_;
  std::shared_ptr<const std::vector<T>> tail_frozen_;
};

}  // namespace rehearsal::gui
