#include "wallet-engine/base.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

namespace wallet {

void AssertFail(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "wallet-engine assertion failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

std::string ToString(const Id128& id) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(id.hi),
                static_cast<unsigned long long>(id.lo));
  return buf;
}

namespace {
constexpr size_t kHugePage = size_t{2} << 20;
size_t MappedSize(size_t bytes) { return (bytes + kHugePage - 1) / kHugePage * kHugePage; }

// A fresh anonymous mapping of `size` bytes (a multiple of 2 MiB) at a 2 MiB-
// aligned address: over-map by one huge page, then trim.
void* MapAligned(size_t size) {
  void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (base + kHugePage - 1) / kHugePage * kHugePage;
  if (aligned > base) ::munmap(raw, aligned - base);
  const uintptr_t end = base + size + kHugePage;
  if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
  return reinterpret_cast<void*>(aligned);
}
}  // namespace

void* AllocateLarge(size_t bytes, bool zero, bool prefault) {
  if (bytes >= kHugePage / 2) {
    const size_t size = MappedSize(bytes);
    void* p = MapAligned(size);
    ::madvise(p, size, MADV_HUGEPAGE);  // advisory: failure only costs speed
    if (prefault) {
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23  // Linux 5.14
#endif
      if (::madvise(p, size, MADV_POPULATE_WRITE) != 0) {
        volatile char* bytes_at = static_cast<char*>(p);
        for (size_t at = 0; at < size; at += 4096) bytes_at[at] = 0;
      }
    }
    return p;  // anonymous mappings are zero-filled
  }
  void* p = zero ? std::calloc(1, bytes == 0 ? 1 : bytes) : std::malloc(bytes == 0 ? 1 : bytes);
  if (!p) throw std::bad_alloc();
  return p;
}

LargeBytes& LargeBytes::operator=(const LargeBytes& other) {
  if (this != &other) assign(other.view());
  return *this;
}

void* GrowLarge(void* p, size_t old_bytes, size_t new_bytes, size_t keep_bytes) {
  WE_ASSERT(new_bytes >= old_bytes && keep_bytes <= old_bytes);
  if (!p || old_bytes < kHugePage / 2) {
    void* grown = AllocateLarge(new_bytes, false);
    if (keep_bytes > 0) std::memcpy(grown, p, keep_bytes);
    FreeLarge(p, old_bytes);
    return grown;
  }
  const size_t old_size = MappedSize(old_bytes);
  const size_t new_size = MappedSize(new_bytes);
  if (new_size == old_size) return p;
  // Move the pages onto an aligned window of the new size (replacing it);
  // the rest of the window is fresh zero-fill-on-demand memory.
  void* window = MapAligned(new_size);
  void* moved = ::mremap(p, old_size, new_size, MREMAP_MAYMOVE | MREMAP_FIXED, window);
  if (moved == MAP_FAILED) {
    std::memcpy(window, p, keep_bytes);
    ::munmap(p, old_size);
    moved = window;
  }
  ::madvise(moved, new_size, MADV_HUGEPAGE);
  return moved;
}

void LargeBytes::Reserve(size_t n) {
  if (n <= capacity_) return;
  size_t capacity = std::max<size_t>(capacity_ * 2, 256);
  while (capacity < n) capacity *= 2;
  data_ = static_cast<char*>(GrowLarge(data_, capacity_, capacity, size_));
  capacity_ = capacity;
}

void LargeBytes::append(std::string_view bytes) {
  Reserve(size_ + bytes.size());
  if (!bytes.empty()) std::memcpy(data_ + size_, bytes.data(), bytes.size());
  size_ += bytes.size();
}

void LargeBytes::resize(size_t n) {
  if (n == 0) {
    FreeLarge(data_, capacity_);
    data_ = nullptr;
    size_ = capacity_ = 0;
    return;
  }
  Reserve(n);
  if (n > size_) std::memset(data_ + size_, 0, n - size_);
  size_ = n;
}

void FreeLarge(void* p, size_t bytes) {
  if (!p) return;
  if (bytes >= kHugePage / 2) ::munmap(p, MappedSize(bytes));
  else std::free(p);
}

uint64_t Hash64(const void* data, size_t size, uint64_t seed) {
  return Hash64Inline(data, size, seed);
}

Id128 DeriveId(std::string_view bytes, uint64_t domain) {
  Id128 id{Hash64(bytes.data(), bytes.size(), domain * 2 + 1),
           Hash64(bytes.data(), bytes.size(), domain * 2 + 2)};
  if (id.IsZero()) id.lo = 1;
  return id;
}

Rng::Rng(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = Mix64(x);
  }
}

uint64_t Rng::Next() {
  const uint64_t result = hash_detail::Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = hash_detail::Rotl(s_[3], 45);
  return result;
}

uint64_t Rng::Below(uint64_t bound) {
  WE_ASSERT(bound > 0);
  const uint64_t threshold = (0 - bound) % bound;
  for (;;) {
    __extension__ typedef unsigned __int128 U128;
    const U128 m = static_cast<U128>(Next()) * bound;
    if (static_cast<uint64_t>(m) >= threshold) return static_cast<uint64_t>(m >> 64);
  }
}

}  // namespace wallet
