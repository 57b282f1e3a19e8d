#include "sim/radix_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/random.h"

namespace rehearsal::sim::detail {
namespace {

QueueEntry Entry(int64_t t, uint64_t seq) { return {t, seq << kSlotBits}; }

// Front(limit) must be the reference's earliest entry; pops it from both and
// sets *now to its time. Call through ASSERT_NO_FATAL_FAILURE.
void PopMatchingReference(RadixQueue& q, int64_t limit, std::vector<QueueEntry>& reference,
                          int64_t* now) {
  const QueueEntry* front = q.Front(limit);
  ASSERT_NE(front, nullptr);
  ASSERT_EQ(front->time_us, reference.front().time_us);
  ASSERT_EQ(front->order, reference.front().order);
  *now = front->time_us;
  q.Pop();
  reference.erase(reference.begin());
}

TEST(RadixQueue, PopsInTimeThenSequenceOrderAcrossAllLevels) {
  RadixQueue q;
  Rng rng(1);
  std::vector<QueueEntry> reference;
  uint64_t seq = 0;
  int64_t now = 0;
  for (int round = 0; round < 2000; ++round) {
    // Keys from "now" to now + 2^k for k up to 62: exercises every level,
    // plus many exact ties (k = 0) and keys equal to now.
    const int pushes = static_cast<int>(rng.Below(8));
    for (int i = 0; i < pushes; ++i) {
      const int k = static_cast<int>(rng.Below(63));
      const int64_t delta = k == 0 ? 0 : static_cast<int64_t>(rng.Below(uint64_t{1} << (k / 8 * 8 + 1)));
      const int64_t t = std::min<int64_t>(now + delta, INT64_MAX - 1);
      const QueueEntry e = Entry(t, seq++);
      q.Push(e);
      reference.push_back(e);
    }
    std::sort(reference.begin(), reference.end());
    const int pops = static_cast<int>(rng.Below(6));
    for (int i = 0; i < pops && !reference.empty(); ++i) {
      ASSERT_NO_FATAL_FAILURE(PopMatchingReference(q, INT64_MAX, reference, &now));
    }
    ASSERT_EQ(q.size(), reference.size());
  }
}

// Dense keys: level-1 buckets with hundreds of entries (counting sort) and a
// few (insertion sort), level-2 buckets of 33-1024 entries (two-byte radix
// sort: 6/5/5-bit and 8-bit digits) and fewer (insertion sort), many exact ties, pushes at `now` and just after it
// (into the sorted run, ahead of entries drained earlier), and Front with a
// limit between pops as RunUntil does, against a sorted reference.
TEST(RadixQueue, DenseKeysTiesAndPushesIntoTheRunKeepOrder) {
  for (const int64_t spread : {int64_t{1} << 6, int64_t{1} << 10, int64_t{1} << 16, int64_t{1} << 18}) {
    RadixQueue q;
    Rng rng(static_cast<uint64_t>(spread));
    std::vector<QueueEntry> reference;  // sorted
    uint64_t seq = 0;
    int64_t now = 0;
    const auto push = [&](int64_t t) {
      const QueueEntry e = Entry(t, seq++);
      q.Push(e);
      reference.insert(std::upper_bound(reference.begin(), reference.end(), e), e);
    };
    for (int i = 0; i < 3000; ++i) push(static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spread) * 8)));
    for (int round = 0; round < 20000 && !reference.empty(); ++round) {
      const int64_t limit = now + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spread)));
      if (reference.front().time_us > limit) {
        ASSERT_EQ(q.Front(limit), nullptr);
        now = limit;  // RunUntil(limit) ended here
      } else {
        ASSERT_NO_FATAL_FAILURE(PopMatchingReference(q, limit, reference, &now));
      }
      switch (rng.Below(4)) {
        case 0: push(now); break;                                            // at now
        case 1: push(now + static_cast<int64_t>(rng.Below(4))); break;     // just after
        case 2: push(now + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(spread) * 8))); break;
        default: break;
      }
      ASSERT_EQ(q.size(), reference.size());
    }
  }
}

TEST(RadixQueue, FrontNeverAdvancesPastTheLimit) {
  RadixQueue q;
  q.Push(Entry(1000, 0));
  q.Push(Entry(70000, 1));
  EXPECT_EQ(q.Front(999), nullptr);
  // RunUntil(999) leaves now = 999: scheduling at 999 and 1000 must still work
  // and come out before the older entry at 1000 only by time, then by sequence.
  q.Push(Entry(999, 2));
  q.Push(Entry(1000, 3));
  const QueueEntry* f = q.Front(999);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->order, uint64_t{2} << kSlotBits);
  q.Pop();
  EXPECT_EQ(q.Front(999), nullptr);
  EXPECT_EQ(q.Front(1000)->order, uint64_t{0});
  q.Pop();
  EXPECT_EQ(q.Front(1000)->order, uint64_t{3} << kSlotBits);
  q.Pop();
  EXPECT_EQ(q.Front(69999), nullptr);
  q.Push(Entry(69999, 4));
  EXPECT_EQ(q.Front(69999)->time_us, 69999);
  q.Pop();
  EXPECT_EQ(q.Front(INT64_MAX)->time_us, 70000);
  q.Pop();
  EXPECT_TRUE(q.empty());
  EXPECT_EQ(q.Front(INT64_MAX), nullptr);
}

TEST(RadixQueue, MinTimeAndFilter) {
  RadixQueue q;
  for (uint64_t i = 0; i < 100; ++i) q.Push(Entry(static_cast<int64_t>(1000 + (i * 7919) % 100000), i));

  const auto all = [](const QueueEntry&) { return true; };
  EXPECT_EQ(q.MinTime(all), 1000);
  // Drop even sequences; the minimum of the odd ones, by brute force.
  const auto odd = [](const QueueEntry& e) { return ((e.order >> kSlotBits) & 1) == 1; };
  int64_t odd_min = INT64_MAX;
  for (uint64_t i = 1; i < 100; i += 2) odd_min = std::min<int64_t>(odd_min, static_cast<int64_t>(1000 + (i * 7919) % 100000));
  EXPECT_EQ(q.MinTime(odd), odd_min);
  q.Filter(odd);
  EXPECT_EQ(q.size(), 50u);
  int64_t last = 0;
  while (const QueueEntry* f = q.Front(INT64_MAX)) {
    EXPECT_TRUE(odd(*f));
    EXPECT_GE(f->time_us, last);
    last = f->time_us;
    q.Pop();
  }
  EXPECT_EQ(q.MinTime(all), INT64_MAX);
}

}  // namespace
}  // namespace rehearsal::sim::detail
