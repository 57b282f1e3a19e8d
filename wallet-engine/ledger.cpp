#include "wallet-engine/ledger.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace wallet {

namespace {
constexpr uint64_t kNsPerSecond = 1'000'000'000ULL;
OpReply ReplyWith(Result r) {
  OpReply reply;
  reply.result = r;
  reply.original = r;
  return reply;
}
}  // namespace

Ledger::Ledger(LedgerConfig config) : config_(config) {
  if (config_.reserve_ids > 0) {  // sized and faulted in now, not on the commit path
    entry_index_.Reserve(config_.reserve_ids, true);
    entries_.Reserve(config_.reserve_ids);
    entry_hashes_.Reserve(config_.reserve_ids);
  }
}

// ---------------------------------------------------------------- hashing ---

uint64_t Ledger::HashAccount(const Account& a) { return Hash64Inline(&a, sizeof a, 0xacc0); }
uint64_t Ledger::HashEntry(const IndexEntry& e) {
  // body..state: everything but `live` and padding.
  return Hash64Inline(&e, offsetof(IndexEntry, live), 0xe117);
}
uint64_t Ledger::HashRound(const Round& r) { return Hash64Inline(&r, sizeof r, 0x20d0); }

uint64_t Ledger::StateHash() const { return Combine64(hash_sum_, last_timestamp_); }

uint64_t Ledger::ComputeStateHash() const {
  uint64_t sum = 0;
  for (const auto& a : accounts_) sum += HashAccount(a);
  entries_.ForEach([&](const IndexEntry& e) {
    if (e.live) sum += HashEntry(e);
  });
  for (const auto& r : rounds_) sum += HashRound(r);
  return Combine64(sum, last_timestamp_);
}

// ------------------------------------------------------------- mutation ---

// Every mutation below goes through one of these writers, which keep the
// incremental state hash in step; the Set*/Insert* callers add the undo
// record a linked chain needs (RevertUndo writes the saved values back
// through the same writers).
void Ledger::WriteAccount(uint32_t index, const Account& a) {
  const uint64_t h = HashAccount(a);
  hash_sum_ -= account_hashes_[index];
  hash_sum_ += h;
  account_hashes_[index] = h;
  accounts_[index] = a;
}

void Ledger::WriteEntryState(uint64_t pos, EntryState s) {
  IndexEntry& e = EntryAt(pos);
  uint64_t& h = entry_hashes_[pos - entries_base_];
  hash_sum_ -= h;
  e.state = s;
  h = HashEntry(e);
  hash_sum_ += h;
}

void Ledger::WriteRound(uint32_t index, const Round& r) {
  const uint64_t h = HashRound(r);
  hash_sum_ -= round_hashes_[index];
  hash_sum_ += h;
  round_hashes_[index] = h;
  rounds_[index] = r;
}

void Ledger::SetAccount(uint32_t index, const Account& a) {
  if (recording_) undo_.push_back({.kind = Undo::kAccount, .index = index, .account = accounts_[index]});
  WriteAccount(index, a);
}

uint64_t Ledger::InsertEntry(const Op& op, uint64_t ts, Result r, EntryState s, int64_t real,
                             int64_t bonus) {
  IndexEntry e;
  e.body = op;
  e.timestamp = ts;
  e.result = r;
  e.state = s;
  e.leg_real = real;
  e.leg_bonus = bonus;
  const uint64_t pos = entries_base_ + entries_.size();
  entries_.push_back(e);
  const bool inserted = entry_index_.Insert(op.id, pos);
  WE_ASSERT(inserted);
  const uint64_t h = HashEntry(e);
  entry_hashes_.push_back(h);
  hash_sum_ += h;
  if (recording_) undo_.push_back({.kind = Undo::kEntryInsert, .pos = pos});
  if (s == EntryState::kPendingOpen && op.timeout_s > 0) {
    const uint64_t expires = ts + static_cast<uint64_t>(op.timeout_s) * kNsPerSecond;
    expiry_.emplace(expires, pos);
    if (recording_) undo_.push_back({.kind = Undo::kExpiryInsert, .pos = pos, .expires = expires});
  }
  return pos;
}

void Ledger::SetEntryState(uint64_t pos, EntryState s) {
  const IndexEntry& e = EntryAt(pos);
  if (recording_) undo_.push_back({.kind = Undo::kEntryState, .pos = pos, .state = e.state});
  if (e.state == EntryState::kPendingOpen && e.body.timeout_s > 0) {
    const uint64_t expires = e.timestamp + static_cast<uint64_t>(e.body.timeout_s) * kNsPerSecond;
    expiry_.erase({expires, pos});
    if (recording_) undo_.push_back({.kind = Undo::kExpiryErase, .pos = pos, .expires = expires});
  }
  WriteEntryState(pos, s);
}

uint32_t Ledger::InsertRound(const Round& r) {
  const auto index = static_cast<uint32_t>(rounds_.size());
  rounds_.push_back(r);
  round_hashes_.push_back(HashRound(r));
  round_index_.Insert(r.key, index);
  hash_sum_ += round_hashes_.back();
  if (recording_) undo_.push_back({.kind = Undo::kRoundInsert, .index = index});
  return index;
}

void Ledger::SetRound(uint32_t index, const Round& r) {
  if (recording_) undo_.push_back({.kind = Undo::kRound, .index = index, .round = rounds_[index]});
  WriteRound(index, r);
}

void Ledger::RevertUndo() {
  for (auto it = undo_.rbegin(); it != undo_.rend(); ++it) {
    const Undo& u = *it;
    switch (u.kind) {
      case Undo::kAccount:
        WriteAccount(u.index, u.account);
        break;
      case Undo::kAccountInsert:
        WE_ASSERT(u.index + 1 == accounts_.size());
        hash_sum_ -= account_hashes_.back();
        account_index_.Erase(accounts_.back().id);
        accounts_.pop_back();
        account_hashes_.pop_back();
        break;
      case Undo::kEntryInsert: {
        WE_ASSERT(u.pos + 1 == entries_base_ + entries_.size());
        hash_sum_ -= entry_hashes_.back();
        entry_index_.Erase(entries_.back().body.id);
        entries_.pop_back();
        entry_hashes_.pop_back();
        break;
      }
      case Undo::kEntryState:
        WriteEntryState(u.pos, u.state);
        break;
      case Undo::kRound:
        WriteRound(u.index, u.round);
        break;
      case Undo::kRoundInsert:
        WE_ASSERT(u.index + 1 == rounds_.size());
        hash_sum_ -= round_hashes_.back();
        round_index_.Erase(rounds_.back().key);
        rounds_.pop_back();
        round_hashes_.pop_back();
        break;
      case Undo::kExpiryInsert:
        expiry_.erase({u.expires, u.pos});
        break;
      case Undo::kExpiryErase:
        expiry_.emplace(u.expires, u.pos);
        break;
    }
  }
  undo_.clear();
}

// --------------------------------------------------------------- lookups ---

int64_t Ledger::FindAccountIndex(const Id128& id) const {
  const uint64_t* v = account_index_.Find(id);
  return v ? static_cast<int64_t>(*v) : -1;
}

const Account* Ledger::FindAccount(const Id128& id) const {
  const int64_t i = FindAccountIndex(id);
  return i < 0 ? nullptr : &accounts_[static_cast<size_t>(i)];
}

const IndexEntry* Ledger::FindEntry(const Id128& id) const {
  const uint64_t* v = entry_index_.Find(id);
  return v ? &EntryAt(*v) : nullptr;
}

IndexEntry* Ledger::MutableEntry(const Id128& id) {
  const uint64_t* v = entry_index_.Find(id);
  return v ? &EntryAt(*v) : nullptr;
}

Id128 Ledger::RoundKey(uint32_t provider, const Id128& round_id) {
  return Id128{Combine64(round_id.hi, provider), Combine64(round_id.lo, ~uint64_t{provider})};
}

const Round* Ledger::FindRound(uint32_t provider, const Id128& round_id) const {
  const uint64_t* v = round_index_.Find(RoundKey(provider, round_id));
  return v ? &rounds_[*v] : nullptr;
}

BalanceView Ledger::Balance(uint64_t player_id, uint32_t currency) const {
  BalanceView v;
  if (const Account* r = FindAccount(PlayerAccountId(player_id, currency, AccountKind::kPlayerReal))) {
    v.found = true;
    v.real_minor = r->Available();
  }
  if (const Account* b = FindAccount(PlayerAccountId(player_id, currency, AccountKind::kPlayerBonus)))
    v.bonus_minor = b->Available();
  return v;
}

void Ledger::FillBalances(const Op& op, OpReply* reply) const {
  if (!reply_balances_ || op.kind == OpKind::kCreateAccount || op.kind == OpKind::kTransfer) return;
  const BalanceView v = Balance(op.player_id, op.ledger);
  reply->balance_real_minor = v.real_minor;
  reply->balance_bonus_minor = v.bonus_minor;
}

// ----------------------------------------------------------- batch apply ---

// Memory-level parallelism for large batches: the idempotency index and the
// account index are far larger than the caches, so each op's look-ups are
// DRAM misses. ApplyBatch touches op k+16's hash slots and op k+8's account
// records before applying op k (software pipelining; results are unchanged,
// only the loads are issued early).
namespace {
constexpr size_t kPrefetchSlotsAhead = 16;
constexpr size_t kPrefetchAccountsAhead = 8;
}  // namespace

void Ledger::PrefetchIndexes(const Op& op) const {
  entry_index_.Prefetch(op.id);
  switch (op.kind) {
    case OpKind::kTransfer:
      account_index_.Prefetch(op.debit_account_id);
      account_index_.Prefetch(op.credit_account_id);
      break;
    case OpKind::kCreateAccount:
      account_index_.Prefetch(op.id);
      break;
    default:
      account_index_.Prefetch(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerReal));
      account_index_.Prefetch(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerBonus));
      if (!op.round_id.IsZero()) round_index_.Prefetch(RoundKey(op.provider, op.round_id));
      break;
  }
}

void Ledger::PrefetchAccounts(const Op& op) const {
  auto touch = [&](const Id128& id) {
    if (const uint64_t* v = account_index_.Find(id)) PrefetchAddress(&accounts_[*v]);
  };
  switch (op.kind) {
    case OpKind::kTransfer:
      touch(op.debit_account_id);
      touch(op.credit_account_id);
      break;
    case OpKind::kCreateAccount:
      break;
    default:
      touch(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerReal));
      touch(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerBonus));
      break;
  }
}

void Ledger::ApplyBatch(std::span<const Op> ops, uint64_t first_timestamp, OpReply* replies,
                        bool reply_balances) {
  WE_ASSERT(first_timestamp > last_timestamp_);
  reply_balances_ = reply_balances;
  const size_t n = ops.size();
  // The first ops' hash slots start loading before retention pruning, so
  // their DRAM misses overlap the pruning's: with one op per batch (every
  // batch of a simulated wallet at 1/100 sampling) they were taken one
  // after another (performance only).
  for (size_t k = 0; k < std::min(n, kPrefetchSlotsAhead); ++k) PrefetchIndexes(ops[k]);
  ExpirePending(first_timestamp);
  PruneRetention(first_timestamp);
  size_t i = 0;
  while (i < n) {
    size_t j = i;
    auto linkable = [](const Op& op) {
      return op.kind == OpKind::kTransfer || op.kind == OpKind::kCreateAccount;
    };
    while (j < n && linkable(ops[j]) && (ops[j].flags & kLinked)) ++j;
    if (j == n) {  // chain never closed
      for (size_t k = i; k < n; ++k) replies[k] = ReplyWith(Result::kLinkedEventChainOpen);
      break;
    }
    const bool chain = j > i;
    recording_ = chain;
    undo_.clear();
    size_t failed = n;
    for (size_t k = i; k <= j; ++k) {
      if (k + kPrefetchSlotsAhead < n) PrefetchIndexes(ops[k + kPrefetchSlotsAhead]);
      if (k + kPrefetchAccountsAhead < n) PrefetchAccounts(ops[k + kPrefetchAccountsAhead]);
      replies[k] = OpReply{};
      const Result r = ApplyOne(ops[k], first_timestamp + k, &replies[k]);
      replies[k].result = r;
      if (chain && r != Result::kOk) {
        failed = k;
        break;
      }
    }
    recording_ = false;
    if (failed != n) {
      RevertUndo();
      const Result r = replies[failed].result;
      for (size_t k = i; k <= j; ++k)
        if (k != failed) replies[k] = ReplyWith(Result::kLinkedEventFailed);
      if (IsTransientFailure(r) && r != Result::kIdAlreadyFailed &&
          ops[failed].kind == OpKind::kTransfer && !entry_index_.Find(ops[failed].id)) {
        InsertEntry(ops[failed], first_timestamp + failed, r, EntryState::kNone, 0, 0);
        replies[failed].timestamp = first_timestamp + failed;
      }
    }
    undo_.clear();
    i = j + 1;
  }
  last_timestamp_ = first_timestamp + (n == 0 ? 0 : n - 1);
}

Result Ledger::Validate(const Op& op) const {
  if (op.id.IsZero()) return Result::kIdMustNotBeZero;
  if (static_cast<uint8_t>(op.kind) == 0 || static_cast<uint8_t>(op.kind) > kOpKindMax)
    return Result::kInvalidKind;
  if (op.reserved != 0) return Result::kReservedField;
  switch (op.kind) {
    case OpKind::kCreateAccount:
      if (op.flags & ~(kAccountFlagsMask | kLinked)) return Result::kFlagsInvalid;
      if ((op.flags & kAccountFlagsMask) == kAccountFlagsMask) return Result::kFlagsInvalid;
      if (op.ledger == 0) return Result::kLedgerMustNotBeZero;
      if (op.code < 1 || op.code > 6) return Result::kInvalidAccountKind;
      return Result::kOk;
    case OpKind::kTransfer: {
      if (op.flags & ~(kLinked | kPending | kPostPending | kVoidPending)) return Result::kFlagsInvalid;
      const bool resolve = op.flags & (kPostPending | kVoidPending);
      if ((op.flags & kPending) && resolve) return Result::kFlagsInvalid;
      if ((op.flags & kPostPending) && (op.flags & kVoidPending)) return Result::kFlagsInvalid;
      if (!resolve) {
        if (op.debit_account_id.IsZero() || op.credit_account_id.IsZero())
          return Result::kAccountIdMustNotBeZero;
        if (op.debit_account_id == op.credit_account_id) return Result::kAccountsMustBeDifferent;
        if (!op.ref_id.IsZero()) return Result::kPendingIdMustBeZero;
        if (op.amount <= 0) return Result::kAmountMustBePositive;
        if (op.ledger == 0) return Result::kLedgerMustNotBeZero;
        if (op.code == 0) return Result::kCodeMustNotBeZero;
      } else {
        if (op.ref_id.IsZero()) return Result::kPendingIdMustNotBeZero;
        if (op.ref_id == op.id) return Result::kPendingIdMustBeDifferent;
        if (op.amount < 0) return Result::kAmountMustNotBeNegative;
        if (!op.debit_account_id.IsZero() && op.debit_account_id == op.credit_account_id)
          return Result::kAccountsMustBeDifferent;
      }
      if (op.timeout_s != 0 && !(op.flags & kPending))
        return Result::kTimeoutReservedForPendingTransfer;
      return Result::kOk;
    }
    default:
      break;
  }
  // Seamless operations.
  if (op.player_id == 0) return Result::kPlayerMustNotBeZero;
  if (op.ledger == 0) return Result::kLedgerMustNotBeZero;
  switch (op.kind) {
    case OpKind::kBet:
      if (op.flags != 0) return Result::kFlagsInvalid;
      if (op.round_id.IsZero()) return Result::kRoundMustNotBeZero;
      if (op.amount <= 0) return Result::kAmountMustBePositive;
      if (op.amount_jackpot < 0) return Result::kAmountMustNotBeNegative;
      if (op.amount_jackpot > op.amount) return Result::kJackpotExceedsAmount;
      if (op.policy > 1) return Result::kReservedField;
      return Result::kOk;
    case OpKind::kWin:
      if (op.flags & ~kCloseRound) return Result::kFlagsInvalid;
      if (op.round_id.IsZero()) return Result::kRoundMustNotBeZero;
      if (op.amount < 0) return Result::kAmountMustNotBeNegative;
      if (op.code > 2) return Result::kReservedField;
      return Result::kOk;
    case OpKind::kRollback:
      if (op.flags != 0) return Result::kFlagsInvalid;
      if (op.round_id.IsZero()) return Result::kRoundMustNotBeZero;
      if (op.ref_id.IsZero()) return Result::kPendingIdMustNotBeZero;
      if (op.ref_id == op.id) return Result::kPendingIdMustBeDifferent;
      return Result::kOk;
    case OpKind::kEndRound:
      if (op.flags != 0) return Result::kFlagsInvalid;
      if (op.round_id.IsZero()) return Result::kRoundMustNotBeZero;
      return Result::kOk;
    default:  // deposit, withdraw, bonus grant
      if (op.flags != 0) return Result::kFlagsInvalid;
      if (op.amount <= 0) return Result::kAmountMustBePositive;
      return Result::kOk;
  }
}

// Same id seen before. Sticky failures win; otherwise the first differing field
// in the fixed precedence order (kind, flags, ref id, timeout, debit account,
// credit account, player, amount, jackpot, round, provider, ledger, code,
// policy), else kExists with the original result and timestamp.
Result Ledger::CheckExisting(const IndexEntry& e, const Op& op, OpReply* reply) const {
  if (e.state == EntryState::kTombstone) {
    reply->original = Result::kBetRolledBack;
    reply->timestamp = e.timestamp;
    return op.kind == OpKind::kBet ? Result::kBetRolledBack : Result::kExistsWithDifferentKind;
  }
  if (IsTransientFailure(e.result)) {
    reply->original = e.result;
    reply->timestamp = e.timestamp;
    return Result::kIdAlreadyFailed;
  }
  const Op& b = e.body;
  if (b.kind != op.kind) return Result::kExistsWithDifferentKind;
  if (b.flags != op.flags) return Result::kExistsWithDifferentFlags;
  if (b.ref_id != op.ref_id) return Result::kExistsWithDifferentRefId;
  if (b.timeout_s != op.timeout_s) return Result::kExistsWithDifferentTimeout;
  if (b.debit_account_id != op.debit_account_id) return Result::kExistsWithDifferentDebitAccountId;
  if (b.credit_account_id != op.credit_account_id)
    return Result::kExistsWithDifferentCreditAccountId;
  if (b.player_id != op.player_id) return Result::kExistsWithDifferentPlayer;
  if (b.amount != op.amount) return Result::kExistsWithDifferentAmount;
  if (b.amount_jackpot != op.amount_jackpot) return Result::kExistsWithDifferentJackpot;
  if (b.round_id != op.round_id) return Result::kExistsWithDifferentRound;
  if (b.provider != op.provider) return Result::kExistsWithDifferentProvider;
  if (b.ledger != op.ledger) return Result::kExistsWithDifferentLedger;
  if (b.code != op.code) return Result::kExistsWithDifferentCode;
  if (b.policy != op.policy) return Result::kExistsWithDifferentPolicy;
  reply->original = e.result;
  reply->timestamp = e.timestamp;
  return Result::kExists;
}

Result Ledger::ApplyOne(const Op& op, uint64_t ts, OpReply* reply) {
  Result r = Validate(op);
  if (r != Result::kOk) return r;
  if (op.kind == OpKind::kCreateAccount) {
    r = ApplyCreateAccount(op, ts);
    if (r == Result::kOk) reply->timestamp = ts;
    if (r == Result::kExists) reply->timestamp = FindAccount(op.id)->timestamp;
    return r;
  }
  if (const IndexEntry* e = FindEntry(op.id)) {
    r = CheckExisting(*e, op, reply);
    FillBalances(op, reply);
    return r;
  }
  switch (op.kind) {
    case OpKind::kTransfer: r = ApplyTransfer(op, ts); break;
    case OpKind::kBet: r = ApplyBet(op, ts); break;
    case OpKind::kWin: r = ApplyWin(op, ts); break;
    case OpKind::kRollback: r = ApplyRollback(op, ts); break;
    case OpKind::kEndRound: r = ApplyEndRound(op, ts); break;
    default: r = ApplyPlayerMove(op, ts); break;
  }
  reply->timestamp = ts;
  reply->original = r;
  // Transient failures are sticky: recorded so a retry gets kIdAlreadyFailed.
  // (Inside a linked chain the batch loop records the failure after undo.)
  if (IsTransientFailure(r) && !recording_) InsertEntry(op, ts, r, EntryState::kNone, 0, 0);
  FillBalances(op, reply);
  return r;
}

Result Ledger::ApplyCreateAccount(const Op& op, uint64_t ts) {
  if (const Account* a = FindAccount(op.id)) {
    const auto flags = static_cast<uint16_t>(op.flags & kAccountFlagsMask);
    if (a->flags != flags) return Result::kExistsWithDifferentFlags;
    if (a->ledger != op.ledger) return Result::kExistsWithDifferentLedger;
    if (a->kind != op.code) return Result::kExistsWithDifferentCode;
    return Result::kExists;
  }
  Account a;
  a.id = op.id;
  a.ledger = op.ledger;
  a.flags = static_cast<uint16_t>(op.flags & kAccountFlagsMask);
  a.kind = static_cast<uint16_t>(op.code);
  a.timestamp = ts;
  const auto index = static_cast<uint32_t>(accounts_.size());
  accounts_.push_back(a);
  account_hashes_.push_back(HashAccount(a));
  account_index_.Insert(a.id, index);
  hash_sum_ += account_hashes_.back();
  if (recording_) undo_.push_back({.kind = Undo::kAccountInsert, .index = index});
  return Result::kOk;
}

// Up to four accounts changed together; checks run on the staged copies and
// nothing is written unless every leg and every limit passes.
class Ledger::Staging {
 public:
  explicit Staging(Ledger* l) : l_(l) {}
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() {}
  Account& Get(uint32_t index) {
    for (size_t i = 0; i < n_; ++i)
      if (idx_[i] == index) return acc_[i];
    WE_ASSERT(n_ < kMax);
    idx_[n_] = index;
    std::memcpy(static_cast<void*>(&acc_[n_]), &l_->accounts_[index], sizeof(Account));
    return acc_[n_++];
  }
  // Posts amount from debit to credit; overflow -> a result code.
  Result Post(uint32_t debit, uint32_t credit, int64_t amount) {
    if (amount == 0) return Result::kOk;
    Account& d = Get(debit);
    if (!AddChecked(d.debits_posted, amount, &d.debits_posted)) return Result::kOverflowsDebitsPosted;
    Account& c = Get(credit);
    if (!AddChecked(c.credits_posted, amount, &c.credits_posted))
      return Result::kOverflowsCreditsPosted;
    return Result::kOk;
  }
  // The no-overdraft rules on every staged account.
  Result CheckLimits() const {
    for (size_t i = 0; i < n_; ++i) {
      const Account& a = acc_[i];
      int64_t total;
      if (a.flags & kDebitsMustNotExceedCredits) {
        if (!AddChecked(a.debits_posted, a.debits_pending, &total) || total > a.credits_posted)
          return Result::kExceedsCredits;
      }
      if (a.flags & kCreditsMustNotExceedDebits) {
        if (!AddChecked(a.credits_posted, a.credits_pending, &total) || total > a.debits_posted)
          return Result::kExceedsDebits;
      }
    }
    return Result::kOk;
  }
  void Commit() {
    for (size_t i = 0; i < n_; ++i) l_->SetAccount(idx_[i], acc_[i]);
  }

 private:
  Ledger* l_;
  std::array<uint32_t, 4> idx_{};
  static constexpr size_t kMax = 4;
  // Not zero-filled: slots are copied in by Get() before use (the 256-byte
  // clear was 13% of a transfer's apply time in perf).
  union {
    Account acc_[kMax];
  };
  size_t n_ = 0;
};

Result Ledger::ApplyTransfer(const Op& op, uint64_t ts) {
  Staging st(this);
  if (op.flags & (kPostPending | kVoidPending)) {
    const uint64_t* found = entry_index_.Find(op.ref_id);
    if (!found) return Result::kPendingTransferNotFound;
    const uint64_t ppos = *found;
    const IndexEntry& p = EntryAt(ppos);
    if (p.body.kind != OpKind::kTransfer || !(p.body.flags & kPending) ||
        p.result != Result::kOk)
      return Result::kPendingTransferNotPending;
    switch (p.state) {
      case EntryState::kPendingPosted: return Result::kPendingTransferAlreadyPosted;
      case EntryState::kPendingVoided: return Result::kPendingTransferAlreadyVoided;
      case EntryState::kPendingExpired: return Result::kPendingTransferExpired;
      default: break;
    }
    if (!op.debit_account_id.IsZero() && op.debit_account_id != p.body.debit_account_id)
      return Result::kPendingTransferHasDifferentDebitAccountId;
    if (!op.credit_account_id.IsZero() && op.credit_account_id != p.body.credit_account_id)
      return Result::kPendingTransferHasDifferentCreditAccountId;
    if (op.ledger != 0 && op.ledger != p.body.ledger)
      return Result::kPendingTransferHasDifferentLedger;
    const int64_t amount = p.body.amount;
    int64_t posted = 0;
    if (op.flags & kPostPending) {
      posted = op.amount == 0 ? amount : op.amount;
      if (posted > amount) return Result::kExceedsPendingTransferAmount;
    }
    const auto di = static_cast<uint32_t>(FindAccountIndex(p.body.debit_account_id));
    const auto ci = static_cast<uint32_t>(FindAccountIndex(p.body.credit_account_id));
    Account& d = st.Get(di);
    Account& c = st.Get(ci);
    d.debits_pending -= amount;
    c.credits_pending -= amount;
    WE_ASSERT(d.debits_pending >= 0 && c.credits_pending >= 0);
    if (Result r = st.Post(di, ci, posted); r != Result::kOk) return r;
    st.Commit();
    SetEntryState(ppos, (op.flags & kPostPending) ? EntryState::kPendingPosted
                                                  : EntryState::kPendingVoided);
    InsertEntry(op, ts, Result::kOk, EntryState::kNone, posted, 0);
    return Result::kOk;
  }
  const int64_t di = FindAccountIndex(op.debit_account_id);
  if (di < 0) return Result::kDebitAccountNotFound;
  const int64_t ci = FindAccountIndex(op.credit_account_id);
  if (ci < 0) return Result::kCreditAccountNotFound;
  const auto dix = static_cast<uint32_t>(di);
  const auto cix = static_cast<uint32_t>(ci);
  if (accounts_[dix].ledger != accounts_[cix].ledger) return Result::kAccountsMustHaveTheSameLedger;
  if (accounts_[dix].ledger != op.ledger) return Result::kTransferMustHaveTheSameLedgerAsAccounts;
  if (op.flags & kPending) {
    Account& d = st.Get(dix);
    if (!AddChecked(d.debits_pending, op.amount, &d.debits_pending))
      return Result::kOverflowsDebitsPending;
    Account& c = st.Get(cix);
    if (!AddChecked(c.credits_pending, op.amount, &c.credits_pending))
      return Result::kOverflowsCreditsPending;
  } else if (Result r = st.Post(dix, cix, op.amount); r != Result::kOk) {
    return r;
  }
  if (Result r = st.CheckLimits(); r != Result::kOk) return r;
  st.Commit();
  InsertEntry(op, ts, Result::kOk,
              (op.flags & kPending) ? EntryState::kPendingOpen : EntryState::kNone, 0, 0);
  return Result::kOk;
}

namespace {
// The round a seamless op names, before any bet or close is counted.
Round NewRound(const Op& op) {
  Round r;
  r.key = Ledger::RoundKey(op.provider, op.round_id);
  r.round_id = op.round_id;
  r.player_id = op.player_id;
  r.currency = op.ledger;
  r.provider = op.provider;
  return r;
}
// Balance a seamless op may spend from an account (never below zero).
int64_t Spendable(const Account& a) { return std::max<int64_t>(0, a.Available()); }
}  // namespace

Result Ledger::ApplyBet(const Op& op, uint64_t ts) {
  const int64_t real = FindAccountIndex(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerReal));
  const int64_t bonus = FindAccountIndex(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerBonus));
  const int64_t house = FindAccountIndex(HouseAccountId(op.provider, op.ledger));
  const int64_t pool = op.amount_jackpot > 0
                           ? FindAccountIndex(PoolAccountId(AccountKind::kJackpotPool, op.ledger))
                           : -2;
  if (real < 0 || house < 0 || pool == -1) return Result::kAccountNotFound;
  const Round* round = FindRound(op.provider, op.round_id);
  if (round) {
    if (round->player_id != op.player_id || round->currency != op.ledger)
      return Result::kRoundMismatch;
    if (round->closed) return Result::kRoundClosed;
  }
  // Funding order by policy; worked example: real 30, bonus 50, bet 60,
  // real-first -> 30 real + 30 bonus; bonus-first -> 50 bonus + 10 real.
  const int64_t have_real = Spendable(accounts_[static_cast<size_t>(real)]);
  const int64_t have_bonus = bonus >= 0 ? Spendable(accounts_[static_cast<size_t>(bonus)]) : 0;
  int64_t take_real, take_bonus;
  if (op.policy == static_cast<uint8_t>(BetPolicy::kRealFirst)) {
    take_real = std::min(op.amount, have_real);
    take_bonus = op.amount - take_real;
    if (take_bonus > have_bonus) return Result::kInsufficientFunds;
  } else {
    take_bonus = std::min(op.amount, have_bonus);
    take_real = op.amount - take_bonus;
    if (take_real > have_real) return Result::kInsufficientFunds;
  }
  Staging st(this);
  const auto h = static_cast<uint32_t>(house);
  if (Result r = st.Post(static_cast<uint32_t>(real), h, take_real); r != Result::kOk) return r;
  if (take_bonus > 0)
    if (Result r = st.Post(static_cast<uint32_t>(bonus), h, take_bonus); r != Result::kOk) return r;
  if (op.amount_jackpot > 0)
    if (Result r = st.Post(h, static_cast<uint32_t>(pool), op.amount_jackpot); r != Result::kOk)
      return r;
  if (Result r = st.CheckLimits(); r != Result::kOk)
    return r == Result::kExceedsCredits ? Result::kInsufficientFunds : r;
  st.Commit();
  if (round) {
    Round nr = *round;
    nr.bets += 1;
    SetRound(static_cast<uint32_t>(*round_index_.Find(nr.key)), nr);
  } else {
    Round nr = NewRound(op);
    nr.bets = 1;
    InsertRound(nr);
  }
  InsertEntry(op, ts, Result::kOk, EntryState::kBetApplied, take_real, take_bonus);
  return Result::kOk;
}

Result Ledger::ApplyWin(const Op& op, uint64_t ts) {
  const int64_t real = FindAccountIndex(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerReal));
  Id128 source_id;
  switch (static_cast<WinSource>(op.code)) {
    case WinSource::kHouse: source_id = HouseAccountId(op.provider, op.ledger); break;
    case WinSource::kJackpot: source_id = PoolAccountId(AccountKind::kJackpotPool, op.ledger); break;
    case WinSource::kPromo: source_id = PoolAccountId(AccountKind::kPromoBudget, op.ledger); break;
  }
  const int64_t source = FindAccountIndex(source_id);
  if (real < 0 || source < 0) return Result::kAccountNotFound;
  const uint64_t* rit = round_index_.Find(RoundKey(op.provider, op.round_id));
  if (!rit) return Result::kBetNotFound;
  const auto rindex = static_cast<uint32_t>(*rit);
  Round round = rounds_[rindex];
  if (round.player_id != op.player_id || round.currency != op.ledger) return Result::kRoundMismatch;
  if (round.closed) return Result::kRoundClosed;
  if (!op.ref_id.IsZero()) {
    const IndexEntry* bet = FindEntry(op.ref_id);
    if (bet && bet->state == EntryState::kTombstone) return Result::kBetRolledBack;
    if (!bet || bet->body.kind != OpKind::kBet || bet->result != Result::kOk)
      return Result::kBetNotFound;
    if (bet->body.round_id != op.round_id || bet->body.player_id != op.player_id ||
        bet->body.ledger != op.ledger || bet->body.provider != op.provider)
      return Result::kRoundMismatch;
    if (bet->state == EntryState::kBetRolledBack) return Result::kBetRolledBack;
  } else if (round.bets == round.rolled_back) {
    return Result::kBetNotFound;
  }
  if (op.amount > 0) {
    Staging st(this);
    if (Result r = st.Post(static_cast<uint32_t>(source), static_cast<uint32_t>(real), op.amount);
        r != Result::kOk)
      return r;
    if (Result r = st.CheckLimits(); r != Result::kOk) return r;
    st.Commit();
  }
  round.settled = 1;
  if (op.amount == 0 || (op.flags & kCloseRound)) round.closed = 1;
  SetRound(rindex, round);
  InsertEntry(op, ts, Result::kOk, EntryState::kNone, op.amount, 0);
  return Result::kOk;
}

Result Ledger::ApplyRollback(const Op& op, uint64_t ts) {
  const uint64_t* bit = entry_index_.Find(op.ref_id);
  if (!bit) {
    // Rollback before bet: a tombstone under the bet's key refuses the late bet.
    Op tomb;
    tomb.kind = OpKind::kBet;
    tomb.id = op.ref_id;
    tomb.player_id = op.player_id;
    tomb.ledger = op.ledger;
    tomb.provider = op.provider;
    tomb.round_id = op.round_id;
    InsertEntry(tomb, ts, Result::kBetRolledBack, EntryState::kTombstone, 0, 0);
    InsertEntry(op, ts, Result::kOkTombstone, EntryState::kNone, 0, 0);
    return Result::kOkTombstone;
  }
  const uint64_t bpos = *bit;
  const IndexEntry bet = EntryAt(bpos);
  if (bet.state == EntryState::kTombstone || bet.state == EntryState::kBetRolledBack) {
    InsertEntry(op, ts, Result::kAlreadyRolledBack, EntryState::kNone, 0, 0);
    return Result::kAlreadyRolledBack;
  }
  if (bet.body.kind != OpKind::kBet) return Result::kBetNotFound;
  if (bet.body.player_id != op.player_id || bet.body.ledger != op.ledger ||
      bet.body.provider != op.provider || bet.body.round_id != op.round_id)
    return Result::kRoundMismatch;
  if (bet.result != Result::kOk) {
    // The bet was refused (and stays refused): nothing moved, nothing to undo.
    InsertEntry(op, ts, Result::kOk, EntryState::kNone, 0, 0);
    return Result::kOk;
  }
  const uint64_t* rit = round_index_.Find(RoundKey(op.provider, op.round_id));
  WE_ASSERT(rit != nullptr);
  const auto rindex = static_cast<uint32_t>(*rit);
  Round round = rounds_[rindex];
  if (round.settled) return Result::kRoundSettled;
  if (round.closed) return Result::kRoundClosed;
  const int64_t real = FindAccountIndex(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerReal));
  const int64_t bonus = FindAccountIndex(PlayerAccountId(op.player_id, op.ledger, AccountKind::kPlayerBonus));
  const int64_t house = FindAccountIndex(HouseAccountId(op.provider, op.ledger));
  WE_ASSERT(real >= 0 && house >= 0 && (bet.leg_bonus == 0 || bonus >= 0));
  Staging st(this);
  const auto h = static_cast<uint32_t>(house);
  if (Result r = st.Post(h, static_cast<uint32_t>(real), bet.leg_real); r != Result::kOk) return r;
  if (bet.leg_bonus > 0)
    if (Result r = st.Post(h, static_cast<uint32_t>(bonus), bet.leg_bonus); r != Result::kOk)
      return r;
  if (Result r = st.CheckLimits(); r != Result::kOk) return r;
  st.Commit();
  SetEntryState(bpos, EntryState::kBetRolledBack);
  round.rolled_back += 1;
  SetRound(rindex, round);
  InsertEntry(op, ts, Result::kOk, EntryState::kNone, bet.leg_real, bet.leg_bonus);
  return Result::kOk;
}

Result Ledger::ApplyEndRound(const Op& op, uint64_t ts) {
  const uint64_t* rit = round_index_.Find(RoundKey(op.provider, op.round_id));
  Result r = Result::kOk;
  if (!rit) {
    // Closing an unknown round records it closed, so a late bet is refused.
    Round nr = NewRound(op);
    nr.closed = 1;
    InsertRound(nr);
  } else {
    const auto rindex = static_cast<uint32_t>(*rit);
    Round round = rounds_[rindex];
    if (round.player_id != op.player_id || round.currency != op.ledger)
      return Result::kRoundMismatch;
    if (round.closed) {
      r = Result::kRoundAlreadyClosed;
    } else {
      round.closed = 1;
      SetRound(rindex, round);
    }
  }
  InsertEntry(op, ts, r, EntryState::kNone, 0, 0);
  return r;
}

Result Ledger::ApplyPlayerMove(const Op& op, uint64_t ts) {
  const bool bonus_grant = op.kind == OpKind::kBonusGrant;
  const int64_t player = FindAccountIndex(PlayerAccountId(
      op.player_id, op.ledger, bonus_grant ? AccountKind::kPlayerBonus : AccountKind::kPlayerReal));
  const int64_t other = FindAccountIndex(
      PoolAccountId(bonus_grant ? AccountKind::kPromoBudget : AccountKind::kPspClearing, op.ledger));
  if (player < 0 || other < 0) return Result::kAccountNotFound;
  const auto p = static_cast<uint32_t>(player);
  const auto o = static_cast<uint32_t>(other);
  Staging st(this);
  if (op.kind == OpKind::kWithdraw) {
    if (op.amount > Spendable(accounts_[p])) return Result::kInsufficientFunds;
    if (Result r = st.Post(p, o, op.amount); r != Result::kOk) return r;
  } else {
    if (Result r = st.Post(o, p, op.amount); r != Result::kOk) return r;
  }
  if (Result r = st.CheckLimits(); r != Result::kOk)
    return r == Result::kExceedsCredits ? Result::kInsufficientFunds : r;
  st.Commit();
  InsertEntry(op, ts, Result::kOk, EntryState::kNone, op.amount, 0);
  return Result::kOk;
}

// ------------------------------------------------- expiry and retention ---

void Ledger::ExpirePending(uint64_t ts) {
  while (!expiry_.empty() && expiry_.begin()->first <= ts) {
    const uint64_t pos = expiry_.begin()->second;
    const IndexEntry& p = EntryAt(pos);
    WE_ASSERT(p.state == EntryState::kPendingOpen);
    const auto di = static_cast<uint32_t>(FindAccountIndex(p.body.debit_account_id));
    const auto ci = static_cast<uint32_t>(FindAccountIndex(p.body.credit_account_id));
    Account d = accounts_[di];
    d.debits_pending -= p.body.amount;
    SetAccount(di, d);
    Account c = accounts_[ci];
    c.credits_pending -= p.body.amount;
    SetAccount(ci, c);
    SetEntryState(pos, EntryState::kPendingExpired);  // also erases the expiry
  }
}

// Ids older than the retention leave the index (a pending transfer still
// open, or a bet of a round still open, holds the cursor until resolved).
// A closed round leaves with the entry that closed it (a win of 0 or with
// kCloseRound, or an end round that closed or created it): entries leave in
// timestamp order, so every bet and win of the round has left before it, and
// the round's state is only needed while ids that could refer to it are
// still remembered. Worked example: retention 10 s; bet at t=1 s, win 0 at
// t=2 s closes the round; a batch at t=12.5 s prunes the bet and the win,
// and with the win the round. Retried ids older than the retention are
// treated as new by the spec's own rule, so keeping their round would only
// grow the state forever (session 1 gap).
void Ledger::PruneRetention(uint64_t ts) {
  if (ts <= config_.retention_ns) return;
  const uint64_t cutoff = ts - config_.retention_ns;
  while (prune_cursor_ < entries_base_ + entries_.size()) {
    IndexEntry& e = EntryAt(prune_cursor_);
    if (e.timestamp >= cutoff) break;
    if (e.live) {
      if (e.state == EntryState::kPendingOpen) break;
      if (e.state == EntryState::kBetApplied) {
        const Round* r = FindRound(e.body.provider, e.body.round_id);
        if (r && !r->closed) break;
      }
      hash_sum_ -= entry_hashes_[prune_cursor_ - entries_base_];
      entry_index_.Erase(e.body.id);
      e.live = 0;
      const bool closed_round =
          e.result == Result::kOk &&
          ((e.body.kind == OpKind::kWin && (e.body.amount == 0 || (e.body.flags & kCloseRound))) ||
           e.body.kind == OpKind::kEndRound);
      if (closed_round) PruneRound(e.body.provider, e.body.round_id);
    }
    ++prune_cursor_;
  }
  while (!entries_.empty() && !entries_.front().live) {
    entries_.pop_front();
    entry_hashes_.pop_front();
    ++entries_base_;
  }
  // The next candidate is pruned by a coming batch: with small batches (one
  // op each in the simulator) its index slots are cold DRAM lines by then, so
  // start loading them now (performance only).
  if (prune_cursor_ < entries_base_ + entries_.size()) {
    const IndexEntry& next = EntryAt(prune_cursor_);
    entry_index_.Prefetch(next.body.id);
    if (next.state == EntryState::kBetApplied)
      round_index_.Prefetch(RoundKey(next.body.provider, next.body.round_id));
  }
}

void Ledger::PruneRound(uint32_t provider, const Id128& round_id) {
  const Id128 key = RoundKey(provider, round_id);
  const uint64_t* found = round_index_.Find(key);
  WE_ASSERT(found != nullptr);
  const auto index = static_cast<uint32_t>(*found);
  WE_ASSERT(rounds_[index].closed);
  hash_sum_ -= round_hashes_[index];
  round_index_.Erase(key);
  // Swap with the last round (a deterministic order: same ops, same moves).
  const auto last = static_cast<uint32_t>(rounds_.size() - 1);
  if (index != last) {
    rounds_[index] = rounds_[last];
    round_hashes_[index] = round_hashes_[last];
    *round_index_.Find(rounds_[index].key) = index;
  }
  rounds_.pop_back();
  round_hashes_.pop_back();
}

// ------------------------------------------------------------ snapshots ---

namespace {
constexpr uint64_t kImageMagic = 0x31474d494c4c4157ULL;  // "WALLIMG1"
template <typename T>
void Put(std::string* out, const T& v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <typename T>
bool Get(std::string_view* in, T* v) {
  if (in->size() < sizeof(T)) return false;
  std::memcpy(v, in->data(), sizeof(T));
  in->remove_prefix(sizeof(T));
  return true;
}
}  // namespace

void Ledger::Serialize(std::string* out) const {
  out->clear();
  const uint64_t live = entry_index_.size();
  out->reserve(48 + accounts_.size() * sizeof(Account) + live * sizeof(IndexEntry) +
               rounds_.size() * sizeof(Round));
  Put(out, kImageMagic);
  Put(out, last_timestamp_);
  Put(out, static_cast<uint64_t>(accounts_.size()));
  Put(out, live);
  Put(out, static_cast<uint64_t>(rounds_.size()));
  out->append(reinterpret_cast<const char*>(accounts_.data()), accounts_.size() * sizeof(Account));
  entries_.ForEach([&](const IndexEntry& e) {
    if (e.live) Put(out, e);
  });
  out->append(reinterpret_cast<const char*>(rounds_.data()), rounds_.size() * sizeof(Round));
}

bool Ledger::Deserialize(std::string_view in, LedgerConfig config, Ledger* out,
                         std::string* error) {
  *out = Ledger(config);
  uint64_t magic, ts, na, ne, nr;
  if (!Get(&in, &magic) || magic != kImageMagic || !Get(&in, &ts) || !Get(&in, &na) ||
      !Get(&in, &ne) || !Get(&in, &nr)) {
    *error = "state image header malformed";
    return false;
  }
  __extension__ typedef unsigned __int128 U128;
  const U128 need = static_cast<U128>(na) * sizeof(Account) +
                    static_cast<U128>(ne) * sizeof(IndexEntry) + static_cast<U128>(nr) * sizeof(Round);
  if (need != in.size()) {
    *error = "state image size does not match its counts";
    return false;
  }
  out->last_timestamp_ = ts;
  out->accounts_.resize(na);  // empty tables may have a null data(): no memcpy then
  out->account_hashes_.resize(na);
  if (na > 0) std::memcpy(out->accounts_.data(), in.data(), na * sizeof(Account));
  in.remove_prefix(na * sizeof(Account));
  out->account_index_.Reserve(na);
  for (uint32_t i = 0; i < na; ++i) {
    if (out->accounts_[i].id.IsZero() || !out->account_index_.Insert(out->accounts_[i].id, i)) {
      *error = "duplicate account id in state image";
      return false;
    }
    out->account_hashes_[i] = HashAccount(out->accounts_[i]);
    out->hash_sum_ += out->account_hashes_[i];
  }
  out->entry_index_.Reserve(ne);
  for (uint64_t i = 0; i < ne; ++i) {
    IndexEntry e;
    Get(&in, &e);
    if (!e.live || e.body.id.IsZero() || !out->entry_index_.Insert(e.body.id, i)) {
      *error = "bad or duplicate index entry in state image";
      return false;
    }
    out->entry_hashes_.push_back(HashEntry(e));
    out->hash_sum_ += out->entry_hashes_.back();
    if (e.state == EntryState::kPendingOpen && e.body.timeout_s > 0)
      out->expiry_.emplace(e.timestamp + static_cast<uint64_t>(e.body.timeout_s) * kNsPerSecond, i);
    out->entries_.push_back(e);
  }
  out->rounds_.resize(nr);
  out->round_hashes_.resize(nr);
  if (nr > 0) std::memcpy(out->rounds_.data(), in.data(), nr * sizeof(Round));
  for (uint32_t i = 0; i < nr; ++i) {
    if (out->rounds_[i].key.IsZero() || !out->round_index_.Insert(out->rounds_[i].key, i)) {
      *error = "duplicate round in state image";
      return false;
    }
    out->round_hashes_[i] = HashRound(out->rounds_[i]);
    out->hash_sum_ += out->round_hashes_[i];
  }
  return true;
}

}  // namespace wallet
