#include "models/wallet/wallet_loop.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "models/wallet/patroni_math.h"
#include "sim/assert.h"
#include "wallet-engine/invariants.h"
#include "wallet-engine/types.h"

namespace rehearsal::models::wallet {

namespace we = ::wallet;

namespace {

// One WAL record (a group-committed batch), shared by every engine holding it.
// Standbys apply the same operations at the same engine timestamps, so equal
// sequence numbers mean equal state hashes (spec invariant 9).
struct Batch {
  uint64_t seq = 0;
  uint64_t term = 0;
  uint64_t first_ts = 0;          // engine timestamp of ops[0] (ns)
  int64_t bytes_end = 0;          // WAL bytes after this record
  uint64_t ops_end = 0;           // operations after this record
  uint64_t state_hash_after = 0;  // primary's state hash after applying it
  sim::Time closed_at;
  std::vector<we::Op> ops;
};
using BatchPtr = std::shared_ptr<const Batch>;

// Which provider request an operation of a batch answers.
struct Tag {
  uint64_t call = 0;
  uint32_t attempt = 0;
};
struct Replies {
  BatchPtr batch;
  std::vector<we::OpReply> replies;
  std::vector<Tag> tags;
};

// Primary side: a written record whose replies wait for acknowledgement.
struct Commit {
  BatchPtr batch;
  std::shared_ptr<Replies> replies;
  bool acked = false;
  sim::Time acked_at;
};

enum class Role { kPrimary, kStandby, kDemoted, kDead };

// One wallet pod and the engine it hosts.
struct Engine {
  int32_t ordinal = 0;
  PodId pod = kNoId;
  NodeId node = kNoId;
  std::string zone;
  Role role = Role::kStandby;
  uint64_t epoch = 0;  // bumped when its disk state is replaced: stale I/O is ignored
  uint64_t term = 0;
  std::unique_ptr<we::Ledger> ledger;
  std::deque<BatchPtr> log;  // records held (trimmed once every live engine has them)
  uint64_t received_seq = 0;  // written (primary) or accepted (standby)
  int64_t received_bytes = 0;
  uint64_t durable_seq = 0;   // fsynced (standby: and applied)
  int64_t durable_bytes = 0;
  uint64_t ops_applied = 0;
  sim::Time disk_busy_until;
  sim::Duration disk_extra;
  sim::Time seeded_at;        // standby: basebackup finished
  sim::Time died_at = sim::Time::Max();
  bool flushing = false;      // one fsync in flight per disk
  sim::EventId ha_event;
  // Primary only.
  std::deque<Commit> commits;
  uint64_t acked_seq = 0;
  std::vector<we::Op> open_ops;
  std::vector<Tag> open_tags;
  sim::EventId close_event;
  std::vector<uint64_t> standby_acks;  // by ordinal
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

}  // namespace

struct WalletLoop::Impl {
  Impl(sim::Simulation& s, WalletLoopConfig c);

  // --- pods and engines
  Engine& AddEngine(PodId pod, NodeId node, const std::string& zone);
  void BootstrapPrimary(Engine& e);
  void InstallGenesis(Engine& e, const BatchPtr& genesis);
  BatchPtr MakeGenesis();
  void Reseed(Engine& s, const Engine& p);
  void StartHaLoop(Engine& e);

  // --- primary write path
  void Submit(Engine& p, uint64_t call, uint32_t attempt, const we::Op& op);
  void CloseBatch(int32_t ordinal);
  void StartFlush(Engine& e);
  void OnFlushed(int32_t ordinal, uint64_t epoch, uint64_t seq);
  void TryRelease(Engine& p);
  void Trim(Engine& p);
  void DeliverReplies(const std::shared_ptr<Replies>& r);

  // --- disks and links
  sim::Time LinkArrival(const Engine& from, const Engine& to);
  void Ship(Engine& from, Engine& to, const BatchPtr& b);
  void OnReplicate(int32_t to, const BatchPtr& b);
  void OnAck(int32_t primary, int32_t from, uint64_t term, uint64_t seq);

  // --- Patroni
  void HaTick(int32_t ordinal);
  void ReconfigureSyncSet(Engine& p);
  void StartElection(sim::Duration election_time);
  void DecideElection();
  void Promote(int32_t ordinal);
  FailoverRecord* OpenRecordFor(int32_t new_primary);
  FailoverRecord* PendingRecord();

  // --- faults
  void FailPod(int32_t ordinal, const std::string& cause);
  void Switchover(int32_t ordinal);

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

  // --- checks
  void Violation(const std::string& text);
  void Audit();
  void CheckNow(const std::string& when);
  void CountDuplicates();
  we::LedgerConfig LedgerConfig() const {
    we::LedgerConfig lc;
    lc.retention_ns = static_cast<uint64_t>(cfg.idempotency_retention.us) * 1000;
    return lc;
  }

  sim::Simulation& sim;
  WalletLoopConfig cfg;
  int64_t players = 1;

  sim::EventKind k_close, k_fsync, k_ship, k_ack, k_arrive, k_reply, k_timeout,
      k_round, k_bet, k_ha, k_election, k_promote, k_reroute, k_audit, k_managed, k_heal;
  sim::Rng traffic_rng, round_rng, link_rng, disk_rng, ha_rng, managed_rng;

  std::vector<std::unique_ptr<Engine>> engines;
  std::map<PodId, int32_t> pod_to_engine;
  std::map<std::pair<int32_t, int32_t>, sim::Time> link_last;
  struct PartitionWindow {
    std::string a, b;
    sim::Time until;
  };
  std::vector<PartitionWindow> partitions;
  std::vector<std::string> zone_names;

  int32_t primary = -1;
  int32_t routed = -1;
  int32_t promoting = -1;
  uint64_t term = 0;
  sim::Time lease_expiry = sim::Time::Max();
  int64_t dcs_optime_bytes = 0;
  std::vector<int32_t> dcs_sync_set;   // the /sync key (sync) or quorum members
  bool election_running = false;
  std::vector<FailoverRecord> failovers;

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
  std::set<we::Id128> lost_ids;
  std::function<void(const FailoverRecord&)> promotion_observer;
  std::vector<we::OpReply> scratch;
  sim::Histogram* reply_hist = nullptr;
  uint64_t acked_sampled = 0;
  std::string final_hash;
  // Rounds already counted as paid / charged more than once: (provider,
  // round) -> (extra bets, extra wins) counted so far.
  std::map<std::pair<uint32_t, we::Id128>, std::pair<uint32_t, uint32_t>> duplicate_rounds;
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
  RH_ASSERT(CheckFailoverConfig(cfg.failover).empty());
  players = std::max<int64_t>(1, cfg.players / cfg.sample_one_in);
  zone_names = cfg.zones;
  k_close = sim.RegisterKind("wallet.batch_close");
  k_fsync = sim.RegisterKind("wallet.fsync");
  k_ship = sim.RegisterKind("wallet.ship");
  k_ack = sim.RegisterKind("wallet.standby_ack");
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

  auto& rec = sim.recorder();
  reply_hist = &rec.histogram("wallet.provider_reply_us");
  rec.AddSeries("wallet.lag_ops", [this] {
    if (primary < 0) return 0.0;
    const Engine& p = *engines[static_cast<size_t>(primary)];
    uint64_t lag = 0;
    for (const auto& e : engines)
      if (e->role == Role::kStandby && e->ledger)
        lag = std::max(lag, p.ops_applied - std::min(p.ops_applied, e->ops_applied));
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
    const std::string& z = engines[static_cast<size_t>(primary)]->zone;
    for (size_t i = 0; i < zone_names.size(); ++i)
      if (zone_names[i] == z) return static_cast<double>(i);
    return -1.0;
  });
}

// ------------------------------------------------------------ engines ---

Engine& WalletLoop::Impl::AddEngine(PodId pod, NodeId node, const std::string& zone) {
  auto e = std::make_unique<Engine>();
  e->ordinal = static_cast<int32_t>(engines.size());
  e->pod = pod;
  e->node = node;
  e->zone = zone;
  if (std::find(zone_names.begin(), zone_names.end(), zone) == zone_names.end())
    zone_names.push_back(zone);
  pod_to_engine[pod] = e->ordinal;
  engines.push_back(std::move(e));
  for (auto& x : engines) x->standby_acks.resize(engines.size(), 0);
  return *engines.back();
}

// The genesis record every engine starts from: house accounts per provider,
// the pools, and each sampled player's real and bonus accounts with a first
// deposit (lognormal around initial_balance_minor).
BatchPtr WalletLoop::Impl::MakeGenesis() {
  auto b = std::make_shared<Batch>();
  const uint32_t cur = cfg.currency;
  for (uint32_t prov = 1; prov <= static_cast<uint32_t>(cfg.providers); ++prov)
    b->ops.push_back(we::MakeCreateAccount(we::HouseAccountId(prov, cur), cur,
                                           we::AccountKind::kHouse, 0));
  for (auto kind : {we::AccountKind::kJackpotPool, we::AccountKind::kPromoBudget,
                    we::AccountKind::kPspClearing})
    b->ops.push_back(we::MakeCreateAccount(we::PoolAccountId(kind, cur), cur, kind, 0));
  sim::Rng rng = sim.Stream("wallet/players");
  for (int64_t i = 0; i < players; ++i) {
    const auto id = static_cast<uint64_t>(i + 1);
    b->ops.push_back(we::MakeCreateAccount(we::PlayerAccountId(id, cur, we::AccountKind::kPlayerReal),
                                           cur, we::AccountKind::kPlayerReal,
                                           we::kDebitsMustNotExceedCredits));
    b->ops.push_back(we::MakeCreateAccount(
        we::PlayerAccountId(id, cur, we::AccountKind::kPlayerBonus), cur,
        we::AccountKind::kPlayerBonus, we::kDebitsMustNotExceedCredits));
    const auto amount = std::max<int64_t>(
        1, std::llround(static_cast<double>(cfg.initial_balance_minor) * rng.LogNormal(0, 1.0)));
    b->ops.push_back(we::MakeDeposit(we::DeriveOpId(0, we::OpKind::kDeposit, "genesis-" +
                                                                             std::to_string(id)),
                                     id, cur, amount));
  }
  b->seq = 1;
  b->term = 1;
  b->first_ts = 1;
  b->bytes_end = WalRecordBytes(static_cast<int64_t>(b->ops.size()));
  b->ops_end = b->ops.size();
  b->closed_at = sim.now();
  we::Ledger probe(LedgerConfig());
  scratch.resize(b->ops.size());
  probe.ApplyBatch(b->ops, b->first_ts, scratch.data());
  for (size_t i = 0; i < b->ops.size(); ++i) RH_ASSERT(scratch[i].result == we::Result::kOk);
  b->state_hash_after = probe.StateHash();
  return b;
}

void WalletLoop::Impl::InstallGenesis(Engine& e, const BatchPtr& g) {
  e.ledger = std::make_unique<we::Ledger>(LedgerConfig());
  scratch.resize(g->ops.size());
  e.ledger->ApplyBatch(g->ops, g->first_ts, scratch.data());
  RH_ASSERT(e.ledger->StateHash() == g->state_hash_after);
  e.log.assign(1, g);
  e.received_seq = e.durable_seq = g->seq;
  e.received_bytes = e.durable_bytes = g->bytes_end;
  e.ops_applied = g->ops_end;
  e.term = g->term;
}

void WalletLoop::Impl::BootstrapPrimary(Engine& e) {
  InstallGenesis(e, MakeGenesis());
  e.role = Role::kPrimary;
  e.acked_seq = e.durable_seq;
  primary = routed = e.ordinal;
  term = e.term;
  lease_expiry = sim.now() + cfg.failover.ttl;
  StartHaLoop(e);
  sim.recorder().Log(sim.now(), "WalletBootstrap", "pod/" + PodName(cfg.service, e.ordinal),
                     "bootstrapped primary in " + e.zone + " with " +
                         std::to_string(players) + " sampled players");
}

// A new or diverged standby gets a copy of the primary's state (basebackup /
// pg_rewind): the engine image round-trips through Ledger::Serialize and
// Deserialize, and the copy must hash the same. It is usable after
// image bytes / basebackup_bytes_per_s.
void WalletLoop::Impl::Reseed(Engine& s, const Engine& p) {
  RH_ASSERT(p.ledger != nullptr);
  std::string image;
  p.ledger->Serialize(&image);
  auto copy = std::make_unique<we::Ledger>(p.ledger->config());
  std::string error;
  if (!we::Ledger::Deserialize(image, p.ledger->config(), copy.get(), &error)) {
    Violation("reseed of " + PodName(cfg.service, s.ordinal) + " failed: " + error);
    return;
  }
  if (copy->StateHash() != p.ledger->StateHash())
    Violation("reseed of " + PodName(cfg.service, s.ordinal) + ": state hash differs from primary");
  ++s.epoch;
  s.flushing = false;
  s.ledger = std::move(copy);
  s.log.clear();
  s.role = Role::kStandby;
  s.term = p.term;
  s.received_seq = s.durable_seq = p.received_seq;
  s.received_bytes = s.durable_bytes = p.received_bytes;
  s.ops_applied = p.ops_applied;
  const double copy_s = static_cast<double>(image.size()) / cfg.basebackup_bytes_per_s;
  s.seeded_at = sim.now() + sim::Duration::FromSeconds(copy_s);
  s.disk_busy_until = std::max(s.disk_busy_until, s.seeded_at);
  auto& last = link_last[{p.ordinal, s.ordinal}];
  last = std::max(last, s.seeded_at);
  ++stats.reseeds;
  sim.recorder().Log(sim.now(), "WalletReseed", "pod/" + PodName(cfg.service, s.ordinal),
                     "standby rebuilt from " + PodName(cfg.service, p.ordinal) + " at seq " +
                         std::to_string(p.received_seq) + " (" + std::to_string(image.size()) +
                         " bytes)");
}

void WalletLoop::Impl::StartHaLoop(Engine& e) {
  const int32_t o = e.ordinal;
  const auto phase = sim::Duration::Micros(
      static_cast<int64_t>(ha_rng.Below(static_cast<uint64_t>(cfg.failover.loop_wait.us))));
  e.ha_event = sim.ScheduleIn(phase, k_ha, static_cast<uint64_t>(o), [this, o] { HaTick(o); });
}

// ------------------------------------------------------- write path ---

void WalletLoop::Impl::Submit(Engine& p, uint64_t call, uint32_t attempt, const we::Op& op) {
  p.open_ops.push_back(op);
  p.open_tags.push_back({call, attempt});
  const int32_t o = p.ordinal;
  if (p.open_ops.size() == 1)
    p.close_event = sim.ScheduleIn(cfg.group_commit_max_delay, k_close, static_cast<uint64_t>(o),
                                   [this, o] { CloseBatch(o); });
  if (static_cast<int64_t>(p.open_ops.size()) >= cfg.group_commit_max_batch) {
    sim.Cancel(p.close_event);
    CloseBatch(o);
  }
}

// Closes the open batch: the engine applies it (assigning timestamps), the
// record is written and fsynced, and shipped to every standby at once (WAL
// streaming does not wait for the local flush).
void WalletLoop::Impl::CloseBatch(int32_t o) {
  Engine& p = *engines[static_cast<size_t>(o)];
  if (p.role != Role::kPrimary || p.open_ops.empty()) return;
  auto b = std::make_shared<Batch>();
  b->ops = std::move(p.open_ops);
  p.open_ops.clear();
  auto r = std::make_shared<Replies>();
  r->tags = std::move(p.open_tags);
  p.open_tags.clear();
  r->replies.resize(b->ops.size());
  const auto n = static_cast<int64_t>(b->ops.size());
  b->seq = p.received_seq + 1;
  b->term = p.term;
  b->first_ts = std::max<uint64_t>(p.ledger->last_timestamp() + 1,
                                   static_cast<uint64_t>(sim.now().us) * 1000);
  p.ledger->ApplyBatch(b->ops, b->first_ts, r->replies.data());
  b->state_hash_after = p.ledger->StateHash();
  b->bytes_end = p.received_bytes + WalRecordBytes(n);
  b->ops_end = p.ops_applied + static_cast<uint64_t>(n);
  b->closed_at = sim.now();
  p.received_seq = b->seq;
  p.received_bytes = b->bytes_end;
  p.ops_applied = b->ops_end;
  ++stats.batches;
  BatchPtr shared = b;
  p.log.push_back(shared);
  r->batch = shared;
  p.commits.push_back(Commit{shared, r, false, {}});
  if (!p.flushing) StartFlush(p);
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

// Releases the replies of every record the replication mode allows
// (ReleasableSeq), in order. The first release after a promotion ends RTO.
void WalletLoop::Impl::TryRelease(Engine& p) {
  AckInput in;
  in.mode = cfg.replication;
  in.sync_count = cfg.sync_count;
  in.strict = cfg.failover.synchronous_mode_strict;
  in.local_durable_seq = p.durable_seq;
  in.acked_seq = p.acked_seq;
  for (int32_t s : dcs_sync_set) {
    const uint64_t a = p.standby_acks[static_cast<size_t>(s)];
    if (cfg.replication == ReplicationMode::kSync) in.sync_set_acks.push_back(a);
    if (cfg.replication == ReplicationMode::kQuorum) in.standby_acks.push_back(a);
  }
  const uint64_t releasable = ReleasableSeq(in);
  bool released = false;
  for (auto& c : p.commits) {
    if (c.batch->seq > releasable) break;
    if (c.acked) continue;
    c.acked = true;
    c.acked_at = sim.now();
    stats.ops_acked += c.batch->ops.size();
    released = true;
    auto r = c.replies;
    sim.ScheduleIn(cfg.client_latency, k_reply, c.batch->seq,
                   [this, r] { DeliverReplies(r); });
  }
  p.acked_seq = std::max(p.acked_seq, releasable);
  if (released) {
    if (FailoverRecord* rec = OpenRecordFor(p.ordinal)) {
      rec->first_ack_at = sim.now();
      char msg[256];
      std::snprintf(msg, sizeof msg,
                    "first acknowledged write on %s: RTO %.3fs (detection %.3fs, election %.3fs, "
                    "catch-up %.3fs, re-routing %.3fs)",
                    PodName(cfg.service, p.ordinal).c_str(),
                    (rec->first_ack_at - rec->failed_at).seconds(),
                    (rec->detected_at - rec->failed_at).seconds(),
                    (rec->leader_key_at - rec->detected_at).seconds(),
                    (rec->promoted_at - rec->leader_key_at).seconds(),
                    (rec->first_ack_at - rec->promoted_at).seconds());
      sim.recorder().Log(sim.now(), "WalletRecovered", "statefulset/" + cfg.service, msg);
    }
  }
  Trim(p);
}

// Drops what every live engine holds durably: acknowledged commits (they can
// no longer be lost by a single primary failure) and log records.
void WalletLoop::Impl::Trim(Engine& p) {
  uint64_t floor = p.durable_seq;
  for (const auto& s : engines)
    if (s->role == Role::kStandby && s->ledger) floor = std::min(floor, s->durable_seq);
  while (!p.commits.empty() && p.commits.front().acked && p.commits.front().batch->seq <= floor)
    p.commits.pop_front();
  for (auto& e : engines) {
    if (!e->ledger || (e->role != Role::kStandby && e->role != Role::kPrimary)) continue;
    while (e->log.size() > 1 && e->log.front()->seq <= floor && e->log.front()->seq <= e->durable_seq)
      e->log.pop_front();
  }
}

void WalletLoop::Impl::DeliverReplies(const std::shared_ptr<Replies>& r) {
  for (size_t i = 0; i < r->tags.size(); ++i) {
    // Whatever the provider does next, it has seen this acknowledgement.
    if (r->replies[i].result == we::Result::kExists) ++stats.duplicates_rejected;
    if (we::IsSuccess(r->replies[i].result)) {
      pending_audit.push_back({r->batch->ops[i].id, sim.now()});
      if (keep_acked) acked_ops.push_back({r->batch->ops[i].id, sim.now()});
    }
    OnReply(r->tags[i].call, r->tags[i].attempt, r->replies[i]);
  }
}

// ----------------------------------------------------- disks, links ---

// Group commit on one disk: a single fsync is in flight at a time and covers
// every record written before it started; records written meanwhile wait for
// the next one (Postgres' WAL flush). An fsync takes the configured latency
// times a lognormal factor (median 1), plus any injected slowness. Example:
// at 0.8 ms per fsync and 2,000 records/s, each fsync covers ~1.6 records.
void WalletLoop::Impl::StartFlush(Engine& e) {
  RH_ASSERT(!e.flushing && e.received_seq > e.durable_seq);
  const sim::Time start = std::max(sim.now(), e.disk_busy_until);
  const double factor = cfg.fsync_jitter_sigma > 0 ? disk_rng.LogNormal(0, cfg.fsync_jitter_sigma)
                                                   : 1.0;
  const auto lat = sim::Duration::FromSeconds(cfg.fsync_latency.seconds() * factor);
  e.disk_busy_until = start + lat + e.disk_extra;
  e.flushing = true;
  const int32_t o = e.ordinal;
  const uint64_t epoch = e.epoch, seq = e.received_seq;
  sim.Schedule(e.disk_busy_until, k_fsync, static_cast<uint64_t>(o),
               [this, o, epoch, seq] { OnFlushed(o, epoch, seq); });
}

// Records up to `seq` are durable. A primary streams them to its standbys
// (the WAL sender sends up to the flush pointer, so a standby never holds
// what its primary could lose) and releases what the mode allows. A standby
// replays them into its engine, checks its state hash against the primary's
// at the same sequence number (spec invariant 9) and acknowledges.
void WalletLoop::Impl::OnFlushed(int32_t o, uint64_t epoch, uint64_t seq) {
  Engine& e = *engines[static_cast<size_t>(o)];
  if (e.epoch != epoch || !e.ledger || e.role == Role::kDead) return;
  e.flushing = false;
  const uint64_t from = e.durable_seq + 1;
  if (e.role == Role::kPrimary || e.role == Role::kDemoted) {
    for (uint64_t q = from; q <= seq; ++q) {
      const BatchPtr b = e.log[static_cast<size_t>(q - e.log.front()->seq)];
      RH_ASSERT(b->seq == q);
      e.durable_seq = q;
      e.durable_bytes = b->bytes_end;
      for (auto& s : engines)
        if (s->role == Role::kStandby && s->ledger) Ship(e, *s, b);
    }
    if (e.role == Role::kPrimary) TryRelease(e);
  } else {
    for (uint64_t q = from; q <= seq; ++q) {
      const BatchPtr& b = e.log[static_cast<size_t>(q - e.log.front()->seq)];
      RH_ASSERT(b->seq == q);
      scratch.resize(b->ops.size());
      e.ledger->ApplyBatch(b->ops, b->first_ts, scratch.data());
      e.durable_seq = q;
      e.durable_bytes = b->bytes_end;
      e.ops_applied = b->ops_end;
      if (e.ledger->StateHash() != b->state_hash_after)
        Violation("standby " + PodName(cfg.service, o) +
                  " state hash differs from the primary's at seq " + std::to_string(q));
    }
    // Async primaries never wait for acknowledgements: none are sent (the
    // lag series reads the standbys' positions directly).
    if (primary >= 0 && seq >= from && cfg.replication != ReplicationMode::kAsync) {
      Engine& p = *engines[static_cast<size_t>(primary)];
      if (p.role == Role::kPrimary) {
        const int32_t po = p.ordinal;
        const uint64_t t = e.term;
        sim.Schedule(LinkArrival(e, p), k_ack, static_cast<uint64_t>(o),
                     [this, po, o, t, seq] { OnAck(po, o, t, seq); });
      }
    }
  }
  if (e.received_seq > e.durable_seq) StartFlush(e);
}

// A message leaves `from` now and arrives after the zone-pair latency; a lost
// packet costs a retransmission; a partition holds it until it heals; the
// link stays FIFO (one TCP stream per pair).
sim::Time WalletLoop::Impl::LinkArrival(const Engine& from, const Engine& to) {
  const sim::Duration lat =
      from.zone == to.zone ? cfg.same_zone_latency : cfg.replication_latency;
  sim::Time t = sim.now() + lat;
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

// A message still in flight when its sender dies is lost with it (the
// sender's socket buffers and NIC go with the node or zone).
void WalletLoop::Impl::Ship(Engine& from, Engine& to, const BatchPtr& b) {
  const int32_t o = to.ordinal, f = from.ordinal;
  const uint64_t from_epoch = from.epoch;
  sim.Schedule(LinkArrival(from, to), k_ship, static_cast<uint64_t>(o),
               [this, o, f, from_epoch, b] {
                 if (engines[static_cast<size_t>(f)]->epoch == from_epoch) OnReplicate(o, b);
               });
}

void WalletLoop::Impl::OnReplicate(int32_t o, const BatchPtr& b) {
  Engine& e = *engines[static_cast<size_t>(o)];
  if (e.role != Role::kStandby || !e.ledger) {
    if (e.role == Role::kPrimary && b->term < e.term) ++stats.fenced_messages;
    return;
  }
  if (b->term < e.term) {  // a deposed primary: fenced by the term
    ++stats.fenced_messages;
    return;
  }
  if (b->seq <= e.received_seq) return;  // already held (resent during catch-up)
  if (b->seq != e.received_seq + 1) {
    Violation("replication gap on " + PodName(cfg.service, o) + ": expected seq " +
              std::to_string(e.received_seq + 1) + ", got " + std::to_string(b->seq));
    return;
  }
  e.term = b->term;
  e.received_seq = b->seq;
  e.received_bytes = b->bytes_end;
  e.log.push_back(b);
  if (!e.flushing) StartFlush(e);
}

void WalletLoop::Impl::OnAck(int32_t po, int32_t from, uint64_t t, uint64_t seq) {
  Engine& p = *engines[static_cast<size_t>(po)];
  if (p.role != Role::kPrimary || t != p.term) return;
  uint64_t& a = p.standby_acks[static_cast<size_t>(from)];
  a = std::max(a, seq);
  TryRelease(p);
}

// ----------------------------------------------------------- Patroni ---

// Sync mode keeps its synchronous standbys while they are healthy and fills
// up to k with the lowest ordinals; quorum mode lists every healthy standby.
void WalletLoop::Impl::ReconfigureSyncSet(Engine& p) {
  std::vector<int32_t> next;
  auto healthy = [&](int32_t o) {
    const Engine& s = *engines[static_cast<size_t>(o)];
    return s.role == Role::kStandby && s.ledger != nullptr;
  };
  if (cfg.replication == ReplicationMode::kSync) {
    for (int32_t o : dcs_sync_set)
      if (healthy(o) && static_cast<int32_t>(next.size()) < cfg.sync_count) next.push_back(o);
    for (const auto& s : engines)
      if (static_cast<int32_t>(next.size()) < cfg.sync_count && healthy(s->ordinal) &&
          std::find(next.begin(), next.end(), s->ordinal) == next.end())
        next.push_back(s->ordinal);
    std::sort(next.begin(), next.end());
  } else if (cfg.replication == ReplicationMode::kQuorum) {
    for (const auto& s : engines)
      if (healthy(s->ordinal)) next.push_back(s->ordinal);
  }
  if (next != dcs_sync_set) {
    std::string names;
    for (int32_t o : next) names += (names.empty() ? "" : ",") + PodName(cfg.service, o);
    sim.recorder().Log(sim.now(), "WalletSyncStandby", "statefulset/" + cfg.service,
                       std::string(ToString(cfg.replication)) + " standbys: [" + names + "]");
    dcs_sync_set = std::move(next);
  }
  (void)p;
}

// One Patroni HA-loop iteration of a member. The leader renews its lease and
// publishes its WAL position (the optime maximum_lag_on_failover compares
// against); a standby that finds the lease expired starts the leader race.
void WalletLoop::Impl::HaTick(int32_t o) {
  Engine& e = *engines[static_cast<size_t>(o)];
  if (e.role == Role::kDead) return;
  e.ha_event = sim.ScheduleIn(cfg.failover.loop_wait, k_ha, static_cast<uint64_t>(o),
                              [this, o] { HaTick(o); });
  if (e.role == Role::kPrimary) {
    lease_expiry = sim.now() + cfg.failover.ttl;
    dcs_optime_bytes = e.received_bytes;
    ReconfigureSyncSet(e);
    TryRelease(e);
    return;
  }
  if (e.role != Role::kStandby || !e.ledger || cfg.failover.managed) return;
  if (primary >= 0 || promoting >= 0 || election_running) return;
  if (sim.now() < lease_expiry) return;
  FailoverRecord* rec = PendingRecord();
  if (rec && rec->detected_at == sim::Time::Max()) rec->detected_at = sim.now();
  // The race: ask every other member for its position (an unreachable one
  // costs member_check_timeout), then take the leader key in the DCS.
  // A dead member stays listed until its member key expires (ttl).
  bool member_down = false;
  for (const auto& s : engines)
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
  std::vector<int32_t> members;
  for (const auto& s : engines) {
    if (s->role != Role::kStandby && s->role != Role::kDead) continue;
    if (!s->ledger && s->role == Role::kStandby) continue;  // never seeded
    FailoverRecord* rec = PendingRecord();
    if (rec && s->ordinal == rec->old_primary) continue;
    CandidateView c;
    c.index = s->ordinal;
    c.alive = s->role == Role::kStandby;
    c.reachable = c.alive;
    c.durable_seq = s->received_seq;
    c.durable_bytes = s->received_bytes;
    c.in_sync_set =
        std::find(dcs_sync_set.begin(), dcs_sync_set.end(), s->ordinal) != dcs_sync_set.end();
    in.candidates.push_back(c);
  }
  const ElectionResult out = Elect(in);
  FailoverRecord* rec = PendingRecord();
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
  Engine& w = *engines[static_cast<size_t>(out.winner)];
  // Catch-up: records already received are fsynced and replayed, then
  // pg_ctl promote.
  const sim::Time ready = std::max(sim.now(), w.disk_busy_until) + cfg.failover.promote_time;
  const int32_t o = out.winner;
  sim.Schedule(ready, k_promote, static_cast<uint64_t>(o), [this, o] { Promote(o); });
}

// The winner becomes the primary of a new term. RPO is measured here: every
// operation the old primary acknowledged (with a success result) whose id
// the new primary's engine does not hold.
void WalletLoop::Impl::Promote(int32_t o) {
  promoting = -1;
  Engine& w = *engines[static_cast<size_t>(o)];
  if (w.role != Role::kStandby || !w.ledger) return;  // died meanwhile: next loop retries
  if (w.durable_seq != w.received_seq) {  // a late record is still being replayed
    promoting = o;
    sim.Schedule(std::max(w.disk_busy_until, sim.now() + sim::Duration::Micros(1)), k_promote,
                 static_cast<uint64_t>(o), [this, o] { Promote(o); });
    return;
  }
  FailoverRecord* rec = PendingRecord();
  w.role = Role::kPrimary;
  w.term = term;
  primary = o;
  w.acked_seq = w.durable_seq;
  w.commits.clear();
  std::fill(w.standby_acks.begin(), w.standby_acks.end(), 0);
  if (rec) {
    rec->new_primary = o;
    rec->promoted_at = sim.now();
    rec->new_primary_seq = w.durable_seq;
    Engine& old = *engines[static_cast<size_t>(rec->old_primary)];
    std::set<we::Id128> lost;
    sim::Time first = sim::Time::Max();
    for (const auto& c : old.commits) {
      if (!c.acked || c.batch->seq <= w.durable_seq) continue;
      for (size_t i = 0; i < c.batch->ops.size(); ++i) {
        const we::Op& op = c.batch->ops[i];
        if (!we::IsSuccess(c.replies->replies[i].result)) continue;
        if (w.ledger->FindEntry(op.id) != nullptr || lost.count(op.id)) continue;
        lost.insert(op.id);
        rec->rpo_amount_minor += op.amount;
        first = std::min(first, c.batch->closed_at);
      }
    }
    rec->rpo_transfers = static_cast<int64_t>(lost.size());
    rec->rpo_s = lost.empty() ? 0.0 : (rec->failed_at - first).seconds();
    rec->lost_ids.assign(lost.begin(), lost.end());
    lost_ids.insert(lost.begin(), lost.end());
    // The old primary's disk is gone (or it is rewound later): free it.
    if (old.role != Role::kDead) old.died_at = sim.now();
    old.role = Role::kDead;
    old.flushing = false;
    ++old.epoch;
    old.ledger.reset();
    old.commits.clear();
    old.log.clear();
    old.open_ops.clear();
    old.open_tags.clear();
  }
  // Standbys follow the new primary: a diverged one (holding records the
  // new primary lacks) is rewound by a reseed, the others catch up.
  for (auto& s : engines) {
    if (s->ordinal == o || s->role != Role::kStandby) continue;
    if (!s->ledger || s->received_seq > w.durable_seq) {
      Reseed(*s, w);
      continue;
    }
    s->term = term;
    for (const auto& b : w.log)
      if (b->seq > s->received_seq) Ship(w, *s, b);
  }
  dcs_sync_set.clear();
  ReconfigureSyncSet(w);
  dcs_optime_bytes = w.received_bytes;
  sim.MixDigest(we::Combine64(static_cast<uint64_t>(o), w.durable_seq ^ (term << 48)));
  if (rec) {
    char msg[320];
    std::snprintf(msg, sizeof msg,
                  "promoted %s (%s) term %" PRIu64 " at seq %" PRIu64
                  "; old primary %s reached seq %" PRIu64 "; RPO %" PRId64
                  " acknowledged operations (%" PRId64 " minor units, %.3fs)",
                  PodName(cfg.service, o).c_str(), w.zone.c_str(), term, w.durable_seq,
                  PodName(cfg.service, rec->old_primary).c_str(), rec->old_primary_seq,
                  rec->rpo_transfers, rec->rpo_amount_minor, rec->rpo_s);
    sim.recorder().Log(sim.now(), "WalletFailover", "statefulset/" + cfg.service, msg);
  }
  sim.ScheduleIn(cfg.failover.reroute_delay, k_reroute, static_cast<uint64_t>(o), [this, o] {
    if (primary == o) routed = o;
  });
  if (rec && promotion_observer) promotion_observer(*rec);
  CheckNow("after promotion of " + PodName(cfg.service, o));
}

// ------------------------------------------------------------ faults ---

void WalletLoop::Impl::FailPod(int32_t o, const std::string& cause) {
  Engine& e = *engines[static_cast<size_t>(o)];
  if (e.role == Role::kDead) return;
  const bool was_primary = e.role == Role::kPrimary || e.role == Role::kDemoted;
  sim.Cancel(e.close_event);
  sim.Cancel(e.ha_event);
  e.open_ops.clear();
  e.open_tags.clear();
  e.role = Role::kDead;
  e.died_at = sim.now();
  e.flushing = false;
  ++e.epoch;
  sim.recorder().Log(sim.now(), "WalletPodLost", "pod/" + PodName(cfg.service, o),
                     cause + (was_primary ? " (primary)" : " (standby)") + " in " + e.zone);
  if (was_primary && e.ordinal == primary) {
    primary = -1;
    FailoverRecord rec;
    rec.failed_at = sim.now();
    rec.cause = cause;
    rec.old_primary = o;
    rec.old_primary_seq = e.received_seq;
    failovers.push_back(rec);
    if (cfg.failover.managed) {
      const double lo = cfg.failover.managed_min.seconds(), hi = cfg.failover.managed_max.seconds();
      const auto total = sim::Duration::FromSeconds(managed_rng.Uniform(lo, hi));
      const sim::Duration detect = std::max(sim::Duration{}, total - cfg.failover.promote_time);
      sim.ScheduleIn(detect, k_managed, static_cast<uint64_t>(o), [this] {
        if (FailoverRecord* r = PendingRecord()) r->detected_at = sim.now();
        StartElection(sim::Duration{});
      });
    }
  } else if (!was_primary) {
    e.ledger.reset();  // the standby's disk went with its node
    e.log.clear();
  }
  CheckNow("after " + cause);
}

// A graceful stop of the primary (pod terminating): Patroni demotes it,
// releases the leader key at once, and a standby takes over without waiting
// for the lease; records shipped before the stop reach the standbys.
void WalletLoop::Impl::Switchover(int32_t o) {
  Engine& e = *engines[static_cast<size_t>(o)];
  if (e.role != Role::kPrimary) return;
  sim.Cancel(e.close_event);
  CloseBatch(o);
  e.role = Role::kDemoted;
  primary = -1;
  FailoverRecord rec;
  rec.failed_at = sim.now();
  rec.cause = "switchover (pod terminating)";
  rec.old_primary = o;
  rec.old_primary_seq = e.received_seq;
  rec.detected_at = sim.now();
  failovers.push_back(rec);
  lease_expiry = sim.now();
  // Shutdown checkpoint and the last WAL sent before the key is released.
  StartElection(cfg.failover.promote_time + cfg.failover.dcs_round_trip);
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
  Engine& e = *engines[static_cast<size_t>(target)];
  if (e.role != Role::kPrimary) {
    ++stats.requests_dropped;  // dead, demoted or a standby: no write happens
    MaybeErase(id, c);
    return;
  }
  const we::Op op = OpForAttempt(c, attempt);
  MaybeErase(id, c);
  Submit(e, id, attempt, op);
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
  std::string v = "t=" + sim::FormatTime(sim.now()) + " seed=" + std::to_string(sim.seed()) + ": " +
                  text;
  sim.recorder().Log(sim.now(), "WalletInvariantViolation", "statefulset/" + cfg.service, v);
  if (violations.size() < 100) violations.push_back(std::move(v));
}

// Reconciliation: every operation a provider saw acknowledged must be held
// by the serving primary, unless a failover's RPO already counted it lost.
void WalletLoop::Impl::Audit() {
  if (primary < 0) return;
  const Engine& p = *engines[static_cast<size_t>(primary)];
  if (p.role != Role::kPrimary || !p.ledger) return;
  for (const auto& a : pending_audit) {
    // An id older than half the retention may have been pruned legitimately.
    if ((sim.now() - a.at) * 2 >= cfg.idempotency_retention) continue;
    if (p.ledger->FindEntry(a.id) == nullptr && lost_ids.count(a.id) == 0)
      Violation("reconciliation: provider-acknowledged operation " + we::ToString(a.id) +
                " missing on primary " + PodName(cfg.service, primary));
  }
  stats.audited_ids += pending_audit.size();
  pending_audit.clear();
}

void WalletLoop::Impl::CheckNow(const std::string& when) {
  for (const auto& e : engines) {
    if (!e->ledger || e->role == Role::kDead) continue;
    // Folding balances from the index is exact only while nothing was pruned.
    we::InvariantOptions options;
    options.check_fold = sim.now().us < cfg.idempotency_retention.us;
    const std::string v = we::CheckLedgerInvariants(*e->ledger, options);
    if (!v.empty()) Violation(when + ": " + PodName(cfg.service, e->ordinal) + ": " + v);
  }
  Audit();
}

// The anti-pattern's cost, read from the engine: rounds with more than one
// applied bet (charged twice) or more than one paying win (paid twice). Runs
// every half retention and at the end, so pruned ids were counted before
// they left the index; a round is counted once per extra application.
void WalletLoop::Impl::CountDuplicates() {
  const Engine* src = primary >= 0 ? engines[static_cast<size_t>(primary)].get() : nullptr;
  if (!src || !src->ledger) return;
  struct Leg {
    uint32_t provider;
    we::Id128 round;
    uint8_t win;
    auto operator<=>(const Leg&) const = default;
  };
  std::vector<Leg> legs;
  src->ledger->ForEachEntry([&](const we::IndexEntry& e) {
    if (e.result != we::Result::kOk) return;
    if (e.body.kind == we::OpKind::kBet && e.state == we::EntryState::kBetApplied)
      legs.push_back({e.body.provider, e.body.round_id, 0});
    if (e.body.kind == we::OpKind::kWin && e.body.amount > 0)
      legs.push_back({e.body.provider, e.body.round_id, 1});
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

// ============================================================ facade ===

WalletLoop::WalletLoop(sim::Simulation& sim, WalletLoopConfig config)
    : impl_(std::make_unique<Impl>(sim, std::move(config))) {
  Impl* im = impl_.get();
  const sim::Duration audit = std::max(
      sim::Duration::Millis(100), std::min(im->cfg.audit_interval, im->cfg.idempotency_retention / 4));
  im->sim.ScheduleIn(audit, im->k_audit, 0, [im, audit] {
    struct Loop {
      static void Tick(Impl* x, sim::Duration every) {
        if (x->finished) return;
        x->Audit();
        x->sim.ScheduleIn(every, x->k_audit, 0, [x, every] { Tick(x, every); });
      }
    };
    Loop::Tick(im, audit);
  });
  const sim::Duration scan = std::max(im->cfg.idempotency_retention / 2, sim::Duration::Seconds(1));
  im->sim.ScheduleIn(scan, im->k_audit, 1, [im, scan] {
    struct Loop {
      static void Tick(Impl* x, sim::Duration every) {
        if (x->finished) return;
        x->CountDuplicates();
        x->sim.ScheduleIn(every, x->k_audit, 1, [x, every] { Tick(x, every); });
      }
    };
    Loop::Tick(im, scan);
  });
}

WalletLoop::~WalletLoop() = default;

void WalletLoop::StartStandalone() {
  Impl& im = *impl_;
  RH_ASSERT(im.engines.empty());
  const BatchPtr genesis = im.MakeGenesis();
  for (int32_t i = 0; i < im.cfg.replicas; ++i) {
    Engine& e = im.AddEngine(static_cast<PodId>(i + 1), static_cast<NodeId>(i + 1),
                             im.cfg.zones[static_cast<size_t>(i) % im.cfg.zones.size()]);
    im.InstallGenesis(e, genesis);
    e.role = i == 0 ? Role::kPrimary : Role::kStandby;
  }
  Engine& p = *im.engines[0];
  p.acked_seq = p.durable_seq;
  im.primary = im.routed = 0;
  im.term = p.term;
  im.lease_expiry = im.sim.now() + im.cfg.failover.ttl;
  im.dcs_optime_bytes = p.received_bytes;
  im.ReconfigureSyncSet(p);
  for (auto& e : im.engines) im.StartHaLoop(*e);
  im.sim.recorder().Log(im.sim.now(), "WalletBootstrap", "statefulset/" + im.cfg.service,
                        std::to_string(im.cfg.replicas) + " engines (" +
                            ToString(im.cfg.replication) + "), " + std::to_string(im.players) +
                            " sampled players");
  StartTraffic();
}

void WalletLoop::StartTraffic() {
  Impl& im = *impl_;
  if (im.traffic_started) return;
  im.traffic_started = true;
  im.ScheduleNextBet();
}

void WalletLoop::OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                                  sim::Time now) {
  Impl& im = *impl_;
  (void)now;
  if (endpoint.service != im.cfg.service) return;
  auto it = im.pod_to_engine.find(endpoint.pod);
  switch (change) {
    case EndpointChange::kReady: {
      if (it != im.pod_to_engine.end()) return;  // readiness came back
      Engine& e = im.AddEngine(endpoint.pod, endpoint.node, endpoint.zone);
      if (im.primary < 0 && im.failovers.empty() && im.engines.size() == 1) {
        im.BootstrapPrimary(e);
        im.ReconfigureSyncSet(e);
        return;
      }
      e.role = Role::kStandby;
      if (im.primary >= 0) im.Reseed(e, *im.engines[static_cast<size_t>(im.primary)]);
      im.StartHaLoop(e);
      return;
    }
    case EndpointChange::kNotReady:
      return;  // the engine keeps running; Patroni decides roles, not readiness
    case EndpointChange::kTerminating:
      if (it == im.pod_to_engine.end()) return;
      if (it->second == im.primary) im.Switchover(it->second);
      else im.FailPod(it->second, "pod terminating");
      return;
    case EndpointChange::kKilled:
      if (it == im.pod_to_engine.end()) return;
      im.FailPod(it->second, "pod killed");
      return;
  }
}

void WalletLoop::FailPod(int32_t ordinal, const std::string& cause) {
  RH_ASSERT(ordinal >= 0 && ordinal < pods());
  impl_->FailPod(ordinal, cause);
}

void WalletLoop::FailPrimary(const std::string& cause) {
  if (impl_->primary >= 0) impl_->FailPod(impl_->primary, cause);
}

void WalletLoop::FailZone(const std::string& zone) {
  Impl& im = *impl_;
  // The primary first: a zone outage takes its engines at the same instant.
  if (im.primary >= 0 && im.engines[static_cast<size_t>(im.primary)]->zone == zone)
    im.FailPod(im.primary, "zone outage " + zone);
  for (auto& e : im.engines)
    if (e->zone == zone && e->role != Role::kDead) im.FailPod(e->ordinal, "zone outage " + zone);
}

void WalletLoop::FailNode(NodeId node) {
  Impl& im = *impl_;
  for (auto& e : im.engines)
    if (e->node == node && e->role != Role::kDead) im.FailPod(e->ordinal, "node lost");
}

void WalletLoop::Partition(const std::string& zone_a, const std::string& zone_b,
                           sim::Duration duration) {
  Impl& im = *impl_;
  im.partitions.push_back({zone_a, zone_b, im.sim.now() + duration});
  im.sim.recorder().Log(im.sim.now(), "WalletPartition", "zone/" + zone_a,
                        "replication links " + zone_a + " <-> " + zone_b + " cut for " +
                            sim::FormatDuration(duration));
}

void WalletLoop::SlowDisk(int32_t ordinal, sim::Duration extra, sim::Duration duration) {
  Impl& im = *impl_;
  RH_ASSERT(ordinal >= 0 && ordinal < pods());
  im.engines[static_cast<size_t>(ordinal)]->disk_extra = extra;
  Impl* p = impl_.get();
  const uint64_t epoch = im.engines[static_cast<size_t>(ordinal)]->epoch;
  im.sim.ScheduleIn(duration, im.k_heal, static_cast<uint64_t>(ordinal), [p, ordinal, epoch] {
    Engine& e = *p->engines[static_cast<size_t>(ordinal)];
    if (e.epoch == epoch) e.disk_extra = sim::Duration{};
  });
}

int32_t WalletLoop::primary() const { return impl_->primary; }
int32_t WalletLoop::routed() const { return impl_->routed; }
int32_t WalletLoop::pods() const { return static_cast<int32_t>(impl_->engines.size()); }
bool WalletLoop::alive(int32_t o) const {
  return impl_->engines[static_cast<size_t>(o)]->role != Role::kDead;
}
const std::string& WalletLoop::zone(int32_t o) const {
  return impl_->engines[static_cast<size_t>(o)]->zone;
}
uint64_t WalletLoop::durable_seq(int32_t o) const {
  return impl_->engines[static_cast<size_t>(o)]->durable_seq;
}
const ::wallet::Ledger* WalletLoop::ledger(int32_t o) const {
  return impl_->engines[static_cast<size_t>(o)]->ledger.get();
}
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
  for (const auto& e : im.engines) {
    if (!e->ledger || e->role == Role::kDead) continue;
    im.sim.MixDigest(we::Combine64(e->ledger->StateHash(), e->durable_seq));
  }
  if (im.primary >= 0 && im.engines[static_cast<size_t>(im.primary)]->ledger)
    im.final_hash = Hex(im.engines[static_cast<size_t>(im.primary)]->ledger->StateHash());
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
