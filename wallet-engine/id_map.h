// IdMap: an open-addressing hash map from Id128 to a 64-bit value (linear
// probing, power-of-two capacity, backward-shift deletion). The ledger's
// three indexes use it: std::unordered_map's node chasing cost ~40% of a
// transfer (profiled with perf on walletctl bench). Never iterated, so its
// order cannot leak into results.
#pragma once

#include <cstdint>
#include <vector>

#include "wallet-engine/base.h"

namespace wallet {

class IdMap {
 public:
  IdMap() { slots_.resize(16); }
  size_t size() const { return size_; }
  // Value for id, or nullptr.
  const uint64_t* Find(const Id128& id) const {
    size_t i = Home(id);
    for (;;) {
      const Slot& s = slots_[i];
      if (!s.used) return nullptr;
      if (s.id == id) return &s.value;
      i = (i + 1) & mask();
    }
  }
  uint64_t* Find(const Id128& id) {
    return const_cast<uint64_t*>(static_cast<const IdMap*>(this)->Find(id));
  }
  // Inserts; false if id was present (value unchanged).
  bool Insert(const Id128& id, uint64_t value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
    size_t i = Home(id);
    for (;;) {
      Slot& s = slots_[i];
      if (!s.used) {
        s = Slot{id, value, true};
        ++size_;
        return true;
      }
      if (s.id == id) return false;
      i = (i + 1) & mask();
    }
  }
  // Removes id if present.
  void Erase(const Id128& id) {
    size_t i = Home(id);
    for (;;) {
      if (!slots_[i].used) return;
      if (slots_[i].id == id) break;
      i = (i + 1) & mask();
    }
    // Backward-shift: move later members of the cluster into the hole.
    size_t hole = i;
    size_t j = i;
    for (;;) {
      j = (j + 1) & mask();
      if (!slots_[j].used) break;
      const size_t home = Home(slots_[j].id);
      // Movable when home is not cyclically within (hole, j].
      const bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }
  void Reserve(size_t n) {
    while (n * 4 > slots_.size() * 3) Grow();
  }
  void Clear() {
    slots_.assign(16, Slot{});
    size_ = 0;
  }

 private:
  struct Slot {
    Id128 id;
    uint64_t value = 0;
    bool used = false;
  };
  size_t mask() const { return slots_.size() - 1; }
  size_t Home(const Id128& id) const {
    return static_cast<size_t>(Mix64(id.hi * 0x9e3779b97f4a7c15ULL ^ id.lo)) & mask();
  }
  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.size() * 2);
    size_ = 0;
    for (const Slot& s : old)
      if (s.used) Insert(s.id, s.value);
  }
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace wallet
