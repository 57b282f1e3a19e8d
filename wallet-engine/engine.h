// The sans-I/O wallet engine core: a state machine that takes requests, I/O
// completions, replication messages and ticks (each carrying the current time
// in µs, chosen by the host) and produces I/O requests, messages and replies.
// It never reads a clock, sleeps, starts a thread or touches a file: the real
// driver (file_driver.h) and the simulator's driver (sim_disk.h + the host's
// event queue) execute its outputs. Same inputs => same outputs, byte for byte.
//
// Durability: ops are grouped into a batch that closes at batch_ops_max ops,
// batch_bytes_max bytes or batch_delay_us after its first op; a closed batch
// is executed against the ledger, encoded as one log record, written and
// flushed; replies are released only after the flush (and, with replication,
// after the replicas the mode requires report a durable write). A failed
// write or flush is fatal for the log: the engine stops (role kFailed).
//
// Replication: the primary ships each record to its replicas (kAppend); a
// replica verifies the chain, applies the record, checks the recorded state
// hash, writes and flushes it, then acknowledges (kAppendAck). Terms fence a
// deposed primary: a message with a higher term demotes it, and with
// require_lease it cannot acknowledge after its lease (renewed by the host's
// failover controller) runs out.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "wallet-engine/ledger.h"
#include "wallet-engine/seq_window.h"
#include "wallet-engine/wal.h"

namespace wallet {

enum class Role : uint8_t { kPrimary, kReplica, kFailed };
enum class ReplicationMode : uint8_t {
  kAsync,   // acknowledge after the local flush
  kSync,    // acknowledge after the first k replicas (priority order) are durable
  kQuorum,  // acknowledge after any k of the n replicas are durable
};
const char* RoleName(Role r);
const char* ModeName(ReplicationMode m);

// ---- I/O (executed by a driver) -------------------------------------------
enum class IoKind : uint8_t {
  kWrite,     // write bytes at offset of file (creating it)
  kFlush,     // fdatasync(file)
  kRename,    // rename(file, target) (atomic)
  kFlushDir,  // fsync(directory)
  kTruncate,  // truncate file to offset
};
enum class IoStatus : uint8_t { kOk, kError, kNoSpace };
// A file name held inline: the engine's names ("wal-0000000001.log", 18
// characters) are past std::string's 15-character small buffer, so each
// request copied its name onto the heap (~180 instructions, six requests per
// replicated one-op record; callgrind, issue 7). Up to kMax characters (a
// 20-digit generation still fits); NUL-terminated.
class FileName {
 public:
  static constexpr size_t kMax = 31;
  FileName() = default;
  FileName(std::string_view s) {  // NOLINT(google-explicit-constructor): a name is a string
    WE_ASSERT(s.size() <= kMax);
    std::memcpy(buf_, s.data(), s.size());
    buf_[s.size()] = '\0';
    len_ = static_cast<uint8_t>(s.size());
  }
  FileName(const std::string& s) : FileName(std::string_view(s)) {}  // NOLINT
  FileName(const char* s) : FileName(std::string_view(s)) {}         // NOLINT
  std::string_view view() const { return {buf_, len_}; }
  operator std::string_view() const { return view(); }  // NOLINT
  std::string str() const { return std::string(view()); }
  const char* c_str() const { return buf_; }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  friend bool operator==(const FileName& a, const FileName& b) { return a.view() == b.view(); }
  friend bool operator==(const FileName& a, std::string_view b) { return a.view() == b; }

 private:
  char buf_[kMax + 1] = {};
  uint8_t len_ = 0;
};

struct IoRequest {
  uint64_t id = 0;
  IoKind kind = IoKind::kWrite;
  FileName file;
  std::string target;  // kRename
  uint64_t offset = 0;
  std::string bytes;   // kWrite
};
struct IoCompletion {
  uint64_t id = 0;
  IoStatus status = IoStatus::kOk;
};
const char* IoKindName(IoKind k);

// ---- Replication messages (delivered by a transport the host provides) ----
enum class MsgKind : uint8_t { kAppend, kAppendAck, kInstallSnapshot };
struct Message {
  MsgKind kind = MsgKind::kAppend;
  uint32_t from = 0;
  uint32_t to = 0;
  uint64_t term = 0;
  // kAppend: seq/checksum of the sender's last record (heartbeat when the
  //   payload is empty), commit_seq = highest acknowledged seq,
  //   sync_standby = receiver is a required sync standby.
  // kAppendAck: seq/checksum = receiver's last applied record, durable_seq,
  //   ok = false when it could not append (gap or divergence).
  // kInstallSnapshot: payload = snapshot file image; seq/checksum = its anchor;
  //   base_seq/base_checksum = the receiver's last record as the sender last
  //   heard it (the position this install answers).
  uint64_t seq = 0;
  uint64_t checksum = 0;
  uint64_t commit_seq = 0;
  uint64_t durable_seq = 0;
  uint64_t base_seq = 0;
  uint64_t base_checksum = 0;
  bool ok = true;
  bool sync_standby = false;
  uint64_t incarnation = 0;  // kAppendAck: the sender's EngineConfig::incarnation
  std::string payload;  // kAppend: one encoded record
};

// ---- Client requests and replies -------------------------------------------
struct Submission {
  uint64_t request_id = 0;
  std::vector<Op> ops;  // kept together in one batch (linked chains!)
};
enum class ReplyStatus : uint8_t {
  kOk,             // results are final and durable as the mode requires
  kNotPrimary,     // not accepted, or the engine stepped down before acknowledging: retry elsewhere
  kStorageFailed,  // the log failed before acknowledging: retry elsewhere
  kTooLarge,       // more ops than batch_ops_max
};
struct Reply {
  uint64_t request_id = 0;
  ReplyStatus status = ReplyStatus::kOk;
  uint64_t seq = 0;
  uint64_t term = 0;
  std::vector<OpReply> results;
};

struct Outputs {
  std::vector<IoRequest> io;
  std::vector<Message> messages;
  std::vector<Reply> replies;
  void Clear() {
    io.clear();
    messages.clear();
    replies.clear();
  }
};

struct EngineConfig {
  uint32_t node_id = 0;
  std::vector<uint32_t> replicas;  // primary: replica ids, sync priority order first
  ReplicationMode mode = ReplicationMode::kAsync;
  uint32_t k = 0;                  // sync: first k replicas; quorum: any k of replicas.size()
  uint32_t batch_ops_max = 8190;
  uint64_t batch_bytes_max = 8190 * sizeof(Op);
  uint64_t batch_delay_us = 1000;
  // Group commit that never waits on an idle log: a batch also closes as soon
  // as no log write/flush is in flight (so the first request after a quiet
  // spell is written at once, and requests that arrive during a flush go out
  // together right after it). Acknowledgement latency at moderate load is
  // then at most ~2 flush times (the one in flight, then its own), instead of
  // flush + batch_delay_us. Off by default (the simulator's timing is pinned
  // by its tests); DurableWallet turns it on. Postgres' commit_delay = 0.
  bool close_batch_when_log_idle = false;
  uint64_t snapshot_every_ops = 0;   // 0: only on RequestSnapshot()
  uint64_t heartbeat_us = 50'000;
  uint64_t max_lag_records_on_failover = 1'000'000;  // Patroni maximum_lag_on_failover
  uint64_t record_cache_max = 4096;  // records kept for replica catch-up
  // While a standby installs a snapshot and catches up after it, the cache
  // keeps every record after the install's point, up to this many times
  // record_cache_max (memory: at 8k-op batches a record is ~1 MB).
  uint64_t install_cache_factor = 16;
  // ... and never beyond this many bytes of cached records (the cache then
  // evicts as usual: a standby that falls out of it takes another install,
  // rather than a large-batch wallet holding gigabytes for it).
  uint64_t install_cache_bytes_max = uint64_t{256} << 20;
  // Host-assigned, larger at every start of this node (its disk may have
  // been replaced meanwhile): a primary ignores acknowledgements an earlier
  // incarnation of a replica sent, still on the network, whose durable
  // position may no longer exist. 0 everywhere: no such check.
  uint64_t incarnation = 0;
  bool require_lease = false;        // acknowledge only while the host-granted lease holds
  bool track_acked_ops = true;       // keep acknowledged op ids (RPO reporting)
  LedgerConfig ledger;
};

// What the engine knows about one acknowledged record (for RPO reporting).
// Only ops first applied by this record are listed (retries answered with
// `exists` belong to the record that applied them), with their timestamps.
struct AckedRecord {
  uint64_t seq = 0;
  uint64_t checksum = 0;
  uint64_t ack_us = 0;  // 0: inherited (acknowledged by an earlier primary or before a restart)
  std::vector<Id128> op_ids;
  std::vector<uint64_t> op_timestamps;
};

// Promotion eligibility (Patroni rules, see the spec's Replication section).
enum class PromotionVerdict : uint8_t {
  kAllowed,
  kRefusedNotReplica,
  kRefusedNotSyncStandby,   // sync mode: only a required sync standby is certain
  kRefusedBehindCommit,     // it misses ops it knows were acknowledged
  kRefusedNoQuorum,         // quorum mode: fewer than n-k+1 replicas answered
  kRefusedNotMostRecent,    // quorum mode: another answering replica has more
  kRefusedLagTooHigh,       // async mode: beyond maximum_lag_on_failover
};
const char* VerdictName(PromotionVerdict v);
struct PeerState {
  uint32_t node = 0;
  uint64_t durable_seq = 0;
  uint64_t last_record_term = 0;  // term of its last record: (term, seq) orders logs, as in Raft
};
struct PromotionCheck {
  PromotionVerdict verdict = PromotionVerdict::kAllowed;
  uint64_t durable_seq = 0;
  uint64_t known_commit_seq = 0;
};

// What an old primary (may have) acknowledged that a promoted node does not
// hold: ops are compared by id and application timestamp over the whole
// state (so history inherited from earlier terms counts too); records give
// the acknowledgement times for the RPO in seconds.
struct PromotionLoss {
  uint64_t lost_records = 0;
  std::vector<Id128> lost_op_ids;
  uint64_t first_lost_ack_us = 0;  // 0 when nothing was lost
  uint64_t last_lost_ack_us = 0;
};

class Engine {
 public:
  // Starts from a recovery result (Recover() over the node's files; an empty
  // directory gives an empty ledger). The role and term come from the host
  // (its failover controller); the term must be >= the last logged term.
  Engine(EngineConfig config, Role role, uint64_t term, RecoveryResult recovered);

  // ---- inputs ----
  void Submit(uint64_t now_us, Submission submission);
  void Tick(uint64_t now_us);
  void OnIoComplete(uint64_t now_us, const IoCompletion& completion);
  void OnMessage(uint64_t now_us, const Message& message);
  // Same; a shipped record's bytes move into the replica's log write (the
  // const& form copies them there besides the record cache's copy).
  void OnMessage(uint64_t now_us, Message&& message);
  // Takes the snapshot at the next idle point.
  void RequestSnapshot() { snapshot_requested_ = true; }
  // Lease granted by the host's failover controller (require_lease).
  void SetLease(uint64_t until_us) { lease_until_us_ = until_us; }

  // ---- outputs ----
  // Moves pending outputs into *out (cleared first).
  void TakeOutputs(Outputs* out);
  bool HasOutputs() const {
    return !out_.io.empty() || !out_.messages.empty() || !out_.replies.empty();
  }

  // ---- failover ----
  // reachable_replicas: durable positions the failover controller collected.
  // designated_sync_standby: the controller's record (Patroni's /sync key)
  // names this node a required sync standby of the failed primary.
  PromotionCheck CheckPromotion(std::span<const PeerState> reachable_replicas,
                                bool designated_sync_standby = false) const;
  // Becomes primary of new_term. REQUIRES: role() == kReplica, new_term > term().
  void Promote(uint64_t now_us, uint64_t new_term, std::vector<uint32_t> replicas);
  // Records the old primary acknowledged that `promoted` does not hold.
  static PromotionLoss ComputePromotionLoss(const Engine& old_primary, const Engine& promoted);

  // ---- queries ----
  Role role() const { return role_; }
  uint64_t term() const { return term_; }
  uint64_t last_seq() const { return last_seq_; }
  uint64_t last_checksum() const { return last_checksum_; }  // of the record at last_seq
  uint64_t last_record_term() const { return last_record_term_; }
  uint64_t durable_seq() const { return durable_seq_; }
  // A replica persisting a snapshot shipped by a primary: its durable
  // position is in flux, so it cannot answer a failover vote.
  bool installing() const { return installing_; }
  uint64_t commit_seq() const { return commit_seq_; }
  uint64_t known_commit_seq() const { return known_commit_seq_; }
  uint64_t state_hash() const { return ledger_.StateHash(); }
  const Ledger& ledger() const { return ledger_; }
  const std::string& failure() const { return failure_; }
  const std::vector<AckedRecord>& acked() const { return acked_; }
  // Checksum of record seq if still known (0 otherwise).
  uint64_t ChecksumAt(uint64_t seq) const;
  const EngineConfig& config() const { return config_; }
  uint64_t snapshots_published() const { return snapshots_published_; }
  // Bytes of records cached for replica catch-up.
  uint64_t record_cache_bytes() const { return record_cache_bytes_; }
  uint64_t fsyncs() const { return fsyncs_; }

 private:
  struct HeldRecord {  // executed, not yet acknowledged
    uint64_t seq = 0;
    uint64_t checksum = 0;
    std::vector<Reply> replies;
    std::vector<Id128> op_ids;
    std::vector<uint64_t> op_timestamps;
    uint64_t last_ts = 0;
  };
  // First record a standby installing a snapshot (or catching up after one)
  // will ask for (UINT64_MAX: none): the record cache keeps it and what
  // follows, up to install_cache_factor times record_cache_max records.
  uint64_t InstallPin() const;
  // Drops the oldest cached record (keeping record_cache_bytes_ true) and
  // returns its buffer for reuse.
  std::string EvictCachedRecord();
  uint64_t InstallCacheMax() const {
    return std::max<uint64_t>(1, config_.install_cache_factor) * config_.record_cache_max;
  }
  struct ReplicaProgress {
    uint32_t node = 0;
    uint64_t durable_seq = 0;
    uint64_t next_seq = 1;
    uint64_t last_contact_us = 0;
    uint64_t install_sent_us = 0;
    // Since it was last within the cache window: the seq of the first
    // install sent (the earliest state it may come back with) and how many
    // were sent (the resend timeout doubles with each).
    uint64_t install_seq = 0;
    uint32_t installs_sent = 0;
    bool catching_up = false;  // an install sent, not yet back within the cache window
    uint64_t incarnation = 0;  // the latest of its incarnations heard from
    uint64_t ack_seq = 0;  // its last record as its latest acknowledgement reported it
    uint64_t ack_checksum = 0;
    uint64_t resend_us = 0;  // last catch-up window (at most one per heartbeat)
    bool resent_once = false;
    bool installing = false;
  };
  enum class IoPurpose : uint8_t { kLogWrite, kLogFlush, kTruncate, kSnapWrite, kSnapFlush,
                                   kSnapRename, kSnapDirFlush };
  struct IoPending {
    IoPurpose purpose = IoPurpose::kLogWrite;
    uint64_t seq = 0;  // kLogFlush: last seq in the write; snapshot: its seq
    uint64_t gen = 0;
    bool install = false;  // snapshot installed from a primary
  };

  uint64_t Emit(IoKind kind, const FileName& file, uint64_t offset, std::string bytes,
                IoPurpose purpose, uint64_t seq = 0, uint64_t gen = 0, bool install = false,
                std::string target = {});
  void CloseBatch();
  bool LogIdle() const;
  void AppendLocal(std::string record_bytes, uint64_t seq);
  void PumpLog();
  // Emits bytes (records up to seq) as the log's next write.
  // REQUIRES: LogWritable().
  void WriteLog(std::string bytes, uint64_t seq);
  bool LogWritable() const {
    return !write_in_flight_ && !truncate_pending_ && role_ != Role::kFailed;
  }
  void MaybeSnapshot();
  void StartSnapshot(bool install);
  void AdvanceCommit();
  void Fail(const std::string& why, ReplyStatus status);
  void StepDown(uint64_t new_term);
  void SendAppend(ReplicaProgress& r, uint64_t seq);
  // Sends the cached records after `after` (the whole gap, up to
  // InstallCacheMax()), stopping if one is no longer cached (an install).
  void SendCachedGap(ReplicaProgress& r, uint64_t after);
  void SendHeartbeats();
  // payload: m.payload when the caller gave the message away (moved into
  // the log write), else null.
  void Dispatch(uint64_t now_us, const Message& m, std::string* payload);
  void OnAppend(const Message& m, std::string* payload);
  void OnAppendAck(const Message& m);
  void OnInstallSnapshot(const Message& m);
  void RememberRecord(uint64_t seq, uint64_t checksum, const std::string* bytes);
  void SendToPrimary(uint32_t to, bool ok);
  static void FreshOps(std::span<const Op> ops, std::span<const OpReply> replies, uint64_t ts,
                       std::vector<Id128>* ids, std::vector<uint64_t>* timestamps);

  EngineConfig config_;
  Role role_;
  uint64_t term_;
  uint64_t now_us_ = 0;
  Ledger ledger_;
  std::string failure_;
  Outputs out_;

  // Log position.
  uint64_t log_gen_ = 0;
  uint64_t log_offset_ = 0;
  uint64_t max_gen_ = 0;
  uint64_t last_seq_ = 0;       // executed and encoded
  uint64_t last_checksum_ = 0;
  uint64_t last_record_term_ = 0;
  uint64_t durable_seq_ = 0;    // locally flushed
  uint64_t commit_seq_ = 0;     // acknowledged (primary) or known committed
  uint64_t known_commit_seq_ = 0;
  bool truncate_pending_ = false;
  bool write_in_flight_ = false;
  std::deque<std::pair<uint64_t, std::string>> write_queue_;  // (seq, record bytes)
  uint64_t ops_since_snapshot_ = 0;
  bool snapshot_requested_ = false;
  bool snapshot_in_flight_ = false;
  uint64_t snapshots_published_ = 0;
  uint64_t fsyncs_ = 0;

  // Open batch.
  std::vector<Op> batch_ops_;
  std::vector<std::pair<uint64_t, uint32_t>> batch_requests_;  // (request id, op count)
  uint64_t batch_first_us_ = 0;

  std::deque<HeldRecord> held_;
  std::vector<AckedRecord> acked_;
  uint64_t acked_frontier_ts_ = 0;  // every op up to this timestamp may have been acknowledged
  SeqWindow<std::pair<uint64_t, std::string>> record_cache_;  // seq -> (checksum, bytes)
  uint64_t record_cache_bytes_ = 0;                            // sum of its records' sizes
  SeqWindow<uint64_t> checksums_;  // seq -> checksum (bounded by record_cache_max * 64)
  // Replica: fresh ops per record (track_acked_ops), in seq order (a replica
  // appends only last_seq + 1; an install clears it). A vector, not a map:
  // no node allocation and rebalance per replicated record.
  std::vector<AckedRecord> applied_;
  std::vector<ReplicaProgress> replicas_;
  uint64_t last_heartbeat_us_ = 0;
  uint64_t lease_until_us_ = 0;
  uint32_t primary_id_ = 0;  // replica: who it last heard from
  bool sync_standby_ = false;
  bool installing_ = false;
  std::string pending_install_;  // snapshot image being persisted

  uint64_t next_io_id_ = 1;
  std::vector<std::pair<uint64_t, IoPending>> io_pending_;  // by io id, oldest first (a few at most)
  // The current log segment's file name (formatted once per segment).
  const FileName& LogName(uint64_t gen);
  uint64_t log_name_gen_ = UINT64_MAX;
  FileName log_name_;
  std::vector<OpReply> results_scratch_;  // CloseBatch / OnAppend: ledger results
  std::vector<Op> ops_scratch_;           // OnAppend: the record's ops
};

}  // namespace wallet
