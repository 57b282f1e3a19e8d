// The wallet engine's data model: accounts, operations (one fixed 128-byte
// record shape for every kind, which is also the write-ahead-log body format),
// and the exhaustive result codes. See shared/spec/wallet.md "Data model".
#pragma once

#include <cstdint>

#include "wallet-engine/base.h"

namespace wallet {

// Account kinds (the `code` of an account).
enum class AccountKind : uint16_t {
  kPlayerReal = 1,
  kPlayerBonus = 2,
  kHouse = 3,        // one per provider and currency
  kJackpotPool = 4,  // one per currency
  kPromoBudget = 5,  // one per currency
  kPspClearing = 6,  // one per currency
};

// Account flags.
// Account flags (bit 1 is kLinked, shared with transfers, so accounts can be
// created in linked chains too).
enum AccountFlag : uint16_t {
  kDebitsMustNotExceedCredits = 2,  // no overdraft: debits_posted + debits_pending <= credits_posted
  kCreditsMustNotExceedDebits = 4,
};
constexpr uint16_t kAccountFlagsMask = 6;

// Transfer flags (raw transfers; seamless ops use kCloseRound on win).
enum TransferFlag : uint16_t {
  kLinked = 1,        // this op and the next succeed or fail together
  kPending = 2,       // reserve: moves amount into *_pending
  kPostPending = 4,   // post a pending transfer (ref_id = pending id)
  kVoidPending = 8,   // void a pending transfer (ref_id = pending id)
  kCloseRound = 16,   // win: also close the round
};
constexpr uint16_t kTransferFlagsMask = 31;

// Transfer codes (what a transfer means; seamless legs carry these).
enum class TransferCode : uint32_t {
  kBet = 1, kWin = 2, kRollback = 3, kDeposit = 4, kWithdraw = 5, kBonus = 6,
  kJackpot = 7, kCorrection = 8,
};

// Operation kinds. Values are on disk: never renumber.
enum class OpKind : uint8_t {
  kCreateAccount = 1,
  kTransfer = 2,
  kBet = 3,
  kWin = 4,
  kRollback = 5,
  kEndRound = 6,
  kDeposit = 7,
  kWithdraw = 8,
  kBonusGrant = 9,
};
constexpr uint8_t kOpKindMax = 9;

// Bet funding policy (Op::policy for kBet).
enum class BetPolicy : uint8_t { kRealFirst = 0, kBonusFirst = 1 };

// Win funding source (Op::code for kWin).
enum class WinSource : uint32_t { kHouse = 0, kJackpot = 1, kPromo = 2 };

// One operation: the input of the state machine and the log body format.
// Field use by kind:
//   kCreateAccount: id = account id, ledger = currency, code = AccountKind,
//                   flags = AccountFlag bits.
//   kTransfer: id, debit/credit account ids, amount, ledger, code, flags,
//              ref_id = pending id for post/void, round_id = user reference,
//              timeout_s for kPending.
//   kBet: id = idempotency key (DeriveOpId), player_id, ledger, provider,
//         round_id, amount, amount_jackpot (part of amount moved on from the
//         house to the jackpot pool), policy.
//   kWin: id, player_id, ledger, provider, round_id, ref_id = bet key (zero:
//         any bet of the round), amount (0 closes the round as a loss),
//         code = WinSource, flags kCloseRound.
//   kRollback: id, player_id, ledger, provider, round_id, ref_id = bet key.
//   kEndRound: id, player_id, ledger, provider, round_id.
//   kDeposit / kWithdraw / kBonusGrant: id, player_id, ledger, amount.
struct Op {
  OpKind kind = OpKind::kTransfer;
  uint8_t policy = 0;
  uint16_t flags = 0;
  uint32_t ledger = 0;
  uint32_t code = 0;
  uint32_t provider = 0;
  Id128 id;
  Id128 debit_account_id;
  Id128 credit_account_id;
  Id128 ref_id;
  Id128 round_id;
  int64_t amount = 0;
  int64_t amount_jackpot = 0;
  uint64_t player_id = 0;
  uint32_t timeout_s = 0;
  uint32_t reserved = 0;
  friend bool operator==(const Op&, const Op&) = default;
};
static_assert(sizeof(Op) == 128, "Op is the on-disk body format");

// An account as stored. Balances are derived only from applied transfers.
struct Account {
  Id128 id;
  int64_t debits_pending = 0;
  int64_t debits_posted = 0;
  int64_t credits_pending = 0;
  int64_t credits_posted = 0;
  uint64_t timestamp = 0;
  uint32_t ledger = 0;
  uint16_t flags = 0;
  uint16_t kind = 0;
  // Spendable balance for a debit-limited account: credits_posted minus
  // everything debited or reserved. Worked example: credits 100, debits
  // posted 30, pending 20 -> 50.
  int64_t Available() const { return credits_posted - debits_posted - debits_pending; }
};
static_assert(sizeof(Account) == 64);

// Exhaustive result codes for every operation kind. Values are on disk (the
// idempotency index stores them): never renumber, append only.
enum class Result : uint8_t {
  kOk = 0,
  kExists = 1,                 // same id, same body: original result/timestamp returned
  kOkTombstone = 2,            // rollback of an unknown bet: tombstone recorded
  kAlreadyRolledBack = 3,      // rollback of a bet another rollback undid: no change
  kRoundAlreadyClosed = 4,     // end round on a closed round: no change
  // Validation (depends only on the body; not recorded).
  kIdMustNotBeZero = 10,
  kInvalidKind = 11,
  kReservedField = 12,
  kFlagsInvalid = 13,
  kAmountMustBePositive = 14,
  kAmountMustNotBeNegative = 15,
  kAccountsMustBeDifferent = 16,
  kAccountIdMustNotBeZero = 17,
  kLedgerMustNotBeZero = 18,
  kCodeMustNotBeZero = 19,
  kPendingIdMustBeZero = 20,
  kPendingIdMustNotBeZero = 21,
  kPendingIdMustBeDifferent = 22,
  kTimeoutReservedForPendingTransfer = 23,
  kJackpotExceedsAmount = 24,
  kPlayerMustNotBeZero = 25,
  kRoundMustNotBeZero = 26,
  kLinkedEventChainOpen = 27,
  kInvalidAccountKind = 28,
  kLinkedEventFailed = 29,
  // Same id, different body, in this fixed precedence order.
  kExistsWithDifferentKind = 40,
  kExistsWithDifferentFlags = 41,
  kExistsWithDifferentRefId = 42,
  kExistsWithDifferentTimeout = 43,
  kExistsWithDifferentDebitAccountId = 44,
  kExistsWithDifferentCreditAccountId = 45,
  kExistsWithDifferentPlayer = 46,
  kExistsWithDifferentAmount = 47,
  kExistsWithDifferentJackpot = 48,
  kExistsWithDifferentRound = 49,
  kExistsWithDifferentProvider = 50,
  kExistsWithDifferentLedger = 51,
  kExistsWithDifferentCode = 52,
  kExistsWithDifferentPolicy = 53,
  // Transient (state-dependent): recorded, a retry gets kIdAlreadyFailed.
  kIdAlreadyFailed = 60,
  kDebitAccountNotFound = 61,
  kCreditAccountNotFound = 62,
  kAccountNotFound = 63,
  kAccountsMustHaveTheSameLedger = 64,
  kTransferMustHaveTheSameLedgerAsAccounts = 65,
  kPendingTransferNotFound = 66,
  kPendingTransferNotPending = 67,
  kPendingTransferHasDifferentDebitAccountId = 68,
  kPendingTransferHasDifferentCreditAccountId = 69,
  kPendingTransferHasDifferentLedger = 70,
  kExceedsPendingTransferAmount = 71,
  kPendingTransferAlreadyPosted = 72,
  kPendingTransferAlreadyVoided = 73,
  kPendingTransferExpired = 74,
  kExceedsCredits = 75,  // insufficient funds
  kExceedsDebits = 76,
  kOverflowsDebitsPending = 77,
  kOverflowsCreditsPending = 78,
  kOverflowsDebitsPosted = 79,
  kOverflowsCreditsPosted = 80,
  kInsufficientFunds = 81,  // seamless bet/withdraw refused; reply carries balances
  kRoundClosed = 82,        // no debit (or win) on a closed round
  kRoundSettled = 83,       // rollback refused after a win settled the round
  kBetNotFound = 84,        // win references no bet of this round/player/currency
  kBetRolledBack = 85,      // late bet after rollback tombstone, or win on a rolled-back bet
  kRoundMismatch = 86,      // round belongs to another player or currency
  kPendingTransferCannotBeResolvedTwice = 87,
};

// Human-readable snake_case name ("exceeds_credits"), stable for logs/JSON.
const char* ResultName(Result r);

// Applications treat these as success (kExists means "already done").
constexpr bool IsSuccess(Result r) {
  return r == Result::kOk || r == Result::kExists || r == Result::kOkTombstone ||
         r == Result::kAlreadyRolledBack || r == Result::kRoundAlreadyClosed;
}
// State-dependent failures that are recorded in the idempotency index.
constexpr bool IsTransientFailure(Result r) {
  return static_cast<uint8_t>(r) >= 61 && static_cast<uint8_t>(r) <= 87;
}

// The reply to one operation.
struct OpReply {
  Result result = Result::kOk;
  Result original = Result::kOk;  // for kExists / kIdAlreadyFailed: the first outcome
  uint16_t reserved = 0;
  uint32_t reserved2 = 0;
  uint64_t timestamp = 0;         // engine timestamp of the (original) application
  int64_t balance_real_minor = 0;   // seamless ops: player balances after the op
  int64_t balance_bonus_minor = 0;
  friend bool operator==(const OpReply&, const OpReply&) = default;
};

// ---- Account and key derivation for the seamless surface --------------------
// Account ids are derived, so providers and PSPs never need a lookup table:
// hi = kind << 48 | currency, lo = player id or provider id.
constexpr Id128 PlayerAccountId(uint64_t player_id, uint32_t currency, AccountKind kind) {
  return Id128{(static_cast<uint64_t>(kind) << 48) | currency, player_id};
}
constexpr Id128 HouseAccountId(uint32_t provider, uint32_t currency) {
  return Id128{(static_cast<uint64_t>(AccountKind::kHouse) << 48) | currency, provider};
}
constexpr Id128 PoolAccountId(AccountKind kind, uint32_t currency) {
  return Id128{(static_cast<uint64_t>(kind) << 48) | currency, 0xffffffffffffffffULL};
}

// The idempotency key of a seamless operation: a retry of the same provider
// transaction maps to the same id.
Id128 DeriveOpId(uint32_t provider, OpKind kind, std::string_view provider_tx_id);
Id128 DeriveOpId(uint32_t provider, OpKind kind, uint64_t provider_tx_id);

// ---- Builders (plain helpers for hosts and tests) ---------------------------
Op MakeCreateAccount(Id128 id, uint32_t currency, AccountKind kind, uint16_t flags);
Op MakeTransfer(Id128 id, Id128 debit, Id128 credit, int64_t amount, uint32_t currency,
                TransferCode code, uint16_t flags = 0);
Op MakeBet(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round,
           int64_t amount, int64_t jackpot = 0, BetPolicy policy = BetPolicy::kRealFirst);
Op MakeWin(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round,
           Id128 bet_key, int64_t amount, bool close_round = false,
           WinSource source = WinSource::kHouse);
Op MakeRollback(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round,
                Id128 bet_key);
Op MakeEndRound(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round);
Op MakeDeposit(Id128 key, uint64_t player, uint32_t currency, int64_t amount);
Op MakeWithdraw(Id128 key, uint64_t player, uint32_t currency, int64_t amount);
Op MakeBonusGrant(Id128 key, uint64_t player, uint32_t currency, int64_t amount);

}  // namespace wallet
