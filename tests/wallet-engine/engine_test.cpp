// Engine, WAL and recovery behaviour driven by hand through SimDisk: the
// acknowledgement rule, fatal fsync errors, torn tails vs damage, snapshots,
// point-in-time restore, replication modes and fencing.
#include <gtest/gtest.h>

#include <memory>

#include "wallet-engine/engine.h"
#include "wallet-engine/invariants.h"
#include "wallet-engine/sim_disk.h"
#include "wallet-engine/wal.h"

namespace wallet {
namespace {

constexpr uint32_t kCur = 978;

std::vector<Op> Accounts() {
  return {MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur,
                            AccountKind::kPspClearing, 0),
          MakeCreateAccount(PlayerAccountId(1, kCur, AccountKind::kPlayerReal), kCur,
                            AccountKind::kPlayerReal, kDebitsMustNotExceedCredits)};
}

// One node: engine + disk, I/O completed on demand.
struct Node {
  explicit Node(EngineConfig c = {}, uint64_t seed = 1) : disk(seed) {
    c.batch_delay_us = 0;
    config = c;
    engine = std::make_unique<Engine>(c, Role::kPrimary, 1, Recover({}, {}));
  }
  void Pump(Outputs* out, size_t max_io = 1000) {
    for (size_t i = 0; i < max_io; ++i) {
      Outputs o;
      engine->TakeOutputs(&o);
      for (auto& r : o.replies) out->replies.push_back(r);
      for (auto& m : o.messages) out->messages.push_back(m);
      for (auto& io : o.io) pending.push_back(io);
      if (pending.empty()) return;
      IoRequest req = pending.front();
      pending.erase(pending.begin());
      engine->OnIoComplete(now, disk.Execute(req));
    }
  }
  EngineConfig config;
  SimDisk disk;
  std::unique_ptr<Engine> engine;
  std::vector<IoRequest> pending;
  uint64_t now = 1000;
};

TEST(Engine, RepliesOnlyAfterTheFlush) {
  Node n;
  n.engine->Submit(n.now, {1, Accounts()});
  Outputs out;
  n.engine->TakeOutputs(&out);
  EXPECT_TRUE(out.replies.empty());
  ASSERT_EQ(out.io.size(), 1u);
  EXPECT_EQ(out.io[0].kind, IoKind::kWrite);
  n.engine->OnIoComplete(n.now, n.disk.Execute(out.io[0]));
  n.engine->TakeOutputs(&out);
  EXPECT_TRUE(out.replies.empty());  // written, not flushed
  ASSERT_EQ(out.io.size(), 1u);
  EXPECT_EQ(out.io[0].kind, IoKind::kFlush);
  n.engine->OnIoComplete(n.now, n.disk.Execute(out.io[0]));
  n.engine->TakeOutputs(&out);
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_EQ(out.replies[0].status, ReplyStatus::kOk);
  EXPECT_EQ(out.replies[0].results[1].result, Result::kOk);
}

TEST(Engine, FsyncErrorIsFatalForTheLog) {
  Node n;
  n.disk.faults().fsync_error_ppm = 1'000'000;
  n.engine->Submit(n.now, {1, Accounts()});
  Outputs out;
  n.Pump(&out);
  EXPECT_EQ(n.engine->role(), Role::kFailed);
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_EQ(out.replies[0].status, ReplyStatus::kStorageFailed);
  n.engine->Submit(n.now, {2, Accounts()});
  n.engine->TakeOutputs(&out);
  EXPECT_EQ(out.replies[0].status, ReplyStatus::kStorageFailed);
  EXPECT_TRUE(out.io.empty());  // never retried on the same file
}

TEST(Recovery, TornTailIsCutButMidLogDamageStops) {
  Node n;
  n.engine->Submit(n.now, {1, Accounts()});
  for (uint64_t i = 0; i < 5; ++i)
    n.engine->Submit(n.now, {2 + i, {MakeDeposit(Id128{9, i + 1}, 1, kCur, 10)}});
  Outputs out;
  n.Pump(&out);
  ASSERT_EQ(out.replies.size(), 6u);
  DirImage image = n.disk.Image();
  std::string& log = image.at(SegmentName(0));
  RecoveryResult clean = Recover(image, {});
  ASSERT_TRUE(clean.ok);
  EXPECT_EQ(clean.last_seq, 6u);
  EXPECT_EQ(CheckLedgerInvariants(clean.ledger), "");
  // Torn tail: cut inside the last record.
  DirImage torn = image;
  torn.at(SegmentName(0)).resize(log.size() - 40);
  RecoveryResult t = Recover(torn, {});
  ASSERT_TRUE(t.ok);
  EXPECT_EQ(t.last_seq, 5u);
  ASSERT_TRUE(t.truncate_at.has_value());
  // A flipped bit in the middle: diagnosis with file and offset, no skipping.
  for (uint64_t offset : {uint64_t{10}, uint64_t{300}, log.size() / 2, log.size() - 3}) {
    DirImage bad = image;
    bad.at(SegmentName(0))[offset] ^= 0x10;
    RecoveryResult b = Recover(bad, {});
    EXPECT_FALSE(b.ok) << offset;
    EXPECT_EQ(b.diagnosis.file, SegmentName(0));
    EXPECT_FALSE(b.diagnosis.what.empty());
  }
  // A lost write in the middle (zeros, later records intact) is a gap.
  DirImage lost = image;
  std::string& l = lost.at(SegmentName(0));
  RecordHeader h;
  std::memcpy(&h, l.data(), sizeof h);
  const size_t first = RecordSize(h.body_len / sizeof(Op));
  std::fill(l.begin() + static_cast<std::ptrdiff_t>(first),
            l.begin() + static_cast<std::ptrdiff_t>(first + 100), '\0');
  RecoveryResult g = Recover(lost, {});
  EXPECT_FALSE(g.ok);
  EXPECT_EQ(g.diagnosis.offset, first);
}

TEST(Recovery, SnapshotThenRestoreToEverySeqMatchesTheRecordedHash) {
  EngineConfig c;
  c.snapshot_every_ops = 3;
  Node n(c);
  n.engine->Submit(n.now, {1, Accounts()});
  std::vector<uint64_t> hashes = {0};
  Outputs out;
  n.Pump(&out);
  hashes.push_back(n.engine->state_hash());
  for (uint64_t i = 0; i < 8; ++i) {
    n.now += 10;
    n.engine->Submit(n.now, {2 + i, {MakeDeposit(Id128{9, i + 1}, 1, kCur, 10)}});
    n.Pump(&out);
    n.engine->Tick(n.now);
    n.Pump(&out);
    hashes.push_back(n.engine->state_hash());
  }
  EXPECT_GE(n.engine->snapshots_published(), 1u);
  const DirImage image = n.disk.Image();
  for (uint64_t seq = 1; seq < hashes.size(); ++seq) {
    RecoveryOptions o;
    o.stop_seq = seq;
    RecoveryResult r = Recover(image, o);
    ASSERT_TRUE(r.ok) << r.diagnosis.ToString();
    EXPECT_EQ(r.last_seq, seq);
    EXPECT_EQ(r.ledger.StateHash(), hashes[seq]) << seq;
    EXPECT_EQ(r.last_state_hash, hashes[seq]) << seq;
  }
  // A damaged newest snapshot falls back to an older one plus more log.
  DirImage bad = image;
  uint64_t newest = 0;
  for (const auto& [name, bytes] : bad) {
    uint64_t gen;
    if (ParseSnapshotName(name, &gen) && gen >= newest) {
      newest = gen;
    }
  }
  bad.at(SnapshotName(newest))[100] ^= 1;
  RecoveryResult r = Recover(bad, {});
  ASSERT_TRUE(r.ok);
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.ledger.StateHash(), hashes.back());
}

// Node 0 primary of node 1, in the given mode (sync/quorum: k = 1).
EngineConfig PrimaryOfOne(ReplicationMode mode) {
  EngineConfig c;
  c.node_id = 0;
  c.replicas = {1};
  c.mode = mode;
  c.k = mode == ReplicationMode::kAsync ? 0 : 1;
  return c;
}

TEST(Replication, SyncAcknowledgesOnlyAfterTheStandbyAndFencesTheOldPrimary) {
  EngineConfig pc = PrimaryOfOne(ReplicationMode::kSync);
  Node p(pc, 1);
  EngineConfig rc = pc;
  rc.node_id = 1;
  auto replica = std::make_unique<Engine>(rc, Role::kReplica, 1, Recover({}, {}));
  SimDisk rdisk(2);
  p.engine->Submit(p.now, {1, Accounts()});
  Outputs out;
  p.Pump(&out);
  EXPECT_TRUE(out.replies.empty());  // locally durable, standby not yet
  ASSERT_FALSE(out.messages.empty());
  // Deliver to the replica, run its I/O, deliver its ack back.
  std::vector<Message> to_primary;
  for (const Message& m : out.messages) replica->OnMessage(p.now, m);
  for (int i = 0; i < 10; ++i) {
    Outputs ro;
    replica->TakeOutputs(&ro);
    for (auto& m : ro.messages) to_primary.push_back(m);
    if (ro.io.empty()) break;
    for (auto& io : ro.io) replica->OnIoComplete(p.now, rdisk.Execute(io));
  }
  ASSERT_FALSE(to_primary.empty());
  for (const Message& m : to_primary) p.engine->OnMessage(p.now, m);
  Outputs after;
  p.Pump(&after);
  ASSERT_EQ(after.replies.size(), 1u);
  EXPECT_EQ(after.replies[0].status, ReplyStatus::kOk);
  EXPECT_EQ(replica->state_hash(), p.engine->state_hash());
  // The standby is promoted (it holds everything acknowledged) ...
  PeerState none[1];
  EXPECT_EQ(replica->CheckPromotion(std::span<const PeerState>(none, 0)).verdict,
            PromotionVerdict::kAllowed);
  replica->Promote(p.now, 2, {0});
  EXPECT_EQ(Engine::ComputePromotionLoss(*p.engine, *replica).lost_op_ids.size(), 0u);
  // ... and its first message demotes the old primary, whose pending
  // request is refused, never acknowledged.
  p.engine->Submit(p.now, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)}});
  Outputs heartbeat;
  replica->TakeOutputs(&heartbeat);
  for (const Message& m : heartbeat.messages) p.engine->OnMessage(p.now, m);
  Outputs fenced;
  p.engine->TakeOutputs(&fenced);
  EXPECT_EQ(p.engine->role(), Role::kReplica);
  ASSERT_FALSE(fenced.replies.empty());
  EXPECT_EQ(fenced.replies.back().status, ReplyStatus::kNotPrimary);
}

TEST(Replication, AsyncPromotionReportsExactlyTheLostOps) {
  EngineConfig pc = PrimaryOfOne(ReplicationMode::kAsync);
  Node p(pc, 1);
  EngineConfig rc = pc;
  rc.node_id = 1;
  Engine replica(rc, Role::kReplica, 1, Recover({}, {}));
  p.engine->Submit(p.now, {1, Accounts()});
  Outputs out;
  p.Pump(&out);
  for (const Message& m : out.messages) replica.OnMessage(p.now, m);
  // Two more acknowledged deposits never reach the replica.
  p.engine->Submit(p.now, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)}});
  p.engine->Submit(p.now, {3, {MakeDeposit(Id128{9, 2}, 1, kCur, 6)}});
  Outputs more;
  p.Pump(&more);
  ASSERT_EQ(more.replies.size(), 2u);
  replica.Promote(p.now + 5, 2, {0});
  const PromotionLoss loss = Engine::ComputePromotionLoss(*p.engine, replica);
  ASSERT_EQ(loss.lost_op_ids.size(), 2u);
  EXPECT_EQ(loss.lost_op_ids[0], (Id128{9, 1}));
  EXPECT_EQ(loss.lost_op_ids[1], (Id128{9, 2}));
  EXPECT_EQ(loss.lost_records, 2u);
  EXPECT_GT(loss.first_lost_ack_us, 0u);
}

// A replica engine on its own disk; messages and I/O run by hand.
struct ReplicaNode {
  ReplicaNode(EngineConfig c, uint32_t id, uint64_t seed) : disk(seed) {
    c.node_id = id;
    c.replicas.clear();
    engine = std::make_unique<Engine>(c, Role::kReplica, 1, Recover({}, {}));
  }
  // Delivers m, completes every I/O it causes; returns the messages it sent.
  std::vector<Message> Deliver(const Message& m, uint64_t now) {
    engine->OnMessage(now, m);
    std::vector<Message> sent;
    for (int i = 0; i < 100; ++i) {
      Outputs o;
      engine->TakeOutputs(&o);
      for (auto& x : o.messages) sent.push_back(x);
      if (o.io.empty()) break;
      for (auto& io : o.io) engine->OnIoComplete(now, disk.Execute(io));
    }
    return sent;
  }
  SimDisk disk;
  std::unique_ptr<Engine> engine;
};

std::vector<Message> OfKind(const std::vector<Message>& ms, MsgKind kind) {
  std::vector<Message> r;
  for (const Message& m : ms)
    if (m.kind == kind) r.push_back(m);
  return r;
}

// The primary's next heartbeat reaches the replica, which answers with its
// position; returns the snapshot installs the primary sends in reply.
std::vector<Message> InstallsAfterAHeartbeat(Node& p, ReplicaNode& rep) {
  p.now += 2 * p.config.heartbeat_us;
  p.engine->Tick(p.now);
  Outputs hb;
  p.Pump(&hb);
  std::vector<Message> installs;
  for (const Message& m : OfKind(hb.messages, MsgKind::kAppend))
    for (const Message& ack : rep.Deliver(m, p.now)) {
      p.engine->OnMessage(p.now, ack);
      Outputs o;
      p.Pump(&o);
      for (const Message& i : OfKind(o.messages, MsgKind::kInstallSnapshot)) installs.push_back(i);
    }
  return installs;
}

// A snapshot install delayed on the network must not take a replica back
// below records it already reported durable (swarm seed 1035298: a sync
// standby went from durable 36 back to 17 after the primary had counted its
// acknowledgement). The install names the position it answers; a replica
// that has moved past the snapshot since ignores it and reports where it is.
TEST(Replication, ADelayedSnapshotInstallNeverTakesAReplicaBack) {
  EngineConfig pc = PrimaryOfOne(ReplicationMode::kSync);
  pc.record_cache_max = 1;  // a replica that missed records needs an install
  pc.heartbeat_us = 1000;
  Node p(pc, 1);
  ReplicaNode rep(pc, 1, 2);
  p.engine->Submit(p.now, {1, Accounts()});
  p.engine->Submit(p.now, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)}});
  p.engine->Submit(p.now, {3, {MakeDeposit(Id128{9, 2}, 1, kCur, 6)}});
  Outputs lost;
  p.Pump(&lost);  // the appends of seq 1..3 are lost
  ASSERT_EQ(p.engine->last_seq(), 3u);
  // The empty replica answers the heartbeat: behind; the primary ships its state.
  const std::vector<Message> installs = InstallsAfterAHeartbeat(p, rep);
  ASSERT_FALSE(installs.empty());
  const Message install = installs[0];
  EXPECT_EQ(install.seq, 3u);
  EXPECT_EQ(install.base_seq, 0u);
  for (const Message& ack : rep.Deliver(install, p.now)) p.engine->OnMessage(p.now, ack);
  EXPECT_EQ(rep.engine->last_seq(), 3u);
  EXPECT_EQ(rep.engine->durable_seq(), 3u);
  // Two more records replicate normally and are acknowledged on the
  // standby's report.
  p.engine->Submit(p.now, {4, {MakeDeposit(Id128{9, 3}, 1, kCur, 7)}});
  p.engine->Submit(p.now, {5, {MakeDeposit(Id128{9, 4}, 1, kCur, 8)}});
  Outputs appends;
  p.Pump(&appends);
  std::vector<Message> acks;
  for (const Message& m : OfKind(appends.messages, MsgKind::kAppend))
    for (const Message& a : rep.Deliver(m, p.now)) acks.push_back(a);
  for (const Message& a : acks) p.engine->OnMessage(p.now, a);
  Outputs replies;
  p.Pump(&replies);
  EXPECT_EQ(p.engine->commit_seq(), 5u);
  ASSERT_EQ(rep.engine->durable_seq(), 5u);
  // The first install arrives again (a duplicate, or a copy delayed on the
  // network): the standby keeps seq 4 and 5 and says where it is.
  const std::vector<Message> answer = rep.Deliver(install, p.now);
  EXPECT_EQ(rep.engine->last_seq(), 5u);
  EXPECT_EQ(rep.engine->durable_seq(), 5u);
  EXPECT_FALSE(rep.engine->installing());
  EXPECT_EQ(rep.engine->state_hash(), p.engine->state_hash());
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(answer[0].kind, MsgKind::kAppendAck);
  EXPECT_EQ(answer[0].seq, 5u);
  EXPECT_EQ(answer[0].durable_seq, 5u);
  // Recovery from its disk agrees.
  EXPECT_EQ(Recover(rep.disk.Image(), {}).last_seq, 5u);
}

}  // namespace
}  // namespace wallet

namespace wallet {
namespace {

// A replica that took a snapshot install holds, below it, the log of its
// own earlier history. With the installed snapshot damaged and nothing
// written after it, recovery must not fall back to that older log: it would
// come back without every record up to the install (swarm seed 1040687: a
// sync standby came back at seq 1 of 12 and was promoted).
TEST(Recovery, DamagedInstalledSnapshotIsNotBypassedThroughThePreInstallLog) {
  EngineConfig pc = PrimaryOfOne(ReplicationMode::kAsync);
  pc.record_cache_max = 1;
  pc.heartbeat_us = 1000;
  Node p(pc, 1);
  ReplicaNode rep(pc, 1, 2);
  p.engine->Submit(p.now, {1, Accounts()});
  Outputs first;
  p.Pump(&first);
  for (const Message& m : OfKind(first.messages, MsgKind::kAppend)) rep.Deliver(m, p.now);
  ASSERT_EQ(rep.engine->durable_seq(), 1u);
  p.engine->Submit(p.now, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)}});
  p.engine->Submit(p.now, {3, {MakeDeposit(Id128{9, 2}, 1, kCur, 6)}});
  Outputs lost;
  p.Pump(&lost);  // seq 2 and 3 never reach the replica
  const std::vector<Message> installs = InstallsAfterAHeartbeat(p, rep);
  ASSERT_FALSE(installs.empty());
  rep.Deliver(installs[0], p.now);
  ASSERT_EQ(rep.engine->durable_seq(), 3u);
  ASSERT_EQ(rep.engine->snapshots_published(), 1u);
  DirImage img = rep.disk.Image();
  EXPECT_EQ(Recover(img, {}).last_seq, 3u);
  std::string& snap = img[SnapshotName(1)];
  snap[snap.size() / 2] ^= 0x04;  // a bit flip at rest in the installed snapshot
  const RecoveryResult r = Recover(img, {});
  EXPECT_FALSE(r.ok) << "recovered through seq " << r.last_seq;
  EXPECT_EQ(r.diagnosis.file, SnapshotName(1));
}

// An acknowledgement still on the network when the standby restarts on a
// replaced (empty) disk must not count: the copy it reports is gone (swarm
// seed 1070561: the primary acknowledged a client on it). The host gives each
// start of a node a larger EngineConfig::incarnation.
TEST(Replication, AnAckFromAStandbysEarlierIncarnationDoesNotCount) {
  EngineConfig pc = PrimaryOfOne(ReplicationMode::kSync);
  Node p(pc, 1);
  pc.incarnation = 1;
  auto rep = std::make_unique<ReplicaNode>(pc, 1, 2);
  p.engine->Submit(p.now, {1, Accounts()});
  Outputs first;
  p.Pump(&first);
  for (const Message& m : OfKind(first.messages, MsgKind::kAppend))
    for (const Message& a : rep->Deliver(m, p.now)) p.engine->OnMessage(p.now, a);
  Outputs acked;
  p.Pump(&acked);
  ASSERT_EQ(acked.replies.size(), 1u);
  ASSERT_EQ(p.engine->commit_seq(), 1u);
  p.engine->Submit(p.now, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)}});
  Outputs second;
  p.Pump(&second);
  std::vector<Message> delayed;  // the standby's acks of seq 2, still on the network
  for (const Message& m : OfKind(second.messages, MsgKind::kAppend))
    for (const Message& a : rep->Deliver(m, p.now)) delayed.push_back(a);
  ASSERT_FALSE(delayed.empty());
  EXPECT_EQ(delayed.back().durable_seq, 2u);
  // The standby's disk is replaced; it starts empty and answers a heartbeat.
  pc.incarnation = 2;
  rep = std::make_unique<ReplicaNode>(pc, 1, 3);
  p.now += 2 * pc.heartbeat_us;
  p.engine->Tick(p.now);
  Outputs hb;
  p.Pump(&hb);
  for (const Message& m : OfKind(hb.messages, MsgKind::kAppend))
    for (const Message& a : rep->Deliver(m, p.now)) p.engine->OnMessage(p.now, a);
  // Now the old acknowledgement arrives.
  for (const Message& a : delayed) p.engine->OnMessage(p.now, a);
  Outputs after;
  p.Pump(&after);
  EXPECT_EQ(p.engine->commit_seq(), 1u);
  EXPECT_TRUE(after.replies.empty()) << "acknowledged seq 2 on a copy that is gone";
}

// A standby joining late, behind a primary with a large state that keeps
// writing: the snapshot install (320 kB) takes 16 heartbeats on the link, in
// which the primary writes ~64 records, far more than its record cache (8). It must
// take ONE install and then catch up from the cached records. Before, the
// records after the install's point were evicted by the time it was
// persisted (another install), and an install still on the link was resent
// after 4 heartbeats: 64 installs in 100 ms and the standby never caught up
// (1,780 installs, 22 of them persisted, when heartbeats overtake them).
struct LateJoin {
  uint64_t installs_sent = 0;
  uint64_t installs_persisted = 0;
  uint64_t standby_durable = 0;
  uint64_t primary_last = 0;
  uint64_t max_cache_bytes = 0;  // the primary's record cache, at its largest
};
// fifo: messages leave the link in order (a TCP stream, models/wallet's
// links); otherwise heartbeats overtake the install on its way.
LateJoin RunLateJoin(bool fifo, uint64_t install_cache_bytes_max = uint64_t{256} << 20) {
  EngineConfig pc = PrimaryOfOne(ReplicationMode::kAsync);
  pc.record_cache_max = 8;
  pc.install_cache_bytes_max = install_cache_bytes_max;
  pc.heartbeat_us = 1000;
  Node p(pc, 1);
  p.engine->Submit(p.now, {1, Accounts()});
  for (uint64_t i = 0; i < 2000; ++i)  // the large state, before the standby is there
    p.engine->Submit(p.now, {2 + i, {MakeDeposit(Id128{9, i}, 1, kCur, 1)}});
  Outputs before;
  p.Pump(&before);
  ReplicaNode rep(pc, 1, 2);
  struct InFlight {
    uint64_t at;
    Message m;
  };
  std::vector<InFlight> to_standby, to_primary;
  auto due = [&](std::vector<InFlight>& q) {
    std::vector<Message> now;
    std::erase_if(q, [&](InFlight& f) {
      if (f.at > p.now) return false;
      now.push_back(std::move(f.m));
      return true;
    });
    return now;
  };
  LateJoin r;
  uint64_t link_free_us = 0;
  for (uint64_t step = 0; step < 400; ++step) {  // 100 ms, one deposit every 250 µs
    p.now += 250;
    p.engine->Submit(p.now, {5000 + step, {MakeDeposit(Id128{10, step}, 1, kCur, 1)}});
    p.engine->Tick(p.now);
    Outputs o;
    p.Pump(&o);
    for (Message& m : o.messages) {
      r.installs_sent += m.kind == MsgKind::kInstallSnapshot;
      // 20 bytes per µs: the install takes 16 heartbeats.
      link_free_us = (fifo ? std::max(link_free_us, p.now) : p.now) + 1 + m.payload.size() / 20;
      to_standby.push_back({link_free_us, std::move(m)});
    }
    for (const Message& m : due(to_standby))
      for (Message& a : rep.Deliver(m, p.now)) to_primary.push_back({p.now + 100, std::move(a)});
    for (const Message& a : due(to_primary)) p.engine->OnMessage(p.now, a);
    r.max_cache_bytes = std::max(r.max_cache_bytes, p.engine->record_cache_bytes());
  }
  r.installs_persisted = rep.engine->snapshots_published();
  r.standby_durable = rep.engine->durable_seq();
  r.primary_last = p.engine->last_seq();
  return r;
}

TEST(Replication, ALateStandbyTakesOneInstallThenCatchesUp) {
  const LateJoin in_order = RunLateJoin(true);
  EXPECT_EQ(in_order.installs_sent, 1u);
  EXPECT_EQ(in_order.installs_persisted, 1u);
  EXPECT_GE(in_order.standby_durable + 8, in_order.primary_last)
      << "never caught up: " << in_order.standby_durable << " of " << in_order.primary_last;
  // Heartbeats overtaking the install: resent after 4, then 8 more
  // heartbeats, but the first one to arrive is the only one persisted (the
  // standby has moved past the later ones' point when they arrive).
  const LateJoin overtaken = RunLateJoin(false);
  EXPECT_LE(overtaken.installs_sent, 3u);
  EXPECT_EQ(overtaken.installs_persisted, 1u);
  EXPECT_GE(overtaken.standby_durable + 8, overtaken.primary_last)
      << "never caught up: " << overtaken.standby_durable << " of " << overtaken.primary_last;
}

// The records kept for an installing standby are bounded in bytes too
// (install_cache_bytes_max), not only in records: past the cap the cache
// evicts as usual, whatever the standby then needs.
TEST(Replication, RecordsKeptForAnInstallStayWithinTheByteCap) {
  const LateJoin uncapped = RunLateJoin(true);
  const uint64_t cap = 4096;
  ASSERT_GT(uncapped.max_cache_bytes, cap + RecordSize(1));  // the cap below binds
  const LateJoin capped = RunLateJoin(true, cap);
  EXPECT_LE(capped.max_cache_bytes, cap + RecordSize(1));
  EXPECT_GE(capped.max_cache_bytes, 8 * RecordSize(1));  // record_cache_max is always kept
}

// Eager group commit (close_batch_when_log_idle): with a long batch delay, a
// request at an idle log is still written at once; requests that arrive
// while that record's write+flush are in flight wait, then leave together as
// ONE record the moment the flush completes (no tick, no timer).
TEST(Engine, EagerGroupCommitClosesWhenTheLogGoesIdle) {
  EngineConfig c;
  c.batch_delay_us = 10'000'000;  // the timer alone would hold batches 10 s
  c.close_batch_when_log_idle = true;
  Engine e(c, Role::kPrimary, 1, Recover({}, {}));
  SimDisk disk(1);
  Outputs out;
  e.Submit(1000, {1, Accounts()});
  e.TakeOutputs(&out);
  ASSERT_EQ(out.io.size(), 1u);  // written at once: the log was idle
  const IoRequest first_write = out.io[0];
  EXPECT_EQ(first_write.kind, IoKind::kWrite);
  EXPECT_EQ(e.last_seq(), 1u);
  // Two deposits arrive while record 1 is in flight: they wait.
  e.Submit(1001, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 500)}});
  e.Submit(1002, {3, {MakeDeposit(Id128{9, 2}, 1, kCur, 700)}});
  e.Tick(1003);
  e.TakeOutputs(&out);
  EXPECT_TRUE(out.io.empty());
  EXPECT_EQ(e.last_seq(), 1u);
  e.OnIoComplete(1004, disk.Execute(first_write));
  e.TakeOutputs(&out);
  ASSERT_EQ(out.io.size(), 1u);
  EXPECT_EQ(out.io[0].kind, IoKind::kFlush);
  e.OnIoComplete(1005, disk.Execute(out.io[0]));
  e.TakeOutputs(&out);
  // Request 1 acknowledged; requests 2 and 3 closed as one record (seq 2).
  ASSERT_EQ(out.replies.size(), 1u);
  EXPECT_EQ(out.replies[0].request_id, 1u);
  EXPECT_EQ(e.last_seq(), 2u);
  ASSERT_EQ(out.io.size(), 1u);
  EXPECT_EQ(out.io[0].kind, IoKind::kWrite);
  EXPECT_EQ(out.io[0].bytes.size(), RecordSize(2));
  e.OnIoComplete(1006, disk.Execute(out.io[0]));
  e.TakeOutputs(&out);
  ASSERT_EQ(out.io.size(), 1u);
  e.OnIoComplete(1007, disk.Execute(out.io[0]));
  e.TakeOutputs(&out);
  ASSERT_EQ(out.replies.size(), 2u);
  EXPECT_EQ(out.replies[0].seq, 2u);
  EXPECT_EQ(out.replies[1].seq, 2u);
  EXPECT_EQ(e.ledger().Balance(1, kCur).real_minor, 1200);
}

// Without the option the timer rule stands (spec: a batch closes at N ops,
// B bytes or T µs): nothing is written before batch_delay_us.
TEST(Engine, TimerGroupCommitWaitsForTheDelay) {
  EngineConfig c;
  c.batch_delay_us = 500;
  Engine e(c, Role::kPrimary, 1, Recover({}, {}));
  Outputs out;
  e.Submit(1000, {1, Accounts()});
  e.Tick(1499);
  e.TakeOutputs(&out);
  EXPECT_TRUE(out.io.empty());
  e.Tick(1500);
  e.TakeOutputs(&out);
  ASSERT_EQ(out.io.size(), 1u);
  EXPECT_EQ(out.io[0].kind, IoKind::kWrite);
}

}  // namespace
}  // namespace wallet

namespace wallet {
namespace {

// A damaged newest snapshot may be bypassed only while the log after the
// older snapshot still exists; once that log is recycled, falling back would
// silently lose every record between the two snapshots (swarm seed 1004817:
// a sync standby came back at seq 1 instead of 12 and was promoted).
TEST(Recovery, DamagedSnapshotOverARecycledLogIsDiagnosed) {
  Ledger empty;
  DirImage dir;
  dir[SnapshotName(1)] = EncodeSnapshot(empty, 1, 0, 0, 1);
  std::string newer = EncodeSnapshot(empty, 3, 5, 77, 1);  // at seq 5 (records 1-5 were recycled)
  newer[newer.size() - 1] ^= 0x10;                         // a bit flip at rest
  dir[SnapshotName(3)] = newer;
  dir[SegmentName(3)] = "";
  const RecoveryResult lost = Recover(dir, {});
  EXPECT_FALSE(lost.ok);
  EXPECT_EQ(lost.diagnosis.file, SnapshotName(3));
  EXPECT_NE(lost.diagnosis.what.find("recycled"), std::string::npos) << lost.diagnosis.ToString();
  // With the older snapshot's log still there but nothing after the damaged
  // snapshot, nothing shows that the older log reaches its point (it ends at
  // seq 0, the damaged snapshot's header says 5).
  dir[SegmentName(1)] = "";
  const RecoveryResult unproven = Recover(dir, {});
  EXPECT_FALSE(unproven.ok);
  EXPECT_EQ(unproven.diagnosis.file, SnapshotName(3));
}

// Submits `ops` as one request, then takes a snapshot (I/O run to the end).
void SubmitThenSnapshot(Node& n, uint64_t request, std::vector<Op> ops) {
  Outputs out;
  n.engine->Submit(n.now, {request, std::move(ops)});
  n.Pump(&out);
  n.engine->RequestSnapshot();
  n.engine->Tick(n.now);
  n.Pump(&out);
}

// After a recovery through the older log up to a damaged snapshot's anchor,
// the log goes on in that snapshot's own segment, so the next recovery sees
// the chain run past its point (writing on in the older segment made every
// later recovery a diagnosis: 16 swarm seeds in 180 s of soak).
TEST(Recovery, AfterAnAnchorBypassTheLogGoesOnInTheSnapshotsSegment) {
  Node n;
  Outputs out;
  SubmitThenSnapshot(n, 1, Accounts());
  ASSERT_EQ(n.engine->snapshots_published(), 1u);
  const uint64_t hash_at_snapshot = n.engine->state_hash();
  n.disk.FlipBit(SnapshotName(1), n.disk.Image().at(SnapshotName(1)).size() - 1, 3);
  n.disk.Crash();
  RecoveryResult r = Recover(n.disk.Image(), {});
  ASSERT_TRUE(r.ok) << r.diagnosis.ToString();
  EXPECT_EQ(r.ledger.StateHash(), hash_at_snapshot);
  EXPECT_EQ(r.log_gen, 1u);
  n.engine = std::make_unique<Engine>(n.config, Role::kPrimary, 1, std::move(r));
  n.engine->Submit(n.now, {2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)}});
  n.Pump(&out);
  const uint64_t hash_after = n.engine->state_hash();
  n.disk.Crash();
  const DirImage img = n.disk.Image();
  ASSERT_TRUE(img.count(SegmentName(1)));
  EXPECT_FALSE(img.at(SegmentName(1)).empty());
  const RecoveryResult again = Recover(img, {});
  ASSERT_TRUE(again.ok) << again.diagnosis.ToString();
  EXPECT_EQ(again.last_seq, 2u);
  EXPECT_EQ(again.ledger.StateHash(), hash_after);
}

// A damaged newest snapshot is bypassed only when the hash chain runs from
// the older starting point on into the log written after it.
TEST(Recovery, DamagedSnapshotIsBypassedOnlyWhenTheLogRunsPastIt) {
  Node n;
  Outputs out;
  SubmitThenSnapshot(n, 1, Accounts());
  SubmitThenSnapshot(n, 2, {MakeDeposit(Id128{9, 1}, 1, kCur, 5)});
  ASSERT_EQ(n.engine->snapshots_published(), 2u);
  const uint64_t newest = n.engine->snapshots_published();
  auto flipped = [&](size_t at) {
    DirImage img = n.disk.Image();
    std::string& snap = img[SnapshotName(newest)];
    snap[at < snap.size() ? at : snap.size() - 1] ^= 0x10;
    return img;
  };
  const size_t body_end = SIZE_MAX;                                 // last byte of the body
  const size_t anchor_checksum = offsetof(SnapshotHeader, last_checksum);  // in the header
  // Nothing after the snapshot, and the older log ends exactly at the anchor
  // its (unverified) header records: seq 2, that record's chain checksum and
  // state hash. The state is the snapshot's: recovered, with a warning.
  const RecoveryResult at_anchor = Recover(flipped(body_end), {});
  ASSERT_TRUE(at_anchor.ok) << at_anchor.diagnosis.ToString();
  EXPECT_EQ(at_anchor.last_seq, 2u);
  EXPECT_EQ(at_anchor.ledger.StateHash(), n.engine->state_hash());
  EXPECT_FALSE(at_anchor.warnings.empty());
  // The anchor itself damaged: nothing proves the older log reaches the
  // snapshot's point (an installed snapshot follows an unrelated older log,
  // the previous test), so it is a diagnosis, not a guess.
  const RecoveryResult unproven = Recover(flipped(anchor_checksum), {});
  EXPECT_FALSE(unproven.ok);
  EXPECT_EQ(unproven.diagnosis.file, SnapshotName(newest));
  // A record after it: the chain from the older snapshot runs into it.
  n.engine->Submit(n.now, {3, {MakeDeposit(Id128{9, 2}, 1, kCur, 6)}});
  n.Pump(&out);
  const RecoveryResult kept = Recover(flipped(body_end), {});
  ASSERT_TRUE(kept.ok) << kept.diagnosis.ToString();
  EXPECT_EQ(kept.last_seq, 3u);
  EXPECT_EQ(kept.ledger.StateHash(), n.engine->state_hash());
  EXPECT_FALSE(kept.warnings.empty());
  // A point-in-time restore to a seq inside the older log needs no more.
  DirImage img = flipped(anchor_checksum);
  img.erase(SegmentName(newest));
  RecoveryOptions to1;
  to1.stop_seq = 1;
  const RecoveryResult restored = Recover(img, to1);
  EXPECT_TRUE(restored.ok) << restored.diagnosis.ToString();
  EXPECT_EQ(restored.last_seq, 1u);
}

// A replica accepts a shipped record through DecodeRecord (no allocation)
// exactly when ScanSegment would find one clean record in it: checked for
// every single-bit flip, every truncation, and trailing bytes (zeros, a
// second record), on records of one and three ops.
TEST(Wal, DecodeRecordAcceptsExactlyWhatScanSegmentAcceptsAsOneRecord) {
  auto scan_accepts = [](std::string_view b) {
    const SegmentScan s = ScanSegment(b, std::nullopt, std::nullopt);
    return s.end == SegmentScan::End::kClean && s.records.size() == 1;
  };
  uint64_t checked = 0, accepted = 0;
  auto check = [&](const std::string& b) {
    RecordView v;
    const bool ok = DecodeRecord(b, &v);
    ASSERT_EQ(ok, scan_accepts(b)) << "size " << b.size();
    ++checked;
    if (!ok) return;
    ++accepted;
    const SegmentScan s = ScanSegment(b, std::nullopt, std::nullopt);
    EXPECT_EQ(v.header.header_checksum, s.records[0].header.header_checksum);
    EXPECT_EQ(v.header.seq, s.records[0].header.seq);
    EXPECT_EQ(v.body.data(), s.records[0].body.data());
    EXPECT_EQ(v.body.size(), s.records[0].body.size());
  };
  for (size_t n : {size_t{1}, size_t{3}}) {
    std::vector<Op> ops;
    for (size_t i = 0; i < n; ++i) ops.push_back(MakeDeposit(Id128{9, i + 1}, 1, kCur, 100));
    std::string rec;
    EncodeRecord(ops, 7, 0x1234, 5000, 0x5678, 2, &rec);
    ASSERT_EQ(rec.size(), RecordSize(n));
    check(rec);
    for (size_t at = 0; at < rec.size(); ++at)
      for (int bit = 0; bit < 8; ++bit) {
        std::string b = rec;
        b[at] = static_cast<char>(b[at] ^ (1 << bit));
        check(b);
      }
    for (size_t len = 0; len < rec.size(); ++len) check(rec.substr(0, len));
    check(rec + std::string(16, '\0'));
    check(rec + std::string(1, '\0'));
    std::string next;
    EncodeRecord(ops, 8, 0x9999, 6000, 0x5678, 2, &next);
    check(rec + next);
  }
  EXPECT_EQ(accepted, 2u);  // only the two intact records
  EXPECT_GT(checked, 2u * 8 * 192);
}

}  // namespace
}  // namespace wallet
