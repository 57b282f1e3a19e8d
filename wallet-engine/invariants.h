// Ledger invariant checker: the state-level invariants of the spec, checked
// from the outside after every operation in tests, swarm runs and fuzzing.
// (The log/replication invariants 6-12 are checked by the swarm harness.)
#pragma once

#include <string>

#include "wallet-engine/ledger.h"

namespace wallet {

struct InvariantOptions {
  // Invariant 2 folds the index; only valid while retention pruned nothing.
  bool check_fold = true;
};

// Checks, on one ledger:
//  1 conservation per currency (posted and pending separately);
//  2 every balance equals the fold of its transfers;
//  3 no debit-limited account overdrawn (credit-limited symmetric);
//  4 at most one applied entry per id; timestamps strictly increasing;
//  5 each pending transfer resolved at most once, each bet rolled back at most
//    once, tombstones present for rollback-before-bet, round counters match;
//  plus the incremental state hash equals a full recomputation.
// Returns "" when all hold, else a description of the first violation.
std::string CheckLedgerInvariants(const Ledger& ledger, InvariantOptions options = {});

}  // namespace wallet
