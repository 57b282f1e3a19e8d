// SimDisk's lineage (ForEachDurable): appends keep it, anything that changes
// bytes already durable changes it, and it travels with a renamed file; a
// backup that copies only the tail while the lineage is unchanged therefore
// always equals a full copy (models/wallet's incremental archive).
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "wallet-engine/sim_disk.h"

namespace wallet {
namespace {

IoRequest Op(IoKind kind, const std::string& file, uint64_t offset = 0, const std::string& target = {}) {
  IoRequest r;
  r.kind = kind;
  r.file = file;
  r.offset = offset;
  r.target = target;
  return r;
}
IoRequest Write(const std::string& file, uint64_t offset, const std::string& bytes) {
  IoRequest r = Op(IoKind::kWrite, file, offset);
  r.bytes = bytes;
  return r;
}

struct Seen {
  std::string bytes;
  uint64_t lineage = 0;
};
std::map<std::string, Seen> Durable(const SimDisk& d) {
  std::map<std::string, Seen> out;
  d.ForEachDurable([&](const std::string& name, std::string_view bytes, uint64_t lineage) {
    out[name] = {std::string(bytes), lineage};
  });
  return out;
}

TEST(SimDiskLineage, AppendsKeepItRewritesTruncatesFlipsAndRenamesChangeIt) {
  SimDisk d(1);
  d.Execute(Write("wal-1", 0, "abc"));
  d.Execute(Op(IoKind::kFlush, "wal-1"));
  const uint64_t l0 = Durable(d)["wal-1"].lineage;
  EXPECT_EQ(Durable(d)["wal-1"].bytes, "abc");

  d.Execute(Write("wal-1", 3, "def"));  // an append
  d.Execute(Op(IoKind::kFlush, "wal-1"));
  EXPECT_EQ(Durable(d)["wal-1"].bytes, "abcdef");
  EXPECT_EQ(Durable(d)["wal-1"].lineage, l0);

  d.Execute(Write("wal-1", 8, "gh"));  // past the end: a zero gap, still an append
  d.Execute(Op(IoKind::kFlush, "wal-1"));
  EXPECT_EQ(Durable(d)["wal-1"].bytes, std::string("abcdef\0\0gh", 10));
  EXPECT_EQ(Durable(d)["wal-1"].lineage, l0);

  d.Execute(Write("wal-1", 2, "X"));  // overwrite below the end
  d.Execute(Op(IoKind::kFlush, "wal-1"));
  const uint64_t l1 = Durable(d)["wal-1"].lineage;
  EXPECT_NE(l1, l0);

  d.Execute(Op(IoKind::kTruncate, "wal-1", 4));
  const uint64_t l2 = Durable(d)["wal-1"].lineage;
  EXPECT_NE(l2, l1);
  EXPECT_EQ(Durable(d)["wal-1"].bytes, "abXd");
  d.Execute(Op(IoKind::kTruncate, "wal-1", 10));  // not shorter: nothing changes
  EXPECT_EQ(Durable(d)["wal-1"].lineage, l2);

  d.FlipBit("wal-1", 0, 1);
  EXPECT_NE(Durable(d)["wal-1"].lineage, l2);

  d.Execute(Write("snap.tmp", 0, "state"));
  d.Execute(Op(IoKind::kFlush, "snap.tmp"));
  const uint64_t ls = Durable(d)["snap.tmp"].lineage;
  d.Execute(Write("snap", 0, "older"));
  d.Execute(Op(IoKind::kFlush, "snap"));
  const uint64_t lold = Durable(d)["snap"].lineage;
  d.Execute(Op(IoKind::kRename, "snap.tmp", 0, "snap"));  // replaces "snap"
  EXPECT_EQ(Durable(d)["snap"].lineage, ls);
  EXPECT_NE(Durable(d)["snap"].lineage, lold);
  EXPECT_EQ(Durable(d).count("snap.tmp"), 0u);

  SimDisk other(1);  // same seed, same history: still a different lineage
  other.Execute(Write("wal-1", 0, "abc"));
  other.Execute(Op(IoKind::kFlush, "wal-1"));
  EXPECT_NE(Durable(other)["wal-1"].lineage, l0);
}

// The incremental copy rule against a full copy under random writes (appends
// mostly, some overwrites and truncations, bit flips) and crashes.
TEST(SimDiskLineage, TailCopiesWhileTheLineageHoldsEqualFullCopies) {
  SimDisk d(7);
  Rng rng(5);
  std::map<std::string, std::pair<std::string, uint64_t>> backup;  // name -> (copy, lineage)
  std::map<std::string, uint64_t> end;                               // writer's offsets
  for (int step = 0; step < 3000; ++step) {
    const std::string file = "f" + std::to_string(rng.Below(3));
    const uint64_t roll = rng.Below(20);
    if (roll < 12) {
      const uint64_t at = rng.Below(10) == 0 ? rng.Below(end[file] + 1) : end[file];
      const std::string bytes(1 + rng.Below(40), static_cast<char>('a' + rng.Below(26)));
      d.Execute(Write(file, at, bytes));
      end[file] = std::max(end[file], at + bytes.size());
    } else if (roll < 16) {
      d.Execute(Op(IoKind::kFlush, file));
    } else if (roll < 17) {
      d.Execute(Op(IoKind::kFlush, file));
      end[file] = rng.Below(end[file] + 1);
      d.Execute(Op(IoKind::kTruncate, file, end[file]));
    } else if (roll < 18) {
      const auto files = Durable(d);
      auto it = files.find(file);
      if (it != files.end() && !it->second.bytes.empty())
        d.FlipBit(file, rng.Below(it->second.bytes.size()), static_cast<int>(rng.Below(8)));
    } else if (roll < 19) {
      d.Crash();
      for (const auto& [name, seen] : Durable(d)) end[name] = seen.bytes.size();
    } else {
      d.ForEachDurable([&](const std::string& name, std::string_view bytes, uint64_t lineage) {
        auto& [copy, copied] = backup[name];
        if (copied == lineage && copy.size() <= bytes.size()) copy.append(bytes.substr(copy.size()));
        else copy.assign(bytes);
        copied = lineage;
      });
      for (const auto& [name, seen] : Durable(d)) ASSERT_EQ(backup[name].first, seen.bytes) << step;
    }
  }
}

// Recycling a log segment (truncation to zero) gives its memory back: the
// wallet in the loop recycles old segments and snapshots so that a long run's
// disks hold a bounded number of bytes (issue 7).
TEST(SimDiskMemory, TruncationToZeroReleasesTheFilesMemory) {
  SimDisk d(1);
  const std::string mib(1 << 20, 'x');
  for (uint64_t i = 0; i < 8; ++i) {
    d.Execute(Write("wal-1", i * mib.size(), mib));
    d.Execute(Op(IoKind::kFlush, "wal-1"));
  }
  d.Execute(Write("wal-2", 0, "tail"));
  d.Execute(Op(IoKind::kFlush, "wal-2"));
  EXPECT_EQ(d.UsedBytes(), 8 * mib.size() + 4);
  EXPECT_GE(d.HeldBytes(), 8 * mib.size());
  d.Execute(Op(IoKind::kTruncate, "wal-1", 1000));  // a cut keeps the buffer
  EXPECT_GE(d.HeldBytes(), 8 * mib.size());
  d.Execute(Op(IoKind::kTruncate, "wal-1", 0));
  EXPECT_EQ(d.UsedBytes(), 4u);
  EXPECT_LT(d.HeldBytes(), 4096u);
  d.Execute(Write("wal-1", 0, "again"));  // the emptied file is still usable
  d.Execute(Op(IoKind::kFlush, "wal-1"));
  EXPECT_EQ(Durable(d)["wal-1"].bytes, "again");
}

// IoRequest::file holds its name inline: every name the engine emits, at the
// largest generation, fits and reads back unchanged, and a disk finds the file
// by it.
TEST(IoFileName, HoldsEveryEngineNameAtTheLargestGeneration) {
  for (const std::string& name : {SegmentName(UINT64_MAX), SnapshotName(UINT64_MAX),
                                  SnapshotTempName(UINT64_MAX), std::string("."),
                                  std::string()}) {
    const FileName f = name;
    EXPECT_EQ(f.str(), name);
    EXPECT_EQ(f.size(), name.size());
    EXPECT_EQ(std::string(f.c_str()), name);
    EXPECT_LE(name.size(), FileName::kMax);
  }
  SimDisk d(1);
  const std::string wal = SegmentName(UINT64_MAX);
  d.Execute(Write(wal, 0, "abc"));
  d.Execute(Op(IoKind::kFlush, wal));
  d.Execute(Op(IoKind::kRename, wal, 0, "renamed"));
  EXPECT_EQ(Durable(d)["renamed"].bytes, "abc");
  EXPECT_EQ(Durable(d).count(wal), 0u);
}

}  // namespace
}  // namespace wallet
