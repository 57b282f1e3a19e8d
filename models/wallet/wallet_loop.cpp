#include "models/wallet/wallet_loop.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "models/wallet/patroni_math.h"
#include "sim/assert.h"
#include "wallet-engine/id_map.h"
#include "wallet-engine/invariants.h"
#include "wallet-engine/types.h"
#include "wallet-engine/wal.h"

namespace rehearsal::models::wallet {

namespace we = ::wallet;

const char* ToString(DiskFault fault) {
  switch (fault) {
    case DiskFault::kTornWrite: return "torn-write";
    case DiskFault::kLostWrite: return "lost-write";
    case DiskFault::kFsyncError: return "fsync-error";
    case DiskFault::kFullDisk: return "full-disk";
    case DiskFault::kBitFlip: return "bit-flip";
  }
  return "?";
}

namespace {

// The chain anchor of the genesis snapshot (record 1 of every history): a
// fixed non-zero checksum, so an empty engine (seq 0, checksum 0) never looks
// like it holds the genesis state and is seeded by a snapshot install.
constexpr uint64_t kGenesisAnchor = 0x67656e6573697321ULL;

// Host-side role of a pod (the DCS view); the engine keeps its own role.
enum class Role { kPrimary, kStandby, kDemoted, kDead };

// A pod's disk queue (FIFO, usually 0-2 requests): a vector read from a
// head index, emptied when drained, so a request costs no allocation
// (std::deque took a 512-byte block per four requests: ~1 allocation per
// write and flush of every engine, perf on `rehearse run`, issue 7).
class IoQueue {
 public:
  bool empty() const { return head_ == items_.size(); }
  we::IoRequest& front() { return items_[head_]; }
  void push_back(we::IoRequest&& r) { items_.push_back(std::move(r)); }
  void pop_front() {
    ++head_;
    if (head_ == items_.size()) {
      clear();
    } else if (head_ >= 64 && head_ * 2 >= items_.size()) {  // never drained: compact
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }
  void clear() {
    items_.clear();
    head_ = 0;
  }

 private:
  std::vector<we::IoRequest> items_;
  size_t head_ = 0;
};

// One wallet pod: a wallet::Engine on its own wallet::SimDisk.
struct Pod {
  int32_t ordinal = 0;
  PodId pod = kNoId;
  NodeId node = kNoId;
  std::string zone;
  uint32_t slot = 0;           // engine node id (StatefulSet ordinal)
  Role role = Role::kStandby;
  uint64_t epoch = 0;          // bumped when the engine is replaced or dies: stale events are ignored
  uint64_t net_epoch = 0;      // bumped when the pod dies: its in-flight messages die with it
  std::unique_ptr<we::Engine> engine;
  std::unique_ptr<we::SimDisk> disk;
  IoQueue io;  // FIFO, one I/O in flight
  bool io_busy = false;
  // Disk time owed by writes that went into the page cache at once: the
  // next flush (fdatasync) pays it before its own sync time.
  sim::Duration write_back;
  sim::Duration disk_extra;
  sim::Time tick_at = sim::Time::Max();  // pending batch-close tick
  sim::Time last_submit;
  sim::EventId ha_event;
  sim::Time died_at = sim::Time::Max();
  uint64_t last_durable_seq = 0;  // kept when the engine goes
  bool rebuild_pending = false;   // primary paused until quiescent, then rebuilt
  bool lose_next_write = false;
  bool fail_next_flush = false;
  uint64_t trimmed_at_snapshots = 0;  // engine snapshots when old segments were last recycled

  // The engine or the whole pod is gone: queued and in-flight I/O with it.
  void ResetIo() {
    io.clear();
    io_busy = false;
    write_back = sim::Duration{};
  }
};

struct ReqTag {
  uint64_t call = 0;
  uint32_t attempt = 0;
  int32_t pod = -1;
  we::Id128 id;
};

// Requests on the engines by request id. Ids are issued in order and mostly
// answered in order, so they live in a window from the oldest unanswered id
// (no hash node per request, as std::unordered_map allocated).
class RequestWindow {
 public:
  // REQUIRES: id is the next id (one more than the previous Add).
  void Add(uint64_t id, const ReqTag& tag) {
    if (items_.empty()) base_ = id;
    RH_ASSERT(id == base_ + items_.size());
    items_.push_back({tag, true});
  }
  // Takes id's tag; false when unknown or already taken.
  bool Take(uint64_t id, ReqTag* tag) {
    if (id < base_ || id - base_ >= items_.size()) return false;
    Slot& s = items_[id - base_];
    if (!s.live) return false;
    *tag = s.tag;
    s.live = false;
    Trim();
    return true;
  }
  // Forgets every request sent to pod o (its engine is gone).
  void ForgetPod(int32_t o) {
    for (Slot& s : items_)
      if (s.tag.pod == o) s.live = false;
    Trim();
  }

 private:
  struct Slot {
    ReqTag tag;
    bool live = false;
  };
  void Trim() {
    while (!items_.empty() && !items_.front().live) {
      items_.pop_front();
      ++base_;
    }
  }
  std::deque<Slot> items_;
  uint64_t base_ = 0;
};

enum class CallKind : uint8_t { kBet, kWin, kEndRound, kRollback, kDeposit, kWithdraw };

// One provider (or cashier) operation, retried until answered; a game round
// is one call moving through phases bet -> win -> end round (or bet ->
// rollback when the provider gives up).
struct Call {
  CallKind kind = CallKind::kBet;
  bool done = false;
  bool waiting_round = false;
  uint32_t provider = 0;
  uint32_t attempt = 0;       // attempts sent so far (all phases)
  uint32_t phase_start = 1;   // first attempt of the current phase
  uint32_t in_flight = 0;     // attempts sent and not yet arrived
  uint64_t player = 0;
  uint64_t tx = 0;
  int64_t win_amount = 0;
  sim::Duration round_time;
  sim::Time phase_sent;
  sim::Time give_up_at = sim::Time::Max();
  sim::EventId timer;
  we::Id128 round_id;
  we::Id128 bet_key;
  we::Op op;        // current phase body
  we::Op prev_op;   // previous phase body (a late attempt of it may still arrive)
};

we::OpKind OpKindOf(CallKind k) {
  switch (k) {
    case CallKind::kBet: return we::OpKind::kBet;
    case CallKind::kWin: return we::OpKind::kWin;
    case CallKind::kEndRound: return we::OpKind::kEndRound;
    case CallKind::kRollback: return we::OpKind::kRollback;
    case CallKind::kDeposit: return we::OpKind::kDeposit;
    case CallKind::kWithdraw: return we::OpKind::kWithdraw;
  }
  return we::OpKind::kBet;
}

std::string Hex(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::string PodName(const std::string& service, int32_t ordinal) {
  return service + "-" + std::to_string(ordinal);
}

we::ReplicationMode EngineMode(ReplicationMode m) {
  switch (m) {
    case ReplicationMode::kAsync: return we::ReplicationMode::kAsync;
    case ReplicationMode::kSync: return we::ReplicationMode::kSync;
    case ReplicationMode::kQuorum: return we::ReplicationMode::kQuorum;
  }
  return we::ReplicationMode::kAsync;
}

uint64_t Us(sim::Time t) { return static_cast<uint64_t>(t.us); }

// Values carried by kernel events that do not fit an event's inline capture
// (a replication message, a reply): parked here and fetched by index, so an
// event costs no heap allocation for them. Slots are reused (LIFO free list);
// indexes never reach results.
template <typename T>
class Parking {
 public:
  uint32_t Park(T&& value) {
    if (free_.empty()) {
      items_.push_back(std::move(value));
      return static_cast<uint32_t>(items_.size() - 1);
    }
    const uint32_t i = free_.back();
    free_.pop_back();
    items_[i] = std::move(value);
    return i;
  }
  T Fetch(uint32_t i) {
    T value = std::move(items_[i]);
    free_.push_back(i);
    return value;
  }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
};

struct ParkedReply {
  we::Id128 id;
  we::OpReply reply;
};

}  // namespace

struct WalletLoop::Impl {
  Impl(sim::Simulation& s, WalletLoopConfig c);

  // --- pods and engines
  Pod& AddPod(PodId pod, NodeId node, const std::string& zone, uint32_t slot);
  std::string MakeGenesisImage();
  // Writes and flushes genesis_image as the pod's first base backup.
  void InstallGenesis(Pod& e);
  we::EngineConfig EngineCfg(uint32_t slot, bool degraded, std::vector<uint32_t> replicas) const;
  std::vector<uint32_t> OtherSlots(uint32_t slot) const;
  std::vector<uint32_t> PrimaryOrder(const Pod& p) const;
  bool Healthy(const Pod& s) const;
  int32_t HealthyStandbys(const Pod& p) const;
  bool NeedsDegrade(const Pod& p) const;
  bool StartEngine(Pod& p, we::Role role, uint64_t engine_term, bool degraded);
  void BecomeLeader(Pod& p);
  void StartHaLoop(Pod& p);

  // --- plumbing: outputs, disk, links, ticks
  void Drain(Pod& p);
  void DrainOutputs(Pod& p);
  void PumpIo(Pod& p);
  void OnIoDone(int32_t o, uint64_t epoch);
  void CompleteIo(Pod& p);
  sim::Duration IoTime(const Pod& p, const we::IoRequest& r);
  sim::Time LinkArrival(const Pod& from, const Pod& to, size_t bytes);
  void SendMessage(Pod& from, we::Message&& m);
  void ScheduleBatchTick(Pod& p);
  void OnBatchTick(int32_t o, uint64_t epoch, sim::Time scheduled);
  void HeartbeatAll();
  void OnReply(Pod& p, we::Reply& r);
  void DeliverReply(uint64_t call, uint32_t attempt, we::Id128 id, const we::OpReply& r);
  void MaybeRebuild(int32_t o);
  void PurgeRequests(int32_t o);
  void Rebuild(Pod& p);

  // --- Patroni
  void HaTick(int32_t ordinal);
  void ReconfigureSyncSet(Pod& p);  // UpdateSyncSet + rebuild the primary's engine if it no longer fits
  void UpdateSyncSet(Pod& p);
  void StartElection(sim::Duration election_time);
  void DecideElection();
  void Promote(int32_t ordinal);
  void MeasureLoss(FailoverRecord& rec, const we::Engine& old, const Pod& w);
  FailoverRecord* OpenRecordFor(int32_t new_primary);
  FailoverRecord* PendingRecord();
  int64_t SeqBytes(uint64_t seq) const;

  // --- faults
  void FailPod(int32_t ordinal, const std::string& cause, bool disk_survives,
               sim::Duration restart_after);
  void Restart(int32_t ordinal);
  void Switchover(int32_t ordinal);
  void DamageDisk(int32_t ordinal, DiskFault fault);

  // --- providers, players, cashier
  double SampledRate() const;
  void ScheduleNextBet();
  void StartBet();
  void StartCashier(CallKind kind, uint64_t player, int64_t amount);
  uint64_t NewCall(Call c);
  void Send(uint64_t id);
  void Arrive(uint64_t id, uint32_t attempt, int32_t target);
  we::Op OpForAttempt(const Call& c, uint32_t attempt) const;
  void OnReply(uint64_t id, uint32_t attempt, const we::OpReply& r);
  void OnTimeout(uint64_t id, uint32_t attempt);
  void RoundEnd(uint64_t id);
  void NewPhase(Call& c, CallKind kind, const we::Op& op);
  void Done(uint64_t id, Call& c);
  void MaybeErase(uint64_t id, const Call& c);

  // --- checks, backups
  void Violation(const std::string& text);
  void Audit();
  void CheckNow(const std::string& when);
  void CountDuplicates();
  ::wallet::InvariantOptions InvariantCheck() const;
  void TakeSnapshot();
  void SnapshotPod(int32_t o);
  void Archive();
  void RecycleOldFiles(Pod& p);
  WalletHeldBytes HeldBytes() const;
  we::LedgerConfig LedgerConfig() const {
    we::LedgerConfig lc;
    lc.retention_ns = static_cast<uint64_t>(cfg.idempotency_retention.us) * 1000;
    return lc;
  }
  Pod& P(int32_t o) { return *pods[static_cast<size_t>(o)]; }
  const Pod& P(int32_t o) const { return *pods[static_cast<size_t>(o)]; }

  sim::Simulation& sim;
  WalletLoopConfig cfg;
  int64_t players = 1;
  uint32_t slots = 1;

  sim::EventKind k_io, k_net, k_tick, k_hb, k_arrive, k_reply, k_timeout, k_round, k_bet, k_ha,
      k_election, k_promote, k_reroute, k_audit, k_managed, k_heal, k_restart, k_backup, k_fail;
  sim::Rng traffic_rng, round_rng, link_rng, disk_rng, ha_rng, managed_rng;

  std::vector<std::unique_ptr<Pod>> pods;
  std::map<PodId, int32_t> pod_to_engine;
  std::vector<int32_t> slot_pod;  // slot -> ordinal of its current pod (-1: none)
  std::map<std::pair<int32_t, int32_t>, sim::Time> link_last;
  struct PartitionWindow {
    std::string a, b;
    sim::Time until;
  };
  std::vector<PartitionWindow> partitions;
  std::vector<std::string> zone_names;
  std::string genesis_image;
  we::Outputs drain_out;  // Drain's buffer (Drain is never re-entered)
  Parking<we::Message> parked_messages;  // replication messages on the links
  Parking<ParkedReply> parked_replies;   // acknowledgements on their way to providers
  bool draining = false;

  int32_t primary = -1;
  int32_t routed = -1;
  int32_t promoting = -1;
  uint64_t term = 1;
  bool degraded = false;  // the primary's engine runs async (too few standbys, non-strict)
  sim::Time lease_expiry = sim::Time::Max();
  int64_t dcs_optime_bytes = 0;
  std::vector<int32_t> dcs_sync_set;  // the /sync key (sync) or quorum members (ordinals)
  bool election_running = false;
  std::vector<FailoverRecord> failovers;
  std::unique_ptr<we::Engine> old_engine;  // the failed primary's engine, until the loss is measured
  int64_t primary_wal_bytes = 0;
  uint64_t primary_wal_records = 0;
  uint64_t last_reply_seq = 0;

  RequestWindow requests;
  uint64_t next_request = 0;
  std::unordered_map<uint64_t, Call> calls;  // lookup only, never iterated
  uint64_t next_call = 0;
  uint64_t next_tx = 0;
  bool traffic_started = false;
  bool finished = false;

  WalletLoopStats stats;
  std::vector<std::string> violations;
  std::vector<AckedOp> acked_ops;
  bool keep_acked = false;
  std::vector<AckedOp> pending_audit;
  std::deque<AckedOp> recent_acked;  // provider-side acknowledgements, rpo window
  std::set<we::Id128> lost_ids;
  std::function<void(const FailoverRecord&)> promotion_observer;
  sim::Histogram* reply_hist = nullptr;
  uint64_t acked_sampled = 0;
  std::string final_hash;
  std::map<std::pair<uint32_t, we::Id128>, std::pair<uint32_t, uint32_t>> duplicate_rounds;

  // Backup archive: snapshots and log segments copied from the primary (in
  // huge-page storage: its appended tails were half of a run's page faults).
  struct ArchivedFile {
    we::LargeBytes bytes;
    uint64_t lineage = 0;  // SimDisk lineage of the copy
  };
  std::map<std::string, ArchivedFile> archive;
  sim::Time archived_at = sim::Time::Max();
  uint64_t archive_bytes = 0;
};

WalletLoop::Impl::Impl(sim::Simulation& s, WalletLoopConfig c)
    : sim(s),
      cfg(std::move(c)),
      traffic_rng(s.Stream("wallet/traffic")),
      round_rng(s.Stream("wallet/rounds")),
      link_rng(s.Stream("wallet/links")),
      disk_rng(s.Stream("wallet/disk")),
      ha_rng(s.Stream("wallet/patroni")),
      managed_rng(s.Stream("wallet/managed")) {
  RH_ASSERT(cfg.replicas >= 1);
  RH_ASSERT(!cfg.zones.empty());
  RH_ASSERT(cfg.sample_one_in >= 1);
  RH_ASSERT(cfg.sync_count >= 1);
  RH_ASSERT(cfg.group_commit_max_batch >= 1);
  RH_ASSERT(cfg.providers >= 1);
  if (cfg.engine_heartbeat.us <= 0)
    cfg.engine_heartbeat = cfg.replication == ReplicationMode::kAsync ? sim::Duration::Seconds(1)
                                                                      : sim::Duration::Millis(100);
  RH_ASSERT(CheckFailoverConfig(cfg.failover).empty());
  players = std::max<int64_t>(1, cfg.players / cfg.sample_one_in);
  slots = static_cast<uint32_t>(cfg.replicas);
  slot_pod.assign(slots, -1);
  zone_names = cfg.zones;
  k_io = sim.RegisterKind("wallet.disk_io");
  k_net = sim.RegisterKind("wallet.replication_message");
  k_tick = sim.RegisterKind("wallet.batch_close");
  k_hb = sim.RegisterKind("wallet.engine_tick");
  k_arrive = sim.RegisterKind("wallet.request");
  k_reply = sim.RegisterKind("wallet.reply");
  k_timeout = sim.RegisterKind("wallet.provider_timeout");
  k_round = sim.RegisterKind("wallet.round_end");
  k_bet = sim.RegisterKind("wallet.bet_arrival");
  k_ha = sim.RegisterKind("wallet.ha_loop");
  k_election = sim.RegisterKind("wallet.election");
  k_promote = sim.RegisterKind("wallet.promote");
  k_reroute = sim.RegisterKind("wallet.reroute");
  k_audit = sim.RegisterKind("wallet.audit");
  k_managed = sim.RegisterKind("wallet.managed_failover");
  k_heal = sim.RegisterKind("wallet.fault_end");
  k_restart = sim.RegisterKind("wallet.restart");
  k_backup = sim.RegisterKind("wallet.backup");
  k_fail = sim.RegisterKind("wallet.engine_failed");

  auto& rec = sim.recorder();
  reply_hist = &rec.histogram("wallet.provider_reply_us");
  // Replication lag in WAL records: primary's last record - slowest standby's durable one.
  rec.AddSeries("wallet.lag_ops", [this] {
    if (primary < 0 || !P(primary).engine) return 0.0;
    const uint64_t last = P(primary).engine->last_seq();
    uint64_t lag = 0;
    for (const auto& e : pods)
      if (e->role == Role::kStandby && e->engine)
        lag = std::max(lag, last - std::min(last, e->engine->durable_seq()));
    return static_cast<double>(lag);
  });
  rec.AddSeries("wallet.acked_per_s", [this] {
    const double interval_s = sim.recorder().sample_interval().seconds();
    const double v = static_cast<double>(stats.ops_acked - acked_sampled) / interval_s;
    acked_sampled = stats.ops_acked;
    return v;
  });
  rec.AddSeries("wallet.primary_zone", [this] {
    if (primary < 0) return -1.0;
    const std::string& z = P(primary).zone;
    for (size_t i = 0; i < zone_names.size(); ++i)
      if (zone_names[i] == z) return static_cast<double>(i);
    return -1.0;
  });
}

// ------------------------------------------------------------ engines ---

Pod& WalletLoop::Impl::AddPod(PodId pod, NodeId node, const std::string& zone, uint32_t slot) {
  auto e = std::make_unique<Pod>();
  e->ordinal = static_cast<int32_t>(pods.size());
  e->pod = pod;
  e->node = node;
  e->zone = zone;
  e->slot = slot;
  // Each pod's disk gets its own fault stream, derived from the run's seed.
  e->disk = std::make_unique<we::SimDisk>(
      sim::Rng::Derive(sim.seed(), "wallet/disk/" + std::to_string(e->ordinal)).Next());
  if (std::find(zone_names.begin(), zone_names.end(), zone) == zone_names.end())
    zone_names.push_back(zone);
  pod_to_engine[pod] = e->ordinal;
  slot_pod[slot] = e->ordinal;
  pods.push_back(std::move(e));
  return *pods.back();
}

// The genesis state every history starts from, as a snapshot file (record 1):
// house accounts per provider, the pools, and each sampled player's real and
// bonus accounts with a first deposit (lognormal around initial_balance_minor).
// Pods created with it were restored from the same base backup.
void WalletLoop::Impl::InstallGenesis(Pod& e) {
  we::IoRequest w;
  w.kind = we::IoKind::kWrite;
  w.file = we::SnapshotName(1);
  w.bytes = genesis_image;
  e.disk->Execute(w);
  we::IoRequest f;
  f.kind = we::IoKind::kFlush;
  f.file = w.file;
  e.disk->Execute(f);
}

std::string WalletLoop::Impl::MakeGenesisImage() {
  std::vector<we::Op> ops;
  const uint32_t cur = cfg.currency;
  for (uint32_t prov = 1; prov <= static_cast<uint32_t>(cfg.providers); ++prov)
    ops.push_back(we::MakeCreateAccount(we::HouseAccountId(prov, cur), cur, we::AccountKind::kHouse, 0));
  for (auto kind : {we::AccountKind::kJackpotPool, we::AccountKind::kPromoBudget,
                    we::AccountKind::kPspClearing})
    ops.push_back(we::MakeCreateAccount(we::PoolAccountId(kind, cur), cur, kind, 0));
  sim::Rng rng = sim.Stream("wallet/players");
  for (int64_t i = 0; i < players; ++i) {
    const auto id = static_cast<uint64_t>(i + 1);
    ops.push_back(we::MakeCreateAccount(we::PlayerAccountId(id, cur, we::AccountKind::kPlayerReal),
                                        cur, we::AccountKind::kPlayerReal,
                                        we::kDebitsMustNotExceedCredits));
    ops.push_back(we::MakeCreateAccount(we::PlayerAccountId(id, cur, we::AccountKind::kPlayerBonus),
                                        cur, we::AccountKind::kPlayerBonus,
                                        we::kDebitsMustNotExceedCredits));
    const auto amount = std::max<int64_t>(
        1, std::llround(static_cast<double>(cfg.initial_balance_minor) * rng.LogNormal(0, 1.0)));
    ops.push_back(we::MakeDeposit(
        we::DeriveOpId(0, we::OpKind::kDeposit, "genesis-" + std::to_string(id)), id, cur, amount));
  }
  we::Ledger ledger(LedgerConfig());
  std::vector<we::OpReply> replies(ops.size());
  ledger.ApplyBatch(ops, 1, replies.data());
  for (const auto& r : replies) RH_ASSERT(r.result == we::Result::kOk);
  return we::EncodeSnapshot(ledger, 1, 1, kGenesisAnchor, 1);
}

std::vector<uint32_t> WalletLoop::Impl::OtherSlots(uint32_t slot) const {
  std::vector<uint32_t> out;
  for (uint32_t s = 0; s < slots; ++s)
    if (s != slot) out.push_back(s);
  return out;
}

we::EngineConfig WalletLoop::Impl::EngineCfg(uint32_t slot, bool async_only,
                                             std::vector<uint32_t> replicas) const {
  we::EngineConfig c;
  c.node_id = slot;
  c.replicas = std::move(replicas);
  c.mode = async_only ? we::ReplicationMode::kAsync : EngineMode(cfg.replication);
  c.k = c.mode == we::ReplicationMode::kAsync ? 0 : static_cast<uint32_t>(cfg.sync_count);
  c.batch_ops_max = static_cast<uint32_t>(std::min<int64_t>(cfg.group_commit_max_batch, 8190));
  c.batch_bytes_max = c.batch_ops_max * sizeof(we::Op);
  c.batch_delay_us = static_cast<uint64_t>(cfg.group_commit_max_delay.us);
  c.heartbeat_us = static_cast<uint64_t>(cfg.engine_heartbeat.us);
  c.record_cache_max = static_cast<uint64_t>(std::max<int64_t>(1, cfg.record_cache_records));
  // maximum_lag_on_failover is applied in bytes by Elect (patroni_math).
  c.max_lag_records_on_failover = std::numeric_limits<uint64_t>::max();
  c.require_lease = true;
  // The engine's per-record acknowledged-id list grows without bound; the
  // loss is measured from the ledgers (ComputePromotionLoss's op-id part).
  c.track_acked_ops = false;
  c.ledger = LedgerConfig();
  return c;
}

// A standby is healthy when its engine is a replica that is not installing
// a snapshot (CheckPromotion tells installing engines apart).
bool WalletLoop::Impl::Healthy(const Pod& s) const {
  return s.role == Role::kStandby && s.engine && s.engine->role() == we::Role::kReplica &&
         s.engine->CheckPromotion({}, true).verdict != we::PromotionVerdict::kRefusedNotReplica;
}

int32_t WalletLoop::Impl::HealthyStandbys(const Pod& p) const {
  int32_t n = 0;
  for (const auto& s : pods)
    if (s->ordinal != p.ordinal && Healthy(*s)) ++n;
  return n;
}

// Patroni non-strict synchronous mode: with fewer healthy standbys than k the
// primary continues asynchronously (strict mode blocks instead).
bool WalletLoop::Impl::NeedsDegrade(const Pod& p) const {
  if (cfg.replication == ReplicationMode::kAsync || cfg.failover.synchronous_mode_strict) return false;
  return HealthyStandbys(p) < cfg.sync_count;
}

// The primary's replica order: sync mode lists the designated synchronous
// standbys first (the engine's FIRST k), then the other slots.
std::vector<uint32_t> WalletLoop::Impl::PrimaryOrder(const Pod& p) const {
  std::vector<uint32_t> out;
  if (cfg.replication == ReplicationMode::kSync)
    for (int32_t o : dcs_sync_set)
      if (o != p.ordinal) out.push_back(P(o).slot);
  for (uint32_t s : OtherSlots(p.slot))
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  return out;
}

// Starts (or restarts) the pod's engine from its disk: wallet::Recover over
// the durable image, then a primary or a replica of `engine_term`. Returns
// false when recovery diagnosed damage (nothing started).
bool WalletLoop::Impl::StartEngine(Pod& p, we::Role role, uint64_t engine_term, bool async_only) {
  we::RecoveryOptions ro;
  ro.ledger = LedgerConfig();
  we::RecoveryResult r = we::Recover(p.disk->Image(), ro);
  if (!r.ok) {
    sim.recorder().Log(sim.now(), "WalletRecoveryFailed", "pod/" + PodName(cfg.service, p.ordinal),
                       r.diagnosis.ToString());
    return false;
  }
  const std::string inv = we::CheckLedgerInvariants(r.ledger, InvariantCheck());
  if (!inv.empty()) Violation("recovered state of " + PodName(cfg.service, p.ordinal) + ": " + inv);
  ++p.epoch;
  p.ResetIo();
  p.tick_at = sim::Time::Max();
  p.rebuild_pending = false;
  if (p.engine) PurgeRequests(p.ordinal);
  std::vector<uint32_t> replicas = role == we::Role::kPrimary ? PrimaryOrder(p) : OtherSlots(p.slot);
  we::EngineConfig ec = EngineCfg(p.slot, async_only, std::move(replicas));
  // Each engine a pod starts is a new incarnation (the epoch just bumped only
  // grows): a primary ignores acks an earlier engine of that pod sent and
  // the network still carries, which would count a durability this one lacks.
  ec.incarnation = p.epoch;
  p.engine = std::make_unique<we::Engine>(std::move(ec), role, engine_term, std::move(r));
  if (role == we::Role::kPrimary) p.engine->SetLease(Us(lease_expiry));
  Drain(p);  // a torn tail to truncate
  return true;
}

void WalletLoop::Impl::StartHaLoop(Pod& e) {
  const int32_t o = e.ordinal;
  const auto phase = sim::Duration::Micros(
      static_cast<int64_t>(ha_rng.Below(static_cast<uint64_t>(cfg.failover.loop_wait.us))));
  e.ha_event = sim.ScheduleIn(phase, k_ha, static_cast<uint64_t>(o), [this, o] { HaTick(o); });
}

void WalletLoop::Impl::BecomeLeader(Pod& p) {
  p.role = Role::kPrimary;
  primary = p.ordinal;
  lease_expiry = sim.now() + cfg.failover.ttl;
  p.engine->SetLease(Us(lease_expiry));
  dcs_optime_bytes = SeqBytes(p.engine->last_seq());
}

// ------------------------------------------------------------ plumbing ---

// Takes the engine's outputs: I/O goes to the pod's disk queue, messages to
// the links, replies to the providers. An engine that stopped on an I/O error
// takes its pod down (the process exits; the disk survives).
void WalletLoop::Impl::Drain(Pod& p) {
  if (!p.engine) return;
  RH_ASSERT(!draining);
  if (p.engine->HasOutputs()) DrainOutputs(p);
  PumpIo(p);
  if (p.engine->role() == we::Role::kFailed && p.role != Role::kDead) {
    const int32_t o = p.ordinal;
    const uint64_t epoch = p.epoch;
    sim.ScheduleIn(sim::Duration{}, k_fail, static_cast<uint64_t>(o), [this, o, epoch] {
      Pod& q = P(o);
      if (q.epoch != epoch || q.role == Role::kDead || !q.engine) return;
      ++stats.engine_failures;
      FailPod(o, "engine stopped: " + q.engine->failure(), true, cfg.restart_delay);
    });
  }
}

// Drain's part when there are outputs (about half the calls have none).
void WalletLoop::Impl::DrainOutputs(Pod& p) {
  // One buffer for every drain: TakeOutputs swaps, so the engine gets the
  // emptied vectors back with their capacity (no allocation per output).
  we::Outputs& out = drain_out;
  draining = true;
  p.engine->TakeOutputs(&out);
  for (auto& io : out.io) p.io.push_back(std::move(io));
  // The engine's catch-up loop may emit the same whole-state install once per
  // missing record of its resend window (it does not stop once installing);
  // one copy per target and anchor is enough on the wire.
  std::vector<std::pair<uint32_t, uint64_t>> installs;
  for (auto& m : out.messages) {
    if (m.kind == we::MsgKind::kInstallSnapshot) {
      const std::pair<uint32_t, uint64_t> key{m.to, m.seq};
      if (std::find(installs.begin(), installs.end(), key) != installs.end()) {
        ++stats.duplicate_installs_dropped;
        continue;
      }
      installs.push_back(key);
    }
    SendMessage(p, std::move(m));
  }
  for (auto& r : out.replies) OnReply(p, r);
  draining = false;
}

// One I/O at a time per disk. A write costs disk_write_latency plus its bytes
// at disk_bytes_per_s; a flush costs fsync_latency x lognormal(sigma) (median
// 1) plus any injected slowness. Example: 0.8 ms fsyncs at 2,000 records/s
// group ~1.6 records per flush (the engine batches queued writes).
sim::Duration WalletLoop::Impl::IoTime(const Pod& p, const we::IoRequest& r) {
  switch (r.kind) {
    case we::IoKind::kWrite:
      return cfg.disk_write_latency +
             sim::Duration::FromSeconds(static_cast<double>(r.bytes.size()) / cfg.disk_bytes_per_s);
    case we::IoKind::kFlush:
    case we::IoKind::kFlushDir: {
      const double f = cfg.fsync_jitter_sigma > 0 ? disk_rng.LogNormal(0, cfg.fsync_jitter_sigma) : 1.0;
      return sim::Duration::FromSeconds(cfg.fsync_latency.seconds() * f) + p.disk_extra;
    }
    case we::IoKind::kRename:
    case we::IoKind::kTruncate: return cfg.disk_write_latency;
  }
  return cfg.disk_write_latency;
}

// Starts the queue's next I/O. A write is buffered (it lands in the page
// cache, as pwrite does): it completes at once, in queue order, and its disk
// time is owed to the next flush, which completes write time + sync time
// after it starts. A write then flush on an idle disk ends exactly when it
// did as two timed steps (t + write + fsync), with one kernel event instead
// of two; a crash before the flush finds the write unflushed (SimDisk::Crash
// decides its fate), as a crash in the page cache would. Flushes, renames
// and truncates are timed kernel events.
void WalletLoop::Impl::PumpIo(Pod& p) {
  while (!p.io_busy && !p.io.empty() && p.role != Role::kDead && p.engine) {
    we::IoRequest& req = p.io.front();
    if (req.kind == we::IoKind::kWrite) {
      p.write_back += IoTime(p, req);
      CompleteIo(p);
      if (p.engine->HasOutputs()) DrainOutputs(p);  // the flush that follows, usually
      continue;
    }
    sim::Duration t = IoTime(p, req);
    if (req.kind == we::IoKind::kFlush || req.kind == we::IoKind::kFlushDir) {
      t += p.write_back;
      p.write_back = sim::Duration{};
    }
    p.io_busy = true;
    const int32_t o = p.ordinal;
    const uint64_t epoch = p.epoch;
    sim.ScheduleIn(std::max(t, sim::Duration::Micros(1)), k_io, static_cast<uint64_t>(o),
                   [this, o, epoch] { OnIoDone(o, epoch); });
    return;
  }
}

void WalletLoop::Impl::OnIoDone(int32_t o, uint64_t epoch) {
  Pod& p = P(o);
  if (p.epoch != epoch || !p.engine || p.role == Role::kDead) return;
  p.io_busy = false;
  CompleteIo(p);
  Drain(p);
  MaybeRebuild(o);
}

// The queue's front I/O takes effect on the SimDisk now (a timed one when it
// completes: a crash before that leaves no trace of it) and the engine hears
// of it. Injected one-shot faults apply to it.
void WalletLoop::Impl::CompleteIo(Pod& p) {
  // Executed from the queue's slot: each move of a request moves three strings.
  we::IoRequest& req = p.io.front();
  const bool log_write = req.kind == we::IoKind::kWrite && req.file.view().starts_with("wal-");
  if (log_write && p.role == Role::kPrimary) {
    primary_wal_bytes += static_cast<int64_t>(req.bytes.size());
    primary_wal_records = p.engine->last_seq();
  }
  we::DiskFaults& faults = p.disk->faults();
  const uint32_t lost = faults.lost_write_ppm, fsync = faults.fsync_error_ppm;
  if (log_write && p.lose_next_write) {
    faults.lost_write_ppm = 1'000'000;
    p.lose_next_write = false;
  }
  if (req.kind == we::IoKind::kFlush && p.fail_next_flush) {
    faults.fsync_error_ppm = 1'000'000;
    p.fail_next_flush = false;
  }
  const we::IoKind kind = req.kind;
  const we::IoCompletion c = p.disk->Execute(std::move(req));
  p.io.pop_front();
  faults.lost_write_ppm = lost;
  faults.fsync_error_ppm = fsync;
  if (c.status == we::IoStatus::kOk && kind == we::IoKind::kFlushDir && p.role == Role::kPrimary)
    ++stats.snapshots;
  p.engine->OnIoComplete(Us(sim.now()), c);
}

// A message leaves `from` now and arrives after the zone-pair latency plus
// its transfer time (a snapshot install moves the whole state at
// basebackup_bytes_per_s); a lost packet costs a retransmission; a partition
// holds it until it heals; the link stays FIFO (one TCP stream per pair).
sim::Time WalletLoop::Impl::LinkArrival(const Pod& from, const Pod& to, size_t bytes) {
  const sim::Duration lat = from.zone == to.zone ? cfg.same_zone_latency : cfg.replication_latency;
  sim::Time t = sim.now() + lat;
  if (bytes > 0) t += sim::Duration::FromSeconds(static_cast<double>(bytes) / cfg.basebackup_bytes_per_s);
  if (cfg.link_loss > 0)
    for (int i = 0; i < 16 && link_rng.Chance(cfg.link_loss); ++i) t += cfg.link_retransmit;
  for (const auto& w : partitions) {
    const bool hit = (w.a == from.zone && w.b == to.zone) || (w.b == from.zone && w.a == to.zone);
    if (hit && w.until > sim.now()) t = std::max(t, w.until + lat);
  }
  auto& last = link_last[{from.ordinal, to.ordinal}];
  t = std::max(t, last);
  last = t;
  return t;
}

// The engine's replication messages as kernel events. A message to a slot
// with no live pod is dropped; one still in flight when its sender dies is
// lost with it (socket buffers and NIC go with the node).
void WalletLoop::Impl::SendMessage(Pod& from, we::Message&& m) {
  if (m.to >= slots) return;
  const int32_t to = slot_pod[m.to];
  if (to < 0 || P(to).role == Role::kDead || to == from.ordinal) return;
  const size_t bytes = m.kind == we::MsgKind::kInstallSnapshot ? m.payload.size() : 0;
  const sim::Time at = LinkArrival(from, P(to), bytes);
  const int32_t f = from.ordinal;
  const uint64_t net_epoch = from.net_epoch;
  const uint32_t slot = parked_messages.Park(std::move(m));
  sim.Schedule(at, k_net, static_cast<uint64_t>(to), [this, f, net_epoch, to, slot] {
    we::Message msg = parked_messages.Fetch(slot);
    if (P(f).net_epoch != net_epoch) return;
    Pod& q = P(to);
    if (q.role == Role::kDead || !q.engine) return;
    if (msg.kind == we::MsgKind::kInstallSnapshot) {
      ++stats.reseeds;
      sim.recorder().Log(sim.now(), "WalletReseed", "pod/" + PodName(cfg.service, to),
                         "snapshot install from " + PodName(cfg.service, f) + " at seq " +
                             std::to_string(msg.seq) + " (" + std::to_string(msg.payload.size()) +
                             " bytes), engine at seq " + std::to_string(q.engine->last_seq()));
    }
    if (msg.term < q.engine->term()) ++stats.fenced_messages;
    q.engine->OnMessage(Us(sim.now()), std::move(msg));  // the record moves into the log write
    Drain(q);
  });
}

// The engine closes a batch batch_delay after its first op; the host wakes
// it then (and once more if ops came in meanwhile).
void WalletLoop::Impl::ScheduleBatchTick(Pod& p) {
  p.last_submit = sim.now();
  if (p.tick_at != sim::Time::Max()) return;
  p.tick_at = sim.now() + cfg.group_commit_max_delay;
  const int32_t o = p.ordinal;
  const uint64_t epoch = p.epoch;
  const sim::Time at = p.tick_at;
  sim.Schedule(at, k_tick, static_cast<uint64_t>(o), [this, o, epoch, at] { OnBatchTick(o, epoch, at); });
}

void WalletLoop::Impl::OnBatchTick(int32_t o, uint64_t epoch, sim::Time scheduled) {
  Pod& p = P(o);
  if (p.epoch != epoch || !p.engine) return;
  p.tick_at = sim::Time::Max();
  p.engine->Tick(Us(sim.now()));
  Drain(p);
  if (p.last_submit + cfg.group_commit_max_delay > scheduled && p.engine &&
      p.engine->role() == we::Role::kPrimary) {
    p.tick_at = p.last_submit + cfg.group_commit_max_delay;
    const sim::Time at = p.tick_at;
    sim.Schedule(at, k_tick, static_cast<uint64_t>(o), [this, o, epoch, at] { OnBatchTick(o, epoch, at); });
  }
}

// Every engine_heartbeat: Tick every live engine (heartbeats, catch-up, idle snapshots).
void WalletLoop::Impl::HeartbeatAll() {
  for (auto& p : pods) {
    if (p->role == Role::kDead || !p->engine) continue;
    p->engine->Tick(Us(sim.now()));
    Drain(*p);
  }
}

// A reply the engine released: success results are acknowledgements on
// their way to the provider (client_latency); refusals (not primary, storage
// failed) leave the provider to retry. The first acknowledged write of a new
// primary ends the failover's RTO.
void WalletLoop::Impl::OnReply(Pod& p, we::Reply& r) {
  ReqTag tag;
  if (!requests.Take(r.request_id, &tag)) return;
  if (r.status != we::ReplyStatus::kOk || r.results.size() != 1) {
    ++stats.requests_dropped;
    return;
  }
  ++stats.ops_acked;
  if (r.seq != last_reply_seq) ++stats.batches;
  last_reply_seq = r.seq;
  if (FailoverRecord* rec = OpenRecordFor(p.ordinal); rec && p.role == Role::kPrimary) {
    rec->first_ack_at = sim.now();
    char msg[256];
    std::snprintf(msg, sizeof msg,
                  "first acknowledged write on %s: RTO %.3fs (detection %.3fs, election %.3fs, "
                  "catch-up %.3fs, re-routing %.3fs)",
                  PodName(cfg.service, p.ordinal).c_str(), (rec->first_ack_at - rec->failed_at).seconds(),
                  (rec->detected_at - rec->failed_at).seconds(),
                  (rec->leader_key_at - rec->detected_at).seconds(),
                  (rec->promoted_at - rec->leader_key_at).seconds(),
                  (rec->first_ack_at - rec->promoted_at).seconds());
    sim.recorder().Log(sim.now(), "WalletRecovered", "statefulset/" + cfg.service, msg);
  }
  const uint64_t call = tag.call;
  const uint32_t attempt = tag.attempt;
  const uint32_t slot = parked_replies.Park({tag.id, r.results[0]});
  sim.ScheduleIn(cfg.client_latency, k_reply, call, [this, call, attempt, slot] {
    const ParkedReply res = parked_replies.Fetch(slot);
    DeliverReply(call, attempt, res.id, res.reply);
  });
}

void WalletLoop::Impl::DeliverReply(uint64_t call, uint32_t attempt, we::Id128 id,
                                    const we::OpReply& r) {
  // Whatever the provider does next, it has seen this acknowledgement.
  if (r.result == we::Result::kExists) ++stats.duplicates_rejected;
  if (we::IsSuccess(r.result)) {
    pending_audit.push_back({id, sim.now()});
    recent_acked.push_back({id, sim.now()});
    const sim::Duration window = cfg.failover.ttl + cfg.failover.loop_wait * 4 +
                                 sim::Duration::Seconds(60) + cfg.failover.managed_max;
    while (!recent_acked.empty() && recent_acked.front().at + window < sim.now())
      recent_acked.pop_front();
    if (keep_acked) acked_ops.push_back({id, sim.now()});
  }
  OnReply(call, attempt, r);
}

// A primary whose engine configuration no longer fits (sync set changed,
// degraded to async or back) is rebuilt once quiescent: no I/O queued or in
// flight and everything executed durable. Requests are refused meanwhile
// (providers retry with the same key). The engine has no live
// reconfiguration API; restarting it from its own disk is the adapter.
void WalletLoop::Impl::MaybeRebuild(int32_t o) {
  Pod& p = P(o);
  if (!p.rebuild_pending || !p.engine || p.role != Role::kPrimary) return;
  if (p.io_busy || !p.io.empty() || p.engine->durable_seq() != p.engine->last_seq()) return;
  Rebuild(p);
}

// Requests held by an engine that is gone will never be answered (the
// providers' timers retry them). Erasing does not order events.
void WalletLoop::Impl::PurgeRequests(int32_t o) {
  requests.ForgetPod(o);
}

void WalletLoop::Impl::Rebuild(Pod& p) {
  p.rebuild_pending = false;
  const bool async_only = NeedsDegrade(p);
  ++term;  // a new engine instance, a new term (the old one's replies are fenced)
  ++stats.reconfigurations;
  if (!StartEngine(p, we::Role::kPrimary, term, async_only)) {
    FailPod(p.ordinal, "recovery failed while reconfiguring", true, cfg.restart_delay);
    return;
  }
  degraded = async_only;
  std::string order;
  for (uint32_t s : p.engine->config().replicas) order += (order.empty() ? "" : ",") + std::to_string(s);
  sim.recorder().Log(sim.now(), "WalletReconfigured", "pod/" + PodName(cfg.service, p.ordinal),
                     std::string("primary engine restarted from its disk as ") +
                         we::ModeName(p.engine->config().mode) + " term " + std::to_string(term) +
                         " replicas [" + order + "]");
  p.engine->Tick(Us(sim.now()));
  Drain(p);
}

FailoverRecord* WalletLoop::Impl::OpenRecordFor(int32_t new_primary) {
  for (auto it = failovers.rbegin(); it != failovers.rend(); ++it)
    if (it->new_primary == new_primary && !it->completed()) return &*it;
  return nullptr;
}

FailoverRecord* WalletLoop::Impl::PendingRecord() {
  if (!failovers.empty() && !failovers.back().completed()) return &failovers.back();
  return nullptr;
}

// WAL bytes up to record `seq`, from the primaries' mean record size (the
// host sees write sizes, not per-record offsets). Used for Patroni's optime
// and maximum_lag_on_failover. Example: 2 MB written in 1,000 records ->
// record 900 at ~1.8 MB.
int64_t WalletLoop::Impl::SeqBytes(uint64_t seq) const {
  const double mean = primary_wal_records > 1
                          ? static_cast<double>(primary_wal_bytes) / static_cast<double>(primary_wal_records - 1)
                          : static_cast<double>(WalRecordBytes(1));
  return static_cast<int64_t>(static_cast<double>(seq) * mean);
}

// ----------------------------------------------------------- Patroni ---

// Sync mode keeps its synchronous standbys while they are healthy and fills
// up to k with the lowest ordinals; quorum mode lists every healthy standby.
// When the primary's engine no longer matches (other sync standbys, degraded
// or back), it is rebuilt from its disk with the new order.
void WalletLoop::Impl::ReconfigureSyncSet(Pod& p) {
  UpdateSyncSet(p);
  if (!p.engine || p.role != Role::kPrimary || cfg.replication == ReplicationMode::kAsync) return;
  const bool want_async = NeedsDegrade(p);
  bool mismatch = want_async != degraded;
  if (!mismatch && !want_async && cfg.replication == ReplicationMode::kSync) {
    const auto& have = p.engine->config().replicas;
    const std::vector<uint32_t> want = PrimaryOrder(p);
    const size_t k = static_cast<size_t>(cfg.sync_count);
    mismatch = have.size() < k || want.size() < k ||
               !std::equal(want.begin(), want.begin() + static_cast<std::ptrdiff_t>(k), have.begin());
  }
  if (mismatch && !p.rebuild_pending) {
    p.rebuild_pending = true;
    MaybeRebuild(p.ordinal);
  }
}

void WalletLoop::Impl::UpdateSyncSet(Pod& p) {
  std::vector<int32_t> next;
  auto healthy = [&](int32_t o) { return o != p.ordinal && Healthy(P(o)); };
  if (cfg.replication == ReplicationMode::kSync) {
    for (int32_t o : dcs_sync_set)
      if (healthy(o) && static_cast<int32_t>(next.size()) < cfg.sync_count) next.push_back(o);
    for (const auto& s : pods)
      if (static_cast<int32_t>(next.size()) < cfg.sync_count && healthy(s->ordinal) &&
          std::find(next.begin(), next.end(), s->ordinal) == next.end())
        next.push_back(s->ordinal);
    std::sort(next.begin(), next.end());
  } else if (cfg.replication == ReplicationMode::kQuorum) {
    for (const auto& s : pods)
      if (healthy(s->ordinal)) next.push_back(s->ordinal);
  }
  if (next != dcs_sync_set) {
    std::string names;
    for (int32_t o : next) names += (names.empty() ? "" : ",") + PodName(cfg.service, o);
    sim.recorder().Log(sim.now(), "WalletSyncStandby", "statefulset/" + cfg.service,
                       std::string(ToString(cfg.replication)) + " standbys: [" + names + "]");
    dcs_sync_set = std::move(next);
  }
}

// One Patroni HA-loop iteration of a member. The leader renews its lease
// (and the engine's: require_lease) and publishes its WAL position; a standby
// that finds the lease expired starts the leader race.
void WalletLoop::Impl::HaTick(int32_t o) {
  Pod& e = P(o);
  if (e.role == Role::kDead) return;
  e.ha_event = sim.ScheduleIn(cfg.failover.loop_wait, k_ha, static_cast<uint64_t>(o),
                              [this, o] { HaTick(o); });
  if (e.role == Role::kPrimary) {
    lease_expiry = sim.now() + cfg.failover.ttl;
    if (e.engine) {
      e.engine->SetLease(Us(lease_expiry));
      dcs_optime_bytes = SeqBytes(e.engine->last_seq());
    }
    ReconfigureSyncSet(e);
    return;
  }
  if (e.role != Role::kStandby || !e.engine || cfg.failover.managed) return;
  if (primary >= 0 || promoting >= 0 || election_running) return;
  if (sim.now() < lease_expiry) return;
  FailoverRecord* rec = PendingRecord();
  if (rec && rec->detected_at == sim::Time::Max()) rec->detected_at = sim.now();
  // The race: ask every other member for its position (an unreachable one
  // costs member_check_timeout), then take the leader key in the DCS.
  // A dead member stays listed until its member key expires (ttl).
  bool member_down = false;
  for (const auto& s : pods)
    if (s->ordinal != o && s->role == Role::kDead && (!rec || s->ordinal != rec->old_primary) &&
        s->died_at + cfg.failover.ttl > sim.now())
      member_down = true;
  const sim::Duration checks = member_down ? cfg.failover.member_check_timeout
                                           : cfg.replication_latency * 2;
  StartElection(checks + cfg.failover.dcs_round_trip);
}

void WalletLoop::Impl::StartElection(sim::Duration election_time) {
  election_running = true;
  sim.ScheduleIn(election_time, k_election, term, [this] { DecideElection(); });
}

void WalletLoop::Impl::DecideElection() {
  election_running = false;
  if (primary >= 0 || promoting >= 0) return;
  ElectionInput in;
  in.mode = cfg.replication;
  in.sync_count = cfg.sync_count;
  in.quorum_standbys = static_cast<int32_t>(dcs_sync_set.size());
  in.leader_optime_bytes = dcs_optime_bytes;
  in.maximum_lag_bytes = cfg.failover.maximum_lag_on_failover_bytes;
  in.sync_set_empty = dcs_sync_set.empty();
  FailoverRecord* rec = PendingRecord();
  for (const auto& s : pods) {
    if (s->role != Role::kStandby && s->role != Role::kDead) continue;
    if (s->role == Role::kStandby && !Healthy(*s)) continue;  // never seeded / installing
    if (rec && s->ordinal == rec->old_primary) continue;
    if (s->role == Role::kDead && !s->engine && s->died_at == sim::Time::Max()) continue;
    CandidateView c;
    c.index = s->ordinal;
    c.alive = s->role == Role::kStandby;
    c.reachable = c.alive;
    c.durable_seq = c.alive ? s->engine->durable_seq() : s->last_durable_seq;
    c.durable_bytes = SeqBytes(c.durable_seq);
    c.in_sync_set =
        std::find(dcs_sync_set.begin(), dcs_sync_set.end(), s->ordinal) != dcs_sync_set.end();
    in.candidates.push_back(c);
  }
  const ElectionResult out = Elect(in);
  if (out.winner < 0) {
    std::string why;
    for (size_t i = 0; i < in.candidates.size(); ++i)
      why += " " + PodName(cfg.service, in.candidates[i].index) + ":" + ToString(out.eligibility[i]);
    sim.recorder().Log(sim.now(), "WalletNoCandidate", "statefulset/" + cfg.service,
                       "no standby may be promoted:" + (why.empty() ? std::string(" none") : why));
    return;  // the next HA loop tries again
  }
  ++term;
  promoting = out.winner;
  lease_expiry = sim.now() + cfg.failover.ttl;
  if (rec) rec->leader_key_at = sim.now();
  // Catch-up: records already received are made durable and replayed
  // (Promote waits for that), then pg_ctl promote.
  const int32_t o = out.winner;
  sim.ScheduleIn(cfg.failover.promote_time, k_promote, static_cast<uint64_t>(o), [this, o] { Promote(o); });
}

// RPO, measured on the engines: Engine::ComputePromotionLoss lists the ops
// the old primary acknowledged (up to its acknowledged frontier) that the
// promoted engine does not hold; the successful ones are the lost transfers.
// Independently, the providers' acknowledged ids (last minutes) missing on
// the promoted engine are counted; a provider-acknowledged id missing but not
// in the engine's list is a violation (lost without being reported).
void WalletLoop::Impl::MeasureLoss(FailoverRecord& rec, const we::Engine& old, const Pod& w) {
  const we::PromotionLoss loss = we::Engine::ComputePromotionLoss(old, *w.engine);
  std::set<we::Id128> lost;
  uint64_t first_ts = std::numeric_limits<uint64_t>::max();
  for (const we::Id128& id : loss.lost_op_ids) {
    const we::IndexEntry* e = old.ledger().FindEntry(id);
    if (!e || !we::IsSuccess(e->result) || !lost.insert(id).second) continue;
    rec.rpo_amount_minor += e->body.amount;
    first_ts = std::min(first_ts, e->timestamp);
  }
  rec.rpo_transfers = static_cast<int64_t>(lost.size());
  rec.rpo_s = lost.empty() ? 0.0
                           : std::max(0.0, rec.failed_at.seconds() -
                                               static_cast<double>(first_ts / 1000) / 1e6);
  rec.lost_ids.assign(lost.begin(), lost.end());
  lost_ids.insert(lost.begin(), lost.end());
  std::set<we::Id128> provider_missing;
  for (const AckedOp& a : recent_acked)
    if (w.engine->ledger().FindEntry(a.id) == nullptr) provider_missing.insert(a.id);
  rec.rpo_transfers_provider = static_cast<int64_t>(provider_missing.size());
  for (const we::Id128& id : provider_missing)
    if (!lost.count(id))
      Violation("acknowledged operation " + we::ToString(id) + " missing on promoted " +
                PodName(cfg.service, w.ordinal) + " but not in the engine's loss report");
}

// The winner becomes the primary of a new term: Engine::CheckPromotion with
// the positions of the reachable standbys, then Engine::Promote (or, when
// too few standbys remain for sync/quorum in non-strict mode, a restart of
// its engine from its disk as an asynchronous primary).
void WalletLoop::Impl::Promote(int32_t o) {
  promoting = -1;
  Pod& w = P(o);
  if (w.role != Role::kStandby || !w.engine) return;  // died meanwhile: next loop retries
  if (w.engine->durable_seq() != w.engine->last_seq() || w.io_busy || !w.io.empty()) {
    promoting = o;  // catch-up: a received record is still being made durable
    sim.ScheduleIn(sim::Duration::Millis(1), k_promote, static_cast<uint64_t>(o), [this, o] { Promote(o); });
    return;
  }
  std::vector<we::PeerState> peers;
  for (const auto& s : pods)
    if (s->ordinal != o && Healthy(*s))
      peers.push_back({s->slot, s->engine->durable_seq(), s->engine->last_record_term()});
  const bool designated =
      std::find(dcs_sync_set.begin(), dcs_sync_set.end(), o) != dcs_sync_set.end();
  const we::PromotionCheck check = w.engine->CheckPromotion(peers, designated);
  if (check.verdict != we::PromotionVerdict::kAllowed) {
    sim.recorder().Log(sim.now(), "WalletNoCandidate", "pod/" + PodName(cfg.service, o),
                       std::string("engine refused promotion: ") + we::VerdictName(check.verdict));
    return;  // the next HA loop races again
  }
  FailoverRecord* rec = PendingRecord();
  w.role = Role::kPrimary;  // for PrimaryOrder / NeedsDegrade
  if (cfg.replication == ReplicationMode::kSync) {
    dcs_sync_set.clear();
    UpdateSyncSet(w);
  }
  const bool async_only = NeedsDegrade(w);
  if (async_only) {
    if (!StartEngine(w, we::Role::kPrimary, term, true)) {
      w.role = Role::kStandby;
      FailPod(o, "recovery failed at promotion", true, cfg.restart_delay);
      return;
    }
  } else {
    w.engine->Promote(Us(sim.now()), term, PrimaryOrder(w));
  }
  degraded = async_only;
  BecomeLeader(w);
  w.rebuild_pending = false;
  if (rec) {
    rec->new_primary = o;
    rec->promoted_at = sim.now();
    rec->new_primary_seq = w.engine->durable_seq();
    Pod& old = P(rec->old_primary);
    if (old_engine) MeasureLoss(*rec, *old_engine, w);
    else if (old.engine) MeasureLoss(*rec, *old.engine, w);  // switchover
    if (old.role != Role::kDead) {  // a switchover: the terminating pod stops now
      old.died_at = sim.now();
      old.role = Role::kDead;
      ++old.epoch;
      ++old.net_epoch;
      old.ResetIo();
      if (old.engine) old.last_durable_seq = old.engine->durable_seq();
      old.engine.reset();
      old.disk.reset();
    }
  }
  old_engine.reset();
  Drain(w);
  UpdateSyncSet(w);
  sim.MixDigest(we::Combine64(static_cast<uint64_t>(o), w.engine->durable_seq() ^ (term << 48)));
  if (rec) {
    char msg[360];
    std::snprintf(msg, sizeof msg,
                  "promoted %s (%s) term %" PRIu64 " at seq %" PRIu64 "%s; old primary %s reached seq %" PRIu64
                  "; RPO %" PRId64 " acknowledged operations (%" PRId64
                  " minor units, %.3fs; providers count %" PRId64 ")",
                  PodName(cfg.service, o).c_str(), w.zone.c_str(), term, w.engine->durable_seq(),
                  async_only ? " (degraded to async)" : "",
                  PodName(cfg.service, rec->old_primary).c_str(), rec->old_primary_seq,
                  rec->rpo_transfers, rec->rpo_amount_minor, rec->rpo_s, rec->rpo_transfers_provider);
    sim.recorder().Log(sim.now(), "WalletFailover", "statefulset/" + cfg.service, msg);
  }
  sim.ScheduleIn(cfg.failover.reroute_delay, k_reroute, static_cast<uint64_t>(o), [this, o] {
    if (primary == o) routed = o;
  });
  if (rec && promotion_observer) promotion_observer(*rec);
  CheckNow("after promotion of " + PodName(cfg.service, o));
}

// ------------------------------------------------------------ faults ---

// A pod goes down. Its engine stops (the failed primary's engine is kept
// until the loss is measured); its disk goes with its node unless
// `disk_survives` (process crash, power loss, I/O error), in which case the
// pod restarts after `restart_after` and recovers from the disk.
void WalletLoop::Impl::FailPod(int32_t o, const std::string& cause, bool disk_survives,
                               sim::Duration restart_after) {
  Pod& e = P(o);
  if (e.role == Role::kDead) return;
  const bool was_primary = e.role == Role::kPrimary || e.role == Role::kDemoted;
  sim.Cancel(e.ha_event);
  e.role = Role::kDead;
  e.died_at = sim.now();
  ++e.epoch;
  ++e.net_epoch;
  e.ResetIo();
  e.tick_at = sim::Time::Max();
  e.rebuild_pending = false;
  if (e.engine) e.last_durable_seq = e.engine->durable_seq();
  PurgeRequests(o);
  sim.recorder().Log(sim.now(), "WalletPodLost", "pod/" + PodName(cfg.service, o),
                     cause + (was_primary ? " (primary)" : " (standby)") + " in " + e.zone);
  if (was_primary && o == primary) {
    primary = -1;
    FailoverRecord rec;
    rec.failed_at = sim.now();
    rec.cause = cause;
    rec.old_primary = o;
    rec.old_primary_seq = e.engine ? e.engine->last_seq() : 0;
    failovers.push_back(rec);
    old_engine = std::move(e.engine);
    if (cfg.failover.managed) {
      const double lo = cfg.failover.managed_min.seconds(), hi = cfg.failover.managed_max.seconds();
      const auto total = sim::Duration::FromSeconds(managed_rng.Uniform(lo, hi));
      const sim::Duration detect = std::max(sim::Duration{}, total - cfg.failover.promote_time);
      sim.ScheduleIn(detect, k_managed, static_cast<uint64_t>(o), [this] {
        if (FailoverRecord* r = PendingRecord()) r->detected_at = sim.now();
        StartElection(sim::Duration{});
      });
    }
  } else if (was_primary && old_engine == nullptr) {
    old_engine = std::move(e.engine);  // a demoted (switchover) primary dying meanwhile
  }
  e.engine.reset();
  if (disk_survives && e.disk) {
    e.disk->Crash();
    sim.ScheduleIn(restart_after, k_restart, static_cast<uint64_t>(o), [this, o] { Restart(o); });
  } else {
    e.disk.reset();
  }
  CheckNow("after " + cause);
}

// A pod whose disk survived comes back: wallet::Recover over its durable
// image (a torn unacknowledged tail is cut; any other damage is diagnosed).
// It becomes primary again when it was the failed primary and nobody was
// elected meanwhile (it still owns the leader key); otherwise it rejoins as
// a replica (a diverged suffix is replaced by a snapshot install). Damage:
// the disk is wiped and the engine re-seeded from the primary. A full disk
// was grown by the operator before the restart.
void WalletLoop::Impl::Restart(int32_t o) {
  Pod& p = P(o);
  if (p.role != Role::kDead || !p.disk || p.engine) return;
  if (slot_pod[p.slot] != o) return;  // replaced meanwhile
  p.disk->faults().capacity_bytes = UINT64_MAX;
  FailoverRecord* rec = PendingRecord();
  const bool lead = rec && rec->old_primary == o && primary < 0 && promoting < 0 && !election_running;
  ++stats.engine_restarts;
  p.died_at = sim::Time::Max();
  p.role = Role::kStandby;
  bool ok = false;
  if (lead) {
    ++term;
    p.role = Role::kPrimary;
    ok = StartEngine(p, we::Role::kPrimary, term, NeedsDegrade(p));
    if (ok) {
      degraded = NeedsDegrade(p);
      BecomeLeader(p);
      rec->new_primary = o;
      rec->detected_at = rec->leader_key_at = rec->promoted_at = sim.now();
      rec->new_primary_seq = p.engine->durable_seq();
      if (old_engine) MeasureLoss(*rec, *old_engine, p);
      old_engine.reset();
      routed = o;
      sim.recorder().Log(sim.now(), "WalletFailover", "pod/" + PodName(cfg.service, o),
                         "restarted primary recovered from its disk at seq " +
                             std::to_string(p.engine->durable_seq()) + "; RPO " +
                             std::to_string(rec->rpo_transfers) + " acknowledged operations");
      if (promotion_observer) promotion_observer(*rec);
    } else {
      p.role = Role::kStandby;
    }
  } else {
    ok = StartEngine(p, we::Role::kReplica, term, false);
  }
  if (!ok) {
    ++stats.recoveries_failed;
    p.disk = std::make_unique<we::SimDisk>(
        sim::Rng::Derive(sim.seed(), "wallet/disk/" + std::to_string(o) + "/" +
                                         std::to_string(stats.recoveries_failed)).Next());
    ok = StartEngine(p, we::Role::kReplica, term, false);
    RH_ASSERT(ok);
  }
  sim.recorder().Log(sim.now(), "WalletRestarted", "pod/" + PodName(cfg.service, o),
                     std::string(p.role == Role::kPrimary ? "primary" : "replica") + " recovered at seq " +
                         std::to_string(p.engine->durable_seq()));
  StartHaLoop(p);
  if (primary >= 0 && primary != o) ReconfigureSyncSet(P(primary));
  CheckNow("after restart of " + PodName(cfg.service, o));
}

// A graceful stop of the primary (pod terminating): Patroni demotes it,
// releases the leader key at once, and a standby takes over without waiting
// for the lease; records already shipped reach the standbys meanwhile. The
// engine's lease is cut, so it acknowledges nothing more.
void WalletLoop::Impl::Switchover(int32_t o) {
  Pod& e = P(o);
  if (e.role != Role::kPrimary) return;
  e.role = Role::kDemoted;
  if (e.engine) {
    e.engine->Tick(Us(sim.now()));
    e.engine->SetLease(Us(sim.now()));
    Drain(e);
  }
  primary = -1;
  FailoverRecord rec;
  rec.failed_at = sim.now();
  rec.cause = "switchover (pod terminating)";
  rec.old_primary = o;
  rec.old_primary_seq = e.engine ? e.engine->last_seq() : 0;
  rec.detected_at = sim.now();
  failovers.push_back(rec);
  lease_expiry = sim.now();
  // The measured loss compares against the terminating engine.
  StartElection(cfg.failover.promote_time + cfg.failover.dcs_round_trip);
}

void WalletLoop::Impl::DamageDisk(int32_t o, DiskFault fault) {
  Pod& p = P(o);
  if (p.role == Role::kDead || !p.disk) return;
  ++stats.disk_faults;
  sim.recorder().Log(sim.now(), "WalletDiskFault", "pod/" + PodName(cfg.service, o), ToString(fault));
  switch (fault) {
    case DiskFault::kTornWrite:
      FailPod(o, "power loss (torn writes)", true, cfg.restart_delay);
      return;
    case DiskFault::kLostWrite:
      p.lose_next_write = true;
      return;
    case DiskFault::kFsyncError:
      p.fail_next_flush = true;
      return;
    case DiskFault::kFullDisk:
      p.disk->faults().capacity_bytes = p.disk->UsedBytes();
      return;
    case DiskFault::kBitFlip: {
      const we::DirImage image = p.disk->Image();
      for (auto it = image.rbegin(); it != image.rend(); ++it) {
        uint64_t gen = 0;
        if (!we::ParseSegmentName(it->first, &gen) || it->second.size() < 256) continue;
        const uint64_t off = disk_rng.Below(it->second.size());
        p.disk->FlipBit(it->first, off, static_cast<int>(disk_rng.Below(8)));
        return;
      }
      return;
    }
  }
}

// --------------------------------------------------------- providers ---

double WalletLoop::Impl::SampledRate() const {
  const double total = cfg.bets_per_s_fn ? cfg.bets_per_s_fn(sim.now()) : cfg.bets_per_s;
  return std::max(0.0, total) * static_cast<double>(players) / static_cast<double>(cfg.players);
}

void WalletLoop::Impl::ScheduleNextBet() {
  const double rate = SampledRate();
  const sim::Duration gap = rate > 0 ? sim::Duration::FromSeconds(traffic_rng.Exponential(rate))
                                     : sim::Duration::Seconds(1);
  sim.ScheduleIn(std::max(gap, sim::Duration::Micros(1)), k_bet, 0, [this, rate] {
    if (finished) return;
    if (rate > 0) StartBet();
    ScheduleNextBet();
  });
}

uint64_t WalletLoop::Impl::NewCall(Call c) {
  const uint64_t id = ++next_call;
  calls.emplace(id, std::move(c));
  return id;
}

// A game round: the provider debits the stake (with a jackpot contribution),
// and after the round time credits the win (0 closes the round as a loss).
// Its win multiplier is drawn so the mean return is cfg.rtp.
void WalletLoop::Impl::StartBet() {
  Call c;
  c.kind = CallKind::kBet;
  c.player = 1 + traffic_rng.Below(static_cast<uint64_t>(players));
  c.provider = 1 + static_cast<uint32_t>(traffic_rng.Below(static_cast<uint64_t>(cfg.providers)));
  c.tx = ++next_tx;
  const auto stake = std::max<int64_t>(
      1, std::llround(static_cast<double>(cfg.stake_minor) * round_rng.LogNormal(0, 0.8)));
  const auto jackpot = static_cast<int64_t>(std::floor(static_cast<double>(stake) * cfg.jackpot_share));
  if (round_rng.Chance(cfg.win_probability))
    c.win_amount = std::max<int64_t>(
        1, std::llround(static_cast<double>(stake) * cfg.rtp / cfg.win_probability *
                        round_rng.Exponential(1.0)));
  c.round_time = sim::Duration::FromSeconds(round_rng.Exponential(1.0 / cfg.round_time_mean.seconds()));
  c.give_up_at = sim.now() + sim::Duration::FromSeconds(round_rng.Uniform(
                                 cfg.rollback_after_min.seconds(), cfg.rollback_after_max.seconds()));
  c.round_id = we::Id128{c.provider, c.tx};
  c.bet_key = we::DeriveOpId(c.provider, we::OpKind::kBet, c.tx);
  c.op = we::MakeBet(c.bet_key, c.player, cfg.currency, c.provider, c.round_id, stake, jackpot);
  c.phase_sent = sim.now();
  ++stats.bets;
  Send(NewCall(std::move(c)));
}

void WalletLoop::Impl::StartCashier(CallKind kind, uint64_t player, int64_t amount) {
  Call c;
  c.kind = kind;
  c.player = player;
  c.provider = 0;
  c.tx = ++next_tx;
  const we::Id128 key = we::DeriveOpId(0, OpKindOf(kind), c.tx);
  c.op = kind == CallKind::kDeposit ? we::MakeDeposit(key, player, cfg.currency, amount)
                                    : we::MakeWithdraw(key, player, cfg.currency, amount);
  c.phase_sent = sim.now();
  if (kind == CallKind::kDeposit) ++stats.deposits;
  else ++stats.withdrawals;
  Send(NewCall(std::move(c)));
}

// The body of one attempt. With the anti-pattern switch, a retried bet, win,
// deposit or withdrawal gets a FRESH key (the worker's bug); rollbacks and
// end-round keep theirs (they reference the provider's ids).
we::Op WalletLoop::Impl::OpForAttempt(const Call& c, uint32_t attempt) const {
  if (attempt < c.phase_start) return c.prev_op;
  we::Op op = c.op;
  const bool fresh_kind = c.kind == CallKind::kBet || c.kind == CallKind::kWin ||
                          c.kind == CallKind::kDeposit || c.kind == CallKind::kWithdraw;
  if (cfg.retry_with_fresh_key && fresh_kind && attempt > c.phase_start)
    op.id = we::DeriveOpId(c.provider, OpKindOf(c.kind),
                           std::to_string(c.tx) + "/retry-" + std::to_string(attempt));
  return op;
}

void WalletLoop::Impl::Send(uint64_t id) {
  Call& c = calls.at(id);
  const uint32_t a = ++c.attempt;
  if (a > c.phase_start) ++stats.retries;
  const int32_t target = routed;
  if (target >= 0) {
    ++c.in_flight;
    sim.ScheduleIn(cfg.client_latency, k_arrive, id,
                   [this, id, a, target] { Arrive(id, a, target); });
  } else {
    ++stats.requests_dropped;  // no endpoint: the provider waits and retries
  }
  sim::Time due = sim.now() + cfg.provider_retry_after;
  if (c.kind == CallKind::kBet) due = std::min(due, std::max(c.give_up_at, sim.now()));
  c.timer = sim.Schedule(due, k_timeout, id, [this, id, a] { OnTimeout(id, a); });
}

void WalletLoop::Impl::Arrive(uint64_t id, uint32_t attempt, int32_t target) {
  auto it = calls.find(id);
  RH_ASSERT(it != calls.end());
  Call& c = it->second;
  --c.in_flight;
  Pod& e = P(target);
  if (e.role != Role::kPrimary || !e.engine || e.rebuild_pending) {
    ++stats.requests_dropped;  // dead, demoted, reconfiguring or a standby: no write happens
    MaybeErase(id, c);
    return;
  }
  const we::Op op = OpForAttempt(c, attempt);
  MaybeErase(id, c);
  // A real call on the primary's engine: one Submission per provider request.
  const uint64_t request = ++next_request;
  requests.Add(request, ReqTag{id, attempt, target, op.id});
  e.engine->Submit(Us(sim.now()), we::Submission{request, {op}});
  ScheduleBatchTick(e);
  Drain(e);
}

void WalletLoop::Impl::NewPhase(Call& c, CallKind kind, const we::Op& op) {
  c.prev_op = c.op;
  c.op = op;
  c.kind = kind;
  c.phase_start = c.attempt + 1;
  c.phase_sent = sim.now();
}

void WalletLoop::Impl::Done(uint64_t id, Call& c) {
  c.done = true;
  sim.Cancel(c.timer);
  MaybeErase(id, c);
}

void WalletLoop::Impl::MaybeErase(uint64_t id, const Call& c) {
  if (c.done && c.in_flight == 0) calls.erase(id);
}

void WalletLoop::Impl::OnReply(uint64_t id, uint32_t attempt, const we::OpReply& r) {
  auto it = calls.find(id);
  if (it == calls.end()) return;
  Call& c = it->second;
  if (c.done || c.waiting_round || attempt < c.phase_start) return;  // late answer
  sim.Cancel(c.timer);
  const sim::Duration took = sim.now() - c.phase_sent;
  reply_hist->Record(took.us);
  if (took > cfg.provider_target) ++stats.slow_replies;
  const bool ok = we::IsSuccess(r.result);
  switch (c.kind) {
    case CallKind::kBet:
      if (ok) {
        ++stats.bets_ok;
        c.waiting_round = true;
        sim.ScheduleIn(c.round_time, k_round, id, [this, id] { RoundEnd(id); });
      } else {
        ++stats.bets_refused;
        if (FailoverRecord* rec = PendingRecord()) ++rec->bets_refused;
        if (traffic_rng.Chance(cfg.deposit_on_refusal))
          StartCashier(CallKind::kDeposit, c.player,
                       std::max<int64_t>(1, std::llround(static_cast<double>(cfg.deposit_minor) *
                                                         traffic_rng.LogNormal(0, 0.7))));
        Done(id, c);
      }
      return;
    case CallKind::kWin:
      if (!ok) {
        ++stats.wins_failed;
        Done(id, c);
        return;
      }
      if (c.win_amount > 0) {
        if (traffic_rng.Chance(cfg.withdraw_after_win))
          StartCashier(CallKind::kWithdraw, c.player, c.win_amount);
        NewPhase(c, CallKind::kEndRound,
                 we::MakeEndRound(we::DeriveOpId(c.provider, we::OpKind::kEndRound, c.tx), c.player,
                                  cfg.currency, c.provider, c.round_id));
        Send(id);
        return;
      }
      Done(id, c);
      return;
    case CallKind::kEndRound:
    case CallKind::kRollback:
    case CallKind::kDeposit:
    case CallKind::kWithdraw:
      Done(id, c);
      return;
  }
}

// No answer in time: retry the same transaction (same key unless the
// anti-pattern is on); a bet past its provider's deadline is rolled back
// instead, and the rollback is retried until answered.
void WalletLoop::Impl::OnTimeout(uint64_t id, uint32_t attempt) {
  auto it = calls.find(id);
  if (it == calls.end()) return;
  Call& c = it->second;
  if (c.done || c.waiting_round || c.attempt != attempt) return;
  if (c.kind == CallKind::kBet && sim.now() >= c.give_up_at) {
    ++stats.bets_rolled_back;
    if (FailoverRecord* rec = PendingRecord()) ++rec->bets_rolled_back;
    NewPhase(c, CallKind::kRollback,
             we::MakeRollback(we::DeriveOpId(c.provider, we::OpKind::kRollback, c.tx), c.player,
                              cfg.currency, c.provider, c.round_id, c.bet_key));
  }
  Send(id);
}

void WalletLoop::Impl::RoundEnd(uint64_t id) {
  auto it = calls.find(id);
  if (it == calls.end()) return;
  Call& c = it->second;
  c.waiting_round = false;
  ++stats.wins;
  NewPhase(c, CallKind::kWin,
           we::MakeWin(we::DeriveOpId(c.provider, we::OpKind::kWin, c.tx), c.player, cfg.currency,
                       c.provider, c.round_id, c.bet_key, c.win_amount, false));
  Send(id);
}

// ------------------------------------------------------------ checks ---

void WalletLoop::Impl::Violation(const std::string& text) {
  std::string v = "t=" + sim::FormatTime(sim.now()) + " seed=" + std::to_string(sim.seed()) + ": " + text;
  sim.recorder().Log(sim.now(), "WalletInvariantViolation", "statefulset/" + cfg.service, v);
  if (violations.size() < 100) violations.push_back(std::move(v));
}

// Reconciliation: every operation a provider saw acknowledged must be held
// by the serving primary's engine, unless a failover's RPO counted it lost.
void WalletLoop::Impl::Audit() {
  if (primary < 0) return;
  const Pod& p = P(primary);
  if (p.role != Role::kPrimary || !p.engine) return;
  for (const auto& a : pending_audit) {
    // An id older than half the retention may have been pruned legitimately.
    if ((sim.now() - a.at) * 2 >= cfg.idempotency_retention) continue;
    if (p.engine->ledger().FindEntry(a.id) == nullptr && lost_ids.count(a.id) == 0)
      Violation("reconciliation: provider-acknowledged operation " + we::ToString(a.id) +
                " missing on primary " + PodName(cfg.service, primary));
  }
  stats.audited_ids += pending_audit.size();
  pending_audit.clear();
}

// Balances equal the fold of the index only while nothing was pruned from
// it (a recovered engine's too: its snapshot or log replay pruned the same).
we::InvariantOptions WalletLoop::Impl::InvariantCheck() const {
  we::InvariantOptions options;
  options.check_fold = sim.now().us < cfg.idempotency_retention.us;
  return options;
}

// The spec's invariants on every live engine (conservation, no overdraft,
// one application per id, balances = fold while nothing was pruned), and
// replicas consistent with the primary: an engine holding the primary's last
// record (same chain checksum) must have the same state hash.
void WalletLoop::Impl::CheckNow(const std::string& when) {
  const we::Engine* pe = primary >= 0 ? P(primary).engine.get() : nullptr;
  for (const auto& e : pods) {
    if (!e->engine || e->role == Role::kDead) continue;
    const std::string v = we::CheckLedgerInvariants(e->engine->ledger(), InvariantCheck());
    if (!v.empty()) Violation(when + ": " + PodName(cfg.service, e->ordinal) + ": " + v);
    if (pe && e->engine.get() != pe && e->engine->last_seq() == pe->last_seq() &&
        e->engine->ChecksumAt(pe->last_seq()) == pe->ChecksumAt(pe->last_seq()) &&
        e->engine->state_hash() != pe->state_hash())
      Violation(when + ": " + PodName(cfg.service, e->ordinal) + " state hash differs from the primary's at seq " +
                std::to_string(pe->last_seq()));
  }
  Audit();
}

// The anti-pattern's cost, read from the engine: rounds with more than one
// applied bet (charged twice) or more than one paying win (paid twice). Runs
// every half retention and at the end, so pruned ids were counted before
// they left the index; a round is counted once per extra application.
void WalletLoop::Impl::CountDuplicates() {
  const Pod* src = primary >= 0 ? &P(primary) : nullptr;
  if (!src || !src->engine) return;
  struct Leg {
    uint32_t provider;
    we::Id128 round;
    uint8_t win;
    auto operator<=>(const Leg&) const = default;
    uint64_t Hash() const {  // never 0 (IdMap keys are not zero)
      return we::Mix64(we::Mix64(we::Mix64(round.lo) ^ round.hi) ^ (uint64_t{provider} << 1 | win)) | 1;
    }
  };
  const auto for_each_leg = [&](auto&& f) {
    src->engine->ledger().ForEachEntry([&](const we::IndexEntry& e) {
      if (e.result != we::Result::kOk) return;
      if (e.body.kind == we::OpKind::kBet && e.state == we::EntryState::kBetApplied)
        f(Leg{e.body.provider, e.body.round_id, 0});
      if (e.body.kind == we::OpKind::kWin && e.body.amount > 0) f(Leg{e.body.provider, e.body.round_id, 1});
    });
  };
  // Nearly every leg is alone. A set of 64-bit leg hashes (the engine's
  // IdMap, keyed by the hash) finds the few that may not be (equal legs hash
  // equal); only those are then sorted and compared whole. Sorting every leg
  // by its three fields was ~1.2% of a day at 1/100 (perf, evening-peak
  // 24 h). The set is never iterated: `repeated` is sorted before use.
  we::IdMap seen;
  seen.Reserve(src->engine->ledger().entry_count());
  std::vector<uint64_t> repeated;
  for_each_leg([&](const Leg& l) {
    const uint64_t h = l.Hash();
    if (!seen.Insert(we::Id128{h, h}, 0)) repeated.push_back(h);
  });
  if (repeated.empty()) return;
  std::sort(repeated.begin(), repeated.end());
  std::vector<Leg> legs;
  for_each_leg([&](const Leg& l) {
    if (std::binary_search(repeated.begin(), repeated.end(), l.Hash())) legs.push_back(l);
  });
  std::sort(legs.begin(), legs.end());
  for (size_t i = 0; i < legs.size();) {
    size_t j = i;
    while (j < legs.size() && legs[j] == legs[i]) ++j;
    const auto n = static_cast<uint32_t>(j - i);
    if (n > 1) {
      auto& counted = duplicate_rounds[{legs[i].provider, legs[i].round}];
      uint32_t& c = legs[i].win ? counted.second : counted.first;
      if (n - 1 > c) {
        (legs[i].win ? stats.duplicate_payouts : stats.duplicate_charges) += n - 1 - c;
        c = n - 1;
      }
    }
    i = j;
  }
}

// ----------------------------------------------------------- backups ---

// The snapshot schedule: every live engine takes a snapshot at its next idle
// point (Engine::RequestSnapshot); its log continues in a new segment. The
// primary's snapshots are the base backups; every pod's own snapshots let its
// older log be recycled (standbys that never took one kept their whole log:
// memory grew with the run, ~1 GB for a day at 1/100, issue 7). The primary
// goes first, the standbys follow one by one, snapshot_interval /
// (2 x replicas) apart: a snapshot's image is the largest allocation of the
// loop, and three at once were the run's peak of memory.
void WalletLoop::Impl::TakeSnapshot() {
  if (primary >= 0) SnapshotPod(primary);
  const sim::Duration stagger = cfg.snapshot_interval / (2 * static_cast<int64_t>(pods.size()));
  int64_t turn = 0;
  for (const auto& p : pods) {
    if (p->ordinal == primary) continue;
    const int32_t o = p->ordinal;
    sim.ScheduleIn(stagger * ++turn, k_backup, static_cast<uint64_t>(2 + o), [this, o] {
      if (!finished) SnapshotPod(o);
    });
  }
}

void WalletLoop::Impl::SnapshotPod(int32_t o) {
  Pod& p = P(o);
  if (p.role == Role::kDead || !p.engine) return;
  p.engine->RequestSnapshot();
  p.engine->Tick(Us(sim.now()));
  Drain(p);
}

// Log archiving: the primary's durable files (snapshots and segments) are
// copied to the archive; the newest `backups_kept` snapshots and the log from
// the oldest of them on are kept there. Then every live pod recycles what
// its own recovery never reads (RecycleOldFiles).
void WalletLoop::Impl::Archive() {
  if (primary < 0 || !P(primary).disk) return;
  const we::SimDisk& disk = *P(primary).disk;
  // The archive keeps the newest `backups_kept` snapshots of (archive +
  // primary) and the log from the oldest of them on; files older than that
  // floor are neither copied nor kept.
  std::vector<uint64_t> snaps;
  auto add_snapshot = [&](const std::string& name) {
    uint64_t gen = 0;
    if (we::ParseSnapshotName(name, &gen) && std::find(snaps.begin(), snaps.end(), gen) == snaps.end())
      snaps.push_back(gen);
  };
  for (const auto& [name, file] : archive) add_snapshot(name);
  uint64_t newest_own = 0;  // the primary's newest snapshot
  disk.ForEachDurable([&](const std::string& name, std::string_view, uint64_t) {
    uint64_t gen = 0;
    if (we::ParseSnapshotName(name, &gen)) newest_own = std::max(newest_own, gen);
    add_snapshot(name);
  });
  std::sort(snaps.rbegin(), snaps.rend());
  const size_t keep = static_cast<size_t>(std::max(1, cfg.backups_kept));
  const uint64_t floor = snaps.size() > keep ? snaps[keep - 1] : 0;
  auto archived_gen = [](const std::string& name, uint64_t* gen) {
    return we::ParseSnapshotName(name, gen) || we::ParseSegmentName(name, gen);
  };
  // Incremental: a file whose lineage is unchanged since the last copy only
  // grew (the log), so only its new tail is copied. A file the primary
  // recycled (emptied, older than its newest snapshot) keeps its archived
  // copy: the archive may keep more base backups than the pods do.
  disk.ForEachDurable([&](const std::string& name, std::string_view bytes, uint64_t lineage) {
    uint64_t gen = 0;
    if (!archived_gen(name, &gen) || gen < floor) return;
    if (bytes.empty() && gen < newest_own && archive.contains(name)) return;
    ArchivedFile& copy = archive[name];
    if (copy.lineage == lineage && copy.bytes.size() <= bytes.size())
      copy.bytes.append(bytes.substr(copy.bytes.size()));
    else
      copy.bytes.assign(bytes);
    copy.lineage = lineage;
  });
  std::erase_if(archive, [&](const auto& entry) {
    uint64_t gen = 0;
    return archived_gen(entry.first, &gen) && gen < floor;
  });
  archive_bytes = 0;
  for (const auto& [name, file] : archive) archive_bytes += file.bytes.size();
  archived_at = sim.now();
  ++stats.archives;
  for (auto& p : pods) {
    if (p->role == Role::kDead || !p->disk || !p->engine) continue;
    // Only a newly published snapshot makes older files obsolete.
    if (p->engine->snapshots_published() == p->trimmed_at_snapshots) continue;
    p->trimmed_at_snapshots = p->engine->snapshots_published();
    RecycleOldFiles(*p);
  }
}

// On a pod, the snapshots and log segments older than its second-newest
// snapshot are recycled (truncated to zero, which frees their memory):
// recovery starts from the newest valid snapshot and only falls back to the
// second-newest (with the log after it) when the newest is damaged. So a
// pod's disk holds two snapshots and the log since the older one: bounded by
// snapshot_interval, not by the run's length.
void WalletLoop::Impl::RecycleOldFiles(Pod& p) {
  std::vector<uint64_t> own;
  std::vector<std::pair<uint64_t, std::string>> old;  // non-empty files, by generation
  p.disk->ForEachDurable([&](const std::string& name, std::string_view bytes, uint64_t) {
    uint64_t gen = 0;
    const bool snapshot = we::ParseSnapshotName(name, &gen);
    if (snapshot) own.push_back(gen);
    if ((snapshot || we::ParseSegmentName(name, &gen)) && !bytes.empty()) old.emplace_back(gen, name);
  });
  if (own.size() < 2) return;
  std::sort(own.rbegin(), own.rend());
  for (const auto& [gen, name] : old) {
    if (gen >= own[1]) continue;
    we::IoRequest t;
    t.kind = we::IoKind::kTruncate;
    t.file = name;
    t.offset = 0;
    p.disk->Execute(t);
  }
}

WalletHeldBytes WalletLoop::Impl::HeldBytes() const {
  WalletHeldBytes h;
  for (const auto& p : pods) {
    if (p->disk) h.disks += p->disk->HeldBytes();
    if (p->engine) h.record_caches += p->engine->record_cache_bytes();
  }
  for (const auto& [name, file] : archive) h.archive += file.bytes.capacity();
  return h;
}

// ============================================================ facade ===

WalletLoop::WalletLoop(sim::Simulation& sim, WalletLoopConfig config)
    : impl_(std::make_unique<Impl>(sim, std::move(config))) {
  Impl* im = impl_.get();
  struct Loop {
    static void Every(Impl* x, sim::Duration every, sim::EventKind kind, uint64_t key, void (*fn)(Impl*)) {
      x->sim.ScheduleIn(every, kind, key, [x, every, kind, key, fn] {
        if (x->finished) return;
        fn(x);
        Every(x, every, kind, key, fn);
      });
    }
  };
  const sim::Duration audit = std::max(
      sim::Duration::Millis(100), std::min(im->cfg.audit_interval, im->cfg.idempotency_retention / 4));
  Loop::Every(im, audit, im->k_audit, 0, [](Impl* x) { x->Audit(); });
  const sim::Duration scan = std::max(im->cfg.idempotency_retention / 2, sim::Duration::Seconds(1));
  Loop::Every(im, scan, im->k_audit, 1, [](Impl* x) { x->CountDuplicates(); });
  Loop::Every(im, im->cfg.engine_heartbeat, im->k_hb, 0, [](Impl* x) { x->HeartbeatAll(); });
  if (im->cfg.snapshot_interval.us > 0)
    Loop::Every(im, im->cfg.snapshot_interval, im->k_backup, 0, [](Impl* x) { x->TakeSnapshot(); });
  if (im->cfg.archive_interval.us > 0)
    Loop::Every(im, im->cfg.archive_interval, im->k_backup, 1, [](Impl* x) { x->Archive(); });
}

WalletLoop::~WalletLoop() = default;

void WalletLoop::StartStandalone() {
  Impl& im = *impl_;
  RH_ASSERT(im.pods.empty());
  im.genesis_image = im.MakeGenesisImage();
  im.lease_expiry = im.sim.now() + im.cfg.failover.ttl;
  for (int32_t i = 0; i < im.cfg.replicas; ++i) {
    Pod& e = im.AddPod(static_cast<PodId>(i + 1), static_cast<NodeId>(i + 1),
                       im.cfg.zones[static_cast<size_t>(i) % im.cfg.zones.size()],
                       static_cast<uint32_t>(i));
    // Every pod is restored from the same base backup (the genesis snapshot).
    im.InstallGenesis(e);
    e.role = Role::kStandby;
  }
  for (auto& e : im.pods) {
    const bool lead = e->ordinal == 0;
    if (lead) e->role = Role::kPrimary;
    RH_ASSERT(im.StartEngine(*e, lead ? we::Role::kPrimary : we::Role::kReplica, im.term, false));
  }
  Pod& p = *im.pods[0];
  im.BecomeLeader(p);
  im.routed = 0;
  im.ReconfigureSyncSet(p);
  for (auto& e : im.pods) im.StartHaLoop(*e);
  im.sim.recorder().Log(im.sim.now(), "WalletBootstrap", "statefulset/" + im.cfg.service,
                        std::to_string(im.cfg.replicas) + " engines (" + ToString(im.cfg.replication) +
                            "), " + std::to_string(im.players) + " sampled players");
  StartTraffic();
}

void WalletLoop::StartTraffic() {
  Impl& im = *impl_;
  if (im.traffic_started) return;
  im.traffic_started = true;
  im.ScheduleNextBet();
}

void WalletLoop::OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change, sim::Time now) {
  Impl& im = *impl_;
  (void)now;
  if (endpoint.service != im.cfg.service) return;
  auto it = im.pod_to_engine.find(endpoint.pod);
  switch (change) {
    case EndpointChange::kReady: {
      if (it != im.pod_to_engine.end()) return;  // readiness came back
      // The pod takes the first StatefulSet slot without a live pod.
      int32_t slot = -1;
      for (uint32_t s = 0; s < im.slots && slot < 0; ++s)
        if (im.slot_pod[s] < 0 || im.P(im.slot_pod[s]).role == Role::kDead) slot = static_cast<int32_t>(s);
      if (slot < 0) {
        im.sim.recorder().Log(im.sim.now(), "WalletExtraPod", "pod/" + std::to_string(endpoint.pod),
                              "more wallet pods than replicas: this one hosts no engine");
        return;
      }
      if (im.slot_pod[static_cast<size_t>(slot)] >= 0) {
        Pod& old = im.P(im.slot_pod[static_cast<size_t>(slot)]);
        old.disk.reset();  // replaced: its volume is not reused
      }
      Pod& e = im.AddPod(endpoint.pod, endpoint.node, endpoint.zone, static_cast<uint32_t>(slot));
      if (im.primary < 0 && im.failovers.empty() && im.pods.size() == 1) {
        // The first pod bootstraps the cluster from the genesis base backup.
        im.genesis_image = im.MakeGenesisImage();
        im.InstallGenesis(e);
        e.role = Role::kPrimary;
        im.lease_expiry = im.sim.now() + im.cfg.failover.ttl;
        RH_ASSERT(im.StartEngine(e, we::Role::kPrimary, im.term, im.NeedsDegrade(e)));
        im.degraded = im.NeedsDegrade(e);
        im.BecomeLeader(e);
        im.routed = e.ordinal;
        im.ReconfigureSyncSet(e);
        im.StartHaLoop(e);
        im.sim.recorder().Log(im.sim.now(), "WalletBootstrap", "pod/" + PodName(im.cfg.service, e.ordinal),
                              "bootstrapped primary in " + e.zone + " with " +
                                  std::to_string(im.players) + " sampled players");
        return;
      }
      // A member that was running before the rehearsal (warm start) holds the
      // same base backup as the primary; a new member starts empty and the
      // primary seeds it (snapshot install).
      if (endpoint.preexisting && !im.genesis_image.empty()) im.InstallGenesis(e);
      e.role = Role::kStandby;
      RH_ASSERT(im.StartEngine(e, we::Role::kReplica, im.term, false));
      im.StartHaLoop(e);
      return;
    }
    case EndpointChange::kNotReady:
      return;  // the engine keeps running; Patroni decides roles, not readiness
    case EndpointChange::kTerminating:
      if (it == im.pod_to_engine.end()) return;
      if (it->second == im.primary) im.Switchover(it->second);
      else im.FailPod(it->second, "pod terminating", false, {});
      return;
    case EndpointChange::kKilled:
      if (it == im.pod_to_engine.end()) return;
      im.FailPod(it->second, "pod killed", false, {});
      return;
  }
}

void WalletLoop::FailPod(int32_t ordinal, const std::string& cause) {
  RH_ASSERT(ordinal >= 0 && ordinal < pods());
  impl_->FailPod(ordinal, cause, false, {});
}

void WalletLoop::FailPrimary(const std::string& cause) {
  if (impl_->primary >= 0) impl_->FailPod(impl_->primary, cause, false, {});
}

void WalletLoop::FailZone(const std::string& zone) {
  Impl& im = *impl_;
  // The primary first: a zone outage takes its engines at the same instant.
  if (im.primary >= 0 && im.P(im.primary).zone == zone)
    im.FailPod(im.primary, "zone outage " + zone, false, {});
  for (auto& e : im.pods)
    if (e->zone == zone && e->role != Role::kDead) im.FailPod(e->ordinal, "zone outage " + zone, false, {});
}

void WalletLoop::FailNode(NodeId node) {
  Impl& im = *impl_;
  for (auto& e : im.pods)
    if (e->node == node && e->role != Role::kDead) im.FailPod(e->ordinal, "node lost", false, {});
}

void WalletLoop::CrashPod(int32_t ordinal, sim::Duration restart_after, const std::string& cause) {
  RH_ASSERT(ordinal >= 0 && ordinal < pods());
  impl_->FailPod(ordinal, cause, true, restart_after);
}

void WalletLoop::DamageDisk(int32_t ordinal, DiskFault fault) {
  RH_ASSERT(ordinal >= 0 && ordinal < pods());
  impl_->DamageDisk(ordinal, fault);
}

PitrResult WalletLoop::RestoreFromBackup(sim::Time target) const {
  const Impl& im = *impl_;
  PitrResult out;
  out.target = target;
  out.archived_at = im.archived_at;
  out.archive_bytes = im.archive_bytes;
  out.restore_s = static_cast<double>(im.archive_bytes) / im.cfg.restore_bytes_per_s;
  if (im.archive.empty()) {
    out.diagnosis = "no archive yet";
    return out;
  }
  we::RecoveryOptions ro;
  ro.ledger = im.LedgerConfig();
  ro.stop_timestamp = static_cast<uint64_t>(target.us) * 1000 + 999;
  we::DirImage image;
  for (const auto& [name, file] : im.archive) image.emplace(name, file.bytes.view());
  we::RecoveryResult r = we::Recover(image, ro);
  out.ok = r.ok;
  if (!r.ok) {
    out.diagnosis = r.diagnosis.ToString();
    return out;
  }
  out.seq = r.last_seq;
  out.recorded_state_hash = r.last_state_hash;
  out.state_hash = r.ledger.StateHash();
  out.ledger = std::move(r.ledger);
  return out;
}

sim::Time WalletLoop::last_archive_at() const { return impl_->archived_at; }
WalletHeldBytes WalletLoop::held_bytes() const { return impl_->HeldBytes(); }

void WalletLoop::Partition(const std::string& zone_a, const std::string& zone_b, sim::Duration duration) {
  Impl& im = *impl_;
  im.partitions.push_back({zone_a, zone_b, im.sim.now() + duration});
  im.sim.recorder().Log(im.sim.now(), "WalletPartition", "zone/" + zone_a,
                        "replication links " + zone_a + " <-> " + zone_b + " cut for " +
                            sim::FormatDuration(duration));
}

void WalletLoop::SlowDisk(int32_t ordinal, sim::Duration extra, sim::Duration duration) {
  Impl& im = *impl_;
  RH_ASSERT(ordinal >= 0 && ordinal < pods());
  im.P(ordinal).disk_extra = extra;
  Impl* p = impl_.get();
  im.sim.ScheduleIn(duration, im.k_heal, static_cast<uint64_t>(ordinal),
                    [p, ordinal] { p->P(ordinal).disk_extra = sim::Duration{}; });
}

int32_t WalletLoop::primary() const { return impl_->primary; }
int32_t WalletLoop::routed() const { return impl_->routed; }
int32_t WalletLoop::pods() const { return static_cast<int32_t>(impl_->pods.size()); }
bool WalletLoop::alive(int32_t o) const { return impl_->P(o).role != Role::kDead; }
const std::string& WalletLoop::zone(int32_t o) const { return impl_->P(o).zone; }
uint64_t WalletLoop::durable_seq(int32_t o) const {
  const Pod& p = impl_->P(o);
  return p.engine ? p.engine->durable_seq() : p.last_durable_seq;
}
const ::wallet::Ledger* WalletLoop::ledger(int32_t o) const {
  const Pod& p = impl_->P(o);
  return p.engine && p.role != Role::kDead ? &p.engine->ledger() : nullptr;
}
const ::wallet::Engine* WalletLoop::engine(int32_t o) const {
  const Pod& p = impl_->P(o);
  return p.role != Role::kDead ? p.engine.get() : nullptr;
}
const ::wallet::SimDisk* WalletLoop::disk(int32_t o) const { return impl_->P(o).disk.get(); }
const std::vector<FailoverRecord>& WalletLoop::failovers() const { return impl_->failovers; }
const WalletLoopStats& WalletLoop::stats() const { return impl_->stats; }
bool WalletLoop::invariants_ok() const { return impl_->violations.empty(); }
const std::vector<std::string>& WalletLoop::violations() const { return impl_->violations; }
const WalletLoopConfig& WalletLoop::config() const { return impl_->cfg; }
int64_t WalletLoop::sampled_players() const { return impl_->players; }
void WalletLoop::set_keep_acked_ids(bool keep) { impl_->keep_acked = keep; }
const std::vector<AckedOp>& WalletLoop::acked_ops() const { return impl_->acked_ops; }
void WalletLoop::set_promotion_observer(std::function<void(const FailoverRecord&)> observer) {
  impl_->promotion_observer = std::move(observer);
}
void WalletLoop::CheckNow(const std::string& when) { impl_->CheckNow(when); }

void WalletLoop::Finish() {
  Impl& im = *impl_;
  if (im.finished) return;
  im.CheckNow("end of run");
  im.CountDuplicates();
  im.finished = true;
  for (const auto& e : im.pods) {
    if (!e->engine || e->role == Role::kDead) continue;
    im.sim.MixDigest(we::Combine64(e->engine->state_hash(), e->engine->durable_seq()));
  }
  if (im.primary >= 0 && im.P(im.primary).engine)
    im.final_hash = Hex(im.P(im.primary).engine->state_hash());
}

void WalletLoop::Summarize(RunSummary& summary) const {
  const Impl& im = *impl_;
  WalletSummary& w = summary.wallet;
  w.enabled = true;
  w.replication = ToString(im.cfg.replication);
  w.transfers = im.stats.ops_acked;
  w.duplicates_rejected = im.stats.duplicates_rejected;
  w.duplicate_payouts = im.stats.duplicate_payouts;
  w.bets_refused = im.stats.bets_refused;
  w.rollbacks = im.stats.bets_rolled_back;
  w.invariants_ok = im.violations.empty();
  w.invariant_violations = im.violations;
  w.sampling = "1 in " + std::to_string(im.cfg.sample_one_in) + " players (" +
               std::to_string(im.players) + " of " + std::to_string(im.cfg.players) +
               " players' money moves through the engines)";
  w.state_hash = im.final_hash;
  w.snapshots = im.stats.snapshots;
  w.archives = im.stats.archives;
  w.archive_rpo_s = im.cfg.archive_interval.seconds();
  w.restore_s = static_cast<double>(im.archive_bytes) / im.cfg.restore_bytes_per_s;
  w.disk_faults = im.stats.disk_faults;
  w.engine_restarts = im.stats.engine_restarts;
  w.rpo_transfers = 0;
  w.rpo_s = 0;
  w.rto_s = 0;
  for (const auto& r : im.failovers) {
    FailoverSummary f;
    f.t_s = r.failed_at.seconds();
    f.cause = r.cause;
    f.rpo_transfers = r.rpo_transfers;
    f.rpo_amount_minor = r.rpo_amount_minor;
    f.rpo_s = r.rpo_s;
    f.bets_refused = r.bets_refused;
    f.bets_rolled_back = r.bets_rolled_back;
    if (r.completed()) {
      f.rto_s = (r.first_ack_at - r.failed_at).seconds();
      f.detection_s = (r.detected_at - r.failed_at).seconds();
      f.election_s = (r.leader_key_at - r.detected_at).seconds();
      f.catchup_s = (r.promoted_at - r.leader_key_at).seconds();
      f.reroute_s = (r.first_ack_at - r.promoted_at).seconds();
    } else {
      f.rto_s = -1;  // writes never came back during the run
    }
    w.rpo_transfers += r.rpo_transfers;
    w.rpo_s = std::max(w.rpo_s, r.rpo_s);
    w.rto_s = (f.rto_s < 0 || w.rto_s < 0) ? -1 : std::max(w.rto_s, f.rto_s);
    w.failovers.push_back(f);
  }
}

}  // namespace rehearsal::models::wallet
