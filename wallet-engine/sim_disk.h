// SimDisk: an in-memory disk for the simulated driver. It executes the
// engine's IoRequests when the host decides (at simulated times of its
// choosing), distinguishes volatile (written, unflushed) from durable bytes,
// and injects the spec's disk faults: torn writes at crash, lost writes,
// misdirected writes, bit flips at rest, fsync errors, a full disk.
//
// Model (documented assumptions the recovery relies on):
//  - A write is volatile until a flush of the same file; a crash keeps each
//    unflushed write fully, not at all, or as a torn prefix cut at a 512-byte
//    sector boundary (writes of one file persist in order).
//  - A rename is atomic and volatile until a directory flush; a crash may
//    undo an unflushed rename.
//  - A lost write reports success but the medium keeps zeros (the file size
//    still grows); a misdirected write lands `misdirect_bytes` further on.
//  - A failed flush drops that file's unflushed writes (Linux may discard
//    dirty pages after an fsync error).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "wallet-engine/engine.h"
#include "wallet-engine/wal.h"

namespace wallet {

struct DiskFaults {
  uint32_t lost_write_ppm = 0;      // per write, parts per million
  uint32_t misdirect_write_ppm = 0;
  uint32_t fsync_error_ppm = 0;
  uint64_t misdirect_bytes = 4096;
  uint64_t capacity_bytes = UINT64_MAX;  // writes beyond it fail with kNoSpace
};

// Counts of injected faults (a test asserts each was detected).
struct DiskFaultLog {
  uint64_t lost_writes = 0;
  uint64_t misdirected_writes = 0;
  uint64_t fsync_errors = 0;
  uint64_t torn_writes = 0;
  uint64_t dropped_writes = 0;
  uint64_t bit_flips = 0;
};

class SimDisk {
 public:
  explicit SimDisk(uint64_t seed, DiskFaults faults = {}) : rng_(seed), faults_(faults) {}

  // Executes one request now and returns its completion. The rvalue form
  // takes a write's bytes without a copy and the request without moving it
  // into a parameter (two string moves per I/O, ~1 % of a simulated wallet
  // run's instructions, callgrind, issue 7); the request is left moved-from.
  IoCompletion Execute(IoRequest&& request);
  IoCompletion Execute(const IoRequest& request);
  // Power loss: unflushed writes are kept, dropped or torn; unflushed renames
  // may be undone. The durable image stays.
  void Crash();
  // Durable contents (what a restart reads).
  DirImage Image() const;
  // The durable contents without copying them: fn(name, bytes, lineage) per
  // file, in name order (the files Image() lists). `lineage` identifies the
  // file's content history: it is unique among all SimDisks of the process
  // and changes whenever bytes already durable change (overwrite, truncation,
  // bit flip, another file renamed over it); only appends keep it. So a copy
  // of (name, lineage, n bytes) taken earlier is still a prefix of the file
  // while its lineage is unchanged: a backup only copies the new tail.
  template <typename Fn>
  void ForEachDurable(Fn&& fn) const {
    for (const auto& [name, f] : files_) fn(name, f.durable.view(), f.lineage);
  }
  // Flips one bit of a durable file at rest. REQUIRES: the file exists and
  // offset < its size.
  void FlipBit(const std::string& file, uint64_t offset, int bit);
  // Total durable bytes.
  uint64_t UsedBytes() const;
  // Memory the simulated medium holds: allocated bytes of every file
  // (durable, unflushed writes, renames not yet made durable). A file
  // truncated to zero holds none.
  uint64_t HeldBytes() const;

  DiskFaults& faults() { return faults_; }
  const DiskFaultLog& fault_log() const { return log_; }

 private:
  struct PendingWrite {
    uint64_t offset = 0;
    std::string bytes;
    bool lost = false;
    bool misdirected = false;
  };
  struct File {
    // AllocateLarge-backed: a log segment of hundreds of MB lives in huge
    // pages (one page fault per 2 MiB) instead of a std::string whose every
    // doubling took fresh 4 KiB pages (appending was ~9% of a simulated
    // wallet's CPU, mostly page faults; perf on `rehearse run`, issue 7).
    LargeBytes durable;
    std::vector<PendingWrite> pending;
    uint64_t lineage = NewLineage();
  };
  // Process-wide unique (an identity token only: never hashed, never ordered).
  static uint64_t NewLineage();
  // Writes bytes at offset (zero-filling a gap); a write below the current
  // end changes the lineage.
  static void ApplyWrite(File* f, uint64_t offset, std::string_view bytes);

  // files_[name], through a one-entry cache: a log's write and its flush go
  // to the same file, and the map's string compares were ~2% of a simulated
  // wallet's instructions (callgrind on `rehearse run`, issue 7).
  File& FileNamed(std::string_view name);
  // A cached File* must not outlive its map node, nor follow a copy.
  struct FileCache {
    File* file = nullptr;
    std::string name;
    FileCache() = default;
    FileCache(const FileCache&) {}
    FileCache& operator=(const FileCache&) {
      file = nullptr;
      return *this;
    }
  };

  Rng rng_;
  DiskFaults faults_;
  DiskFaultLog log_;
  std::map<std::string, File, std::less<>> files_;
  FileCache cache_;  // cleared whenever files_ loses an entry
  std::vector<std::pair<std::string, std::string>> pending_renames_;  // (from, to) undone on crash
  std::map<std::string, File> renamed_away_;  // previous content of rename targets
};

}  // namespace wallet
