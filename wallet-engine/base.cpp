#include "wallet-engine/base.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
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
}  // namespace

void* AllocateLarge(size_t bytes, bool zero, bool prefault) {
  if (bytes >= kHugePage / 2) {
    const size_t size = MappedSize(bytes);
    // Over-map by one huge page, then trim to a 2 MiB-aligned window.
    void* raw = ::mmap(nullptr, size + kHugePage, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) throw std::bad_alloc();
    const auto base = reinterpret_cast<uintptr_t>(raw);
    const uintptr_t aligned = (base + kHugePage - 1) / kHugePage * kHugePage;
    if (aligned > base) ::munmap(raw, aligned - base);
    const uintptr_t end = base + size + kHugePage;
    if (end > aligned + size) ::munmap(reinterpret_cast<void*>(aligned + size), end - (aligned + size));
    void* p = reinterpret_cast<void*>(aligned);
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

void LargeBytes::Reserve(size_t n) {
  if (n <= capacity_) return;
  size_t capacity = std::max<size_t>(capacity_ * 2, 256);
  while (capacity < n) capacity *= 2;
  char* grown = static_cast<char*>(AllocateLarge(capacity, false));
  if (size_ > 0) std::memcpy(grown, data_, size_);
  FreeLarge(data_, capacity_);
  data_ = grown;
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

namespace {

constexpr uint64_t kP1 = 0xd6e8feb86659fd93ULL;
constexpr uint64_t kP2 = 0xa0761d6478bd642fULL;
constexpr uint64_t kP3 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kP4 = 0x8ebc6af09c88c6e3ULL;

inline uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint64_t Lane(uint64_t acc, uint64_t word) {
  acc += word * kP2;
  acc = Rotl(acc, 29);
  return acc * kP1;
}

}  // namespace

uint64_t Hash64(const void* data, size_t size, uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + size;
  uint64_t h;
  if (size >= 32) {
    uint64_t a = seed + kP1 + kP2, b = seed + kP2, c = seed, d = seed - kP1;
    const unsigned char* limit = end - 32;
    do {
      a = Lane(a, Load64(p));
      b = Lane(b, Load64(p + 8));
      c = Lane(c, Load64(p + 16));
      d = Lane(d, Load64(p + 24));
      p += 32;
    } while (p <= limit);
    h = Rotl(a, 1) + Rotl(b, 7) + Rotl(c, 12) + Rotl(d, 18);
    h = (h ^ Lane(0, a)) * kP1 + kP4;
    h = (h ^ Lane(0, b)) * kP1 + kP4;
    h = (h ^ Lane(0, c)) * kP1 + kP4;
    h = (h ^ Lane(0, d)) * kP1 + kP4;
  } else {
    h = seed + kP3;
  }
  h += static_cast<uint64_t>(size);
  while (p + 8 <= end) {
    h ^= Lane(0, Load64(p));
    h = Rotl(h, 27) * kP1 + kP4;
    p += 8;
  }
  if (p + 4 <= end) {
    uint32_t w;
    std::memcpy(&w, p, 4);
    h ^= static_cast<uint64_t>(w) * kP1;
    h = Rotl(h, 23) * kP2 + kP3;
    p += 4;
  }
  while (p < end) {
    h ^= static_cast<uint64_t>(*p) * kP3;
    h = Rotl(h, 11) * kP1;
    ++p;
  }
  return Mix64(h);
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
  const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = Rotl(s_[3], 45);
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
