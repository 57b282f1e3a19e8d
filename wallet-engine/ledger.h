// The ledger state machine: accounts, the idempotency index, rounds and
// pending transfers, advanced only by ApplyBatch(ops, timestamp). Pure and
// deterministic: the same batches at the same timestamps give the same state
// and the same StateHash(), byte for byte (spec invariant 12). It performs no
// I/O and reads no clock; the engine (engine.h) decides timestamps and logs
// every batch before releasing its replies.
#pragma once

#include <cstdint>
#include <deque>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "wallet-engine/chunk_queue.h"
#include "wallet-engine/id_map.h"
#include "wallet-engine/types.h"

namespace wallet {

// Per-id state kept in the idempotency index.
enum class EntryState : uint8_t {
  kNone = 0,           // applied op with nothing left to resolve, or a recorded failure
  kPendingOpen = 1,    // pending transfer awaiting post/void/expiry
  kPendingPosted = 2,
  kPendingVoided = 3,
  kPendingExpired = 4,
  kBetApplied = 5,     // bet whose money moved
  kBetRolledBack = 6,  // bet compensated by a rollback
  kTombstone = 7,      // rollback arrived before the bet: the late bet is refused
};

// One idempotency-index entry: the body as first received, its outcome and
// timestamp, and what it moved (bets: real/bonus legs; posts: posted amount).
struct IndexEntry {
  Op body;
  uint64_t timestamp = 0;
  int64_t leg_real = 0;
  int64_t leg_bonus = 0;
  Result result = Result::kOk;
  EntryState state = EntryState::kNone;
  uint8_t live = 1;  // 0 once pruned by retention (not hashed)
  uint8_t pad[5] = {};
};
static_assert(sizeof(IndexEntry) == 160);

// A game round, keyed by (provider, round id).
struct Round {
  Id128 key;
  Id128 round_id;
  uint64_t player_id = 0;
  uint32_t currency = 0;
  uint32_t provider = 0;
  uint32_t bets = 0;          // bets applied (money moved)
  uint32_t rolled_back = 0;   // of which rolled back
  uint8_t closed = 0;         // no further bet or win
  uint8_t settled = 0;        // a win was recorded: rollback refused
  uint8_t pad[6] = {};
};
static_assert(sizeof(Round) == 64);

struct LedgerConfig {
  // Idempotency ids are kept this long (engine timestamp units, ns). Providers
  // expect months: default 180 days.
  uint64_t retention_ns = 180ULL * 24 * 3600 * 1'000'000'000ULL;
  // Idempotency ids to size the index for up front (0: grow on demand).
  // Growing doubles the table and rehashes every id at once: at 1.5 M ids
  // that is one pause of ~0.1-1 s (measured as the ack-latency p99 of
  // `walletctl bench`), so a production wallet sizes it for its retention at
  // start, as TigerBeetle allocates all memory at startup. The index and the
  // entry store (160 B per id) are both allocated and faulted in at
  // construction: a first write to a fresh 2 MiB page otherwise zeroes it in
  // the fault path, inside the commit path. Performance only: not part of
  // the state, the hash or snapshots.
  uint64_t reserve_ids = 0;
};

// Player balances as seen by the seamless "balance" call.
struct BalanceView {
  bool found = false;
  int64_t real_minor = 0;
  int64_t bonus_minor = 0;
};

class Ledger {
 public:
  explicit Ledger(LedgerConfig config = {});

  // Applies ops in order; op i gets timestamp first_timestamp + i. Linked
  // chains (kLinked on all but the last op of a chain, create-account and
  // transfer ops only) apply all or nothing. replies must hold ops.size().
  // REQUIRES: first_timestamp > last_timestamp().
  // reply_balances = false leaves the replies' balance fields 0 (a replica
  // or a replay has no client to tell: two account look-ups per seamless op,
  // ~200 instructions per replicated one-op record; issue 7).
  void ApplyBatch(std::span<const Op> ops, uint64_t first_timestamp, OpReply* replies,
                  bool reply_balances = true);

  // Capacity for `additional` more idempotency ids without rehashing (replay
  // knows an upper bound from the log size). Performance only.
  void ReserveEntries(size_t additional) { entry_index_.Reserve(entry_index_.size() + additional); }

  // Read-only queries.
  BalanceView Balance(uint64_t player_id, uint32_t currency) const;
  const Account* FindAccount(const Id128& id) const;
  const IndexEntry* FindEntry(const Id128& id) const;
  const Round* FindRound(uint32_t provider, const Id128& round_id) const;
  static Id128 RoundKey(uint32_t provider, const Id128& round_id);

  // Incrementally maintained hash over the full state (accounts, live index
  // entries, rounds, last timestamp); equals ComputeStateHash().
  uint64_t StateHash() const;
  // Recomputed from scratch (O(state)); for checkers.
  uint64_t ComputeStateHash() const;

  uint64_t last_timestamp() const { return last_timestamp_; }
  const std::vector<Account>& accounts() const { return accounts_; }
  const std::vector<Round>& rounds() const { return rounds_; }
  // Live index entries in insertion order.
  template <typename F>
  void ForEachEntry(F&& f) const {
    entries_.ForEach([&](const IndexEntry& e) {
      if (e.live) f(e);
    });
  }
  size_t entry_count() const { return entry_index_.size(); }
  const LedgerConfig& config() const { return config_; }

  // Deterministic binary image of the full state (for snapshots).
  void Serialize(std::string* out) const;
  // Rebuilds a ledger from Serialize() output; false (and *error) when the
  // image is malformed.
  static bool Deserialize(std::string_view image, LedgerConfig config, Ledger* out,
                          std::string* error);

 private:
  struct Undo {
    enum Kind : uint8_t { kAccount, kAccountInsert, kEntryInsert, kEntryState, kRound,
                          kRoundInsert, kExpiryInsert, kExpiryErase } kind = kAccount;
    uint32_t index = 0;
    uint64_t pos = 0;
    uint64_t expires = 0;
    EntryState state = EntryState::kNone;
    Account account{};
    Round round{};
  };
  class Staging;

  void PrefetchIndexes(const Op& op) const;
  void PrefetchAccounts(const Op& op) const;
  Result ApplyOne(const Op& op, uint64_t ts, OpReply* reply);
  Result ApplyCreateAccount(const Op& op, uint64_t ts);
  Result ApplyTransfer(const Op& op, uint64_t ts);
  Result ApplyBet(const Op& op, uint64_t ts);
  Result ApplyWin(const Op& op, uint64_t ts);
  Result ApplyRollback(const Op& op, uint64_t ts);
  Result ApplyEndRound(const Op& op, uint64_t ts);
  Result ApplyPlayerMove(const Op& op, uint64_t ts);
  Result Validate(const Op& op) const;
  Result CheckExisting(const IndexEntry& e, const Op& op, OpReply* reply) const;
  void FillBalances(const Op& op, OpReply* reply) const;

  int64_t FindAccountIndex(const Id128& id) const;
  IndexEntry* MutableEntry(const Id128& id);
  uint64_t InsertEntry(const Op& op, uint64_t ts, Result r, EntryState s, int64_t real,
                       int64_t bonus);
  void SetEntryState(uint64_t pos, EntryState s);
  void WriteAccount(uint32_t index, const Account& a);
  void WriteEntryState(uint64_t pos, EntryState s);
  void WriteRound(uint32_t index, const Round& r);
  void SetAccount(uint32_t index, const Account& a);
  uint32_t InsertRound(const Round& r);
  void SetRound(uint32_t index, const Round& r);
  void RevertUndo();
  void ExpirePending(uint64_t ts);
  void PruneRetention(uint64_t ts);
  void PruneRound(uint32_t provider, const Id128& round_id);
  IndexEntry& EntryAt(uint64_t pos) { return entries_[pos - entries_base_]; }
  const IndexEntry& EntryAt(uint64_t pos) const { return entries_[pos - entries_base_]; }

  static uint64_t HashAccount(const Account& a);
  static uint64_t HashEntry(const IndexEntry& e);
  static uint64_t HashRound(const Round& r);

  LedgerConfig config_;
  std::vector<Account> accounts_;
  std::vector<uint64_t> account_hashes_;  // HashAccount(accounts_[i]), kept in step
  IdMap account_index_;
  ChunkQueue<IndexEntry> entries_;
  // HashEntry(entries_[i]) and HashRound(rounds_[i]), kept in step, so that
  // an update or a prune subtracts the old element's hash without hashing it
  // again (with one op per record, re-hashing the pruned entry and the round
  // before its update was ~500 instructions per record; callgrind, issue 7).
  ChunkQueue<uint64_t> entry_hashes_;
  uint64_t entries_base_ = 0;     // absolute position of entries_.front()
  uint64_t prune_cursor_ = 0;     // absolute position of the next retention candidate
  IdMap entry_index_;
  std::vector<Round> rounds_;
  std::vector<uint64_t> round_hashes_;
  IdMap round_index_;
  std::set<std::pair<uint64_t, uint64_t>> expiry_;  // (expires_at, entry position)
  uint64_t last_timestamp_ = 0;
  uint64_t hash_sum_ = 0;  // wrapping sum of element hashes
  std::vector<Undo> undo_;
  bool recording_ = false;
  bool reply_balances_ = true;  // this ApplyBatch's
};

}  // namespace wallet
