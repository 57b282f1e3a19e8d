// Write-ahead log and snapshot formats, and recovery (pure functions over a
// directory image; the drivers read and write the bytes).
//
// Log record  = header (64 B) | body (op_count x 128-byte Op) | trailer (16 B)
//   header: header_checksum (Hash64 of header bytes 8..64, which include the
//   body checksum), body_checksum, prev_checksum (the previous record's
//   header_checksum: the hash chain), seq, timestamp (first op), state_hash
//   (ledger hash after applying the record), term, body_len, magic.
//   trailer: header_checksum again and seq ^ kTrailerMagic; a complete record
//   has both, so a torn (incomplete) tail is told apart from a damaged
//   complete record.
// Segments: wal-<gen>.log. Snapshot snap-<gen>.snap holds the state after
// record `seq`; segment <gen> continues right after it. A snapshot is written
// to snap-<gen>.tmp, flushed, renamed, and the directory flushed: after a
// crash the published snapshot is the old or the new one, never a torn one.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "wallet-engine/ledger.h"

namespace wallet {

constexpr uint32_t kRecordMagic = 0x4c415752;  // "RWAL"
constexpr uint64_t kTrailerMagic = 0x52454c49415254ULL;
constexpr uint64_t kSnapshotMagic = 0x31504e534c4c4157ULL;  // "WALLSNP1"
constexpr size_t kRecordHeaderSize = 64;
constexpr size_t kRecordTrailerSize = 16;
constexpr size_t kSnapshotHeaderSize = 64;
constexpr uint32_t kRecordOpsMax = 1u << 16;

struct RecordHeader {
  uint64_t header_checksum = 0;
  uint64_t body_checksum = 0;
  uint64_t prev_checksum = 0;
  uint64_t seq = 0;
  uint64_t timestamp = 0;
  uint64_t state_hash = 0;
  uint64_t term = 0;
  uint32_t body_len = 0;
  uint32_t magic = kRecordMagic;
};
static_assert(sizeof(RecordHeader) == kRecordHeaderSize);

struct SnapshotHeader {
  uint64_t magic = kSnapshotMagic;
  uint64_t gen = 0;
  uint64_t seq = 0;            // last record included
  uint64_t last_checksum = 0;  // header_checksum of record `seq` (chain anchor)
  uint64_t term = 0;
  uint64_t state_hash = 0;
  uint64_t body_len = 0;
  uint64_t checksum = 0;       // Hash64 of header bytes 0..56 and the body
};
static_assert(sizeof(SnapshotHeader) == kSnapshotHeaderSize);

// Appends one encoded record to *out and returns its header.
RecordHeader EncodeRecord(std::span<const Op> ops, uint64_t seq, uint64_t prev_checksum,
                          uint64_t timestamp, uint64_t state_hash, uint64_t term,
                          std::string* out);
size_t RecordSize(size_t op_count);

// A decoded record pointing into the scanned bytes.
struct RecordView {
  RecordHeader header;
  uint64_t offset = 0;
  std::string_view body;
  std::span<const Op> Ops() const {
    return {reinterpret_cast<const Op*>(body.data()), body.size() / sizeof(Op)};
  }
};

// Result of scanning one segment.
struct SegmentScan {
  enum class End { kClean, kTornTail, kDamaged } end = End::kClean;
  std::vector<RecordView> records;
  uint64_t valid_end = 0;  // offset after the last valid record
  uint64_t bad_offset = 0;
  std::string what;        // for kTornTail / kDamaged
};

// Decodes records from `bytes` (a segment's content). The records' own
// checksums are verified here; the chain across records is verified too when
// `expect_seq`/`expect_prev` are given (first record's seq and prev).
// REQUIRES: bytes outlives the returned views.
SegmentScan ScanSegment(std::string_view bytes, std::optional<uint64_t> expect_seq,
                        std::optional<uint64_t> expect_prev);

// Decodes `bytes` as exactly one whole record with valid checksums and
// trailer (a replicated record): true iff ScanSegment(bytes, {}, {}) would
// end clean with exactly one record, and then *out is that record. Unlike
// ScanSegment it allocates nothing and explains nothing (a replica drops a
// record damaged in transit; the primary resends it).
// REQUIRES: bytes outlives *out's body.
bool DecodeRecord(std::string_view bytes, RecordView* out);

// Snapshot file image: header + Ledger::Serialize().
std::string EncodeSnapshot(const Ledger& ledger, uint64_t gen, uint64_t seq,
                           uint64_t last_checksum, uint64_t term);
// Verifies and decodes a snapshot header; body is set to the state image.
bool DecodeSnapshot(std::string_view bytes, SnapshotHeader* header, std::string_view* body,
                    std::string* what);

// File names.
std::string SegmentName(uint64_t gen);
std::string SnapshotName(uint64_t gen);
std::string SnapshotTempName(uint64_t gen);
// Parses "wal-<gen>.log" / "snap-<gen>.snap"; false for other names.
bool ParseSegmentName(std::string_view name, uint64_t* gen);
bool ParseSnapshotName(std::string_view name, uint64_t* gen);

// A data directory's files, name -> bytes (sorted, so recovery is deterministic).
using DirImage = std::map<std::string, std::string>;

// Where and what the damage is: "file @ offset: what".
struct Diagnosis {
  std::string file;
  uint64_t offset = 0;
  std::string what;
  std::string ToString() const;
};

struct RecoveryOptions {
  LedgerConfig ledger;
  // Point-in-time restore: stop after the last record with seq <= stop_seq
  // and timestamp <= stop_timestamp. Snapshots newer than the target are not
  // used.
  uint64_t stop_seq = std::numeric_limits<uint64_t>::max();
  uint64_t stop_timestamp = std::numeric_limits<uint64_t>::max();
  // Keep the op ids of replayed records (RecordInfo::op_ids); a restarted
  // primary reports them as possibly acknowledged for RPO accounting.
  bool collect_op_ids = false;
};

// Per-record facts kept after recovery (replication needs seq -> checksum).
struct RecordInfo {
  uint64_t seq = 0;
  uint64_t checksum = 0;
  uint64_t timestamp = 0;
  uint64_t state_hash = 0;
  std::vector<Id128> op_ids;  // only with RecoveryOptions::collect_op_ids: ops first applied here
  std::vector<uint64_t> op_timestamps;
};

struct RecoveryResult {
  bool ok = false;
  Diagnosis diagnosis;                // when !ok
  std::vector<std::string> warnings;  // e.g. a damaged snapshot replaced by an older one
  Ledger ledger;
  uint64_t last_seq = 0;
  uint64_t last_checksum = 0;
  uint64_t last_term = 0;
  uint64_t last_state_hash = 0;      // recorded hash at last_seq (0 when empty)
  uint64_t snapshot_gen = 0;          // snapshot used (0: none)
  uint64_t log_gen = 0;               // segment to continue appending to
  uint64_t log_offset = 0;            // append offset in it (after truncation)
  uint64_t max_gen = 0;               // highest generation seen in any file name
  std::optional<uint64_t> truncate_at;  // torn unacknowledged tail to cut from log_gen
  uint64_t records_replayed = 0;
  uint64_t ops_replayed = 0;
  std::vector<RecordInfo> records;    // records replayed, in order
};

// Loads the newest valid snapshot (not newer than the stop target) and
// replays the segments after it, verifying checksums, the hash chain,
// sequence continuity and each record's state hash. Only a torn tail of the
// last segment is cut (truncate_at); any other damage returns ok=false with
// a precise diagnosis. Never skips a record.
RecoveryResult Recover(const DirImage& dir, const RecoveryOptions& options);

}  // namespace wallet
