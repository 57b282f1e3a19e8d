// The ledger's storage helpers against std:: references: ChunkQueue (entry
// store) across chunk and growth boundaries, reserved and recycled chunks, IdMap (open addressing with
// backward-shift deletion) under random insert/erase, copies and moves, and
// AllocateLarge's zero-filled huge-page path (and its prefaulted one), SeqWindow (the engine's
// per-record caches) against std::map.
#include <gtest/gtest.h>

#include <sys/mman.h>

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "wallet-engine/base.h"
#include "wallet-engine/chunk_queue.h"
#include "wallet-engine/id_map.h"
#include "wallet-engine/seq_window.h"

namespace wallet {
namespace {

struct Item {
  uint64_t a = 0;
  uint64_t b = 0;
};

// Also with chunks reserved up front (taken in order by push_back) and with
// consumed front chunks recycled as spares for the back.
class ChunkQueueReserved : public ::testing::TestWithParam<size_t> {};

TEST_P(ChunkQueueReserved, MatchesDequeAcrossChunksGrowthAndPops) {
  ChunkQueue<Item, 100> q;  // small chunks: many boundaries
  q.Reserve(GetParam());
  std::deque<Item> ref;
  Rng rng(3);
  for (int step = 0; step < 20'000; ++step) {
    const uint64_t roll = rng.Below(10);
    if (roll < 6 || ref.empty()) {
      const Item it{rng.Next(), static_cast<uint64_t>(step)};
      q.push_back(it);
      ref.push_back(it);
    } else if (roll < 8) {
      q.pop_front();
      ref.pop_front();
    } else {
      q.pop_back();
      ref.pop_back();
    }
    ASSERT_EQ(q.size(), ref.size());
    if (!ref.empty()) {
      ASSERT_EQ(q.front().b, ref.front().b);
      ASSERT_EQ(q.back().b, ref.back().b);
    }
  }
  ChunkQueue<Item, 100> copy = q;
  ASSERT_EQ(copy.size(), ref.size());
  for (size_t i = 0; i < ref.size(); ++i) {
    ASSERT_EQ(q[i].a, ref[i].a);
    ASSERT_EQ(copy[i].b, ref[i].b);
  }
  size_t n = 0;
  copy.ForEach([&](const Item& it) { ASSERT_EQ(it.b, ref[n++].b); });
  EXPECT_EQ(n, ref.size());
}
INSTANTIATE_TEST_SUITE_P(Reserve, ChunkQueueReserved, ::testing::Values(0, 1, 250, 20'000));

TEST(IdMap, MatchesStdMapUnderInsertEraseCopyAndMove) {
  IdMap m;
  std::map<Id128, uint64_t> ref;
  Rng rng(8);
  for (int step = 0; step < 50'000; ++step) {
    const Id128 id{rng.Below(4), 1 + rng.Below(5000)};
    if (rng.Below(3) == 0) {
      m.Erase(id);
      ref.erase(id);
    } else {
      const bool fresh = ref.emplace(id, static_cast<uint64_t>(step)).second;
      ASSERT_EQ(m.Insert(id, static_cast<uint64_t>(step)), fresh);
    }
    ASSERT_EQ(m.size(), ref.size());
  }
  IdMap copy = m;
  IdMap moved = std::move(m);
  m.Insert(Id128{9, 9}, 1);  // a moved-from map stays usable
  EXPECT_EQ(m.size(), 1u);
  moved.Reserve(100'000);  // rehash keeps everything
  for (uint64_t hi = 0; hi < 4; ++hi)
    for (uint64_t lo = 1; lo <= 5000; ++lo) {
      const Id128 id{hi, lo};
      auto it = ref.find(id);
      const uint64_t* a = copy.Find(id);
      const uint64_t* b = moved.Find(id);
      if (it == ref.end()) {
        ASSERT_EQ(a, nullptr);
        ASSERT_EQ(b, nullptr);
      } else {
        ASSERT_NE(a, nullptr);
        ASSERT_NE(b, nullptr);
        ASSERT_EQ(*a, it->second);
        ASSERT_EQ(*b, it->second);
      }
    }
}

TEST(AllocateLarge, HugeBlocksAreZeroedAndWritable) {
  const size_t bytes = (size_t{3} << 20) + 123;
  auto* p = static_cast<unsigned char*>(AllocateLarge(bytes));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (size_t{2} << 20), 0u);
  for (size_t i = 0; i < bytes; i += 4096) ASSERT_EQ(p[i], 0);
  EXPECT_EQ(p[bytes - 1], 0);
  p[bytes - 1] = 7;
  FreeLarge(p, bytes);
  auto* small = static_cast<unsigned char*>(AllocateLarge(1000));
  for (size_t i = 0; i < 1000; ++i) ASSERT_EQ(small[i], 0);
  FreeLarge(small, 1000);
}

// prefault = true: every page is resident before the first write (so a
// reserved table never page-faults on the commit path), and still zeroed.
TEST(AllocateLarge, PrefaultedBlocksAreResidentAndZeroed) {
  const size_t bytes = size_t{4} << 20;
  auto* p = static_cast<unsigned char*>(AllocateLarge(bytes, true, true));
  std::vector<unsigned char> resident(bytes / 4096);
  ASSERT_EQ(::mincore(p, bytes, resident.data()), 0);
  for (size_t i = 0; i < resident.size(); ++i) ASSERT_TRUE(resident[i] & 1) << "page " << i;
  for (size_t i = 0; i < bytes; i += 512) ASSERT_EQ(p[i], 0);
  FreeLarge(p, bytes);
}

// GrowLarge moves a mapped region's pages instead of copying them: the
// contents survive every doubling from a malloc'd block through mapped sizes,
// the region stays 2 MiB-aligned, and the grown part is usable.
TEST(AllocateLarge, GrowingKeepsTheBytesAndTheAlignment) {
  LargeBytes b;
  std::string ref;
  Rng rng(5);
  while (ref.size() < (size_t{40} << 20)) {
    std::string chunk(1 + rng.Below(300'000), '\0');
    for (char& c : chunk) c = static_cast<char>(rng.Below(256));
    b.append(chunk);
    ref += chunk;
    if (b.capacity() >= (size_t{1} << 20)) {
      ASSERT_EQ(reinterpret_cast<uintptr_t>(b.data()) % (size_t{2} << 20), 0u);
    }
  }
  ASSERT_EQ(b.size(), ref.size());
  EXPECT_TRUE(b.view() == ref);
  b.resize(ref.size() + 5000);  // growth by resize zero-fills
  for (size_t i = ref.size(); i < b.size(); ++i) ASSERT_EQ(b.data()[i], 0);
  const size_t old_bytes = size_t{3} << 20;
  auto* p = static_cast<unsigned char*>(AllocateLarge(old_bytes, false));
  for (size_t i = 0; i < old_bytes; ++i) p[i] = static_cast<unsigned char>(i * 7);
  p = static_cast<unsigned char*>(GrowLarge(p, old_bytes, size_t{9} << 20, old_bytes));
  EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % (size_t{2} << 20), 0u);
  for (size_t i = 0; i < old_bytes; ++i) ASSERT_EQ(p[i], static_cast<unsigned char>(i * 7));
  p[(size_t{9} << 20) - 1] = 1;
  FreeLarge(p, size_t{9} << 20);
}

// The engine's use: append the next seq, drop the oldest beyond a bound;
// plus the rare cases (replace an existing seq, insert below the back, a
// window with gaps) so lookups match std::map in every shape.
TEST(SeqWindow, MatchesStdMapForAppendsDropsReplacesAndGaps) {
  SeqWindow<uint64_t> w;
  std::map<uint64_t, uint64_t> ref;
  Rng rng(11);
  uint64_t next = 1;
  for (int step = 0; step < 20'000; ++step) {
    const uint64_t roll = rng.Below(20);
    if (roll < 12) {
      next += roll == 0 ? 1 + rng.Below(5) : 1;  // sometimes a gap
      w.Put(next, step);
      ref[next] = static_cast<uint64_t>(step);
    } else if (roll < 15 && !ref.empty()) {
      w.PopFront();
      ref.erase(ref.begin());
    } else if (roll < 17 && !ref.empty()) {
      const uint64_t seq = ref.begin()->first + rng.Below(next - ref.begin()->first + 1);
      w.Put(seq, step);  // replace, or insert into a gap
      ref[seq] = static_cast<uint64_t>(step);
    }
    ASSERT_EQ(w.size(), ref.size());
    if (!ref.empty()) {
      ASSERT_EQ(w.front_seq(), ref.begin()->first);
      ASSERT_EQ(w.back_seq(), ref.rbegin()->first);
      ASSERT_EQ(w.front(), ref.begin()->second);
    }
    const uint64_t probe = rng.Below(next + 3);
    const auto it = ref.find(probe);
    const uint64_t* got = w.Find(probe);
    ASSERT_EQ(got != nullptr, it != ref.end()) << "seq " << probe;
    if (got) {
      ASSERT_EQ(*got, it->second);
    }
    ASSERT_EQ(w.Contains(probe), it != ref.end());
  }
}

// Hash64's values are on disk (record and snapshot checksums, the state
// hash): pinned over every size 0..256 (all stripe/tail paths), values taken
// from the implementation before Hash64Inline existed. The inlined variant
// must agree where sizes are compile-time constants (as the ledger uses it).
TEST(Hash64, ValuesArePinnedAndTheInlinedVariantAgrees) {
  unsigned char buf[256];
  for (int i = 0; i < 256; ++i) buf[i] = static_cast<unsigned char>(i * 37 + 11);
  uint64_t acc = 0;
  for (size_t n = 0; n <= 256; ++n) {
    acc = Combine64(acc, Hash64(buf, n, n * 7 + 1));
    ASSERT_EQ(Hash64Inline(buf, n, n * 7 + 1), Hash64(buf, n, n * 7 + 1)) << n;
  }
  EXPECT_EQ(acc, 0x6fe407dffc821445ULL);
  EXPECT_EQ(Hash64Inline(buf, 154, 0xe117), 0xb6fee4ceb97cf2efULL);  // an IndexEntry's size
  EXPECT_EQ(Hash64Inline(buf, 64, 0xacc0), Hash64(buf, 64, 0xacc0));
  EXPECT_EQ(Hash64Inline(buf, 56, 0x4844), Hash64(buf, 56, 0x4844));
}

}  // namespace
}  // namespace wallet
