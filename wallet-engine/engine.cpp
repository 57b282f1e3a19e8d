#include "wallet-engine/engine.h"

#include <algorithm>

namespace wallet {

const char* RoleName(Role r) {
  switch (r) {
    case Role::kPrimary: return "primary";
    case Role::kReplica: return "replica";
    case Role::kFailed: return "failed";
  }
  return "?";
}
const char* ModeName(ReplicationMode m) {
  switch (m) {
    case ReplicationMode::kAsync: return "async";
    case ReplicationMode::kSync: return "sync";
    case ReplicationMode::kQuorum: return "quorum";
  }
  return "?";
}
const char* IoKindName(IoKind k) {
  switch (k) {
    case IoKind::kWrite: return "write";
    case IoKind::kFlush: return "flush";
    case IoKind::kRename: return "rename";
    case IoKind::kFlushDir: return "flush_dir";
    case IoKind::kTruncate: return "truncate";
  }
  return "?";
}
const char* VerdictName(PromotionVerdict v) {
  switch (v) {
    case PromotionVerdict::kAllowed: return "allowed";
    case PromotionVerdict::kRefusedNotReplica: return "refused_not_replica";
    case PromotionVerdict::kRefusedNotSyncStandby: return "refused_not_sync_standby";
    case PromotionVerdict::kRefusedBehindCommit: return "refused_behind_commit";
    case PromotionVerdict::kRefusedNoQuorum: return "refused_no_quorum";
    case PromotionVerdict::kRefusedNotMostRecent: return "refused_not_most_recent";
    case PromotionVerdict::kRefusedLagTooHigh: return "refused_lag_too_high";
  }
  return "?";
}

Engine::Engine(EngineConfig config, Role role, uint64_t term, RecoveryResult recovered)
    : config_(std::move(config)), role_(role), term_(std::max(term, recovered.last_term)) {
  WE_ASSERT(recovered.ok);
  WE_ASSERT(role != Role::kFailed);
  ledger_ = std::move(recovered.ledger);
  log_gen_ = recovered.log_gen;
  log_offset_ = recovered.log_offset;
  max_gen_ = std::max(recovered.max_gen, recovered.log_gen);
  last_seq_ = recovered.last_seq;
  last_checksum_ = recovered.last_checksum;
  last_record_term_ = recovered.last_term;
  durable_seq_ = last_seq_;
  commit_seq_ = last_seq_;
  known_commit_seq_ = role == Role::kPrimary ? last_seq_ : 0;
  if (role == Role::kPrimary && config_.mode != ReplicationMode::kAsync && config_.k > 0) {
    // A restarted sync/quorum primary does not know how far it acknowledged:
    // its local log may end in records that never reached k replicas (and so
    // were never acknowledged). Claiming them committed would tell replicas a
    // commit point none of them holds, and after losing this node the
    // promotion rule (refuse a replica behind the known commit) would refuse
    // every replica forever (swarm seed 1407). The commit point is rebuilt
    // from the replicas' acknowledgements instead (AdvanceCommit).
    commit_seq_ = 0;
    known_commit_seq_ = 0;
  }
  for (RecordInfo& r : recovered.records) {
    RememberRecord(r.seq, r.checksum, nullptr);
    // A restarted primary may have acknowledged any durable record before
    // the crash: count them as acknowledged (ack time unknown: 0).
    if (role == Role::kPrimary && config_.track_acked_ops)
      acked_.push_back({r.seq, r.checksum, 0, std::move(r.op_ids), std::move(r.op_timestamps)});
  }
  checksums_.Put(last_seq_, last_checksum_);
  for (uint32_t id : config_.replicas) {
    ReplicaProgress p;
    p.node = id;
    p.next_seq = last_seq_ + 1;
    replicas_.push_back(p);
  }
  if (role == Role::kPrimary) acked_frontier_ts_ = ledger_.last_timestamp();
  if (recovered.truncate_at) {
    truncate_pending_ = true;
    Emit(IoKind::kTruncate, LogName(log_gen_), *recovered.truncate_at, {}, IoPurpose::kTruncate);
  }
}

const FileName& Engine::LogName(uint64_t gen) {
  if (gen != log_name_gen_) {
    log_name_ = SegmentName(gen);
    log_name_gen_ = gen;
  }
  return log_name_;
}

// Member-wise swaps: std::swap of the struct went through a temporary
// (three vector move-constructions and six move-assignments per call, ~2,600
// instructions per record over three engines; callgrind, issue 7). The
// caller's emptied vectors come back with their capacity.
void Engine::TakeOutputs(Outputs* out) {
  out->Clear();
  out->io.swap(out_.io);
  out->messages.swap(out_.messages);
  out->replies.swap(out_.replies);
}

uint64_t Engine::Emit(IoKind kind, const FileName& file, uint64_t offset, std::string bytes,
                      IoPurpose purpose, uint64_t seq, uint64_t gen, bool install,
                      std::string target) {
  IoRequest req;
  req.id = next_io_id_++;
  req.kind = kind;
  req.file = file;
  req.target = std::move(target);
  req.offset = offset;
  req.bytes = std::move(bytes);
  IoPending p;
  p.purpose = purpose;
  p.seq = seq;
  p.gen = gen;
  p.install = install;
  io_pending_.emplace_back(req.id, p);
  out_.io.push_back(std::move(req));
  return next_io_id_ - 1;
}

// ------------------------------------------------------------- requests ---

void Engine::Submit(uint64_t now_us, Submission s) {
  now_us_ = std::max(now_us_, now_us);
  Reply refuse;
  refuse.request_id = s.request_id;
  refuse.term = term_;
  if (role_ != Role::kPrimary) {
    refuse.status = role_ == Role::kFailed ? ReplyStatus::kStorageFailed : ReplyStatus::kNotPrimary;
    out_.replies.push_back(std::move(refuse));
    return;
  }
  if (s.ops.size() > config_.batch_ops_max || s.ops.size() > kRecordOpsMax) {
    refuse.status = ReplyStatus::kTooLarge;
    out_.replies.push_back(std::move(refuse));
    return;
  }
  if (batch_ops_.size() + s.ops.size() > config_.batch_ops_max) CloseBatch();
  if (batch_ops_.empty()) batch_first_us_ = now_us_;
  batch_ops_.insert(batch_ops_.end(), s.ops.begin(), s.ops.end());
  batch_requests_.emplace_back(s.request_id, static_cast<uint32_t>(s.ops.size()));
  if (batch_ops_.size() >= config_.batch_ops_max ||
      batch_ops_.size() * sizeof(Op) >= config_.batch_bytes_max || config_.batch_delay_us == 0 ||
      (config_.close_batch_when_log_idle && LogIdle()))
    CloseBatch();
}

bool Engine::LogIdle() const {
  return !write_in_flight_ && write_queue_.empty() && !truncate_pending_;
}

void Engine::Tick(uint64_t now_us) {
  now_us_ = std::max(now_us_, now_us);
  if (role_ == Role::kPrimary) {
    if (!batch_requests_.empty() && now_us_ - batch_first_us_ >= config_.batch_delay_us)
      CloseBatch();
    if (now_us_ - last_heartbeat_us_ >= config_.heartbeat_us) SendHeartbeats();
    AdvanceCommit();
  }
  MaybeSnapshot();
}

void Engine::CloseBatch() {
  if (batch_requests_.empty()) return;
  const uint64_t ts = std::max(ledger_.last_timestamp() + 1, now_us_ * 1000);
  std::vector<OpReply>& results = results_scratch_;  // reused: no allocation per batch
  results.assign(batch_ops_.size(), OpReply{});
  ledger_.ApplyBatch(batch_ops_, ts, results.data());
  const uint64_t seq = last_seq_ + 1;
  std::string bytes;
  bytes.reserve(RecordSize(batch_ops_.size()));
  const RecordHeader h =
      EncodeRecord(batch_ops_, seq, last_checksum_, ts, ledger_.StateHash(), term_, &bytes);
  last_seq_ = seq;
  last_checksum_ = h.header_checksum;
  last_record_term_ = term_;
  HeldRecord held;
  held.seq = seq;
  held.checksum = h.header_checksum;
  size_t at = 0;
  for (const auto& [request_id, count] : batch_requests_) {
    Reply r;
    r.request_id = request_id;
    r.seq = seq;
    r.term = term_;
    r.results.assign(results.begin() + static_cast<std::ptrdiff_t>(at),
                     results.begin() + static_cast<std::ptrdiff_t>(at + count));
    at += count;
    held.replies.push_back(std::move(r));
  }
  if (config_.track_acked_ops) FreshOps(batch_ops_, results, ts, &held.op_ids, &held.op_timestamps);
  held.last_ts = ts + batch_ops_.size() - 1;
  held_.push_back(std::move(held));
  ops_since_snapshot_ += batch_ops_.size();
  batch_ops_.clear();
  batch_requests_.clear();
  RememberRecord(seq, h.header_checksum, &bytes);
  for (ReplicaProgress& r : replicas_)
    if (r.next_seq == seq && !r.installing) SendAppend(r, seq);
  AppendLocal(std::move(bytes), seq);
}

void Engine::FreshOps(std::span<const Op> ops, std::span<const OpReply> replies, uint64_t ts,
                      std::vector<Id128>* ids, std::vector<uint64_t>* timestamps) {
  for (size_t i = 0; i < ops.size(); ++i) {
    if (replies[i].timestamp != ts + i) continue;  // a retry, a validation error, a linked failure
    ids->push_back(ops[i].id);
    timestamps->push_back(ts + i);
  }
}

void Engine::RememberRecord(uint64_t seq, uint64_t checksum, const std::string* bytes) {
  checksums_.Put(seq, checksum);
  while (checksums_.size() > config_.record_cache_max * 64) checksums_.PopFront();
  // A primary without replicas never ships records: keeping copies of its
  // batches (up to record_cache_max of them, ~1 MB each at 8k ops) would only
  // cost a copy per batch and gigabytes of memory in a long-running wallet.
  if (bytes && (role_ != Role::kPrimary || !replicas_.empty())) {
    // Records a standby needs right after its snapshot install stay cached
    // while it is in flight and until it is back within the usual window
    // (else it would come back too far behind and need another install, in
    // a loop when the install takes longer than the cache lasts).
    const uint64_t pin = InstallPin();
    const auto evictable = [&] {
      return record_cache_.size() >= InstallCacheMax() ||
             record_cache_bytes_ > config_.install_cache_bytes_max || record_cache_.front_seq() < pin;
    };
    std::string copy;
    if (!record_cache_.empty() && record_cache_.size() >= config_.record_cache_max &&
        seq > record_cache_.back_seq() && evictable())
      copy = EvictCachedRecord();  // the evicted record's buffer is reused
    copy.assign(*bytes);
    if (const auto* old = record_cache_.Find(seq)) record_cache_bytes_ -= old->second.size();
    record_cache_bytes_ += copy.size();
    record_cache_.Put(seq, {checksum, std::move(copy)});
    while (record_cache_.size() > config_.record_cache_max && evictable()) EvictCachedRecord();
  }
}

std::string Engine::EvictCachedRecord() {
  std::string bytes = std::move(record_cache_.front().second);
  record_cache_bytes_ -= bytes.size();
  record_cache_.PopFront();
  return bytes;
}

void Engine::SendCachedGap(ReplicaProgress& r, uint64_t after) {
  const uint64_t end = std::min(last_seq_, after + InstallCacheMax());
  for (uint64_t s = after + 1; s <= end && !r.installing; ++s) SendAppend(r, s);
}

uint64_t Engine::InstallPin() const {
  uint64_t pin = UINT64_MAX;
  for (const ReplicaProgress& r : replicas_)
    if (r.catching_up) pin = std::min(pin, std::max(r.install_seq, r.durable_seq) + 1);
  return pin;
}

uint64_t Engine::ChecksumAt(uint64_t seq) const {
  if (seq == 0) return 0;
  const uint64_t* c = checksums_.Find(seq);
  return c ? *c : 0;
}

// --------------------------------------------------------------- the log ---

void Engine::AppendLocal(std::string record_bytes, uint64_t seq) {
  // The usual case at low rates (one op per record): the log is idle and the
  // record goes out as its own write without a trip through the queue.
  if (write_queue_.empty() && LogWritable()) {
    WriteLog(std::move(record_bytes), seq);
    return;
  }
  write_queue_.emplace_back(seq, std::move(record_bytes));
  PumpLog();
}

// Group commit on the write side too: everything queued while the previous
// write+flush was in flight goes out as one write and one flush.
void Engine::PumpLog() {
  if (!LogWritable() || write_queue_.empty()) return;
  std::string bytes;
  if (write_queue_.size() == 1) {
    bytes = std::move(write_queue_.front().second);
  } else {
    size_t total = 0;
    for (const auto& q : write_queue_) total += q.second.size();
    bytes.reserve(total);
    for (const auto& q : write_queue_) bytes += q.second;
  }
  const uint64_t seq = write_queue_.back().first;
  write_queue_.clear();
  WriteLog(std::move(bytes), seq);
}

void Engine::WriteLog(std::string bytes, uint64_t seq) {
  WE_ASSERT(LogWritable());
  const uint64_t size = bytes.size();
  Emit(IoKind::kWrite, LogName(log_gen_), log_offset_, std::move(bytes), IoPurpose::kLogWrite,
       seq, log_gen_);
  log_offset_ += size;
  write_in_flight_ = true;
}

void Engine::OnIoComplete(uint64_t now_us, const IoCompletion& c) {
  now_us_ = std::max(now_us_, now_us);
  auto it = std::find_if(io_pending_.begin(), io_pending_.end(),
                         [&](const auto& e) { return e.first == c.id; });
  WE_ASSERT(it != io_pending_.end());
  const IoPending p = it->second;
  io_pending_.erase(it);
  if (role_ == Role::kFailed) return;
  const bool ok = c.status == IoStatus::kOk;
  switch (p.purpose) {
    case IoPurpose::kLogWrite:
      if (!ok) {
        Fail(c.status == IoStatus::kNoSpace ? "log write failed: disk full" : "log write failed",
             ReplyStatus::kStorageFailed);
        return;
      }
      Emit(IoKind::kFlush, LogName(p.gen), 0, {}, IoPurpose::kLogFlush, p.seq, p.gen);
      return;
    case IoPurpose::kLogFlush:
      if (!ok) {
        // fsync failure is fatal for this log: the kernel may have dropped the
        // dirty pages, so retrying on the same file could ack lost data.
        Fail("fdatasync failed on " + SegmentName(p.gen), ReplyStatus::kStorageFailed);
        return;
      }
      ++fsyncs_;
      write_in_flight_ = false;
      if (p.gen == log_gen_ && !installing_) durable_seq_ = std::max(durable_seq_, p.seq);
      if (role_ == Role::kReplica && !installing_) SendToPrimary(primary_id_, true);
      AdvanceCommit();
      // Eager group commit: what arrived during this flush goes out now.
      if (config_.close_batch_when_log_idle && role_ == Role::kPrimary && LogIdle()) CloseBatch();
      PumpLog();
      MaybeSnapshot();
      return;
    case IoPurpose::kTruncate:
      if (!ok) {
        Fail("truncating the torn log tail failed", ReplyStatus::kStorageFailed);
        return;
      }
      truncate_pending_ = false;
      if (config_.close_batch_when_log_idle && role_ == Role::kPrimary && LogIdle()) CloseBatch();
      PumpLog();
      return;
    case IoPurpose::kSnapWrite:
    case IoPurpose::kSnapFlush:
    case IoPurpose::kSnapRename:
      if (!ok) {
        if (p.install) {
          Fail("persisting an installed snapshot failed", ReplyStatus::kNotPrimary);
          return;
        }
        snapshot_in_flight_ = false;  // abandoned; the log still holds everything
        return;
      }
      if (p.purpose == IoPurpose::kSnapWrite) {
        Emit(IoKind::kFlush, SnapshotTempName(p.gen), 0, {}, IoPurpose::kSnapFlush, p.seq, p.gen,
             p.install);
      } else if (p.purpose == IoPurpose::kSnapFlush) {
        Emit(IoKind::kRename, SnapshotTempName(p.gen), 0, {}, IoPurpose::kSnapRename, p.seq, p.gen,
             p.install, SnapshotName(p.gen));
      } else {
        Emit(IoKind::kFlushDir, ".", 0, {}, IoPurpose::kSnapDirFlush, p.seq, p.gen, p.install);
      }
      return;
    case IoPurpose::kSnapDirFlush:
      if (!ok) {
        if (p.install) {
          Fail("persisting an installed snapshot failed", ReplyStatus::kNotPrimary);
          return;
        }
        snapshot_in_flight_ = false;
        return;
      }
      snapshot_in_flight_ = false;
      ++snapshots_published_;
      if (p.install) {
        installing_ = false;
        durable_seq_ = last_seq_;
        SendToPrimary(primary_id_, true);
        PumpLog();
      }
      MaybeSnapshot();
      return;
  }
}

void Engine::MaybeSnapshot() {
  if (role_ == Role::kFailed || installing_ || snapshot_in_flight_) return;
  const bool due = snapshot_requested_ ||
                   (config_.snapshot_every_ops > 0 && ops_since_snapshot_ >= config_.snapshot_every_ops);
  if (!due) return;
  // Idle point: everything executed is durable, so the image is a log prefix.
  if (write_in_flight_ || !write_queue_.empty() || truncate_pending_ || durable_seq_ != last_seq_)
    return;
  snapshot_requested_ = false;
  StartSnapshot(false);
}

// Writes snap-<gen>.tmp, flushes, renames to snap-<gen>.snap, flushes the
// directory; the log continues in wal-<gen>.log meanwhile.
void Engine::StartSnapshot(bool install) {
  const uint64_t gen = ++max_gen_;
  std::string image = EncodeSnapshot(ledger_, gen, last_seq_, last_checksum_, term_);
  snapshot_in_flight_ = true;
  ops_since_snapshot_ = 0;
  log_gen_ = gen;
  log_offset_ = 0;
  Emit(IoKind::kWrite, SnapshotTempName(gen), 0, std::move(image), IoPurpose::kSnapWrite, last_seq_,
       gen, install);
}

void Engine::AdvanceCommit() {
  if (role_ != Role::kPrimary) return;
  uint64_t c = durable_seq_;
  const size_t n = replicas_.size();
  const uint32_t k = config_.k;
  if (config_.mode == ReplicationMode::kSync && k > 0) {
    if (k > n) return;
    for (size_t i = 0; i < k; ++i) c = std::min(c, replicas_[i].durable_seq);
  } else if (config_.mode == ReplicationMode::kQuorum && k > 0) {
    if (k > n) return;
    std::vector<uint64_t> d;
    for (const auto& r : replicas_) d.push_back(r.durable_seq);
    std::sort(d.rbegin(), d.rend());
    c = std::min(c, d[k - 1]);
  }
  if (config_.require_lease && now_us_ >= lease_until_us_) return;
  if (c <= commit_seq_) return;
  commit_seq_ = c;
  known_commit_seq_ = std::max(known_commit_seq_, c);
  while (!held_.empty() && held_.front().seq <= commit_seq_) {
    HeldRecord& h = held_.front();
    acked_frontier_ts_ = std::max(acked_frontier_ts_, h.last_ts);
    for (Reply& r : h.replies) out_.replies.push_back(std::move(r));
    if (config_.track_acked_ops)
      acked_.push_back({h.seq, h.checksum, now_us_, std::move(h.op_ids), std::move(h.op_timestamps)});
    held_.pop_front();
  }
}

void Engine::Fail(const std::string& why, ReplyStatus status) {
  role_ = Role::kFailed;
  failure_ = why;
  for (HeldRecord& h : held_)
    for (Reply& r : h.replies) {
      r.status = status;
      r.results.clear();
      out_.replies.push_back(std::move(r));
    }
  held_.clear();
  for (const auto& [id, count] : batch_requests_) {
    Reply r;
    r.request_id = id;
    r.status = status;
    out_.replies.push_back(std::move(r));
  }
  batch_requests_.clear();
  batch_ops_.clear();
  write_queue_.clear();
}

void Engine::StepDown(uint64_t new_term) {
  term_ = new_term;
  if (role_ != Role::kPrimary) return;
  role_ = Role::kReplica;
  for (HeldRecord& h : held_)
    for (Reply& r : h.replies) {
      r.status = ReplyStatus::kNotPrimary;
      r.results.clear();
      out_.replies.push_back(std::move(r));
    }
  held_.clear();
  for (const auto& [id, count] : batch_requests_) {
    Reply r;
    r.request_id = id;
    r.status = ReplyStatus::kNotPrimary;
    out_.replies.push_back(std::move(r));
  }
  batch_requests_.clear();
  batch_ops_.clear();
  known_commit_seq_ = commit_seq_;
}

// ----------------------------------------------------------- replication ---

void Engine::SendAppend(ReplicaProgress& r, uint64_t seq) {
  Message m;
  m.from = config_.node_id;
  m.to = r.node;
  m.term = term_;
  m.commit_seq = commit_seq_;
  for (size_t i = 0; i < replicas_.size(); ++i)
    if (&replicas_[i] == &r) m.sync_standby = config_.mode == ReplicationMode::kSync && i < config_.k;
  const std::pair<uint64_t, std::string>* cached = record_cache_.Find(seq);
  if (!cached) {
    // Too far behind (or diverged): ship the whole state.
    m.kind = MsgKind::kInstallSnapshot;
    m.seq = last_seq_;
    m.checksum = last_checksum_;
    m.payload = EncodeSnapshot(ledger_, 0, last_seq_, last_checksum_, term_);
    m.base_seq = r.ack_seq;
    m.base_checksum = r.ack_checksum;
    r.installing = true;
    r.install_sent_us = now_us_;
    if (!r.catching_up) {
      r.install_seq = last_seq_;
      r.installs_sent = 0;
    }
    ++r.installs_sent;
    r.catching_up = true;
    r.next_seq = last_seq_ + 1;
    out_.messages.push_back(std::move(m));
    return;
  }
  m.kind = MsgKind::kAppend;
  m.seq = seq;
  m.checksum = cached->first;
  m.payload = cached->second;
  r.next_seq = std::max(r.next_seq, seq + 1);
  out_.messages.push_back(std::move(m));
}

void Engine::SendHeartbeats() {
  last_heartbeat_us_ = now_us_;
  for (size_t i = 0; i < replicas_.size(); ++i) {
    Message m;
    m.kind = MsgKind::kAppend;
    m.from = config_.node_id;
    m.to = replicas_[i].node;
    m.term = term_;
    m.seq = last_seq_;
    m.checksum = last_checksum_;
    m.commit_seq = commit_seq_;
    m.sync_standby = config_.mode == ReplicationMode::kSync && i < config_.k;
    out_.messages.push_back(std::move(m));
  }
}

void Engine::SendToPrimary(uint32_t to, bool ok) {
  Message m;
  m.kind = MsgKind::kAppendAck;
  m.from = config_.node_id;
  m.to = to;
  m.term = term_;
  m.seq = last_seq_;
  m.checksum = last_checksum_;
  m.durable_seq = durable_seq_;
  m.ok = ok;
  m.incarnation = config_.incarnation;
  out_.messages.push_back(std::move(m));
}

void Engine::OnMessage(uint64_t now_us, const Message& m) { Dispatch(now_us, m, nullptr); }
void Engine::OnMessage(uint64_t now_us, Message&& m) { Dispatch(now_us, m, &m.payload); }

void Engine::Dispatch(uint64_t now_us, const Message& m, std::string* payload) {
  now_us_ = std::max(now_us_, now_us);
  if (role_ == Role::kFailed || m.to != config_.node_id) return;
  if (m.term < term_) {
    // A deposed primary learns the new term from the refusal.
    if (m.kind != MsgKind::kAppendAck) {
      Message r;
      r.kind = MsgKind::kAppendAck;
      r.from = config_.node_id;
      r.to = m.from;
      r.term = term_;
      r.ok = false;
      r.incarnation = config_.incarnation;
      out_.messages.push_back(std::move(r));
    }
    return;
  }
  if (m.term > term_) StepDown(m.term);
  switch (m.kind) {
    case MsgKind::kAppend: OnAppend(m, payload); break;
    case MsgKind::kAppendAck: OnAppendAck(m); break;
    case MsgKind::kInstallSnapshot: OnInstallSnapshot(m); break;
  }
}

void Engine::OnAppend(const Message& m, std::string* payload) {
  if (role_ != Role::kReplica) return;  // two primaries in one term cannot happen
  primary_id_ = m.from;
  known_commit_seq_ = std::max(known_commit_seq_, m.commit_seq);
  sync_standby_ = m.sync_standby;
  if (installing_) return;
  if (m.payload.empty()) {
    SendToPrimary(m.from, m.seq == last_seq_ && m.checksum == last_checksum_);
    return;
  }
  RecordView v;
  if (!DecodeRecord(m.payload, &v)) return;  // damaged in transit
  const RecordHeader& h = v.header;
  if (h.seq <= last_seq_) {
    SendToPrimary(m.from, ChecksumAt(h.seq) == h.header_checksum);
    return;
  }
  if (h.seq > last_seq_ + 1 || h.prev_checksum != last_checksum_) {
    SendToPrimary(m.from, false);
    return;
  }
  std::vector<Op>& ops = ops_scratch_;  // reused buffers: no allocation per record
  ops.resize(v.body.size() / sizeof(Op));
  std::memcpy(ops.data(), v.body.data(), v.body.size());
  if (!ops.empty()) {
    if (h.timestamp <= ledger_.last_timestamp()) {
      Fail("replicated record seq " + std::to_string(h.seq) + " has a non-increasing timestamp",
           ReplyStatus::kNotPrimary);
      return;
    }
    std::vector<OpReply>& replies = results_scratch_;
    replies.assign(ops.size(), OpReply{});
    ledger_.ApplyBatch(ops, h.timestamp, replies.data(), /*reply_balances=*/false);
    if (config_.track_acked_ops) {
      AckedRecord a{h.seq, h.header_checksum, 0, {}, {}};
      FreshOps(ops, replies, h.timestamp, &a.op_ids, &a.op_timestamps);
      WE_ASSERT(applied_.empty() || applied_.back().seq < h.seq);
      applied_.push_back(std::move(a));
    }
  }
  if (ledger_.StateHash() != h.state_hash) {
    Fail("state hash mismatch after replicating seq " + std::to_string(h.seq),
         ReplyStatus::kNotPrimary);
    return;
  }
  last_seq_ = h.seq;
  last_checksum_ = h.header_checksum;
  last_record_term_ = h.term;
  ops_since_snapshot_ += ops.size();
  RememberRecord(h.seq, h.header_checksum, &m.payload);
  AppendLocal(payload ? std::move(*payload) : m.payload, h.seq);
}

void Engine::OnAppendAck(const Message& m) {
  if (role_ != Role::kPrimary) return;
  ReplicaProgress* r = nullptr;
  for (auto& p : replicas_)
    if (p.node == m.from) r = &p;
  if (!r) return;
  // Sent before the replica restarted, maybe on a replaced disk (swarm seed
  // 1070561: an acknowledgement of seq 2 arrived after the standby's disk was
  // replaced and let the primary acknowledge clients on a copy that was gone).
  if (m.incarnation < r->incarnation) return;
  if (m.incarnation > r->incarnation) {
    r->incarnation = m.incarnation;
    r->durable_seq = 0;  // only what the new incarnation reports counts
  }
  r->last_contact_us = now_us_;
  r->ack_seq = m.seq;
  r->ack_checksum = m.checksum;
  // An install lost on the way is sent again after a few heartbeats, twice
  // as many after each resend: a large one may still be on the link (each
  // resend is a larger state again, and used to restart the race forever).
  if (r->installing &&
      now_us_ - r->install_sent_us > (4 * config_.heartbeat_us << std::min(r->installs_sent - 1, 6u)))
    r->installing = false;
  const bool matches = m.seq <= last_seq_ && ChecksumAt(m.seq) == m.checksum &&
                       (m.seq == 0 || checksums_.Contains(m.seq));
  if (matches) {
    r->durable_seq = std::max(r->durable_seq, std::min(m.durable_seq, m.seq));
    if (r->catching_up && !r->installing && r->durable_seq + config_.record_cache_max >= last_seq_)
      r->catching_up = false;
    if (r->installing && m.ok) {
      // Installed: ship what was written meanwhile (kept in the cache) now.
      r->installing = false;
      r->next_seq = m.seq + 1;
      SendCachedGap(*r, m.seq);
      AdvanceCommit();
      return;
    }
    if (!m.ok || r->next_seq <= m.seq) r->next_seq = m.seq + 1;
    if (!m.ok && !r->installing &&
        (!r->resent_once || now_us_ - r->resend_us >= config_.heartbeat_us)) {
      // Behind: resend a window of records after its last one (rate-limited,
      // so reordered or duplicated refusals cannot snowball).
      r->resend_us = now_us_;
      r->resent_once = true;
      // The whole cached gap at once: a window per heartbeat could never
      // catch up with a primary writing faster than that.
      SendCachedGap(*r, m.seq);
    }
    AdvanceCommit();
    return;
  }
  // Diverged (holds records of a deposed primary) or unknown: ship the state.
  if (!r->installing) SendAppend(*r, 0);
}

void Engine::OnInstallSnapshot(const Message& m) {
  if (role_ != Role::kReplica || installing_) return;
  primary_id_ = m.from;
  SnapshotHeader h;
  std::string_view body;
  std::string what;
  if (!DecodeSnapshot(m.payload, &h, &body, &what)) return;
  // An install answers the position the primary last saw (base). One that
  // arrives after this replica has moved on (delayed, duplicated or
  // reordered on the network) must not take it back: the records after its
  // anchor may already be reported durable, and a sync primary acknowledges
  // clients on that report (swarm seed 1035298: the sync standby, durable at
  // 36 with the commit point at 23, installed a stale snapshot of seq 17 and
  // could no longer be promoted). It answers with its position instead.
  if (h.seq == last_seq_ && h.last_checksum == last_checksum_) {
    SendToPrimary(m.from, true);
    return;
  }
  if (h.seq < last_seq_ && (m.base_seq != last_seq_ || m.base_checksum != last_checksum_)) {
    SendToPrimary(m.from, false);
    return;
  }
  Ledger l;
  if (!Ledger::Deserialize(body, config_.ledger, &l, &what) || l.StateHash() != h.state_hash) return;
  ledger_ = std::move(l);
  last_seq_ = h.seq;
  last_checksum_ = h.last_checksum;
  last_record_term_ = h.term;
  checksums_.clear();
  record_cache_.clear();
  record_cache_bytes_ = 0;
  applied_.clear();
  checksums_.Put(last_seq_, last_checksum_);
  write_queue_.clear();
  installing_ = true;
  durable_seq_ = 0;
  StartSnapshot(true);
}

// ------------------------------------------------------------- failover ---

PromotionCheck Engine::CheckPromotion(std::span<const PeerState> peers,
                                      bool designated_sync_standby) const {
  PromotionCheck c;
  c.durable_seq = durable_seq_;
  c.known_commit_seq = known_commit_seq_;
  if (role_ != Role::kReplica || installing_) {
    c.verdict = PromotionVerdict::kRefusedNotReplica;
    return c;
  }
  switch (config_.mode) {
    case ReplicationMode::kAsync: {
      // Patroni: only the healthiest answering replica, within the lag limit.
      uint64_t reference = known_commit_seq_;
      for (const PeerState& p : peers) {
        if (p.node == config_.node_id) continue;
        reference = std::max(reference, p.durable_seq);
        if (std::pair(p.last_record_term, p.durable_seq) > std::pair(last_record_term_, durable_seq_))
          c.verdict = PromotionVerdict::kRefusedNotMostRecent;
      }
      const uint64_t lag = reference > durable_seq_ ? reference - durable_seq_ : 0;
      if (lag > config_.max_lag_records_on_failover) c.verdict = PromotionVerdict::kRefusedLagTooHigh;
      return c;
    }
    case ReplicationMode::kSync:
      // The primary acknowledged nothing a required sync standby had not made
      // durable, so a sync standby's log holds every acknowledged op.
      if (!sync_standby_ && !designated_sync_standby)
        c.verdict = PromotionVerdict::kRefusedNotSyncStandby;
      else if (durable_seq_ < known_commit_seq_) c.verdict = PromotionVerdict::kRefusedBehindCommit;
      return c;
    case ReplicationMode::kQuorum: {
      // Every acknowledged op is on k of the n replicas, so any n-k+1 of them
      // include one holding it; the most recent of those holds them all.
      const size_t n = config_.replicas.size();
      const size_t need = n >= config_.k ? n - config_.k + 1 : n + 1;
      size_t answered = 1;
      for (const PeerState& p : peers) {
        if (p.node == config_.node_id) continue;
        ++answered;
        if (std::pair(p.last_record_term, p.durable_seq) > std::pair(last_record_term_, durable_seq_))
          c.verdict = PromotionVerdict::kRefusedNotMostRecent;
      }
      if (answered < need) c.verdict = PromotionVerdict::kRefusedNoQuorum;
      else if (c.verdict == PromotionVerdict::kAllowed && durable_seq_ < known_commit_seq_)
        c.verdict = PromotionVerdict::kRefusedBehindCommit;
      return c;
    }
  }
  return c;
}

void Engine::Promote(uint64_t now_us, uint64_t new_term, std::vector<uint32_t> replicas) {
  WE_ASSERT(role_ == Role::kReplica && new_term > term_ && !installing_);
  now_us_ = std::max(now_us_, now_us);
  role_ = Role::kPrimary;
  term_ = new_term;
  config_.replicas = std::move(replicas);
  replicas_.clear();
  for (uint32_t id : config_.replicas) {
    ReplicaProgress p;
    p.node = id;
    p.next_seq = last_seq_ + 1;
    replicas_.push_back(p);
  }
  commit_seq_ = std::min(known_commit_seq_, durable_seq_);
  held_.clear();
  // Inherit the history this node holds as possibly acknowledged, so a later
  // promotion can report exactly what it loses.
  for (AckedRecord& a : applied_) acked_.push_back(std::move(a));
  applied_.clear();
  acked_frontier_ts_ = ledger_.last_timestamp();
  SendHeartbeats();
  AdvanceCommit();
}

PromotionLoss Engine::ComputePromotionLoss(const Engine& old_primary, const Engine& promoted) {
  PromotionLoss loss;
  const Ledger& p = promoted.ledger_;
  const uint64_t frontier = old_primary.acked_frontier_ts_;
  old_primary.ledger_.ForEachEntry([&](const IndexEntry& e) {
    if (e.timestamp > frontier) return;
    const IndexEntry* q = p.FindEntry(e.body.id);
    if (!q || q->timestamp != e.timestamp) loss.lost_op_ids.push_back(e.body.id);
  });
  for (const Account& a : old_primary.ledger_.accounts()) {
    if (a.timestamp > frontier) continue;
    const Account* q = p.FindAccount(a.id);
    if (!q || q->timestamp != a.timestamp) loss.lost_op_ids.push_back(a.id);
  }
  for (const AckedRecord& a : old_primary.acked_) {
    const bool held = a.seq <= promoted.last_seq_ &&
                      (promoted.ChecksumAt(a.seq) == a.checksum ||
                       (promoted.ChecksumAt(a.seq) == 0 && !promoted.checksums_.empty() &&
                        a.seq < promoted.checksums_.front_seq()));
    if (held) continue;
    ++loss.lost_records;
    if (a.ack_us != 0 && loss.first_lost_ack_us == 0) loss.first_lost_ack_us = a.ack_us;
    loss.last_lost_ack_us = std::max(loss.last_lost_ack_us, a.ack_us);
  }
  return loss;
}

}  // namespace wallet
