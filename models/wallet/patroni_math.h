#pragma once
// Pure calculators of the Patroni-like failover and of replication
// acknowledgement: plain values in, plain values out; no clock, no RNG, no
// scheduling. The controller (wallet_loop.h) owns the timers and applies them.
#include <cstdint>
#include <string>
#include <vector>

#include "models/wallet/wallet_loop_config.h"
#include "sim/time.h"

namespace rehearsal::models::wallet {

// Returns "" when the settings are valid, else what is wrong. Patroni requires
// loop_wait + 2 * retry_timeout <= ttl (defaults: 10 + 2 * 10 <= 30), so a
// leader whose DCS writes fail for retry_timeout still demotes before its
// lease can expire and another member takes over.
std::string CheckFailoverConfig(const FailoverConfig& config);

// The first HA-loop wake-up of a member whose loop runs at phase + k *
// loop_wait (k >= 0) that is at or after `t`. REQUIRES: loop_wait > 0,
// phase <= t. Example: phase 3 s, loop_wait 10 s, t = 35 s -> 43 s.
sim::Time NextLoopAt(sim::Time phase, sim::Duration loop_wait, sim::Time t);

// The last lease renewal of a leader renewing at phase + k * loop_wait that is
// at or before `t`. REQUIRES: loop_wait > 0, phase <= t.
// Example: phase 0, loop_wait 10 s, t = 27 s -> 20 s.
sim::Time LastRenewalAt(sim::Time phase, sim::Duration loop_wait, sim::Time t);

// Bounds of the detection time of a lost leader: the lease was renewed up to
// loop_wait before the failure and expires ttl after the renewal; a standby
// notices at its next loop, up to loop_wait later. With Patroni's defaults
// (ttl 30 s, loop_wait 10 s) detection takes 20-40 s after the failure.
struct DetectionWindow {
  sim::Duration min;
  sim::Duration max;
};
DetectionWindow DetectionBounds(const FailoverConfig& config);

// Bytes one WAL record of a batch takes: a 64-byte record header plus the
// 128-byte operation bodies (wallet-engine's on-disk Op). Example: 10 ops ->
// 1344 bytes. Used for lag in bytes (maximum_lag_on_failover).
constexpr int64_t WalRecordBytes(int64_t ops) { return 64 + 128 * ops; }

// What the leader race sees of one standby.
struct CandidateView {
  int32_t index = -1;         // pod ordinal
  bool alive = false;
  bool reachable = false;     // from the DCS and the other members
  uint64_t durable_seq = 0;   // last WAL record durable on its disk
  int64_t durable_bytes = 0;  // WAL bytes durable on its disk
  bool in_sync_set = false;   // a designated synchronous standby (sync mode)
};

// Why a standby may (not) take over; exhaustive.
enum class Eligibility {
  kEligible,
  kDead,
  kUnreachable,
  kLagTooHigh,        // leader optime - durable bytes > maximum_lag_on_failover
  kNotSyncStandby,    // synchronous mode: only a designated standby is certain
  kQuorumNotReached,  // quorum mode: fewer than n - k + 1 standbys reachable
};
const char* ToString(Eligibility e);

struct ElectionInput {
  ReplicationMode mode = ReplicationMode::kAsync;
  int32_t sync_count = 1;            // k
  int32_t quorum_standbys = 0;       // n: standbys in the quorum configuration
  int64_t leader_optime_bytes = 0;   // last leader WAL position written to the DCS
  int64_t maximum_lag_bytes = int64_t{1} << 20;
  bool sync_set_empty = true;        // sync mode degraded to async (non-strict)
  std::vector<CandidateView> candidates;
};

struct ElectionResult {
  int32_t winner = -1;                    // pod ordinal, -1 when nobody may promote
  std::vector<Eligibility> eligibility;   // per candidate, same order as the input
};

// The synchronous-mode promotion rules of Patroni:
//  - async (or sync degraded to async): any live, reachable standby whose lag
//    behind the leader's last DCS optime is at most maximum_lag_on_failover;
//  - sync: only a designated synchronous standby (it acknowledged every
//    commit the primary acknowledged);
//  - quorum (ANY k of n): at least n - k + 1 standbys must be reachable, so
//    the set intersects every acknowledging quorum; then the most advanced
//    of them holds every acknowledged commit.
// Among the eligible, the most advanced (highest durable_seq) wins; ties go
// to the lowest ordinal. Example: async, leader optime 10 MiB, standbys at
// 9.5 MiB and 8 MiB with a 1 MiB limit -> only the first is eligible.
ElectionResult Elect(const ElectionInput& input);

// The highest sequence number whose replies the primary may release.
//  - async: the local durable sequence;
//  - sync: min(local, every designated standby's acknowledged sequence);
//    no designated standby -> local (non-strict) or 0 (strict);
//  - quorum: min(local, the k-th highest standby acknowledgement).
// Example: quorum k = 2, standby acks {7, 9, 4}, local 10 -> 7.
struct AckInput {
  ReplicationMode mode = ReplicationMode::kAsync;
  int32_t sync_count = 1;
  bool strict = false;
  uint64_t local_durable_seq = 0;
  std::vector<uint64_t> sync_set_acks;   // sync mode: designated standbys
  std::vector<uint64_t> standby_acks;    // quorum mode: every standby
  uint64_t acked_seq = 0;                // what was already released (never goes back)
};
uint64_t ReleasableSeq(const AckInput& input);

}  // namespace rehearsal::models::wallet
