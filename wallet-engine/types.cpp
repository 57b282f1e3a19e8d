#include "wallet-engine/types.h"

namespace wallet {

const char* ResultName(Result r) {
  switch (r) {
    case Result::kOk: return "ok";
    case Result::kExists: return "exists";
    case Result::kOkTombstone: return "ok_tombstone";
    case Result::kAlreadyRolledBack: return "already_rolled_back";
    case Result::kRoundAlreadyClosed: return "round_already_closed";
    case Result::kIdMustNotBeZero: return "id_must_not_be_zero";
    case Result::kInvalidKind: return "invalid_kind";
    case Result::kReservedField: return "reserved_field";
    case Result::kFlagsInvalid: return "flags_invalid";
    case Result::kAmountMustBePositive: return "amount_must_be_positive";
    case Result::kAmountMustNotBeNegative: return "amount_must_not_be_negative";
    case Result::kAccountsMustBeDifferent: return "accounts_must_be_different";
    case Result::kAccountIdMustNotBeZero: return "account_id_must_not_be_zero";
    case Result::kLedgerMustNotBeZero: return "ledger_must_not_be_zero";
    case Result::kCodeMustNotBeZero: return "code_must_not_be_zero";
    case Result::kPendingIdMustBeZero: return "pending_id_must_be_zero";
    case Result::kPendingIdMustNotBeZero: return "pending_id_must_not_be_zero";
    case Result::kPendingIdMustBeDifferent: return "pending_id_must_be_different";
    case Result::kTimeoutReservedForPendingTransfer: return "timeout_reserved_for_pending_transfer";
    case Result::kJackpotExceedsAmount: return "jackpot_exceeds_amount";
    case Result::kPlayerMustNotBeZero: return "player_must_not_be_zero";
    case Result::kRoundMustNotBeZero: return "round_must_not_be_zero";
    case Result::kLinkedEventChainOpen: return "linked_event_chain_open";
    case Result::kInvalidAccountKind: return "invalid_account_kind";
    case Result::kLinkedEventFailed: return "linked_event_failed";
    case Result::kExistsWithDifferentKind: return "exists_with_different_kind";
    case Result::kExistsWithDifferentFlags: return "exists_with_different_flags";
    case Result::kExistsWithDifferentRefId: return "exists_with_different_ref_id";
    case Result::kExistsWithDifferentTimeout: return "exists_with_different_timeout";
    case Result::kExistsWithDifferentDebitAccountId: return "exists_with_different_debit_account_id";
    case Result::kExistsWithDifferentCreditAccountId: return "exists_with_different_credit_account_id";
    case Result::kExistsWithDifferentPlayer: return "exists_with_different_player";
    case Result::kExistsWithDifferentAmount: return "exists_with_different_amount";
    case Result::kExistsWithDifferentJackpot: return "exists_with_different_jackpot";
    case Result::kExistsWithDifferentRound: return "exists_with_different_round";
    case Result::kExistsWithDifferentProvider: return "exists_with_different_provider";
    case Result::kExistsWithDifferentLedger: return "exists_with_different_ledger";
    case Result::kExistsWithDifferentCode: return "exists_with_different_code";
    case Result::kExistsWithDifferentPolicy: return "exists_with_different_policy";
    case Result::kIdAlreadyFailed: return "id_already_failed";
    case Result::kDebitAccountNotFound: return "debit_account_not_found";
    case Result::kCreditAccountNotFound: return "credit_account_not_found";
    case Result::kAccountNotFound: return "account_not_found";
    case Result::kAccountsMustHaveTheSameLedger: return "accounts_must_have_the_same_ledger";
    case Result::kTransferMustHaveTheSameLedgerAsAccounts: return "transfer_must_have_the_same_ledger_as_accounts";
    case Result::kPendingTransferNotFound: return "pending_transfer_not_found";
    case Result::kPendingTransferNotPending: return "pending_transfer_not_pending";
    case Result::kPendingTransferHasDifferentDebitAccountId: return "pending_transfer_has_different_debit_account_id";
    case Result::kPendingTransferHasDifferentCreditAccountId: return "pending_transfer_has_different_credit_account_id";
    case Result::kPendingTransferHasDifferentLedger: return "pending_transfer_has_different_ledger";
    case Result::kExceedsPendingTransferAmount: return "exceeds_pending_transfer_amount";
    case Result::kPendingTransferAlreadyPosted: return "pending_transfer_already_posted";
    case Result::kPendingTransferAlreadyVoided: return "pending_transfer_already_voided";
    case Result::kPendingTransferExpired: return "pending_transfer_expired";
    case Result::kExceedsCredits: return "exceeds_credits";
    case Result::kExceedsDebits: return "exceeds_debits";
    case Result::kOverflowsDebitsPending: return "overflows_debits_pending";
    case Result::kOverflowsCreditsPending: return "overflows_credits_pending";
    case Result::kOverflowsDebitsPosted: return "overflows_debits_posted";
    case Result::kOverflowsCreditsPosted: return "overflows_credits_posted";
    case Result::kInsufficientFunds: return "insufficient_funds";
    case Result::kRoundClosed: return "round_closed";
    case Result::kRoundSettled: return "round_settled";
    case Result::kBetNotFound: return "bet_not_found";
    case Result::kBetRolledBack: return "bet_rolled_back";
    case Result::kRoundMismatch: return "round_mismatch";
    case Result::kPendingTransferCannotBeResolvedTwice: return "pending_transfer_cannot_be_resolved_twice";
  }
  return "unknown";
}

Id128 DeriveOpId(uint32_t provider, OpKind kind, std::string_view provider_tx_id) {
  std::string key;
  key.reserve(provider_tx_id.size() + 8);
  key.append(reinterpret_cast<const char*>(&provider), sizeof provider);
  const auto k = static_cast<char>(kind);
  key.push_back(k);
  key.append(provider_tx_id);
  return DeriveId(key, 0x6f70);
}

Id128 DeriveOpId(uint32_t provider, OpKind kind, uint64_t provider_tx_id) {
  char buf[13];
  std::memcpy(buf, &provider, 4);
  buf[4] = static_cast<char>(kind);
  std::memcpy(buf + 5, &provider_tx_id, 8);
  return DeriveId(std::string_view(buf, sizeof buf), 0x6f71);
}

Op MakeCreateAccount(Id128 id, uint32_t currency, AccountKind kind, uint16_t flags) {
  Op op;
  op.kind = OpKind::kCreateAccount;
  op.id = id;
  op.ledger = currency;
  op.code = static_cast<uint32_t>(kind);
  op.flags = flags;
  return op;
}

Op MakeTransfer(Id128 id, Id128 debit, Id128 credit, int64_t amount, uint32_t currency,
                TransferCode code, uint16_t flags) {
  Op op;
  op.kind = OpKind::kTransfer;
  op.id = id;
  op.debit_account_id = debit;
  op.credit_account_id = credit;
  op.amount = amount;
  op.ledger = currency;
  op.code = static_cast<uint32_t>(code);
  op.flags = flags;
  return op;
}

namespace {
Op Seamless(OpKind kind, Id128 key, uint64_t player, uint32_t currency) {
  Op op;
  op.kind = kind;
  op.id = key;
  op.player_id = player;
  op.ledger = currency;
  return op;
}
}  // namespace

Op MakeBet(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round,
           int64_t amount, int64_t jackpot, BetPolicy policy) {
  Op op = Seamless(OpKind::kBet, key, player, currency);
  op.provider = provider;
  op.round_id = round;
  op.amount = amount;
  op.amount_jackpot = jackpot;
  op.policy = static_cast<uint8_t>(policy);
  return op;
}

Op MakeWin(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round,
           Id128 bet_key, int64_t amount, bool close_round, WinSource source) {
  Op op = Seamless(OpKind::kWin, key, player, currency);
  op.provider = provider;
  op.round_id = round;
  op.ref_id = bet_key;
  op.amount = amount;
  op.code = static_cast<uint32_t>(source);
  op.flags = close_round ? kCloseRound : 0;
  return op;
}

Op MakeRollback(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round,
                Id128 bet_key) {
  Op op = Seamless(OpKind::kRollback, key, player, currency);
  op.provider = provider;
  op.round_id = round;
  op.ref_id = bet_key;
  return op;
}

Op MakeEndRound(Id128 key, uint64_t player, uint32_t currency, uint32_t provider, Id128 round) {
  Op op = Seamless(OpKind::kEndRound, key, player, currency);
  op.provider = provider;
  op.round_id = round;
  return op;
}

Op MakeDeposit(Id128 key, uint64_t player, uint32_t currency, int64_t amount) {
  Op op = Seamless(OpKind::kDeposit, key, player, currency);
  op.amount = amount;
  return op;
}

Op MakeWithdraw(Id128 key, uint64_t player, uint32_t currency, int64_t amount) {
  Op op = Seamless(OpKind::kWithdraw, key, player, currency);
  op.amount = amount;
  return op;
}

Op MakeBonusGrant(Id128 key, uint64_t player, uint32_t currency, int64_t amount) {
  Op op = Seamless(OpKind::kBonusGrant, key, player, currency);
  op.amount = amount;
  return op;
}

}  // namespace wallet
