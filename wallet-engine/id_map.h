// IdMap: an open-addressing hash map from Id128 to a 64-bit value (linear
// probing, power-of-two capacity, backward-shift deletion). The ledger's
// three indexes use it: std::unordered_map's node chasing cost ~40% of a
// transfer (profiled with perf on walletctl bench). Never iterated, so its
// order cannot leak into results.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>

#include "wallet-engine/base.h"

namespace wallet {

class IdMap {
 public:
  IdMap() { Allocate(16); }
  IdMap(const IdMap& other) { *this = other; }
  IdMap& operator=(const IdMap& other) {
    if (this == &other) return *this;
    Allocate(other.capacity_);
    std::memcpy(static_cast<void*>(slots_.get()), other.slots_.get(), capacity_ * sizeof(Slot));
    size_ = other.size_;
    return *this;
  }
  IdMap(IdMap&& other) : IdMap() { Swap(other); }  // leaves other empty, usable
  IdMap& operator=(IdMap&& other) noexcept {
    Swap(other);
    return *this;
  }
  size_t size() const { return size_; }
  // Value for id, or nullptr.
  const uint64_t* Find(const Id128& id) const {
    size_t i = Home(id);
    for (;;) {
      const Slot& s = slots_[i];
      if (s.id.IsZero()) return nullptr;
      if (s.id == id) return &s.value;
      i = (i + 1) & mask();
    }
  }
  uint64_t* Find(const Id128& id) {
    return const_cast<uint64_t*>(static_cast<const IdMap*>(this)->Find(id));
  }
  // Hints the CPU to load id's home slot (replay and batch apply look ids up
  // a few operations ahead, so the random DRAM access overlaps work).
  void Prefetch(const Id128& id) const { PrefetchAddress(slots_.get() + Home(id)); }
  // Inserts; false if id was present (value unchanged).
  // REQUIRES: id is not zero (the ledger validates ids; round keys are hashes).
  bool Insert(const Id128& id, uint64_t value) {
    WE_ASSERT(!id.IsZero());
    if ((size_ + 1) * 4 > capacity_ * 3) Grow();
    size_t i = Home(id);
    for (;;) {
      Slot& s = slots_[i];
      if (s.id.IsZero()) {
        s = Slot{id, value};
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
      if (slots_[i].id.IsZero()) return;
      if (slots_[i].id == id) break;
      i = (i + 1) & mask();
    }
    // Backward-shift: move later members of the cluster into the hole.
    size_t hole = i;
    size_t j = i;
    for (;;) {
      j = (j + 1) & mask();
      if (slots_[j].id.IsZero()) break;
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
  // Room for n ids without growing (one rehash at most, now); prefault: the
  // table's pages are faulted in now (see AllocateLarge).
  void Reserve(size_t n, bool prefault = false) {
    size_t cap = capacity_;
    while (n * 4 > cap * 3) cap *= 2;
    if (cap != capacity_) Rehash(cap, prefault);
  }
  void Clear() {
    Allocate(16);
    size_ = 0;
  }

 private:
  // 24 bytes (no "used" flag: the zero id, reserved for "none", marks an
  // unused slot), so all-zero bytes are an empty table and a 64-byte line
  // holds 2.7 slots instead of 2 (less memory to clear and to miss on).
  struct Slot {
    Id128 id;
    uint64_t value = 0;
  };
  static_assert(sizeof(Slot) == 24);
  size_t mask() const { return capacity_ - 1; }
  size_t Home(const Id128& id) const {
    return static_cast<size_t>(Mix64(id.hi * 0x9e3779b97f4a7c15ULL ^ id.lo)) & mask();
  }
  void Grow() { Rehash(capacity_ * 2); }
  void Rehash(size_t capacity, bool prefault = false) {
    std::unique_ptr<Slot[], LargeDeleter> old = std::move(slots_);
    const size_t old_capacity = capacity_;
    Allocate(capacity, prefault);
    size_ = 0;
    for (size_t i = 0; i < old_capacity; ++i)
      if (!old[i].id.IsZero()) Insert(old[i].id, old[i].value);
  }
  // Fresh zeroed (= unused) slots; capacity is a power of two.
  void Allocate(size_t capacity, bool prefault = false) {
    const size_t bytes = capacity * sizeof(Slot);
    slots_ = std::unique_ptr<Slot[], LargeDeleter>(static_cast<Slot*>(AllocateLarge(bytes, true, prefault)),
                                                   LargeDeleter{bytes});
    capacity_ = capacity;
  }
  void Swap(IdMap& other) noexcept {
    std::swap(slots_, other.slots_);
    std::swap(capacity_, other.capacity_);
    std::swap(size_, other.size_);
  }
  std::unique_ptr<Slot[], LargeDeleter> slots_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace wallet
