// SeqWindow<T>: values keyed by a log sequence number that only grows, kept
// in a deque sorted by seq (oldest first). The engine's per-record caches
// (checksums, record bytes) insert the next record at the back and drop the
// oldest at the front, so both are O(1) with no node allocation per record
// (a std::map paid an allocation, a rebalance and a free per record). Lookup
// is direct when the window is contiguous (the usual case), else a binary
// search. Example: seqs 5,6,7 held; Find(6) is slot 1; Put(8) appends;
// PopFront drops 5.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <utility>

namespace wallet {

template <typename T>
class SeqWindow {
 public:
  // Inserts or replaces the value of `seq` (appending when seq is past the back).
  void Put(uint64_t seq, T value) {
    if (items_.empty() || seq > items_.back().first) {
      items_.emplace_back(seq, std::move(value));
      return;
    }
    auto it = LowerBound(seq);
    if (it != items_.end() && it->first == seq) it->second = std::move(value);
    else items_.emplace(it, seq, std::move(value));
  }
  const T* Find(uint64_t seq) const {
    if (items_.empty() || seq < items_.front().first || seq > items_.back().first) return nullptr;
    const uint64_t slot = seq - items_.front().first;
    if (slot < items_.size() && items_[slot].first == seq) return &items_[slot].second;
    auto it = std::lower_bound(items_.begin(), items_.end(), seq,
                               [](const auto& item, uint64_t s) { return item.first < s; });
    return it != items_.end() && it->first == seq ? &it->second : nullptr;
  }
  bool Contains(uint64_t seq) const { return Find(seq) != nullptr; }
  // REQUIRES: !empty().
  uint64_t front_seq() const { return items_.front().first; }
  uint64_t back_seq() const { return items_.back().first; }
  T& front() { return items_.front().second; }
  void PopFront() { items_.pop_front(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }

 private:
  typename std::deque<std::pair<uint64_t, T>>::iterator LowerBound(uint64_t seq) {
    return std::lower_bound(items_.begin(), items_.end(), seq,
                            [](const auto& item, uint64_t s) { return item.first < s; });
  }
  std::deque<std::pair<uint64_t, T>> items_;
};

}  // namespace wallet
