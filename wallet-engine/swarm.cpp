#include "wallet-engine/swarm.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "wallet-engine/engine.h"
#include "wallet-engine/invariants.h"
#include "wallet-engine/sim_disk.h"
#include "wallet-engine/wal.h"

namespace wallet {
namespace {

constexpr uint32_t kCur = 978;
constexpr uint32_t kProv = 7;
constexpr uint64_t kPlayers = 4;
constexpr uint64_t kLeaseUs = 30'000;
constexpr uint64_t kClientTimeoutUs = 60'000;
__extension__ typedef __int128 I128;

struct Node {
  uint32_t id = 0;
  std::unique_ptr<Engine> engine;  // null while down
  std::unique_ptr<SimDisk> disk;
  std::deque<IoRequest> io;
  uint64_t restart_at_us = 0;
  uint64_t lease_until_us = 0;
  bool write_fault_possible = false;  // lost/misdirected writes may be on its disk
  bool must_detect = false;           // a bit flip was injected where recovery reads
  uint64_t last_checked_seq = 0;
  uint64_t wiped_at_us = 0;  // acknowledgements before this are not on its (new) disk
  // A replaced (empty) disk is no witness of what was acknowledged before
  // (seed 5909), nor is a disk that may lose writes after a restart: such a
  // node answers a failover vote only while durable past the highest commit
  // point the controller has seen by then, not just when it restarted
  // (seed 1070561: acknowledgements its lost disk had sent were still on the
  // network, the primary counted them after the replacement, and the commit
  // point rose past what the node held).
  bool vote_needs_commit = false;
  uint64_t starts = 0;  // EngineConfig::incarnation of its engine
};

struct NetMsg {
  uint64_t deliver_at_us = 0;
  Message m;
};

struct ClientOp {
  Op op;
  bool acked = false;
  Result result = Result::kOk;  // canonical first outcome
  uint64_t timestamp = 0;
  uint32_t acked_by = 0;
  uint64_t acked_term = 0;
  uint64_t acked_at_us = 0;
  uint64_t inflight_request = 0;
  uint64_t sent_at_us = 0;
  bool lost_in_failover = false;
};

bool Holds(const Ledger& l, const Op& op) {
  return op.kind == OpKind::kCreateAccount ? l.FindAccount(op.id) != nullptr
                                           : l.FindEntry(op.id) != nullptr;
}
// The same application (not a different one in another history).
bool HoldsSame(const Ledger& l, const Op& op, uint64_t ts) {
  if (op.kind == OpKind::kCreateAccount) {
    const Account* a = l.FindAccount(op.id);
    return a && a->timestamp == ts;
  }
  const IndexEntry* e = l.FindEntry(op.id);
  return e && e->timestamp == ts;
}

// (result, timestamp) a client may compare across retries.
std::pair<Result, uint64_t> Canonical(const OpReply& r) {
  if (r.result == Result::kExists || r.result == Result::kIdAlreadyFailed)
    return {r.original, r.timestamp};
  return {r.result, r.timestamp};
}

class World {
 public:
  World(uint64_t seed, const SwarmOptions& options) : seed_(seed), rng_(seed), options_(options) {}
  SwarmReport Run();

 private:
  void Configure();
  bool Fail(const std::string& why) {
    if (report_.ok) {
      report_.ok = false;
      report_.failure = "step " + std::to_string(step_) + ": " + why;
    }
    return false;
  }
  void Drain(Node& n);
  void DrainAll() {
    for (auto& n : nodes_)
      if (n.engine) Drain(n);
  }
  void HandleReply(Node& n, Reply& r);
  void Send(Message m);
  bool Blocked(uint32_t a, uint32_t b) const { return blocked_.count({a, b}) > 0; }
  void StepClient();
  void SubmitOp(size_t index);
  Op NewOp();
  void StepIo();
  void StepNet(bool force = false);
  void StepTime(uint64_t dt_us);
  void StepFault();
  void CrashNode(uint32_t id);
  void RestartNode(uint32_t id);
  void TryFailover();
  void CheckNode(Node& n);
  bool Quiesce();
  bool FinalChecks();
  Id128 NextKey() { return Id128{0x5eed0000ULL ^ seed_, ++key_counter_}; }

  uint64_t seed_;
  Rng rng_;
  SwarmOptions options_;
  SwarmReport report_;
  uint64_t step_ = 0;
  uint64_t now_us_ = 1'000'000;
  std::vector<Node> nodes_;
  int primary_ = 0;        // node the clients talk to
  uint64_t term_ = 1;
  bool replicated_ = false;
  ReplicationMode mode_ = ReplicationMode::kAsync;
  EngineConfig base_;
  std::vector<NetMsg> net_;
  std::set<std::pair<uint32_t, uint32_t>> blocked_;
  bool isolated_primary_ = false;
  bool failover_pending_ = false;
  std::unique_ptr<Engine> old_primary_;  // crashed primary's last engine (RPO accounting)
  uint64_t promoted_at_us_ = 0;
  std::map<uint64_t, uint32_t> acker_by_term_;
  // Fault switches (swarm: each seed enables a random subset).
  bool f_crash_ = false, f_flip_ = false, f_fsync_ = false, f_net_ = false, f_partition_ = false,
       f_failover_ = false, f_write_faults_ = false;
  uint32_t loss_pct_ = 0, dup_pct_ = 0;
  bool halted_ = false;  // single node lost its disk: no more workload
  bool old_wiped_ = false;  // the failed primary's disk was replaced
  uint64_t max_commit_seen_ = 0;  // highest commit point any primary reached
  int flip_node_ = -1;      // the one node whose disk gets bit flips
  // Clients.
  std::vector<ClientOp> ops_;
  std::map<uint64_t, size_t> request_op_;          // request id -> op index
  std::map<uint64_t, std::pair<Op, Result>> probes_;  // request id -> (mutated op, expected)
  uint64_t next_request_ = 1;
  uint64_t key_counter_ = 0;
  struct PlayerState {
    Id128 round;
    bool round_fresh = true;
    std::vector<Id128> bets;
    std::vector<Id128> tombstoned;  // keys rolled back before their bet was sent
  };
  std::vector<PlayerState> players_;
  uint64_t round_counter_ = 0;
};

void World::Configure() {
  replicated_ = rng_.Below(10) >= 3;
  const uint32_t n = replicated_ ? 3 : 1;
  base_.batch_ops_max = static_cast<uint32_t>(std::vector<uint64_t>{1, 4, 32}[rng_.Below(3)]);
  base_.batch_bytes_max = base_.batch_ops_max * sizeof(Op);
  base_.batch_delay_us = std::vector<uint64_t>{0, 500, 2000}[rng_.Below(3)];
  base_.snapshot_every_ops = std::vector<uint64_t>{0, 16, 64}[rng_.Below(3)];
  base_.heartbeat_us = 5'000;
  base_.record_cache_max = 1 + rng_.Below(64);
  base_.track_acked_ops = true;
  if (replicated_) {
    mode_ = static_cast<ReplicationMode>(rng_.Below(3));
    base_.mode = mode_;
    base_.k = 1;
    base_.require_lease = true;
    base_.replicas = {1, 2};
  }
  f_crash_ = rng_.Chance(3, 4);
  f_flip_ = rng_.Chance(1, 3);
  f_fsync_ = rng_.Chance(1, 4);
  f_net_ = replicated_ && rng_.Chance(1, 2);
  f_partition_ = replicated_ && rng_.Chance(1, 2);
  f_failover_ = replicated_ && rng_.Chance(2, 3);
  f_write_faults_ = replicated_ && rng_.Chance(1, 4);
  // Sync mode gets disk damage (bit flips, lost/misdirected writes) like the
  // other modes: SwarmOptions::all_faults no longer changes the mix.
  loss_pct_ = f_net_ ? static_cast<uint32_t>(rng_.Below(15)) : 0;
  dup_pct_ = f_net_ ? static_cast<uint32_t>(rng_.Below(15)) : 0;
  // One faulty disk per seed (the spec's single-failure guarantee): bit flips
  // and lost/misdirected writes hit only that node.
  flip_node_ = static_cast<int>(rng_.Below(n));
  for (uint32_t i = 0; i < n; ++i) {
    Node node;
    node.id = i;
    DiskFaults faults;
    if (f_fsync_) faults.fsync_error_ppm = 2000;
    const bool faulty = static_cast<int>(i) == flip_node_ && f_write_faults_;
    if (faulty) {
      faults.lost_write_ppm = 3000;
      faults.misdirect_write_ppm = 3000;
    }
    node.disk = std::make_unique<SimDisk>(Mix64(seed_ * 31 + i), faults);
    node.write_fault_possible = faulty;
    EngineConfig c = base_;
    c.node_id = i;
    c.incarnation = ++node.starts;
    node.engine = std::make_unique<Engine>(c, i == 0 ? Role::kPrimary : Role::kReplica, term_,
                                           Recover({}, {}));
    node.lease_until_us = now_us_ + kLeaseUs;
    node.engine->SetLease(node.lease_until_us);
    nodes_.push_back(std::move(node));
  }
  players_.resize(kPlayers + 1);
  char buf[200];
  std::snprintf(buf, sizeof buf,
                "nodes=%u mode=%s batch=%u delay=%llu snap=%llu crash=%d flip=%d fsync=%d net=%d "
                "loss=%u%% dup=%u%% partition=%d failover=%d write_faults=%d",
                n, replicated_ ? ModeName(mode_) : "none", base_.batch_ops_max,
                static_cast<unsigned long long>(base_.batch_delay_us),
                static_cast<unsigned long long>(base_.snapshot_every_ops), f_crash_, f_flip_,
                f_fsync_, f_net_, loss_pct_, dup_pct_, f_partition_, f_failover_, f_write_faults_);
  report_.config = buf;
}

// ------------------------------------------------------------ plumbing ---

void World::Drain(Node& n) {
  Outputs out;
  n.engine->TakeOutputs(&out);
  for (auto& io : out.io) n.io.push_back(std::move(io));
  for (auto& m : out.messages) Send(std::move(m));
  for (auto& r : out.replies) HandleReply(n, r);
  // The failover controller's record of the commit point (Patroni keeps the
  // leader's position in the DCS): it survives restarts, unlike a node's.
  if (n.engine->role() == Role::kPrimary)
    max_commit_seen_ = std::max(max_commit_seen_, n.engine->commit_seq());
  CheckNode(n);
}

void World::Send(Message m) {
  if (f_net_ && rng_.Below(100) < loss_pct_) return;
  const bool dup = f_net_ && rng_.Below(100) < dup_pct_;
  NetMsg nm{now_us_ + 50 + rng_.Below(2000), std::move(m)};
  if (dup) net_.push_back(nm);
  net_.push_back(std::move(nm));
}

void World::CheckNode(Node& n) {
  if (!n.engine || n.engine->last_seq() == n.last_checked_seq) return;
  n.last_checked_seq = n.engine->last_seq();
  const std::string err = CheckLedgerInvariants(n.engine->ledger());
  if (!err.empty()) Fail("node " + std::to_string(n.id) + ": " + err);
}

void World::HandleReply(Node& n, Reply& r) {
  if (auto pit = probes_.find(r.request_id); pit != probes_.end()) {
    const auto [op, want] = pit->second;
    probes_.erase(pit);
    if (r.status == ReplyStatus::kOk && r.results.size() == 1 && r.results[0].result != want)
      Fail(std::string("probe with a different body got ") + ResultName(r.results[0].result) +
           ", want " + ResultName(want) + " for " + ToString(op.id) + " on node " + std::to_string(n.id) +
           " term " + std::to_string(r.term));
    return;
  }
  auto it = request_op_.find(r.request_id);
  if (it == request_op_.end()) return;
  ClientOp& c = ops_[it->second];
  request_op_.erase(it);
  if (c.inflight_request == r.request_id) c.inflight_request = 0;
  if (r.status != ReplyStatus::kOk) return;
  // Invariant 10: one acknowledging primary per term; a deposed primary never
  // acknowledges after the promotion.
  auto [tit, inserted] = acker_by_term_.emplace(r.term, n.id);
  if (!inserted && tit->second != n.id)
    Fail("two nodes acknowledged in term " + std::to_string(r.term));
  if (r.term < term_ && now_us_ >= promoted_at_us_)
    Fail("deposed primary " + std::to_string(n.id) + " acknowledged after the promotion");
  if (replicated_ && now_us_ >= n.lease_until_us) Fail("acknowledged without a lease");
  if (r.results.size() != 1) {
    Fail("reply carries " + std::to_string(r.results.size()) + " results for one op");
    return;
  }
  if (rng_.Below(10) == 0) return;  // the acknowledgement is lost on the way back
  const auto canon = Canonical(r.results[0]);
  if (!c.acked) {
    c.acked = true;
    c.lost_in_failover = false;
    c.result = canon.first;
    c.timestamp = canon.second;
    c.acked_by = n.id;
    c.acked_term = r.term;
    c.acked_at_us = now_us_;
    ++report_.ops_acked;
  } else if (canon != std::make_pair(c.result, c.timestamp)) {
    Fail(std::string("retry of an acknowledged op changed its outcome: ") + ResultName(c.result) +
         " -> " + ResultName(canon.first));
  }
}

void World::SubmitOp(size_t index) {
  Node& p = nodes_[static_cast<size_t>(primary_)];
  ClientOp& c = ops_[index];
  const uint64_t id = next_request_++;
  c.inflight_request = id;
  c.sent_at_us = now_us_;
  request_op_[id] = index;
  if (!p.engine) return;  // the request times out
  p.engine->Submit(now_us_, Submission{id, {c.op}});
  Drain(p);
}

Op World::NewOp() {
  const uint64_t player = 1 + rng_.Below(kPlayers);
  PlayerState& ps = players_[player];
  if (ps.round_fresh) {
    ps.round = Id128{0x20, ++round_counter_};
    ps.round_fresh = false;
    ps.bets.clear();
  }
  const uint64_t roll = rng_.Below(100);
  if (roll < 15) return MakeDeposit(NextKey(), player, kCur, static_cast<int64_t>(1 + rng_.Below(500)));
  if (roll < 22) return MakeWithdraw(NextKey(), player, kCur, static_cast<int64_t>(1 + rng_.Below(300)));
  if (roll < 26) return MakeBonusGrant(NextKey(), player, kCur, static_cast<int64_t>(1 + rng_.Below(100)));
  if (roll < 55) {
    Id128 key = NextKey();
    if (!ps.tombstoned.empty() && rng_.Chance(1, 2)) {  // the late original bet
      key = ps.tombstoned.back();
      ps.tombstoned.pop_back();
    }
    const auto amount = static_cast<int64_t>(1 + rng_.Below(200));
    ps.bets.push_back(key);
    return MakeBet(key, player, kCur, kProv, ps.round, amount,
                   static_cast<int64_t>(rng_.Below(static_cast<uint64_t>(amount) / 8 + 1)),
                   static_cast<BetPolicy>(rng_.Below(2)));
  }
  if (roll < 75) {
    const Id128 ref = ps.bets.empty() || rng_.Chance(1, 5) ? Id128{} : ps.bets[rng_.Below(ps.bets.size())];
    const int64_t amount = rng_.Chance(1, 4) ? 0 : static_cast<int64_t>(rng_.Below(400));
    const bool close = rng_.Chance(1, 3);
    const auto source = rng_.Chance(1, 10) ? WinSource::kJackpot : WinSource::kHouse;
    if (amount == 0 || close) ps.round_fresh = true;
    return MakeWin(NextKey(), player, kCur, kProv, ps.round, ref, amount, close, source);
  }
  if (roll < 90) {
    Id128 ref;
    if (ps.bets.empty() || rng_.Chance(1, 4)) {  // rollback before bet
      ref = NextKey();
      ps.tombstoned.push_back(ref);
    } else {
      ref = ps.bets[rng_.Below(ps.bets.size())];
    }
    return MakeRollback(NextKey(), player, kCur, kProv, ps.round, ref);
  }
  ps.round_fresh = true;
  return MakeEndRound(NextKey(), player, kCur, kProv, ps.round);
}

void World::StepClient() {
  if (halted_) return;
  const uint64_t roll = rng_.Below(100);
  // Retry an unacknowledged op (same id, same body) whose request timed out.
  if (roll < 25) {
    for (size_t tries = 0; tries < 4 && !ops_.empty(); ++tries) {
      const size_t i = rng_.Below(ops_.size());
      ClientOp& c = ops_[i];
      if (c.inflight_request && now_us_ - c.sent_at_us < kClientTimeoutUs) continue;
      if (c.acked && !rng_.Chance(1, 4)) continue;  // acked ops are retried sometimes too
      SubmitOp(i);
      return;
    }
    return;
  }
  // Same id, different body: must be refused with exists_with_different_*.
  if (roll < 32 && !ops_.empty()) {
    const size_t i = rng_.Below(ops_.size());
    const ClientOp& c = ops_[i];
    if (!c.acked || c.lost_in_failover || c.op.kind == OpKind::kCreateAccount) return;
    Op mutated = c.op;
    mutated.amount += 1;
    Result want = Result::kExistsWithDifferentAmount;
    if (IsTransientFailure(c.result)) want = Result::kIdAlreadyFailed;
    if (c.result == Result::kBetRolledBack && c.op.kind == OpKind::kBet) want = Result::kBetRolledBack;
    if (c.timestamp == 0) return;  // validation failure: nothing recorded
    const uint64_t id = next_request_++;
    probes_[id] = {mutated, want};
    Node& p = nodes_[static_cast<size_t>(primary_)];
    if (!p.engine) return;
    p.engine->Submit(now_us_, Submission{id, {mutated}});
    Drain(p);
    return;
  }
  ClientOp c;
  c.op = NewOp();
  ops_.push_back(c);
  SubmitOp(ops_.size() - 1);
}

void World::StepIo() {
  std::vector<size_t> ready;
  for (size_t i = 0; i < nodes_.size(); ++i)
    if (nodes_[i].engine && !nodes_[i].io.empty()) ready.push_back(i);
  if (ready.empty()) return;
  Node& n = nodes_[ready[rng_.Below(ready.size())]];
  IoRequest req = std::move(n.io.front());
  n.io.pop_front();
  const IoCompletion c = n.disk->Execute(req);
  n.engine->OnIoComplete(now_us_, c);
  Drain(n);
}

void World::StepNet(bool force) {
  if (net_.empty()) return;
  // Any message may overtake another (reordering), bounded by its delay.
  const size_t i = rng_.Below(net_.size());
  if (!force && net_[i].deliver_at_us > now_us_ && !rng_.Chance(1, 4)) return;
  NetMsg nm = std::move(net_[i]);
  std::swap(net_[i], net_.back());
  net_.pop_back();
  if (Blocked(nm.m.from, nm.m.to)) return;
  Node& n = nodes_[nm.m.to];
  if (!n.engine) return;
  n.engine->OnMessage(now_us_, std::move(nm.m));
  Drain(n);
}

void World::StepTime(uint64_t dt_us) {
  now_us_ += dt_us;
  for (auto& n : nodes_) {
    if (!n.engine) {
      if (now_us_ >= n.restart_at_us && n.restart_at_us != 0) RestartNode(n.id);
      continue;
    }
    // The failover controller renews the primary's lease unless it is cut off.
    if (n.engine->role() == Role::kPrimary && static_cast<int>(n.id) == primary_ &&
        !isolated_primary_) {
      n.lease_until_us = now_us_ + kLeaseUs;
      n.engine->SetLease(n.lease_until_us);
    }
    n.engine->Tick(now_us_);
    Drain(n);
  }
  if (failover_pending_) TryFailover();
}

void World::CrashNode(uint32_t id) {
  Node& n = nodes_[id];
  if (!n.engine) return;
  if (options_.trace)
    std::fprintf(stderr, "step %llu before crash node %u: %s last %llu durable %llu commit %llu known %llu\n",
                 (unsigned long long)step_, id, RoleName(n.engine->role()),
                 (unsigned long long)n.engine->last_seq(), (unsigned long long)n.engine->durable_seq(),
                 (unsigned long long)n.engine->commit_seq(), (unsigned long long)n.engine->known_commit_seq());
  ++report_.crashes;
  n.disk->Crash();
  n.io.clear();
  // A primary whose log failed (fsync error) still acknowledged what it
  // acknowledged before: keep it for the RPO report too (seed 3069).
  if (static_cast<int>(id) == primary_ &&
      (n.engine->role() == Role::kPrimary || n.engine->role() == Role::kFailed)) {
    old_primary_ = std::move(n.engine);
    if (replicated_) failover_pending_ = f_failover_ || n.write_fault_possible || n.must_detect;
  }
  n.engine.reset();
  n.restart_at_us = now_us_ + 1000 + rng_.Below(40'000);
  if (options_.trace) std::fprintf(stderr, "step %llu crash node %u\n", (unsigned long long)step_, id);
}

void World::RestartNode(uint32_t id) {
  Node& n = nodes_[id];
  n.restart_at_us = 0;
  RecoveryOptions ro;
  ro.collect_op_ids = true;
  RecoveryResult r = Recover(n.disk->Image(), ro);
  bool primary_again = static_cast<int>(id) == primary_ && !failover_pending_;
  bool wiped = false;
  if (!r.ok) {
    if (!n.must_detect && !n.write_fault_possible)
      Fail("recovery reported damage with no fault injected: " + r.diagnosis.ToString());
    if (n.must_detect) ++report_.corruptions_detected;
    n.must_detect = false;
    // Repair: the node's disk is replaced and it rejoins empty (a replica
    // rebuilds it); a single node has nothing to rebuild from.
    n.disk = std::make_unique<SimDisk>(Mix64(seed_ ^ (id + 77) ^ now_us_), n.disk->faults());
    if (!replicated_) {
      halted_ = true;
      return;
    }
    r = Recover({}, {});
    wiped = true;
    n.wiped_at_us = now_us_;
    n.vote_needs_commit |= mode_ != ReplicationMode::kAsync;
    if (static_cast<int>(id) == primary_) {
      failover_pending_ = true;
      old_wiped_ = true;
    }
    primary_again = false;
  } else if (n.must_detect) {
    if (r.warnings.empty()) {
      Fail("a bit flip where recovery reads went undetected");
      return;
    }
    bool flagged = false;
    for (const auto& w : r.warnings) flagged |= w.find("snapshot") != std::string::npos;
    if (!flagged) {
      Fail("a bit flip in the log was truncated as a torn tail instead of diagnosed");
      return;
    }
    ++report_.corruptions_detected;
    n.must_detect = false;
  }
  // A disk that may lose writes can come back shorter than what the node
  // reported durable with nothing to diagnose (a lost record reads like an
  // unflushed tail), and a restarted engine has forgotten the commit point
  // (seed 1002772: the sync standby came back at seq 1 of its 12 and was
  // promoted while the commit point was 12).
  if (n.write_fault_possible && replicated_ && mode_ != ReplicationMode::kAsync)
    n.vote_needs_commit = true;
  // Invariant 6/7: everything this node acknowledged as primary (and not
  // already reported lost) is in its recovered state.
  if (!n.write_fault_possible && !wiped) {
    for (const ClientOp& c : ops_) {
      if (!c.acked || c.acked_by != id || c.timestamp == 0 || c.lost_in_failover ||
          c.acked_at_us <= n.wiped_at_us)
        continue;
      const bool present = Holds(r.ledger, c.op);
      if (!present)
        return static_cast<void>(Fail(
            "acknowledged op " + ToString(c.op.id) + " (" + ResultName(c.result) + " ts " +
            std::to_string(c.timestamp) + ") missing after recovery of node " + std::to_string(id) +
            " (recovered through seq " + std::to_string(r.last_seq) + ", " +
            std::to_string(r.records_replayed) + " records, snapshot gen " +
            std::to_string(r.snapshot_gen) + ")"));
    }
  }
  const std::string err = CheckLedgerInvariants(r.ledger);
  if (!err.empty()) {
    Fail("recovered state: " + err);
    return;
  }
  EngineConfig c = base_;
  c.node_id = id;
  c.incarnation = ++n.starts;
  if (primary_again) {
    std::vector<uint32_t> reps;
    for (auto& o : nodes_)
      if (o.id != id) reps.push_back(o.id);
    c.replicas = reps;
  }
  const uint64_t term = primary_again ? term_ : 0;
  n.engine = std::make_unique<Engine>(c, primary_again ? Role::kPrimary : Role::kReplica, term,
                                      std::move(r));
  if (primary_again) {
    n.lease_until_us = now_us_ + kLeaseUs;
    n.engine->SetLease(n.lease_until_us);
    old_primary_.reset();
  }
  n.last_checked_seq = 0;
  if (options_.trace)
    std::fprintf(stderr, "step %llu restart node %u as %s: last %llu%s\n", (unsigned long long)step_,
                 id, RoleName(n.engine->role()), (unsigned long long)n.engine->last_seq(),
                 wiped ? " (disk wiped)" : "");
  Drain(n);
}

void World::TryFailover() {
  Node& old = nodes_[static_cast<size_t>(primary_)];
  // Patroni: the leader key must have expired before anyone is promoted.
  if (now_us_ < old.lease_until_us + 1000) return;
  std::vector<PeerState> peers;
  for (auto& n : nodes_)
    // A replica installing a snapshot reports durable 0 while its disk still
    // holds its old log: counting that as a vote let quorum mode promote a
    // replica missing acknowledged ops the installing one held (seed 3096).
    if (n.engine && n.engine->role() == Role::kReplica && !n.engine->installing() &&
        (!n.vote_needs_commit || n.engine->durable_seq() >= max_commit_seen_) &&
        static_cast<int>(n.id) != primary_ &&
        !Blocked(n.id, 99))
      peers.push_back({n.id, n.engine->durable_seq(), n.engine->last_record_term()});
  int best = -1;
  for (const PeerState& p : peers) {
    Engine& e = *nodes_[p.node].engine;
    // The controller's /sync record: the first replica of the failed primary.
    uint32_t sync_node = 0;
    for (auto& o : nodes_)
      if (static_cast<int>(o.id) != primary_) {
        sync_node = o.id;
        break;
      }
    const bool designated = mode_ == ReplicationMode::kSync && p.node == sync_node &&
                            nodes_[p.node].wiped_at_us == 0;
    const PromotionCheck check = e.CheckPromotion(peers, designated);
    if (options_.trace)
      std::fprintf(stderr, "step %llu failover check node %u: %s (durable %llu known commit %llu)\n",
                   (unsigned long long)step_, p.node, VerdictName(check.verdict),
                   (unsigned long long)check.durable_seq, (unsigned long long)check.known_commit_seq);
    if (mode_ == ReplicationMode::kSync && p.node != 0 && !nodes_[p.node].engine->ledger().accounts().empty()) {
      // Only the required sync standby may be promoted: verify the refusal.
    }
    if (check.verdict == PromotionVerdict::kAllowed &&
        (best < 0 || std::pair(p.last_record_term, p.durable_seq) >
                         std::pair(nodes_[static_cast<size_t>(best)].engine->last_record_term(),
                                   nodes_[static_cast<size_t>(best)].engine->durable_seq())))
      best = static_cast<int>(p.node);
  }
  if (best < 0) {
    // No replica may be promoted (sync standby unknown or down, no quorum):
    // the old primary, back up with an intact disk, takes the lead again.
    if (old.engine && old.engine->role() == Role::kReplica && !old.write_fault_possible &&
        !old_wiped_ && old_primary_)
      best = primary_;
    else
      return;
  }
  Engine& cand = *nodes_[static_cast<size_t>(best)].engine;
  if (cand.durable_seq() != cand.last_seq()) return;  // let its write finish first
  const Engine* old_engine = old_primary_ ? old_primary_.get() : old.engine.get();
  if (old_engine) {
    const PromotionLoss loss = Engine::ComputePromotionLoss(*old_engine, cand);
    // Invariant 11: sync/quorum lose nothing; async loses exactly the reported set.
    std::set<Id128> lost(loss.lost_op_ids.begin(), loss.lost_op_ids.end());
    for (ClientOp& c : ops_) {
      if (!c.acked || c.timestamp == 0) continue;
      const bool present = HoldsSame(cand.ledger(), c.op, c.timestamp);
      const std::string what = ToString(c.op.id) + " kind " + std::to_string(static_cast<int>(c.op.kind)) +
                               " result " + ResultName(c.result) + " ts " + std::to_string(c.timestamp) +
                               " cand " + std::to_string(best) + " last " + std::to_string(cand.last_seq()) +
                               " old acked " + std::to_string(old_engine->acked().size()) + " old last " +
                               std::to_string(old_engine->last_seq());
      if (lost.count(c.op.id) && present)
        Fail("promotion loss report names an op the new primary holds: " + what);
      if (!present && mode_ != ReplicationMode::kAsync)
        Fail(std::string(ModeName(mode_)) + " promotion lost an acknowledged op: " + what);
      if (!lost.count(c.op.id) && !present) Fail("acknowledged op lost without being reported: " + what);
      if (lost.count(c.op.id) && !present) {
        c.lost_in_failover = true;
        c.acked = false;
        ++report_.acked_lost_reported;
      }
    }
  }
  std::vector<uint32_t> reps;
  for (auto& n : nodes_)
    if (static_cast<int>(n.id) != best) reps.push_back(n.id);
  term_ = std::max(term_, cand.term()) + 1;
  cand.Promote(now_us_, term_, reps);
  promoted_at_us_ = now_us_;
  nodes_[static_cast<size_t>(best)].lease_until_us = now_us_ + kLeaseUs;
  cand.SetLease(now_us_ + kLeaseUs);
  primary_ = best;
  old_wiped_ = false;
  failover_pending_ = false;
  isolated_primary_ = false;
  old_primary_.reset();
  ++report_.promotions;
  if (options_.trace)
    std::fprintf(stderr, "step %llu promote node %d term %llu\n", (unsigned long long)step_, best,
                 (unsigned long long)term_);
  Drain(nodes_[static_cast<size_t>(best)]);
}

void World::StepFault() {
  const uint64_t roll = rng_.Below(100);
  if (roll < 35 && f_crash_) {
    CrashNode(static_cast<uint32_t>(rng_.Below(nodes_.size())));
  } else if (roll < 50 && f_flip_) {
    // A bit flip at rest in the newest snapshot or the active log segment.
    // One failed disk at a time (the spec's single-failure assumption).
    Node& n = nodes_[static_cast<size_t>(flip_node_)];
    if (!n.engine || n.must_detect || n.engine->role() == Role::kFailed) return;
    if (n.wiped_at_us != 0 && n.engine->last_seq() == 0) return;
    const DirImage image = n.disk->Image();
    const RecoveryResult r = Recover(image, {});
    if (!r.ok) return;
    std::string file;
    if (r.snapshot_gen > 0 && rng_.Chance(1, 3)) file = SnapshotName(r.snapshot_gen);
    else file = SegmentName(r.log_gen);
    auto it = image.find(file);
    if (it == image.end() || it->second.empty()) return;
    // Only bytes recovery verifies: a valid region (snapshot, or log up to
    // the last flushed record).
    const uint64_t limit = file == SegmentName(r.log_gen) ? r.log_offset : it->second.size();
    if (limit == 0) return;
    n.disk->FlipBit(file, rng_.Below(limit), static_cast<int>(rng_.Below(8)));
    n.must_detect = true;
    ++report_.corruptions_injected;
    // It is read at the next restart (unless the crash undid the snapshot's
    // unflushed rename: then recovery never reads that file).
    CrashNode(n.id);
    if (!n.disk->Image().count(file)) {
      n.must_detect = false;
      --report_.corruptions_injected;
    }
  } else if (roll < 70 && f_partition_) {
    if (!blocked_.empty()) {
      blocked_.clear();
      isolated_primary_ = false;
      return;
    }
    const uint64_t kind = rng_.Below(3);
    if (kind == 0) {  // isolate the primary (also from the failover controller)
      for (auto& n : nodes_)
        if (static_cast<int>(n.id) != primary_) {
          blocked_.insert({static_cast<uint32_t>(primary_), n.id});
          blocked_.insert({n.id, static_cast<uint32_t>(primary_)});
        }
      isolated_primary_ = true;
      if (f_failover_) failover_pending_ = true;
    } else {  // asymmetric: one direction between two nodes
      const auto a = static_cast<uint32_t>(rng_.Below(nodes_.size()));
      const auto b = static_cast<uint32_t>(rng_.Below(nodes_.size()));
      if (a != b) blocked_.insert({a, b});
    }
  } else if (roll < 80 && f_failover_) {
    CrashNode(static_cast<uint32_t>(primary_));
  }
}

bool World::Quiesce() {
  blocked_.clear();
  isolated_primary_ = false;
  f_net_ = false;
  for (auto& n : nodes_) {
    n.disk->faults() = DiskFaults{};
    if (!n.engine && !halted_) RestartNode(n.id);
  }
  if (!report_.ok) return false;
  for (int round = 0; round < 20000; ++round) {
    ++step_;
    if (failover_pending_) TryFailover();
    // Deliver everything due, complete all I/O, then move time.
    for (size_t k = 0, m = net_.size(); k < m && !net_.empty(); ++k) StepNet(true);
    for (int k = 0; k < 64; ++k) StepIo();
    bool all_acked = true;
    for (size_t i = 0; i < ops_.size(); ++i) {
      ClientOp& c = ops_[i];
      if (c.acked || halted_) continue;
      all_acked = false;
      if (!c.inflight_request || now_us_ - c.sent_at_us >= kClientTimeoutUs) SubmitOp(i);
    }
    Node& p = nodes_[static_cast<size_t>(primary_)];
    if (!p.engine) {
      if (!halted_) return Fail("primary down during quiesce");
      return true;
    }
    if (p.engine->role() == Role::kFailed) {
      // The log died (an fsync error earlier): restart from disk.
      CrashNode(p.id);
      RestartNode(p.id);
      continue;
    }
    bool replicas_equal = true;
    for (auto& n : nodes_) {
      if (!n.engine) continue;
      if (n.engine->role() == Role::kFailed) {
        CrashNode(n.id);
        RestartNode(n.id);
        replicas_equal = false;
        continue;
      }
      // Equal seq is not enough: a deposed async primary can sit at the new
      // primary's seq on its own (lost) history until it is rewound (seed
      // 2023994); the same last checksum means the same hash-chained history.
      if (n.engine->last_seq() != p.engine->last_seq() ||
          n.engine->last_checksum() != p.engine->last_checksum() ||
          n.engine->durable_seq() != n.engine->last_seq() || !n.io.empty())
        replicas_equal = false;
    }
    if (all_acked && replicas_equal && net_.empty()) return true;
    if (round == 19999) {
      size_t unacked = 0;
      for (const ClientOp& c : ops_) unacked += !c.acked;
      std::string why = "unacked=" + std::to_string(unacked) + " primary=" + std::to_string(primary_) +
                        " role=" + RoleName(p.engine->role()) + " last=" +
                        std::to_string(p.engine->last_seq()) + " durable=" +
                        std::to_string(p.engine->durable_seq()) + " commit=" +
                        std::to_string(p.engine->commit_seq());
      for (auto& n : nodes_)
        if (n.engine)
          why += " | node " + std::to_string(n.id) + " " + RoleName(n.engine->role()) + " last=" +
                 std::to_string(n.engine->last_seq()) + " durable=" +
                 std::to_string(n.engine->durable_seq()) + " io=" + std::to_string(n.io.size()) +
                 " term=" + std::to_string(n.engine->term());
      report_.stalled = true;
      return Fail("did not converge after healing: " + why);
    }
    StepTime(2000);
    if (!report_.ok) return false;
  }
  return false;
}

// The Jepsen-bank style reference model: recompute every balance from the
// client-visible history (each op's first acknowledged outcome, in engine
// timestamp order) with the simplest possible rules, and compare.
bool World::FinalChecks() {
  const Engine& p = *nodes_[static_cast<size_t>(primary_)].engine;
  const Ledger& l = p.ledger();
  if (std::string err = CheckLedgerInvariants(l); !err.empty()) return Fail("final: " + err);
  std::vector<const ClientOp*> order;
  std::map<Id128, const ClientOp*> by_id;
  for (const ClientOp& c : ops_) {
    if (!c.acked) return Fail("op never acknowledged");
    by_id[c.op.id] = &c;
    if (c.timestamp == 0) continue;
    const IndexEntry* e = l.FindEntry(c.op.id);
    if (c.op.kind == OpKind::kCreateAccount) continue;
    const std::string what = ToString(c.op.id) + " kind " + std::to_string(static_cast<int>(c.op.kind)) +
                             " acked " + ResultName(c.result) + " ts " + std::to_string(c.timestamp) +
                             " by node " + std::to_string(c.acked_by) + " term " + std::to_string(c.acked_term);
    if (!e) return Fail("acknowledged op missing from the final state: " + what);
    if (e->result != c.result || e->timestamp != c.timestamp)
      return Fail("final state disagrees with the acknowledged outcome of an op: " + what + " state " +
                  ResultName(e->result) + " ts " + std::to_string(e->timestamp));
    order.push_back(&c);
  }
  std::sort(order.begin(), order.end(),
            [](const ClientOp* a, const ClientOp* b) { return a->timestamp < b->timestamp; });
  std::map<Id128, I128> model;
  auto move = [&](const Id128& from, const Id128& to, int64_t amount) {
    model[from] -= amount;
    model[to] += amount;
  };
  const Id128 house = HouseAccountId(kProv, kCur);
  const Id128 pool = PoolAccountId(AccountKind::kJackpotPool, kCur);
  const Id128 psp = PoolAccountId(AccountKind::kPspClearing, kCur);
  const Id128 promo = PoolAccountId(AccountKind::kPromoBudget, kCur);
  auto player = [](uint64_t id) { return Id128{0x77, id}; };  // real + bonus together
  for (const ClientOp* c : order) {
    if (c->result != Result::kOk) continue;
    const Op& o = c->op;
    switch (o.kind) {
      case OpKind::kDeposit: move(psp, player(o.player_id), o.amount); break;
      case OpKind::kWithdraw: move(player(o.player_id), psp, o.amount); break;
      case OpKind::kBonusGrant: move(promo, player(o.player_id), o.amount); break;
      case OpKind::kBet:
        move(player(o.player_id), house, o.amount);
        move(house, pool, o.amount_jackpot);
        break;
      case OpKind::kWin:
        move(o.code == static_cast<uint32_t>(WinSource::kJackpot) ? pool : house,
             player(o.player_id), o.amount);
        break;
      case OpKind::kRollback: {
        auto b = by_id.find(o.ref_id);
        if (b != by_id.end() && b->second->result == Result::kOk)
          move(house, player(o.player_id), b->second->op.amount);
        break;
      }
      default: break;
    }
  }
  auto net = [&](const Id128& id) -> I128 {
    const Account* a = l.FindAccount(id);
    return a ? static_cast<I128>(a->credits_posted) - a->debits_posted : 0;
  };
  for (uint64_t pl = 1; pl <= kPlayers; ++pl) {
    const auto engine = net(PlayerAccountId(pl, kCur, AccountKind::kPlayerReal)) +
                        net(PlayerAccountId(pl, kCur, AccountKind::kPlayerBonus));
    if (engine != model[player(pl)])
      return Fail("reference model: player " + std::to_string(pl) + " balance differs");
    if (engine < 0) return Fail("reference model: player balance negative");
  }
  if (net(house) != model[house]) return Fail("reference model: house balance differs");
  if (net(pool) != model[pool]) return Fail("reference model: jackpot pool differs");
  if (net(psp) != model[psp]) return Fail("reference model: PSP clearing differs");
  if (net(promo) != model[promo]) return Fail("reference model: promo budget differs");
  // Invariant 9: replicas at the same seq have the same state hash.
  for (const auto& n : nodes_) {
    if (!n.engine || n.engine->last_seq() != p.last_seq()) continue;
    if (n.engine->state_hash() != p.state_hash())
      return Fail("replica " + std::to_string(n.id) + " state hash differs at equal seq");
    if (n.engine->state_hash() != n.engine->ledger().ComputeStateHash())
      return Fail("state hash drifted on node " + std::to_string(n.id));
  }
  report_.final_state_hash = p.state_hash();
  uint64_t digest = 0;
  for (const auto& n : nodes_)
    for (const auto& [name, bytes] : n.disk->Image())
      digest = Combine64(digest, Combine64(Hash64(name.data(), name.size(), 1),
                                           Hash64(bytes.data(), bytes.size(), 2)));
  report_.disk_digest = digest;
  return true;
}

SwarmReport World::Run() {
  Configure();
  // Bootstrap: accounts and opening balances, without faults.
  std::vector<Op> setup = {
      MakeCreateAccount(HouseAccountId(kProv, kCur), kCur, AccountKind::kHouse, 0),
      MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, kCur), kCur,
                        AccountKind::kJackpotPool, kDebitsMustNotExceedCredits),
      MakeCreateAccount(PoolAccountId(AccountKind::kPromoBudget, kCur), kCur,
                        AccountKind::kPromoBudget, 0),
      MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur,
                        AccountKind::kPspClearing, 0)};
  for (uint64_t pl = 1; pl <= kPlayers; ++pl) {
    setup.push_back(MakeCreateAccount(PlayerAccountId(pl, kCur, AccountKind::kPlayerReal), kCur,
                                      AccountKind::kPlayerReal, kDebitsMustNotExceedCredits));
    setup.push_back(MakeCreateAccount(PlayerAccountId(pl, kCur, AccountKind::kPlayerBonus), kCur,
                                      AccountKind::kPlayerBonus, kDebitsMustNotExceedCredits));
  }
  for (const Op& op : setup) {
    ClientOp c;
    c.op = op;
    ops_.push_back(c);
  }
  const bool crash = f_crash_, flip = f_flip_, part = f_partition_, fo = f_failover_;
  std::vector<DiskFaults> saved;
  for (auto& n : nodes_) {
    saved.push_back(n.disk->faults());
    n.disk->faults() = DiskFaults{};
  }
  const bool net = f_net_;
  if (!Quiesce()) return report_;
  f_net_ = net;
  for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i].disk->faults() = saved[i];
  f_crash_ = crash, f_flip_ = flip, f_partition_ = part, f_failover_ = fo;
  for (step_ = 0; step_ < options_.steps && report_.ok; ++step_) {
    const uint64_t roll = rng_.Below(100);
    if (roll < 30) StepClient();
    else if (roll < 58) StepIo();
    else if (roll < 78) StepNet();
    else if (roll < 96) StepTime(100 + rng_.Below(3000));
    else StepFault();
  }
  if (report_.ok && Quiesce() && report_.ok && !halted_) FinalChecks();
  return report_;
}

}  // namespace

SwarmReport RunSwarmSeed(uint64_t seed, const SwarmOptions& options) {
  World world(seed, options);
  return world.Run();
}

}  // namespace wallet
