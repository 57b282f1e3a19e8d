// Foundations of the wallet engine: assertions that stay on in release builds,
// the 128-bit id type, checked money arithmetic and the engine's own hashes.
// Standalone: includes nothing from any other Rehearsal folder.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace wallet {

// Aborts with file:line. Called only through WE_ASSERT.
[[noreturn]] void AssertFail(const char* expr, const char* file, int line);

}  // namespace wallet

// A broken invariant (a bug) aborts the process, in every build type
// (TigerBeetle style): money code must not continue on corrupt state.
#define WE_ASSERT(cond) \
  ((cond) ? static_cast<void>(0) : ::wallet::AssertFail(#cond, __FILE__, __LINE__))

namespace wallet {

static_assert(sizeof(void*) == 8, "64-bit hosts only");
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "on-disk format is little-endian and copied with memcpy");

// A 128-bit identifier (account id, transfer id, idempotency key, round id).
// Zero is reserved for "none".
struct Id128 {
  uint64_t hi = 0;
  uint64_t lo = 0;
  constexpr bool IsZero() const { return hi == 0 && lo == 0; }
  friend constexpr bool operator==(const Id128&, const Id128&) = default;
  friend constexpr auto operator<=>(const Id128&, const Id128&) = default;
};

// Hex rendering "hi:lo" (32 hex digits) for diagnostics and walletctl dump.
std::string ToString(const Id128& id);

// Money: a signed 64-bit count of minor units. Checked arithmetic returns
// false on overflow and leaves *out unspecified.
inline bool AddChecked(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
inline bool SubChecked(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_sub_overflow(a, b, out);
}

// ---- Hashing (own implementation, not copied) ----------------------------
// Hash64 is a 64-bit non-cryptographic hash with the *structure* of xxHash64
// (four multiply-rotate lanes over 32-byte stripes, then an avalanche) but its
// own constants, rotations and finalizer (the SplitMix64 finalizer), so it is
// not bit-compatible with xxHash. It is used for record checksums, the hash
// chain, snapshot checksums and the state hash. It detects every single-bit
// flip in practice (each lane step is a bijection of the input word).
uint64_t Hash64(const void* data, size_t size, uint64_t seed);

// Hash64, inlined where it is called with a size known at compile time (the
// state hash's accounts, entries and rounds, a record header): the stripe
// loop and the tail branches then fold away. Same result as Hash64 for every
// input (Hash64 is this function out of line; a test compares them).
[[gnu::always_inline]] inline uint64_t Hash64Inline(const void* data, size_t size, uint64_t seed);

// SplitMix64 finalizer: a bijective 64-bit mixer.
constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Combines two 64-bit values order-dependently.
constexpr uint64_t Combine64(uint64_t a, uint64_t b) {
  return Mix64(a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2)));
}

// Hasher for Id128 keys in lookup tables (never iterated for ordering).
struct Id128Hasher {
  size_t operator()(const Id128& id) const {
    return static_cast<size_t>(Mix64(id.hi ^ Mix64(id.lo)));
  }
};

// Asks the CPU to start loading the cache line at p (no effect on results).
// The empty asm keeps GCC 12 from dropping a prefetch whose address needs a
// multiply-heavy hash (observed: __builtin_prefetch alone emitted nothing).
inline void PrefetchAddress(const void* p) {
  __builtin_prefetch(p, 0, 3);
  asm volatile("" : : "r"(p));
}

// Storage for large tables (the ledger's indexes and entry chunks). From
// 1 MiB on it is mapped directly (2 MiB-aligned, rounded up to 2 MiB, marked
// MADV_HUGEPAGE, already zero from the kernel): filling a 100 MB index then
// costs ~50 page faults instead of ~25,000 and no second zeroing pass (a
// replay spent 25% of its time in the page-fault path, measured with perf).
// zero=false allows unspecified bytes (storage written before it is read).
// prefault=true also faults every page in now (MADV_POPULATE_WRITE, else a
// write per 4 KiB): for storage reserved at startup, so that the first write
// to each page later does not stall the caller (zeroing a 2 MiB huge page in
// the fault path held the group-commit lock for milliseconds).
// Never returns null (throws std::bad_alloc). Free with FreeLarge(p, bytes).
void* AllocateLarge(size_t bytes, bool zero = true, bool prefault = false);
void FreeLarge(void* p, size_t bytes);
// Grows an AllocateLarge region of old_bytes to new_bytes keeping its first
// keep_bytes (<= old_bytes; a small region is copied only that far); p is
// invalid afterwards. A mapped region's pages are moved (mremap onto a
// 2 MiB-aligned window), not copied: a doubling LargeBytes neither copies its
// contents nor has the kernel zero fresh pages for the copy (issue 7: clear
// page and memcpy of SimDisk files growing were ~4% of a 24 h wallet run).
// Bytes past old_bytes are unspecified.
void* GrowLarge(void* p, size_t old_bytes, size_t new_bytes, size_t keep_bytes);
struct LargeDeleter {
  size_t bytes = 0;
  void operator()(void* p) const { FreeLarge(p, bytes); }
};

// A growable byte buffer (doubling) in AllocateLarge storage: a file image
// that grows to hundreds of MB by appends (SimDisk files, a host's backup
// archive) takes one page fault per 2 MiB instead of fresh 4 KiB pages at
// every doubling of a std::string. A copy is a deep copy.
class LargeBytes {
 public:
  LargeBytes() = default;
  LargeBytes(const LargeBytes& other) { *this = other; }
  LargeBytes& operator=(const LargeBytes& other);
  LargeBytes(LargeBytes&& other) noexcept { Swap(other); }
  LargeBytes& operator=(LargeBytes&& other) noexcept {
    Swap(other);
    return *this;
  }
  ~LargeBytes() { FreeLarge(data_, capacity_); }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }  // bytes allocated (what it holds in memory)
  bool empty() const { return size_ == 0; }
  char* data() { return data_; }
  std::string_view view() const { return {data_, size_}; }
  void append(std::string_view bytes);
  void assign(std::string_view bytes) {
    size_ = 0;
    append(bytes);
  }
  // Grows with zero bytes or cuts; cut to zero, it frees its memory (a
  // recycled log segment must not keep its pages).
  void resize(size_t n);

 private:
  void Reserve(size_t n);
  void Swap(LargeBytes& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }
  char* data_ = nullptr;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

namespace hash_detail {
constexpr uint64_t kP1 = 0xd6e8feb86659fd93ULL;
constexpr uint64_t kP2 = 0xa0761d6478bd642fULL;
constexpr uint64_t kP3 = 0xe7037ed1a0b428dbULL;
constexpr uint64_t kP4 = 0x8ebc6af09c88c6e3ULL;
constexpr uint64_t Rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }
inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
constexpr uint64_t Lane(uint64_t acc, uint64_t word) {
  acc += word * kP2;
  acc = Rotl(acc, 29);
  return acc * kP1;
}
}  // namespace hash_detail

inline uint64_t Hash64Inline(const void* data, size_t size, uint64_t seed) {
  using namespace hash_detail;
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

// Deterministic 128-bit id from bytes (two independent Hash64 seeds).
Id128 DeriveId(std::string_view bytes, uint64_t domain);

// A small deterministic PRNG (xoshiro256**) for tests, swarm runs, load
// generation and fault injection. Never seeded from a clock.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, bound) by Lemire's multiply-shift with rejection.
  // REQUIRES: bound > 0.
  uint64_t Below(uint64_t bound);
  // True with probability num/den. REQUIRES: den > 0.
  bool Chance(uint64_t num, uint64_t den) { return Below(den) < num; }

 private:
  uint64_t s_[4];
};

}  // namespace wallet
