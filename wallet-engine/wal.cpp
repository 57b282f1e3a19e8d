#include "wallet-engine/wal.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace wallet {

namespace {

uint64_t HeaderChecksum(const RecordHeader& h) {
  return Hash64Inline(reinterpret_cast<const char*>(&h) + 8, kRecordHeaderSize - 8, 0x4844);
}
uint64_t BodyChecksum(std::string_view body) { return Hash64(body.data(), body.size(), 0x4244); }

// A header ScanSegment and DecodeRecord accept: magic, checksum, and a
// whole number of ops within the record limit.
bool HeaderValid(const RecordHeader& h) {
  return h.magic == kRecordMagic && h.header_checksum == HeaderChecksum(h) &&
         h.body_len % sizeof(Op) == 0 && h.body_len <= kRecordOpsMax * sizeof(Op);
}

// Whether the trailer after the body of the record starting at `at` names it.
// REQUIRES: the whole record lies within bytes.
bool TrailerMatches(std::string_view bytes, uint64_t at, const RecordHeader& h) {
  uint64_t trailer[2];
  std::memcpy(trailer, bytes.data() + at + kRecordHeaderSize + h.body_len, sizeof trailer);
  return trailer[0] == h.header_checksum && trailer[1] == (h.seq ^ kTrailerMagic);
}

bool AllZero(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == 0; });
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

}  // namespace

size_t RecordSize(size_t op_count) {
  return kRecordHeaderSize + op_count * sizeof(Op) + kRecordTrailerSize;
}

RecordHeader EncodeRecord(std::span<const Op> ops, uint64_t seq, uint64_t prev_checksum,
                          uint64_t timestamp, uint64_t state_hash, uint64_t term,
                          std::string* out) {
  WE_ASSERT(ops.size() <= kRecordOpsMax);
  RecordHeader h;
  const std::string_view body(reinterpret_cast<const char*>(ops.data()), ops.size() * sizeof(Op));
  h.body_checksum = BodyChecksum(body);
  h.prev_checksum = prev_checksum;
  h.seq = seq;
  h.timestamp = timestamp;
  h.state_hash = state_hash;
  h.term = term;
  h.body_len = static_cast<uint32_t>(body.size());
  h.header_checksum = HeaderChecksum(h);
  out->append(reinterpret_cast<const char*>(&h), sizeof h);
  out->append(body);
  const uint64_t trailer[2] = {h.header_checksum, seq ^ kTrailerMagic};
  out->append(reinterpret_cast<const char*>(trailer), sizeof trailer);
  return h;
}

SegmentScan ScanSegment(std::string_view bytes, std::optional<uint64_t> expect_seq,
                        std::optional<uint64_t> expect_prev) {
  SegmentScan scan;
  uint64_t off = 0;
  const uint64_t size = bytes.size();
  auto fail = [&](SegmentScan::End end, uint64_t at, std::string what) {
    scan.end = end;
    scan.bad_offset = at;
    scan.what = std::move(what);
    scan.valid_end = off;
    return scan;
  };
  // Is there a complete valid record anywhere after `from`? Then the damage
  // at `from` is in the middle of the log, not a torn tail.
  auto valid_record_after = [&](uint64_t from, uint64_t* found_at, uint64_t* found_seq) {
    for (uint64_t p = (from + 16) & ~uint64_t{15}; p + kRecordHeaderSize <= size; p += 16) {
      RecordHeader h;
      std::memcpy(&h, bytes.data() + p, sizeof h);
      if (h.magic == kRecordMagic && h.header_checksum == HeaderChecksum(h)) {
        *found_at = p;
        *found_seq = h.seq;
        return true;
      }
    }
    return false;
  };
  // A trailer for `seq` anywhere after `from` means the record there was
  // complete: its damage is corruption, not a torn write.
  auto trailer_after = [&](uint64_t from, uint64_t seq) {
    for (uint64_t p = (from + 16) & ~uint64_t{15}; p + 16 <= size; p += 16) {
      uint64_t t[2];
      std::memcpy(t, bytes.data() + p, sizeof t);
      if (t[1] == (seq ^ kTrailerMagic) && t[0] != 0) return true;
    }
    return false;
  };
  uint64_t next_seq = expect_seq.value_or(0);
  uint64_t prev = expect_prev.value_or(0);
  bool chain_known = expect_seq.has_value();
  while (off < size) {
    const uint64_t remaining = size - off;
    if (remaining < kRecordHeaderSize) {
      uint64_t at, s;
      if (valid_record_after(off, &at, &s))
        return fail(SegmentScan::End::kDamaged, off, "short record header before valid record");
      return fail(SegmentScan::End::kTornTail, off, "partial record header at end of segment");
    }
    RecordHeader h;
    std::memcpy(&h, bytes.data() + off, sizeof h);
    const bool header_ok = HeaderValid(h);
    if (!header_ok) {
      uint64_t at, s;
      if (valid_record_after(off, &at, &s))
        return fail(SegmentScan::End::kDamaged, off,
                    "record header checksum mismatch (lost or corrupted write); valid record seq " +
                        std::to_string(s) + " follows at offset " + std::to_string(at));
      if (AllZero(bytes.substr(off)))
        return fail(SegmentScan::End::kTornTail, off, "zero-filled tail (unwritten)");
      if (chain_known && trailer_after(off, next_seq))
        return fail(SegmentScan::End::kDamaged, off,
                    "record header of complete record seq " + std::to_string(next_seq) +
                        " is corrupted (its trailer is intact)");
      return fail(SegmentScan::End::kTornTail, off, "torn record header at end of segment");
    }
    const uint64_t total = RecordSize(h.body_len / sizeof(Op));
    if (remaining < total) {
      return fail(SegmentScan::End::kTornTail, off,
                  "incomplete record seq " + std::to_string(h.seq) + " at end of segment");
    }
    const std::string_view body = bytes.substr(off + kRecordHeaderSize, h.body_len);
    const bool trailer_ok = TrailerMatches(bytes, off, h);
    if (BodyChecksum(body) != h.body_checksum) {
      const bool last = off + total == size;
      if (!trailer_ok && last && AllZero(bytes.substr(off + kRecordHeaderSize + h.body_len)))
        return fail(SegmentScan::End::kTornTail, off,
                    "torn record seq " + std::to_string(h.seq) + " (body incomplete, no trailer)");
      return fail(SegmentScan::End::kDamaged, off,
                  "body checksum mismatch in complete record seq " + std::to_string(h.seq));
    }
    if (!trailer_ok && off + total == size &&
        AllZero(bytes.substr(off + kRecordHeaderSize + h.body_len)))
      return fail(SegmentScan::End::kTornTail, off,
                  "record seq " + std::to_string(h.seq) + " lacks its trailer (torn write)");
    if (!trailer_ok)
      return fail(SegmentScan::End::kDamaged, off + kRecordHeaderSize + h.body_len,
                  "trailer of record seq " + std::to_string(h.seq) + " is corrupted");
    if (chain_known) {
      if (h.seq != next_seq)
        return fail(SegmentScan::End::kDamaged, off,
                    "sequence gap: expected seq " + std::to_string(next_seq) + ", found " +
                        std::to_string(h.seq));
      if (h.prev_checksum != prev)
        return fail(SegmentScan::End::kDamaged, off,
                    "hash chain break at seq " + std::to_string(h.seq) + ": prev " +
                        Hex(h.prev_checksum) + " != " + Hex(prev));
    }
    chain_known = true;
    RecordView v;
    v.header = h;
    v.offset = off;
    v.body = body;
    scan.records.push_back(v);
    next_seq = h.seq + 1;
    prev = h.header_checksum;
    off += total;
  }
  scan.valid_end = off;
  return scan;
}

bool DecodeRecord(std::string_view bytes, RecordView* out) {
  // ScanSegment's acceptance conditions for a record that fills the bytes.
  RecordHeader h;
  if (bytes.size() < kRecordHeaderSize) return false;
  std::memcpy(&h, bytes.data(), sizeof h);
  if (!HeaderValid(h) || bytes.size() != RecordSize(h.body_len / sizeof(Op)) ||
      !TrailerMatches(bytes, 0, h))
    return false;
  const std::string_view body = bytes.substr(kRecordHeaderSize, h.body_len);
  if (BodyChecksum(body) != h.body_checksum) return false;
  out->header = h;
  out->offset = 0;
  out->body = body;
  return true;
}

std::string EncodeSnapshot(const Ledger& ledger, uint64_t gen, uint64_t seq,
                           uint64_t last_checksum, uint64_t term) {
  std::string body;
  ledger.Serialize(&body);
  SnapshotHeader h;
  h.gen = gen;
  h.seq = seq;
  h.last_checksum = last_checksum;
  h.term = term;
  h.state_hash = ledger.StateHash();
  h.body_len = body.size();
  const uint64_t hc = Hash64(&h, 56, 0x534e);
  h.checksum = Hash64(body.data(), body.size(), hc);
  std::string out;
  out.reserve(sizeof h + body.size());
  out.append(reinterpret_cast<const char*>(&h), sizeof h);
  out.append(body);
  return out;
}

bool DecodeSnapshot(std::string_view bytes, SnapshotHeader* h, std::string_view* body,
                    std::string* what) {
  if (bytes.size() < sizeof(SnapshotHeader)) {
    *what = "snapshot shorter than its header";
    return false;
  }
  std::memcpy(h, bytes.data(), sizeof *h);
  if (h->magic != kSnapshotMagic) {
    *what = "snapshot magic mismatch";
    return false;
  }
  if (h->body_len != bytes.size() - sizeof(SnapshotHeader)) {
    *what = "snapshot length mismatch";
    return false;
  }
  *body = bytes.substr(sizeof(SnapshotHeader));
  const uint64_t hc = Hash64(h, 56, 0x534e);
  if (Hash64(body->data(), body->size(), hc) != h->checksum) {
    *what = "snapshot checksum mismatch";
    return false;
  }
  return true;
}

std::string SegmentName(uint64_t gen) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "wal-%010" PRIu64 ".log", gen);
  return buf;
}
std::string SnapshotName(uint64_t gen) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "snap-%010" PRIu64 ".snap", gen);
  return buf;
}
std::string SnapshotTempName(uint64_t gen) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "snap-%010" PRIu64 ".tmp", gen);
  return buf;
}

namespace {
bool ParseGen(std::string_view name, std::string_view prefix, std::string_view suffix,
              uint64_t* gen) {
  if (name.size() != prefix.size() + 10 + suffix.size()) return false;
  if (name.substr(0, prefix.size()) != prefix) return false;
  if (name.substr(prefix.size() + 10) != suffix) return false;
  uint64_t v = 0;
  for (char c : name.substr(prefix.size(), 10)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *gen = v;
  return true;
}
}  // namespace

bool ParseSegmentName(std::string_view name, uint64_t* gen) {
  return ParseGen(name, "wal-", ".log", gen);
}
bool ParseSnapshotName(std::string_view name, uint64_t* gen) {
  return ParseGen(name, "snap-", ".snap", gen);
}

std::string Diagnosis::ToString() const {
  return file + " @ offset " + std::to_string(offset) + ": " + what;
}

RecoveryResult Recover(const DirImage& dir, const RecoveryOptions& options) {
  RecoveryResult r;
  r.ledger = Ledger(options.ledger);
  std::vector<uint64_t> snaps, segs;
  for (const auto& [name, bytes] : dir) {
    uint64_t gen;
    if (ParseSnapshotName(name, &gen)) snaps.push_back(gen);
    else if (ParseSegmentName(name, &gen)) segs.push_back(gen);
    else if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp" &&
             name.rfind("snap-", 0) == 0 && ParseGen(name, "snap-", ".tmp", &gen)) {
      // An unpublished snapshot: its generation number stays taken.
    } else {
      continue;
    }
    r.max_gen = std::max(r.max_gen, gen);
  }
  std::sort(snaps.rbegin(), snaps.rend());
  std::sort(segs.begin(), segs.end());
  // 1. Newest valid snapshot not beyond the target.
  uint64_t start_gen = 0;
  bool have_snapshot = false;
  std::optional<Diagnosis> damaged;  // the newest snapshot skipped as unreadable
  uint64_t damaged_gen = 0;
  // Its header's anchor (seq, chain checksum, state hash), unverified: the
  // checksum covering it failed. Only an exact match with a replayed record
  // is trusted (a damaged header cannot match all three by accident).
  std::optional<SnapshotHeader> damaged_anchor;
  for (uint64_t gen : snaps) {
    SnapshotHeader h;
    std::string_view body;
    std::string what;
    const std::string name = SnapshotName(gen);
    if (!DecodeSnapshot(dir.at(name), &h, &body, &what)) {
      r.warnings.push_back(name + " @ offset 0: " + what + "; using an older snapshot and more log");
      if (!damaged) {
        damaged = Diagnosis{name, 0, what};
        damaged_gen = gen;
        if (dir.at(name).size() >= sizeof(SnapshotHeader)) {
          SnapshotHeader anchor;
          std::memcpy(&anchor, dir.at(name).data(), sizeof anchor);
          if (anchor.magic == kSnapshotMagic && anchor.gen == gen) damaged_anchor = anchor;
        }
      }
      continue;
    }
    if (h.seq > options.stop_seq) continue;
    std::string err;
    Ledger l;
    if (!Ledger::Deserialize(body, options.ledger, &l, &err) || l.StateHash() != h.state_hash) {
      r.diagnosis = {name, sizeof(SnapshotHeader),
                     err.empty() ? "snapshot state hash mismatch after decoding" : err};
      return r;
    }
    if (l.last_timestamp() > options.stop_timestamp) continue;
    r.ledger = std::move(l);
    r.last_seq = h.seq;
    r.last_checksum = h.last_checksum;
    r.last_term = h.term;
    r.last_state_hash = h.state_hash;
    r.snapshot_gen = gen;
    start_gen = gen;
    have_snapshot = true;
    break;
  }
  // A damaged snapshot may only be bypassed when the log from the older
  // starting point is still there (segments are recycled once newer
  // snapshots exist): else falling back would silently drop every record
  // between the two snapshots, acknowledged ones included.
  if (damaged && (have_snapshot ? !std::binary_search(segs.begin(), segs.end(), start_gen) : segs.empty())) {
    r.diagnosis = *damaged;
    r.diagnosis.what += "; the log after the older starting point (" +
                        (have_snapshot ? SnapshotName(start_gen) : std::string("genesis")) +
                        ") is recycled, so recovering from it would lose records";
    return r;
  }
  // 2. Replay segments from the snapshot's generation on.
  r.log_gen = have_snapshot ? start_gen : (segs.empty() ? 0 : segs.front());
  r.log_offset = 0;
  {
    // Every op adds at most two index entries (a rollback before its bet
    // adds a tombstone too); ops are almost always one: reserve that.
    size_t log_ops = 0;
    for (uint64_t gen : segs)
      if (gen >= start_gen) log_ops += dir.at(SegmentName(gen)).size() / sizeof(Op);
    r.ledger.ReserveEntries(log_ops);
  }
  std::vector<OpReply> replies;
  std::vector<Op> copy;  // only for a body that is not 8-byte aligned
  bool stopped = false;
  bool past_damaged = false;  // a record of the log after the damaged snapshot was replayed
  for (size_t i = 0; i < segs.size() && !stopped; ++i) {
    const uint64_t gen = segs[i];
    if (gen < start_gen) continue;
    const std::string name = SegmentName(gen);
    const std::string& bytes = dir.at(name);
    const bool last_segment = i + 1 == segs.size();
    // Without a snapshot the log starts at seq 1 with prev 0, so the chain is
    // always known (a damaged first record is then told from a torn one).
    SegmentScan scan = ScanSegment(bytes, r.last_seq + 1, r.last_checksum);
    const bool chain = true;
    if (!chain && !scan.records.empty() && scan.records.front().header.seq != 1) {
      r.diagnosis = {name, 0, "first record has seq " +
                                  std::to_string(scan.records.front().header.seq) +
                                  " but no snapshot precedes it"};
      return r;
    }
    if (!chain && !scan.records.empty() && scan.records.front().header.prev_checksum != 0) {
      r.diagnosis = {name, 0, "first record of the log has a non-zero prev checksum"};
      return r;
    }
    if (scan.end == SegmentScan::End::kDamaged ||
        (scan.end == SegmentScan::End::kTornTail && !last_segment)) {
      r.diagnosis = {name, scan.bad_offset,
                     scan.end == SegmentScan::End::kDamaged ? scan.what
                                                            : scan.what + " in a sealed segment"};
      return r;
    }
    for (const RecordView& v : scan.records) {
      if (v.header.seq > options.stop_seq || v.header.timestamp > options.stop_timestamp) {
        stopped = true;
        break;
      }
      // Decoded in place: the body is an array of Op. A std::string's heap
      // buffer is 16-aligned and records are multiples of 16 bytes, so the
      // copy below is taken only for a caller's odd buffer.
      std::span<const Op> ops = v.Ops();
      if (reinterpret_cast<uintptr_t>(v.body.data()) % alignof(Op) != 0) {
        copy.resize(v.body.size() / sizeof(Op));
        std::memcpy(static_cast<void*>(copy.data()), v.body.data(), v.body.size());
        ops = copy;
      }
      replies.resize(ops.size());
      if (v.header.timestamp <= r.ledger.last_timestamp() && !ops.empty()) {
        r.diagnosis = {name, v.offset, "record seq " + std::to_string(v.header.seq) +
                                           " has a timestamp that does not increase"};
        return r;
      }
      if (!ops.empty())
        r.ledger.ApplyBatch(ops, v.header.timestamp, replies.data(), /*reply_balances=*/false);
      RecordInfo info{v.header.seq, v.header.header_checksum, v.header.timestamp,
                      v.header.state_hash, {}, {}};
      if (options.collect_op_ids)
        for (size_t k = 0; k < ops.size(); ++k)
          if (replies[k].timestamp == v.header.timestamp + k) {
            info.op_ids.push_back(ops[k].id);
            info.op_timestamps.push_back(v.header.timestamp + k);
          }
      if (r.ledger.StateHash() != v.header.state_hash) {
        r.diagnosis = {name, v.offset, "state hash after replaying seq " +
                                           std::to_string(v.header.seq) + " is " +
                                           Hex(r.ledger.StateHash()) + ", log recorded " +
                                           Hex(v.header.state_hash)};
        return r;
      }
      r.last_seq = v.header.seq;
      r.last_checksum = v.header.header_checksum;
      r.last_term = v.header.term;
      r.last_state_hash = v.header.state_hash;
      r.records_replayed++;
      r.ops_replayed += ops.size();
      r.records.push_back(std::move(info));
      past_damaged |= damaged.has_value() && gen >= damaged_gen;
    }
    r.log_gen = gen;
    r.log_offset = scan.valid_end;
    if (scan.end == SegmentScan::End::kTornTail) {
      r.truncate_at = scan.valid_end;
      r.warnings.push_back(name + " @ offset " + std::to_string(scan.bad_offset) + ": " + scan.what +
                           " (unacknowledged tail truncated)");
    }
  }
  // The older log is known to reach the damaged snapshot's point only when
  // the hash chain runs on into the log written after that snapshot (the
  // snapshot's own seq is unreadable). A snapshot installed from a primary
  // follows an unrelated older log: falling back to it silently dropped
  // every record up to the install (swarm seed 1040687 with the install
  // fix: a sync standby came back at seq 1 instead of 12 and was promoted).
  // A target reached earlier (point-in-time restore) needs no more, and
  // neither does an older log that ends exactly at the snapshot's anchor:
  // same seq, same chain checksum and same state hash as its header records
  // (nothing was written after the snapshot; the state is the snapshot's).
  // The log then goes on in the damaged snapshot's own segment (as it would
  // have), so that a later recovery sees the chain run past its point.
  const bool ends_at_anchor = damaged_anchor && !r.truncate_at &&
                              r.last_seq == damaged_anchor->seq &&
                              r.last_checksum == damaged_anchor->last_checksum &&
                              r.last_state_hash == damaged_anchor->state_hash;
  if (damaged && !past_damaged && !stopped) {
    if (!ends_at_anchor) {
      r.diagnosis = *damaged;
      r.diagnosis.what += "; no record after it in the log shows that the older log reaches its point";
      return r;
    }
    if (r.log_gen < damaged_gen) {
      r.log_gen = damaged_gen;
      r.log_offset = 0;
    }
  }
  r.ok = true;
  return r;
}

}  // namespace wallet
