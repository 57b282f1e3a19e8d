// Deterministic fault simulation ("swarm" testing, after FoundationDB and
// TigerBeetle's VOPR): one seed picks a configuration (single node or a
// primary with replicas in async / sync / quorum mode, snapshot cadence,
// batch sizes, which faults are on) and drives real engines on SimDisks over
// a lossy, duplicating, reordering, partitionable network, with clients that
// retry, resend different bodies, lose acknowledgements and roll back before
// betting. Every ledger invariant is checked after every applied batch; the
// log/replication invariants (acknowledged => durable, recovered state is a
// prefix holding every acknowledged op, corruption detected, replicas equal
// at equal seq, one acknowledging primary per term, sync loses nothing and
// async loses exactly what it reports) at every crash, promotion and at the
// end, where a Jepsen-bank-style reference model recomputes every balance
// from the client-visible history. The seed alone replays the run.
#pragma once

#include <cstdint>
#include <string>

namespace wallet {

struct SwarmOptions {
  uint32_t steps = 400;  // workload steps before the final quiesce
  bool trace = false;    // print every step to stderr
  bool all_faults = false;  // kept for compatibility: sync mode gets disk damage by default now
};

struct SwarmReport {
  bool ok = true;
  std::string failure;      // first violated check, with the step
  std::string config;       // the configuration the seed picked
  bool stalled = false;     // liveness only: no promotable replica after healing (no safety check failed)
  uint64_t ops_acked = 0;
  uint64_t crashes = 0;
  uint64_t promotions = 0;
  uint64_t corruptions_injected = 0;
  uint64_t corruptions_detected = 0;
  uint64_t acked_lost_reported = 0;  // async promotions: acknowledged ops lost (RPO)
  uint64_t final_state_hash = 0;
  uint64_t disk_digest = 0;          // hash of every node's durable files (determinism)
};

SwarmReport RunSwarmSeed(uint64_t seed, const SwarmOptions& options = {});

}  // namespace wallet
