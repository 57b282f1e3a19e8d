// The wallet in the loop, standalone: a Simulation, a fixed placement, and
// faults injected by calls. Runs are small (seconds of simulated time, a
// hundred sampled players) so hundreds of seeds stay fast.
#include "models/wallet/wallet_loop.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "models/wallet/patroni_math.h"
#include "wallet-engine/invariants.h"
#include "wallet-engine/wal.h"

namespace rehearsal::models::wallet {
namespace {

using sim::Duration;
using sim::Time;

// A short lease keeps a failover inside a few simulated seconds; every
// other rule (modes, promotion, fencing) is the same as with the defaults.
WalletLoopConfig SmallConfig(ReplicationMode mode, int32_t replicas,
                             std::vector<std::string> zones) {
  WalletLoopConfig c;
  c.replication = mode;
  c.replicas = replicas;
  c.zones = std::move(zones);
  c.players = 10000;
  c.sample_one_in = 100;  // 100 players
  c.bets_per_s = 10000;   // 100 bets/s through the engines
  c.round_time_mean = Duration::Millis(500);
  c.failover.ttl = Duration::Seconds(3);
  c.failover.loop_wait = Duration::Seconds(1);
  c.failover.retry_timeout = Duration::Seconds(1);
  c.failover.promote_time = Duration::Millis(200);
  c.failover.reroute_delay = Duration::Millis(300);
  return c;
}

// Acknowledged ids (as providers saw them) that `ledger` does not hold.
std::set<::wallet::Id128> MissingAcked(const WalletLoop& loop, const ::wallet::Ledger& ledger) {
  std::set<::wallet::Id128> missing;
  for (const AckedOp& a : loop.acked_ops())
    if (ledger.FindEntry(a.id) == nullptr) missing.insert(a.id);
  return missing;
}

TEST(WalletLoop, MovesMoneyAndKeepsEveryInvariant) {
  sim::Simulation sim(7);
  WalletLoop loop(sim, SmallConfig(ReplicationMode::kAsync, 3, {"a", "b", "c"}));
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(20).us});
  loop.Finish();
  const WalletLoopStats& s = loop.stats();
  EXPECT_GT(s.bets, 1500u);
  EXPECT_GT(s.bets_ok, s.bets / 2);
  EXPECT_GT(s.wins, 1000u);
  EXPECT_GT(s.ops_acked, 3000u);
  EXPECT_GT(s.audited_ids, 3000u);
  EXPECT_EQ(s.duplicate_payouts, 0u);
  EXPECT_EQ(s.duplicate_charges, 0u);
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
  ASSERT_NE(loop.ledger(0), nullptr);
  EXPECT_EQ(::wallet::CheckLedgerInvariants(*loop.ledger(0)), "");
}

TEST(WalletLoop, StandbysMatchThePrimaryOnceTrafficStops) {
  sim::Simulation sim(11);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kAsync, 3, {"a", "b", "c"});
  c.bets_per_s_fn = [](Time t) { return t < Time{Duration::Seconds(5).us} ? 10000.0 : 0.0; };
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(60).us});
  loop.Finish();
  // Spec invariant 9: engines at the same sequence number hash the same.
  const uint64_t seq = loop.durable_seq(0);
  EXPECT_GT(seq, 100u);
  for (int32_t i = 1; i < 3; ++i) {
    EXPECT_EQ(loop.durable_seq(i), seq);
    EXPECT_EQ(loop.ledger(i)->StateHash(), loop.ledger(0)->StateHash());
  }
  EXPECT_TRUE(loop.invariants_ok());
}

TEST(WalletLoop, ShortRetentionPrunesIdsAndKeepsReplicasConsistent) {
  sim::Simulation sim(12);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kAsync, 3, {"a", "b", "c"});
  c.idempotency_retention = Duration::Seconds(5);
  c.bets_per_s_fn = [](Time t) { return t < Time{Duration::Seconds(30).us} ? 10000.0 : 0.0; };
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(40).us});
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
  // ~3,000 rounds of ~3 operations went through; only the last 5 s of ids stay.
  EXPECT_GT(loop.stats().ops_acked, 6000u);
  EXPECT_LT(loop.ledger(0)->entry_count(), loop.stats().ops_acked / 3);
  for (int32_t i = 1; i < 3; ++i)
    EXPECT_EQ(loop.ledger(i)->StateHash(), loop.ledger(0)->StateHash());
}

// A log write lands in the page cache at once and its disk time is paid by
// the flush after it (the loop's one kernel event per record and disk): with
// the fsync jitter off, a record the primary closes at T is durable at
// T + disk_write_latency + bytes / disk_bytes_per_s + fsync_latency, as when
// the write was a timed step of its own. Example: 20 us + 300 B at 1 B/us +
// 800 us = T + 1,120 us.
TEST(WalletLoop, ARecordIsDurableAfterItsWriteTimeAndOneFsync) {
  sim::Simulation sim(3);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kAsync, 3, {"a", "b", "c"});
  c.bets_per_s = 200;  // 2 sampled bets/s: one record at a time
  c.fsync_jitter_sigma = 0;
  c.disk_write_latency = Duration::Micros(20);
  c.fsync_latency = Duration::Micros(800);
  c.disk_bytes_per_s = 1e6;  // 1 byte per microsecond
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(1).us});
  int records = 0;
  while (records < 5 && sim.now() < Time{Duration::Seconds(30).us}) {
    const ::wallet::Engine* e = loop.engine(0);
    ASSERT_EQ(e->last_seq(), e->durable_seq());
    const uint64_t used_before = loop.disk(0)->UsedBytes();
    ASSERT_TRUE(sim.Step());
    if (e->last_seq() == e->durable_seq()) continue;
    // The batch closed in this event at T; its write went out with it.
    const Time closed = sim.now();
    const uint64_t seq = e->last_seq();
    while (e->durable_seq() < seq) ASSERT_TRUE(sim.Step());
    EXPECT_EQ(e->last_seq(), seq) << "another record closed meanwhile";
    const auto bytes = static_cast<int64_t>(loop.disk(0)->UsedBytes() - used_before);
    EXPECT_GT(bytes, 100);
    EXPECT_EQ((sim.now() - closed).us, 20 + bytes + 800) << "record " << seq;
    ++records;
  }
  EXPECT_EQ(records, 5);
  EXPECT_TRUE(loop.invariants_ok());
}

// Issue 7: sync mode, k = 1 standby in another zone; a zone outage of the
// primary loses zero acknowledged transfers, over >= 200 seeds.
TEST(WalletLoop, SyncModeZoneOutageLosesNothingOver200Seeds) {
  int failovers = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    sim::Simulation sim(seed);
    WalletLoopConfig c = SmallConfig(ReplicationMode::kSync, 2, {"a", "b"});
    c.bets_per_s = 5000;
    c.replication_latency = Duration::Millis(1 + static_cast<int64_t>(seed % 20));
    WalletLoop loop(sim, c);
    loop.set_keep_acked_ids(true);
    std::set<::wallet::Id128> missing_at_promotion;
    bool promoted = false;
    loop.set_promotion_observer([&](const FailoverRecord& rec) {
      promoted = true;
      missing_at_promotion = MissingAcked(loop, *loop.ledger(rec.new_primary));
    });
    loop.StartStandalone();
    sim.RunUntil(Time{Duration::Millis(1500 + static_cast<int64_t>(seed * 37 % 1000)).us});
    loop.FailZone("a");
    sim.RunUntil(Time{Duration::Seconds(12).us});
    loop.Finish();
    ASSERT_EQ(loop.failovers().size(), 1u) << "seed " << seed;
    const FailoverRecord& rec = loop.failovers()[0];
    ASSERT_TRUE(promoted) << "seed " << seed;
    EXPECT_EQ(rec.new_primary, 1);
    EXPECT_EQ(rec.rpo_transfers, 0) << "seed " << seed;
    EXPECT_TRUE(missing_at_promotion.empty()) << "seed " << seed;
    EXPECT_TRUE(rec.completed()) << "seed " << seed;
    EXPECT_TRUE(loop.invariants_ok()) << "seed " << seed << ": " << loop.violations().front();
    failovers += rec.completed() ? 1 : 0;
  }
  EXPECT_EQ(failovers, 200);
}

TEST(WalletLoop, QuorumModeZoneOutageLosesNothing) {
  for (uint64_t seed = 1; seed <= 40; ++seed) {
    sim::Simulation sim(seed);
    WalletLoopConfig c = SmallConfig(ReplicationMode::kQuorum, 3, {"a", "b", "c"});
    c.replication_latency = Duration::Millis(5);
    WalletLoop loop(sim, c);
    loop.set_keep_acked_ids(true);
    std::set<::wallet::Id128> missing;
    loop.set_promotion_observer(
        [&](const FailoverRecord& rec) { missing = MissingAcked(loop, *loop.ledger(rec.new_primary)); });
    loop.StartStandalone();
    sim.RunUntil(Time{Duration::Millis(2000 + static_cast<int64_t>(seed * 53 % 1000)).us});
    loop.FailZone("a");
    sim.RunUntil(Time{Duration::Seconds(12).us});
    loop.Finish();
    ASSERT_EQ(loop.failovers().size(), 1u);
    EXPECT_EQ(loop.failovers()[0].rpo_transfers, 0) << "seed " << seed;
    EXPECT_TRUE(missing.empty()) << "seed " << seed;
    EXPECT_TRUE(loop.invariants_ok()) << "seed " << seed;
  }
}

// Async mode loses exactly the acknowledged suffix the standby had not
// received: the reported count equals an independent count of
// provider-acknowledged ids the promoted engine lacks, id for id.
TEST(WalletLoop, AsyncModeLosesExactlyTheUnreceivedAcknowledgedSuffix) {
  int64_t total_lost = 0;
  for (uint64_t seed = 1; seed <= 30; ++seed) {
    sim::Simulation sim(seed);
    WalletLoopConfig c = SmallConfig(ReplicationMode::kAsync, 2, {"a", "b"});
    c.bets_per_s = 40000;                             // 400 bets/s through the engines
    c.replication_latency = Duration::Millis(40);     // a far standby
    WalletLoop loop(sim, c);
    loop.set_keep_acked_ids(true);
    std::set<::wallet::Id128> missing;
    uint64_t standby_seq = 0;
    loop.set_promotion_observer([&](const FailoverRecord& rec) {
      missing = MissingAcked(loop, *loop.ledger(rec.new_primary));
      standby_seq = loop.durable_seq(rec.new_primary);
    });
    loop.StartStandalone();
    sim.RunUntil(Time{Duration::Millis(2000 + static_cast<int64_t>(seed * 71 % 1000)).us});
    loop.FailPrimary("test");
    sim.RunUntil(Time{Duration::Seconds(10).us});
    loop.Finish();
    ASSERT_EQ(loop.failovers().size(), 1u);
    const FailoverRecord& rec = loop.failovers()[0];
    // The engines' count (Engine::ComputePromotionLoss) equals the providers'
    // count, made independently inside the loop and here by the test.
    EXPECT_EQ(rec.rpo_transfers, static_cast<int64_t>(missing.size())) << "seed " << seed;
    EXPECT_EQ(rec.rpo_transfers_provider, rec.rpo_transfers) << "seed " << seed;
    EXPECT_EQ(std::set<::wallet::Id128>(rec.lost_ids.begin(), rec.lost_ids.end()), missing)
        << "seed " << seed;
    EXPECT_EQ(rec.new_primary_seq, standby_seq);
    EXPECT_LE(rec.new_primary_seq, rec.old_primary_seq);
    // The lost operations were acknowledged within the last replication
    // delay (40 ms) plus an fsync before the failure.
    if (rec.rpo_transfers > 0) {
      EXPECT_LT(rec.rpo_s, 0.1) << "seed " << seed;
    }
    total_lost += rec.rpo_transfers;
    EXPECT_TRUE(loop.invariants_ok()) << "seed " << seed << ": " << loop.violations().front();
  }
  EXPECT_GT(total_lost, 30);  // ~40 ms of 400 ops/s in flight per failure
}

FailoverRecord NodeLossRecord(uint64_t seed, FailoverConfig failover) {
  sim::Simulation sim(seed);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kAsync, 3, {"a", "b", "c"});
  c.bets_per_s = 5000;
  c.failover = failover;
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(30).us + static_cast<int64_t>(seed * 7919 % 10000) * 1000});
  loop.FailNode(1);  // pod 0 (the primary) is on node 1
  sim.RunUntil(Time{Duration::Seconds(100).us});
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok());
  EXPECT_EQ(loop.failovers().size(), 1u);
  return loop.failovers().empty() ? FailoverRecord{} : loop.failovers()[0];
}

// Issue 7: with Patroni's defaults the RTO after a node loss is the 20-40 s
// detection window plus election, promotion and re-routing; a shorter lease
// shortens it as its own window predicts.
TEST(WalletLoop, RtoWithDefaultPatroniSettingsAndWithAShorterLease) {
  FailoverConfig defaults;
  FailoverConfig short_lease;
  short_lease.ttl = Duration::Seconds(10);
  short_lease.loop_wait = Duration::Seconds(3);
  short_lease.retry_timeout = Duration::Seconds(3);
  double sum_default = 0, sum_short = 0, min_det = 1e9, max_det = 0;
  const int kSeeds = 12;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    for (const auto& [cfg, sum] : {std::pair{defaults, &sum_default}, {short_lease, &sum_short}}) {
      const FailoverRecord r = NodeLossRecord(seed, cfg);
      ASSERT_TRUE(r.completed()) << "seed " << seed;
      const DetectionWindow w = DetectionBounds(cfg);
      const Duration detection = r.detected_at - r.failed_at;
      EXPECT_GE(detection, w.min) << "seed " << seed;
      EXPECT_LE(detection, w.max) << "seed " << seed;
      const Duration election = r.leader_key_at - r.detected_at;
      EXPECT_LE(election, cfg.dcs_round_trip + Duration::Millis(10));
      const Duration catchup = r.promoted_at - r.leader_key_at;
      EXPECT_GE(catchup, cfg.promote_time);
      EXPECT_LE(catchup, cfg.promote_time + Duration::Millis(50));
      const Duration reroute = r.first_ack_at - r.promoted_at;
      EXPECT_GE(reroute, cfg.reroute_delay);
      EXPECT_LE(reroute, cfg.reroute_delay + Duration::Millis(500));  // next write at 50/s
      const Duration rto = r.first_ack_at - r.failed_at;
      EXPECT_EQ(rto, detection + election + catchup + reroute);
      EXPECT_LE(rto, w.max + cfg.promote_time + cfg.reroute_delay + Duration::Seconds(1));
      *sum += rto.seconds();
      if (cfg.ttl == defaults.ttl) {
        min_det = std::min(min_det, detection.seconds());
        max_det = std::max(max_det, detection.seconds());
      }
    }
  }
  // Means: defaults ~30 + 3 s, short lease ~10 + 3 s.
  EXPECT_NEAR(sum_default / kSeeds, 33.0, 5.0);
  EXPECT_NEAR(sum_short / kSeeds, 13.0, 2.5);
  EXPECT_GT(max_det - min_det, 5.0);  // the phase of the loops matters
}

TEST(WalletLoop, ManagedProfileFailsOverWithinItsDistribution) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    sim::Simulation sim(seed);
    WalletLoopConfig c = SmallConfig(ReplicationMode::kSync, 2, {"a", "b"});
    c.bets_per_s = 2000;
    c.failover = FailoverConfig{};
    c.failover.managed = true;
    WalletLoop loop(sim, c);
    loop.StartStandalone();
    sim.RunUntil(Time{Duration::Seconds(5).us});
    loop.FailPrimary();
    sim.RunUntil(Time{Duration::Seconds(140).us});
    loop.Finish();
    ASSERT_EQ(loop.failovers().size(), 1u);
    const FailoverRecord& r = loop.failovers()[0];
    ASSERT_TRUE(r.completed());
    const double promoted_s = (r.promoted_at - r.failed_at).seconds();
    EXPECT_GE(promoted_s, 60.0);
    EXPECT_LE(promoted_s, 120.1);
    EXPECT_EQ(r.rpo_transfers, 0);
  }
}

// Providers retry a timed-out callback with the SAME transaction id: the
// engine answers `exists` and nobody is charged or paid twice. With the
// anti-pattern (a fresh key per retry) the same slow disk pays twice.
WalletLoopStats SlowDiskRun(bool fresh_keys, uint64_t seed) {
  sim::Simulation sim(seed);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kAsync, 1, {"a"});
  c.retry_with_fresh_key = fresh_keys;
  c.bets_per_s = 2000;
  c.win_probability = 0.9;
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(2).us});
  // fsync takes 1.2 s for 6 s: replies come after the provider's 1 s retry.
  loop.SlowDisk(0, Duration::Millis(1200), Duration::Seconds(6));
  sim.RunUntil(Time{Duration::Seconds(30).us});
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
  return loop.stats();
}

TEST(WalletLoop, ProviderRetriesWithTheSameKeyNeverPayTwice) {
  const WalletLoopStats s = SlowDiskRun(false, 3);
  EXPECT_GT(s.retries, 20u);
  EXPECT_GT(s.duplicates_rejected, 10u);
  EXPECT_GT(s.slow_replies, 20u);
  EXPECT_EQ(s.duplicate_payouts, 0u);
  EXPECT_EQ(s.duplicate_charges, 0u);
}

TEST(WalletLoop, AntiPatternFreshKeysPayTwice) {
  const WalletLoopStats s = SlowDiskRun(true, 3);
  EXPECT_GT(s.retries, 20u);
  EXPECT_GT(s.duplicate_payouts, 0u);
  EXPECT_GT(s.duplicate_payouts + s.duplicate_charges, 5u);
}

TEST(WalletLoop, SameSeedSameDigestEnginesIncluded) {
  auto run = [](uint64_t seed) {
    sim::Simulation sim(seed);
    WalletLoop loop(sim, SmallConfig(ReplicationMode::kAsync, 3, {"a", "b", "c"}));
    loop.StartStandalone();
    sim.RunUntil(Time{Duration::Seconds(3).us});
    loop.FailZone("a");
    sim.RunUntil(Time{Duration::Seconds(15).us});
    loop.Finish();
    RunSummary summary;
    loop.Summarize(summary);
    return std::pair{sim.digest(), summary.wallet.state_hash};
  };
  const auto a = run(42), b = run(42), c = run(43);
  EXPECT_EQ(a, b);
  EXPECT_NE(a.first, c.first);
  EXPECT_NE(a.second, c.second);
  EXPECT_FALSE(a.second.empty());
}

TEST(WalletLoop, SummaryCarriesTheFailoverSplit) {
  sim::Simulation sim(5);
  WalletLoop loop(sim, SmallConfig(ReplicationMode::kSync, 3, {"a", "b", "c"}));
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(3).us});
  loop.FailZone("a");
  sim.RunUntil(Time{Duration::Seconds(15).us});
  loop.Finish();
  RunSummary s;
  loop.Summarize(s);
  EXPECT_TRUE(s.wallet.enabled);
  EXPECT_EQ(s.wallet.replication, "sync");
  EXPECT_TRUE(s.wallet.invariants_ok);
  ASSERT_EQ(s.wallet.failovers.size(), 1u);
  const FailoverSummary& f = s.wallet.failovers[0];
  EXPECT_NEAR(f.rto_s, f.detection_s + f.election_s + f.catchup_s + f.reroute_s, 1e-6);
  EXPECT_EQ(f.rpo_transfers, 0);
  EXPECT_GT(s.wallet.transfers, 0u);
  EXPECT_NE(s.wallet.sampling.find("1 in 100"), std::string::npos);
  bool logged = false;
  for (const auto& r : sim.recorder().log()) logged = logged || r.kind == "WalletFailover";
  EXPECT_TRUE(logged);
}

TEST(WalletLoop, ClusterEndpointsBootstrapReseedAndFailOver) {
  sim::Simulation sim(9);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kSync, 3, {"a", "b", "c"});
  WalletLoop loop(sim, c);
  loop.StartTraffic();
  auto ready = [&](PodId pod, NodeId node, const std::string& zone) {
    EndpointInfo e;
    e.pod = pod;
    e.node = node;
    e.zone = zone;
    e.service = "wallet";
    loop.OnEndpointChange(e, EndpointChange::kReady, sim.now());
    return e;
  };
  const EndpointInfo p0 = ready(11, 1, "a");
  sim.RunUntil(Time{Duration::Seconds(1).us});
  ready(12, 2, "b");
  ready(13, 3, "c");
  EndpointInfo other = p0;
  other.service = "gaming-api";
  loop.OnEndpointChange(other, EndpointChange::kKilled, sim.now());  // not ours
  sim.RunUntil(Time{Duration::Seconds(4).us});
  EXPECT_EQ(loop.pods(), 3);
  EXPECT_EQ(loop.primary(), 0);
  EXPECT_EQ(loop.stats().reseeds, 2u);
  loop.OnEndpointChange(p0, EndpointChange::kKilled, sim.now());
  sim.RunUntil(Time{Duration::Seconds(15).us});
  ready(14, 4, "a");  // the StatefulSet brings wallet-0 back: a new standby
  sim.RunUntil(Time{Duration::Seconds(20).us});
  loop.Finish();
  ASSERT_EQ(loop.failovers().size(), 1u);
  EXPECT_TRUE(loop.failovers()[0].completed());
  EXPECT_EQ(loop.failovers()[0].rpo_transfers, 0);
  EXPECT_EQ(loop.pods(), 4);
  EXPECT_EQ(loop.stats().reseeds, 3u);
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

// A warm start: the three pods were a running replica set before the
// rehearsal, so every member holds the genesis base backup and no standby
// needs a snapshot install (with 200,000 players an install is tens of MB per
// standby); the standbys follow the primary from the first record on.
TEST(WalletLoop, PreexistingMembersStartFromTheBaseBackupWithoutReseed) {
  sim::Simulation sim(9);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kSync, 3, {"a", "b", "c"});
  WalletLoop loop(sim, c);
  for (PodId pod = 11; pod <= 13; ++pod) {
    EndpointInfo e;
    e.pod = pod;
    e.node = pod - 10;
    e.zone = std::string(1, static_cast<char>('a' + (pod - 11)));
    e.service = "wallet";
    e.preexisting = true;
    loop.OnEndpointChange(e, EndpointChange::kReady, sim.now());
  }
  loop.StartTraffic();
  sim.RunUntil(Time{Duration::Seconds(20).us});
  loop.Finish();
  EXPECT_EQ(loop.pods(), 3);
  EXPECT_EQ(loop.primary(), 0);
  EXPECT_EQ(loop.stats().reseeds, 0u);
  EXPECT_GT(loop.stats().ops_acked, 0u);
  EXPECT_TRUE(loop.invariants_ok());
}

TEST(WalletLoop, PartitionStallsSyncWritesAndHealsWithoutLoss) {
  sim::Simulation sim(4);
  WalletLoopConfig c = SmallConfig(ReplicationMode::kSync, 2, {"a", "b"});
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(2).us});
  const uint64_t acked_before = loop.stats().ops_acked;
  loop.Partition("a", "b", Duration::Seconds(5));
  sim.RunUntil(Time{Duration::Seconds(6).us});
  // Sync writes wait for the standby: nothing new is acknowledged (beyond
  // what was already on its way) while the link is cut.
  EXPECT_LE(loop.stats().ops_acked, acked_before + 50);
  sim.RunUntil(Time{Duration::Seconds(20).us});
  loop.Finish();
  EXPECT_GT(loop.stats().ops_acked, acked_before + 500);
  EXPECT_GT(loop.stats().bets_rolled_back, 0u);
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

}  // namespace
}  // namespace rehearsal::models::wallet

namespace rehearsal::models::wallet {
namespace {

using sim::Duration;
using sim::Time;

WalletLoopConfig EngineConfigFor(ReplicationMode mode, int32_t replicas, std::vector<std::string> zones) {
  WalletLoopConfig c;
  c.replication = mode;
  c.replicas = replicas;
  c.zones = std::move(zones);
  c.players = 10000;
  c.sample_one_in = 100;
  c.bets_per_s = 10000;
  c.round_time_mean = Duration::Millis(500);
  c.failover.ttl = Duration::Seconds(3);
  c.failover.loop_wait = Duration::Seconds(1);
  c.failover.retry_timeout = Duration::Seconds(1);
  c.failover.promote_time = Duration::Millis(200);
  c.failover.reroute_delay = Duration::Millis(300);
  return c;
}

// Stops the bets at `stop` so standbys can catch up before the end.
void StopBetsAt(WalletLoopConfig& c, Time stop) {
  const double rate = c.bets_per_s;
  c.bets_per_s_fn = [rate, stop](Time t) { return t < stop ? rate : 0.0; };
}

// Issue 7: bets refused or rolled back during the outage, per failure. The
// providers' bets reach no primary between the failure and the re-routing
// (10 s lease + election + promotion + 300 ms), so bets whose 3-5 s deadline
// falls inside it are rolled back and counted on that failover.
TEST(WalletLoopEngine, FailoverCountsBetsRolledBackDuringTheOutage) {
  sim::Simulation sim(21);
  WalletLoopConfig c = EngineConfigFor(ReplicationMode::kAsync, 3, {"a", "b", "c"});
  c.failover.ttl = Duration::Seconds(10);  // detection 7-13 s: longer than the 3-5 s bet deadline
  c.failover.loop_wait = Duration::Seconds(3);
  c.failover.retry_timeout = Duration::Seconds(3);
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(3).us});
  const uint64_t rolled_before = loop.stats().bets_rolled_back;
  loop.FailPrimary("test");
  sim.RunUntil(Time{Duration::Seconds(20).us});
  loop.Finish();
  ASSERT_EQ(loop.failovers().size(), 1u);
  const FailoverRecord& r = loop.failovers()[0];
  ASSERT_TRUE(r.completed());
  EXPECT_GT((r.first_ack_at - r.failed_at).seconds(), 7.0);
  EXPECT_GT(r.bets_rolled_back, 10u);
  EXPECT_LE(r.bets_rolled_back, loop.stats().bets_rolled_back - rolled_before);
  RunSummary s;
  loop.Summarize(s);
  ASSERT_EQ(s.wallet.failovers.size(), 1u);
  EXPECT_EQ(s.wallet.failovers[0].bets_rolled_back, r.bets_rolled_back);
  EXPECT_EQ(s.wallet.failovers[0].bets_refused, r.bets_refused);
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

// A pod restarted before anyone noticed (power loss, 0.5 s < 3 s lease)
// recovers from its own disk and leads again: recovery keeps every
// acknowledged operation (acknowledged => durable), so nothing is lost.
TEST(WalletLoopEngine, PrimaryRestartedFromItsDiskLosesNothing) {
  for (uint64_t seed = 1; seed <= 10; ++seed) {
    sim::Simulation sim(seed);
    WalletLoop loop(sim, EngineConfigFor(ReplicationMode::kAsync, 2, {"a", "b"}));
    loop.set_keep_acked_ids(true);
    loop.StartStandalone();
    sim.RunUntil(Time{Duration::Millis(2000 + static_cast<int64_t>(seed * 97 % 1000)).us});
    loop.CrashPod(0, Duration::Millis(500));
    sim.RunUntil(Time{Duration::Seconds(10).us});
    loop.Finish();
    ASSERT_EQ(loop.failovers().size(), 1u);
    const FailoverRecord& r = loop.failovers()[0];
    EXPECT_EQ(r.new_primary, 0) << "seed " << seed;
    EXPECT_TRUE(r.completed()) << "seed " << seed;
    EXPECT_EQ(r.rpo_transfers, 0) << "seed " << seed;
    EXPECT_EQ(r.rpo_transfers_provider, 0) << "seed " << seed;
    EXPECT_EQ(loop.stats().engine_restarts, 1u);
    EXPECT_EQ(MissingAcked(loop, *loop.ledger(0)).size(), 0u) << "seed " << seed;
    EXPECT_TRUE(loop.invariants_ok()) << "seed " << seed << ": " << loop.violations().front();
  }
}

struct FaultRun {
  WalletLoopStats stats;
  size_t failovers = 0;
  bool ok = false;
  std::string first_violation;
  bool replicas_equal = false;
};

// Injects `fault` into pod `target` at 2 s, optionally crashes it at 3 s
// (so recovery reads the damage), stops bets at 15 s, ends at 25 s.
FaultRun RunWithDiskFault(uint64_t seed, int32_t target, DiskFault fault, bool crash_after) {
  sim::Simulation sim(seed);
  WalletLoopConfig c = EngineConfigFor(ReplicationMode::kAsync, 3, {"a", "b", "c"});
  c.restart_delay = Duration::Seconds(2);
  StopBetsAt(c, Time{Duration::Seconds(15).us});
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(2).us});
  loop.DamageDisk(target, fault);
  sim.RunUntil(Time{Duration::Seconds(3).us});
  if (crash_after) loop.CrashPod(target, Duration::Millis(500));
  sim.RunUntil(Time{Duration::Seconds(25).us});
  loop.Finish();
  FaultRun out;
  out.stats = loop.stats();
  out.failovers = loop.failovers().size();
  out.ok = loop.invariants_ok();
  if (!out.ok) out.first_violation = loop.violations().front();
  out.replicas_equal = loop.primary() >= 0;
  for (int32_t i = 0; i < loop.pods() && out.replicas_equal; ++i)
    out.replicas_equal = loop.engine(i) != nullptr &&
                         loop.engine(i)->state_hash() == loop.engine(loop.primary())->state_hash();
  return out;
}

TEST(WalletLoopEngine, TornWritesAtPowerLossAreCutAndThePodRejoins) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const FaultRun r = RunWithDiskFault(seed, 0, DiskFault::kTornWrite, false);
    EXPECT_EQ(r.stats.disk_faults, 1u);
    EXPECT_EQ(r.stats.engine_restarts, 1u);
    EXPECT_EQ(r.stats.recoveries_failed, 0u) << "seed " << seed;  // a torn tail is not damage
    EXPECT_TRUE(r.ok) << "seed " << seed << ": " << r.first_violation;
    EXPECT_TRUE(r.replicas_equal) << "seed " << seed;  // all three engines converge
  }
}

TEST(WalletLoopEngine, FsyncErrorStopsTheEngineWhichRecoversFromItsDisk) {
  const FaultRun r = RunWithDiskFault(3, 0, DiskFault::kFsyncError, false);
  EXPECT_EQ(r.stats.engine_failures, 1u);  // spec: a failed fdatasync is fatal for the log
  EXPECT_EQ(r.stats.engine_restarts, 1u);
  EXPECT_EQ(r.stats.recoveries_failed, 0u);
  EXPECT_EQ(r.failovers, 1u);
  EXPECT_TRUE(r.ok) << r.first_violation;
  EXPECT_TRUE(r.replicas_equal);
}

TEST(WalletLoopEngine, FullDiskStopsTheEngineAndTheGrownVolumeRecovers) {
  const FaultRun r = RunWithDiskFault(4, 1, DiskFault::kFullDisk, false);
  EXPECT_EQ(r.stats.engine_failures, 1u);
  EXPECT_EQ(r.stats.engine_restarts, 1u);
  EXPECT_EQ(r.failovers, 0u);  // a standby's disk: the primary carries on
  EXPECT_TRUE(r.ok) << r.first_violation;
  EXPECT_TRUE(r.replicas_equal);
}

// A lost write or a bit flip is silent until recovery reads the log: the
// restart diagnoses it (file, offset, what), the disk is wiped and the
// standby re-seeded from the primary by a snapshot install.
TEST(WalletLoopEngine, LostWritesAndBitFlipsAreDiagnosedAtRecoveryAndReseeded) {
  for (DiskFault fault : {DiskFault::kLostWrite, DiskFault::kBitFlip}) {
    const FaultRun r = RunWithDiskFault(5, 1, fault, true);
    EXPECT_EQ(r.stats.engine_restarts, 1u) << ToString(fault);
    EXPECT_EQ(r.stats.recoveries_failed, 1u) << ToString(fault);
    EXPECT_GE(r.stats.reseeds, 1u) << ToString(fault);
    EXPECT_TRUE(r.ok) << ToString(fault) << ": " << r.first_violation;
    EXPECT_TRUE(r.replicas_equal) << ToString(fault);
  }
}

// Issue 7 / spec PITR: a restore to time T from the archive (snapshot +
// archived log) reproduces the state hash the primary's own log recorded at
// T; a restore from the last archive loses exactly the acknowledged
// operations after that archive copy (at most one archive interval's worth).
TEST(WalletLoopEngine, PointInTimeRestoreMatchesTheLogAndLosesOneArchiveInterval) {
  sim::Simulation sim(8);
  WalletLoopConfig c = EngineConfigFor(ReplicationMode::kAsync, 2, {"a", "b"});
  c.snapshot_interval = Duration::Seconds(5);
  c.archive_interval = Duration::Seconds(2);
  c.restore_bytes_per_s = 1e6;
  WalletLoop loop(sim, c);
  loop.set_keep_acked_ids(true);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Millis(13500).us});
  ASSERT_EQ(loop.last_archive_at(), Time{Duration::Seconds(12).us});
  EXPECT_GE(loop.stats().snapshots, 2u);

  // 1. Restore to T = 7.3 s; find the record at T in the primary's own log.
  const Time target{Duration::Millis(7300).us};
  const PitrResult pitr = loop.RestoreFromBackup(target);
  ASSERT_TRUE(pitr.ok) << pitr.diagnosis;
  uint64_t want_seq = 0, want_hash = 0;
  const ::wallet::DirImage image = loop.disk(loop.primary())->Image();
  for (const auto& [name, bytes] : image) {
    uint64_t gen = 0;
    if (!::wallet::ParseSegmentName(name, &gen)) continue;
    const ::wallet::SegmentScan scan = ::wallet::ScanSegment(bytes, std::nullopt, std::nullopt);
    for (const auto& rec : scan.records)
      if (rec.header.timestamp <= static_cast<uint64_t>(target.us) * 1000 + 999 && rec.header.seq > want_seq) {
        want_seq = rec.header.seq;
        want_hash = rec.header.state_hash;
      }
  }
  ASSERT_GT(want_seq, 1u);
  EXPECT_EQ(pitr.seq, want_seq);
  EXPECT_EQ(pitr.recorded_state_hash, want_hash);
  EXPECT_EQ(pitr.state_hash, want_hash);
  EXPECT_EQ(::wallet::CheckLedgerInvariants(pitr.ledger), "");
  EXPECT_NEAR(pitr.restore_s, static_cast<double>(pitr.archive_bytes) / 1e6, 1e-9);

  // 2. Restore from the last archive (12 s) at 13.5 s: what is missing is the
  // acknowledged operations after the archive copy, and only those.
  const PitrResult latest = loop.RestoreFromBackup(sim.now());
  ASSERT_TRUE(latest.ok) << latest.diagnosis;
  const Time archived = loop.last_archive_at();
  size_t missing = 0, acked_after = 0, acked_well_after = 0;
  for (const AckedOp& a : loop.acked_ops()) {
    const bool held = latest.ledger.FindEntry(a.id) != nullptr;
    if (a.at <= archived) {
      EXPECT_TRUE(held) << "acknowledged before the archive copy, missing";
    }
    if (a.at > archived) ++acked_after;
    if (a.at > archived + Duration::Millis(20)) {
      ++acked_well_after;
      EXPECT_FALSE(held);
    }
    missing += held ? 0 : 1;
  }
  EXPECT_GT(missing, 100u);  // ~1.5 s of ~250 ops/s
  EXPECT_LE(missing, acked_after);
  EXPECT_GE(missing, acked_well_after);
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

// Async replication with snapshots every 10 s and archive copies every 2 s:
// the schedule the snapshot and archive tests below run on.
WalletLoopConfig SnapshottingConfig(int32_t replicas, std::vector<std::string> zones) {
  WalletLoopConfig c = EngineConfigFor(ReplicationMode::kAsync, replicas, std::move(zones));
  c.snapshot_interval = Duration::Seconds(10);
  c.archive_interval = Duration::Seconds(2);
  return c;
}

// Issue 7: what a run holds is bounded by the snapshot schedule, not by the
// run's length. Steady traffic (~250 ops/s), snapshots every 10 s, archive
// copies every 2 s, ids kept 10 s (a ledger of constant size): every pod
// keeps two snapshots and the log since the older one, the archive
// backups_kept snapshots and the log since the oldest. Standbys that never
// took a snapshot kept their whole log (and the primary every snapshot):
// ~1 GB for a day at 1/100, growing linearly.
TEST(WalletLoopEngine, HeldBytesAreBoundedByTheSnapshotIntervalNotTheRunLength) {
  sim::Simulation sim(9);
  WalletLoopConfig c = SnapshottingConfig(3, {"a", "b", "c"});
  c.idempotency_retention = Duration::Seconds(10);
  c.restart_delay = Duration::Seconds(1);
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  auto used = [&] {
    uint64_t u = 0;
    for (int32_t i = 0; i < loop.pods(); ++i) u += loop.disk(i)->UsedBytes();
    return u;
  };
  // Same phase of the schedule (5 s after a snapshot, its older files recycled).
  sim.RunUntil(Time{Duration::Seconds(65).us});
  const uint64_t ops_t = loop.stats().ops_acked, used_t = used();
  const WalletHeldBytes held_t = loop.held_bytes();
  sim.RunUntil(Time{Duration::Seconds(185).us});
  const uint64_t ops_3t = loop.stats().ops_acked, used_3t = used();
  const WalletHeldBytes held_3t = loop.held_bytes();
  EXPECT_GT(ops_3t, 2 * ops_t + 10000);  // the traffic went on: three times the operations
  EXPECT_LE(used_3t, used_t + used_t / 4);
  EXPECT_LE(held_3t.total(), held_t.total() + held_t.total() / 2);
  // Allocations follow the bytes (a buffer at most doubles its content):
  // recycled files hold nothing.
  EXPECT_LE(held_3t.disks, 2 * used_3t + (64u << 10));
  // Every pod, standbys included, holds exactly two snapshots; the log
  // before the older one is recycled.
  for (int32_t i = 0; i < loop.pods(); ++i) {
    std::vector<uint64_t> snaps, segments;
    loop.disk(i)->ForEachDurable([&](const std::string& name, std::string_view bytes, uint64_t) {
      uint64_t gen = 0;
      if (bytes.empty()) return;
      if (::wallet::ParseSnapshotName(name, &gen)) snaps.push_back(gen);
      if (::wallet::ParseSegmentName(name, &gen)) segments.push_back(gen);
    });
    ASSERT_EQ(snaps.size(), 2u) << "pod " << i;
    for (uint64_t gen : segments) EXPECT_GE(gen, std::min(snaps[0], snaps[1])) << "pod " << i;
  }
  // What the recycled disks and the archive still serve: a standby restarted
  // from its own disk, a point-in-time restore inside the archive's window.
  loop.CrashPod(1, Duration::Seconds(1));
  sim.RunUntil(Time{Duration::Seconds(195).us});
  EXPECT_EQ(loop.stats().engine_restarts, 1u);
  EXPECT_EQ(loop.stats().recoveries_failed, 0u);
  const PitrResult pitr = loop.RestoreFromBackup(Time{Duration::Seconds(183).us});
  ASSERT_TRUE(pitr.ok) << pitr.diagnosis;
  EXPECT_EQ(pitr.state_hash, pitr.recorded_state_hash);
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

// An archive keeping more base backups than the pods (backups_kept 3, pods
// keep two snapshots) still restores inside its whole window: the log the
// pods recycled stays archived (an emptied file is not copied over it).
TEST(WalletLoopEngine, ArchiveKeepsTheLogThePodsRecycled) {
  sim::Simulation sim(10);
  WalletLoopConfig c = SnapshottingConfig(2, {"a", "b"});
  c.backups_kept = 3;
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(65).us});
  // Snapshots at 40, 50 and 60 s are archived; the pods recycled the log
  // written between 40 and 50 s.
  const Time target{Duration::Seconds(45).us};
  const PitrResult pitr = loop.RestoreFromBackup(target);
  ASSERT_TRUE(pitr.ok) << pitr.diagnosis;
  EXPECT_EQ(pitr.state_hash, pitr.recorded_state_hash);
  EXPECT_GT(pitr.ledger.last_timestamp(), static_cast<uint64_t>(Duration::Millis(44900).us) * 1000);
  EXPECT_LE(pitr.ledger.last_timestamp(), static_cast<uint64_t>(target.us) * 1000 + 999);
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

// After a failover the archive follows the new primary: its own snapshots
// (every pod takes them, in step with the old primary's generations) and
// log; restores across the failover reproduce the recorded states.
TEST(WalletLoopEngine, ArchiveFollowsTheNewPrimaryAfterAFailover) {
  sim::Simulation sim(11);
  WalletLoopConfig c = SnapshottingConfig(3, {"a", "b", "c"});
  c.backups_kept = 6;  // the window reaches back before the failover
  WalletLoop loop(sim, c);
  loop.StartStandalone();
  sim.RunUntil(Time{Duration::Seconds(45).us});
  loop.FailPrimary("test");
  sim.RunUntil(Time{Duration::Seconds(95).us});
  ASSERT_EQ(loop.failovers().size(), 1u);
  ASSERT_TRUE(loop.failovers()[0].completed());
  // Before the failover, during the outage (no write), after it.
  for (int64_t s : {43, 47, 61, 75, 87}) {
    const PitrResult pitr = loop.RestoreFromBackup(Time{Duration::Seconds(s).us});
    ASSERT_TRUE(pitr.ok) << s << " s: " << pitr.diagnosis;
    EXPECT_EQ(pitr.state_hash, pitr.recorded_state_hash) << s << " s";
    EXPECT_LE(pitr.ledger.last_timestamp(), static_cast<uint64_t>(s) * 1'000'000'000) << s << " s";
    const int64_t last_write_before = s == 47 ? 44 : s - 1;
    EXPECT_GT(pitr.ledger.last_timestamp(), static_cast<uint64_t>(last_write_before) * 1'000'000'000) << s << " s";
  }
  loop.Finish();
  EXPECT_TRUE(loop.invariants_ok()) << loop.violations().front();
}

}  // namespace
}  // namespace rehearsal::models::wallet
