#include "models/wallet/patroni_math.h"

#include <gtest/gtest.h>

namespace rehearsal::models::wallet {
namespace {

using sim::Duration;
using sim::Time;

TEST(PatroniMath, DefaultsAreValidAndTheRuleIsEnforced) {
  FailoverConfig c;
  EXPECT_EQ(CheckFailoverConfig(c), "");
  c.ttl = Duration::Seconds(29);  // 10 + 2 * 10 > 29
  EXPECT_NE(CheckFailoverConfig(c), "");
  c.ttl = Duration::Seconds(10);
  c.loop_wait = Duration::Seconds(3);
  c.retry_timeout = Duration::Seconds(3);  // 3 + 6 <= 10
  EXPECT_EQ(CheckFailoverConfig(c), "");
}

TEST(PatroniMath, LoopTimesFollowThePhase) {
  // phase 3 s, loop_wait 10 s: wake-ups at 3, 13, 23, 33, 43 ...
  EXPECT_EQ(NextLoopAt(Time{3000000}, Duration::Seconds(10), Time{35000000}).us, 43000000);
  EXPECT_EQ(NextLoopAt(Time{3000000}, Duration::Seconds(10), Time{33000000}).us, 33000000);
  EXPECT_EQ(LastRenewalAt(Time{0}, Duration::Seconds(10), Time{27000000}).us, 20000000);
  EXPECT_EQ(LastRenewalAt(Time{0}, Duration::Seconds(10), Time{20000000}).us, 20000000);
}

TEST(PatroniMath, DetectionWindowOfTheDefaultsIsTwentyToFortySeconds) {
  const DetectionWindow w = DetectionBounds(FailoverConfig{});
  EXPECT_EQ(w.min, Duration::Seconds(20));
  EXPECT_EQ(w.max, Duration::Seconds(40));
}

TEST(PatroniMath, WalRecordBytes) {
  EXPECT_EQ(WalRecordBytes(10), 1344);
  EXPECT_EQ(WalRecordBytes(0), 64);
}

CandidateView Standby(int32_t index, uint64_t seq, int64_t bytes, bool sync = false,
                      bool alive = true) {
  CandidateView c;
  c.index = index;
  c.alive = alive;
  c.reachable = alive;
  c.durable_seq = seq;
  c.durable_bytes = bytes;
  c.in_sync_set = sync;
  return c;
}

TEST(PatroniMath, AsyncElectionSkipsLaggingStandbys) {
  // Leader optime 10 MiB, standbys at 9.5 MiB and 8 MiB, limit 1 MiB.
  ElectionInput in;
  in.leader_optime_bytes = 10 << 20;
  in.candidates = {Standby(1, 95, (19 << 20) / 2), Standby(2, 80, 8 << 20)};
  const ElectionResult r = Elect(in);
  EXPECT_EQ(r.winner, 1);
  EXPECT_EQ(r.eligibility[1], Eligibility::kLagTooHigh);
  in.maximum_lag_bytes = 3 << 20;
  EXPECT_EQ(Elect(in).winner, 1);  // both eligible: the most advanced wins
  in.candidates[0].durable_seq = 80;
  EXPECT_EQ(Elect(in).winner, 1);  // tie: lowest ordinal
}

TEST(PatroniMath, AsyncElectionNeedsSomeoneAlive) {
  ElectionInput in;
  in.candidates = {Standby(1, 5, 0, false, false)};
  const ElectionResult r = Elect(in);
  EXPECT_EQ(r.winner, -1);
  EXPECT_EQ(r.eligibility[0], Eligibility::kDead);
}

TEST(PatroniMath, SyncModePromotesOnlyTheSynchronousStandby) {
  ElectionInput in;
  in.mode = ReplicationMode::kSync;
  in.sync_set_empty = false;
  // The asynchronous standby 2 is further ahead, but only 1 is certain.
  in.candidates = {Standby(1, 50, 5000, true), Standby(2, 60, 6000, false)};
  ElectionResult r = Elect(in);
  EXPECT_EQ(r.winner, 1);
  EXPECT_EQ(r.eligibility[1], Eligibility::kNotSyncStandby);
  in.candidates[0].alive = in.candidates[0].reachable = false;
  EXPECT_EQ(Elect(in).winner, -1);  // nobody is certain: no promotion
  in.sync_set_empty = true;         // degraded to async (non-strict)
  EXPECT_EQ(Elect(in).winner, 2);
}

TEST(PatroniMath, QuorumNeedsNMinusKPlusOneStandbys) {
  ElectionInput in;
  in.mode = ReplicationMode::kQuorum;
  in.sync_count = 1;
  in.quorum_standbys = 2;
  in.candidates = {Standby(1, 40, 0), Standby(2, 42, 0)};
  EXPECT_EQ(Elect(in).winner, 2);  // both reachable: the most advanced
  in.candidates[1].alive = in.candidates[1].reachable = false;
  const ElectionResult r = Elect(in);  // 1 < 2 - 1 + 1: standby 2 might hold acks 1 lacks
  EXPECT_EQ(r.winner, -1);
  EXPECT_EQ(r.eligibility[0], Eligibility::kQuorumNotReached);
  in.sync_count = 2;  // ANY 2 of 2: every standby holds every ack
  EXPECT_EQ(Elect(in).winner, 1);
}

TEST(PatroniMath, ReleasableSequencePerMode) {
  struct Case {
    ReplicationMode mode;
    int32_t k;
    bool strict;
    uint64_t local;
    std::vector<uint64_t> sync, all;
    uint64_t acked, want;
  };
  const std::vector<Case> cases = {
      {ReplicationMode::kAsync, 1, false, 10, {}, {1, 2}, 0, 10},
      {ReplicationMode::kSync, 1, false, 10, {7}, {}, 0, 7},
      {ReplicationMode::kSync, 2, false, 10, {7, 12}, {}, 0, 7},
      {ReplicationMode::kSync, 1, false, 10, {}, {}, 0, 10},  // degraded
      {ReplicationMode::kSync, 1, true, 10, {}, {}, 3, 3},    // strict: blocks
      {ReplicationMode::kQuorum, 2, false, 10, {}, {7, 9, 4}, 0, 7},
      {ReplicationMode::kQuorum, 1, false, 8, {}, {7, 9, 4}, 0, 8},
      {ReplicationMode::kSync, 1, false, 10, {2}, {}, 5, 5},  // never goes back
  };
  for (const Case& c : cases) {
    AckInput in;
    in.mode = c.mode;
    in.sync_count = c.k;
    in.strict = c.strict;
    in.local_durable_seq = c.local;
    in.sync_set_acks = c.sync;
    in.standby_acks = c.all;
    in.acked_seq = c.acked;
    EXPECT_EQ(ReleasableSeq(in), c.want) << ToString(c.mode) << " k=" << c.k;
  }
}

}  // namespace
}  // namespace rehearsal::models::wallet
