// Table-driven unit tests for every ledger operation and idempotency/round
// rule of shared/spec/wallet.md; the invariant checker runs after every op.
#include <gtest/gtest.h>

#include <vector>

#include "wallet-engine/invariants.h"
#include "wallet-engine/ledger.h"

namespace wallet {
void PrintTo(Result r, std::ostream* os) { *os << ResultName(r); }
namespace {

constexpr uint32_t kEur = 978;
constexpr uint32_t kUsd = 840;
constexpr uint32_t kProv = 7;

Id128 Key(uint64_t n) { return Id128{0xabc, n}; }

class LedgerTest : public ::testing::Test {
 protected:
  // Applies one op as its own batch; checks every ledger invariant after it.
  OpReply Apply(const Op& op) {
    OpReply reply;
    ts_ += 1000;
    ledger_.ApplyBatch(std::span<const Op>(&op, 1), ts_, &reply);
    EXPECT_EQ(CheckLedgerInvariants(ledger_), "");
    return reply;
  }
  std::vector<OpReply> ApplyMany(const std::vector<Op>& ops) {
    std::vector<OpReply> replies(ops.size());
    ts_ += 1000;
    ledger_.ApplyBatch(ops, ts_, replies.data());
    ts_ += ops.size();
    EXPECT_EQ(CheckLedgerInvariants(ledger_), "");
    return replies;
  }
  void CreatePlayer(uint64_t player, uint32_t cur = kEur) {
    EXPECT_EQ(Apply(MakeCreateAccount(PlayerAccountId(player, cur, AccountKind::kPlayerReal), cur,
                                      AccountKind::kPlayerReal, kDebitsMustNotExceedCredits)).result,
              Result::kOk);
    EXPECT_EQ(Apply(MakeCreateAccount(PlayerAccountId(player, cur, AccountKind::kPlayerBonus), cur,
                                      AccountKind::kPlayerBonus, kDebitsMustNotExceedCredits)).result,
              Result::kOk);
  }
  void CreateHouse(uint32_t cur = kEur) {
    Apply(MakeCreateAccount(HouseAccountId(kProv, cur), cur, AccountKind::kHouse, 0));
    Apply(MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, cur), cur,
                            AccountKind::kJackpotPool, kDebitsMustNotExceedCredits));
    Apply(MakeCreateAccount(PoolAccountId(AccountKind::kPromoBudget, cur), cur,
                            AccountKind::kPromoBudget, 0));
    Apply(MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, cur), cur,
                            AccountKind::kPspClearing, 0));
  }
  void Casino() {
    CreateHouse();
    CreatePlayer(1);
    CreatePlayer(2);
  }
  Result Deposit(uint64_t player, int64_t amount) {
    return Apply(MakeDeposit(Key(900000 + next_++), player, kEur, amount)).result;
  }
  Id128 Round(uint64_t n) { return Id128{0x20, n}; }

  Ledger ledger_;
  uint64_t ts_ = 1'000'000;
  uint64_t next_ = 0;
};

// reply_balances = false (a replica's apply, a replay): the same state and
// the same replies except the balance fields, which stay 0; with them on, a
// bet's reply carries the player's balances after it.
TEST_F(LedgerTest, RepliesWithoutBalancesDifferOnlyInTheBalances) {
  Casino();
  ASSERT_EQ(Deposit(1, 10'000), Result::kOk);
  Ledger other = ledger_;
  const std::vector<Op> ops = {
      MakeBet(Key(501), 1, kEur, kProv, Round(7), 2'500),
      MakeBet(Key(501), 1, kEur, kProv, Round(7), 2'500),  // retry: kExists
      MakeBet(Key(502), 1, kEur, kProv, Round(8), 50'000),  // insufficient funds
      MakeWin(Key(503), 1, kEur, kProv, Round(7), Key(501), 700, true),
      MakeTransfer(Key(504), PoolAccountId(AccountKind::kPspClearing, kEur),
                   PlayerAccountId(2, kEur, AccountKind::kPlayerReal), 100, kEur,
                   TransferCode::kDeposit)};
  std::vector<OpReply> with(ops.size()), without(ops.size());
  ledger_.ApplyBatch(ops, ts_ + 1000, with.data());
  other.ApplyBatch(ops, ts_ + 1000, without.data(), /*reply_balances=*/false);
  EXPECT_EQ(ledger_.StateHash(), other.StateHash());
  EXPECT_EQ(with[0].balance_real_minor, 7'500);
  EXPECT_EQ(with[3].balance_real_minor, 8'200);
  for (size_t i = 0; i < ops.size(); ++i) {
    EXPECT_EQ(without[i].balance_real_minor, 0) << i;
    EXPECT_EQ(without[i].balance_bonus_minor, 0) << i;
    OpReply masked = with[i];
    masked.balance_real_minor = masked.balance_bonus_minor = 0;
    EXPECT_EQ(masked, without[i]) << i;
  }
}

// ----- raw transfers ---------------------------------------------------------

TEST_F(LedgerTest, TransferMovesMoneyAndRetryReturnsExistsWithOriginalTimestamp) {
  Casino();
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 psp = PoolAccountId(AccountKind::kPspClearing, kEur);
  const Op t = MakeTransfer(Key(1), psp, a, 500, kEur, TransferCode::kDeposit);
  const OpReply first = Apply(t);
  ASSERT_EQ(first.result, Result::kOk);
  EXPECT_EQ(ledger_.FindAccount(a)->credits_posted, 500);
  const OpReply again = Apply(t);
  EXPECT_EQ(again.result, Result::kExists);
  EXPECT_EQ(again.original, Result::kOk);
  EXPECT_EQ(again.timestamp, first.timestamp);
  EXPECT_EQ(ledger_.FindAccount(a)->credits_posted, 500);
}

TEST_F(LedgerTest, ValidationTable) {
  Casino();
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 psp = PoolAccountId(AccountKind::kPspClearing, kEur);
  struct Case {
    const char* name;
    Op op;
    Result want;
  };
  auto t = [&](auto mutate) {
    Op op = MakeTransfer(Key(77), psp, a, 10, kEur, TransferCode::kDeposit);
    mutate(op);
    return op;
  };
  const std::vector<Case> cases = {
      {"zero id", t([](Op& o) { o.id = {}; }), Result::kIdMustNotBeZero},
      {"bad kind", t([](Op& o) { o.kind = static_cast<OpKind>(99); }), Result::kInvalidKind},
      {"reserved", t([](Op& o) { o.reserved = 1; }), Result::kReservedField},
      {"zero amount", t([](Op& o) { o.amount = 0; }), Result::kAmountMustBePositive},
      {"negative amount", t([](Op& o) { o.amount = -5; }), Result::kAmountMustBePositive},
      {"same accounts", t([&](Op& o) { o.credit_account_id = psp; }), Result::kAccountsMustBeDifferent},
      {"zero debit", t([](Op& o) { o.debit_account_id = {}; }), Result::kAccountIdMustNotBeZero},
      {"zero ledger", t([](Op& o) { o.ledger = 0; }), Result::kLedgerMustNotBeZero},
      {"zero code", t([](Op& o) { o.code = 0; }), Result::kCodeMustNotBeZero},
      {"pending+post", t([](Op& o) { o.flags = kPending | kPostPending; }), Result::kFlagsInvalid},
      {"unknown flag", t([](Op& o) { o.flags = 0x400; }), Result::kFlagsInvalid},
      {"ref on plain", t([](Op& o) { o.ref_id = Key(5); }), Result::kPendingIdMustBeZero},
      {"timeout on plain", t([](Op& o) { o.timeout_s = 5; }), Result::kTimeoutReservedForPendingTransfer},
      {"post without ref", t([](Op& o) { o.flags = kPostPending; }), Result::kPendingIdMustNotBeZero},
      {"unknown debit", t([](Op& o) { o.debit_account_id = Key(4242); }), Result::kDebitAccountNotFound},
      {"unknown credit", t([](Op& o) { o.credit_account_id = Key(4243); }), Result::kCreditAccountNotFound},
      {"wrong ledger", t([](Op& o) { o.ledger = kUsd; }), Result::kTransferMustHaveTheSameLedgerAsAccounts},
      {"post unknown pending", t([](Op& o) { o.flags = kPostPending; o.ref_id = Key(31337); }),
       Result::kPendingTransferNotFound},
      {"bet zero player", MakeBet(Key(78), 0, kEur, kProv, Round(1), 10), Result::kPlayerMustNotBeZero},
      {"bet zero round", MakeBet(Key(78), 1, kEur, kProv, {}, 10), Result::kRoundMustNotBeZero},
      {"bet zero amount", MakeBet(Key(78), 1, kEur, kProv, Round(1), 0), Result::kAmountMustBePositive},
      {"jackpot > amount", MakeBet(Key(78), 1, kEur, kProv, Round(1), 10, 11), Result::kJackpotExceedsAmount},
      {"win negative", MakeWin(Key(78), 1, kEur, kProv, Round(1), {}, -1), Result::kAmountMustNotBeNegative},
      {"rollback no ref", MakeRollback(Key(78), 1, kEur, kProv, Round(1), {}), Result::kPendingIdMustNotBeZero},
      {"deposit zero", MakeDeposit(Key(78), 1, kEur, 0), Result::kAmountMustBePositive},
      {"account bad kind", MakeCreateAccount(Key(79), kEur, static_cast<AccountKind>(9), 0),
       Result::kInvalidAccountKind},
      {"account both limits", MakeCreateAccount(Key(79), kEur, AccountKind::kHouse, 6), Result::kFlagsInvalid},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Op op = cases[i].op;
    if (!op.id.IsZero()) op.id = Key(1000 + i);  // fresh id per case
    EXPECT_EQ(Apply(op).result, cases[i].want) << cases[i].name;
  }
}

TEST_F(LedgerTest, ExistsWithDifferentFieldsInFixedPrecedence) {
  Casino();
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 b = PlayerAccountId(2, kEur, AccountKind::kPlayerReal);
  const Id128 psp = PoolAccountId(AccountKind::kPspClearing, kEur);
  const Op base = MakeTransfer(Key(5), psp, a, 100, kEur, TransferCode::kDeposit);
  ASSERT_EQ(Apply(base).result, Result::kOk);
  struct Case {
    const char* name;
    void (*mutate)(Op&, const Id128&);
    Result want;
  };
  const Case cases[] = {
      {"amount", [](Op& o, const Id128&) { o.amount = 101; }, Result::kExistsWithDifferentAmount},
      {"credit", [](Op& o, const Id128& other) { o.credit_account_id = other; },
       Result::kExistsWithDifferentCreditAccountId},
      {"code", [](Op& o, const Id128&) { o.code = 8; }, Result::kExistsWithDifferentCode},
      {"round", [](Op& o, const Id128&) { o.round_id = Id128{1, 1}; }, Result::kExistsWithDifferentRound},
      {"flags beats amount", [](Op& o, const Id128&) { o.flags = kPending; o.amount = 5; },
       Result::kExistsWithDifferentFlags},
      {"credit beats amount+code",
       [](Op& o, const Id128& other) { o.credit_account_id = other; o.amount = 1; o.code = 8; },
       Result::kExistsWithDifferentCreditAccountId},
      {"amount beats code", [](Op& o, const Id128&) { o.amount = 7; o.code = 8; },
       Result::kExistsWithDifferentAmount},
  };
  for (const auto& c : cases) {
    Op op = base;
    c.mutate(op, b);
    EXPECT_EQ(Apply(op).result, c.want) << c.name;
  }
  EXPECT_EQ(ledger_.FindAccount(a)->credits_posted, 100);
  EXPECT_EQ(ledger_.FindAccount(b)->credits_posted, 0);
}

TEST_F(LedgerTest, StickyFailureSurvivesLaterFunds) {
  Casino();
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 house = HouseAccountId(kProv, kEur);
  const Op pay = MakeTransfer(Key(9), a, house, 50, kEur, TransferCode::kBet);
  EXPECT_EQ(Apply(pay).result, Result::kExceedsCredits);
  EXPECT_EQ(Deposit(1, 1000), Result::kOk);
  const OpReply retry = Apply(pay);
  EXPECT_EQ(retry.result, Result::kIdAlreadyFailed);
  EXPECT_EQ(retry.original, Result::kExceedsCredits);
  EXPECT_EQ(ledger_.FindAccount(a)->debits_posted, 0);
}

TEST_F(LedgerTest, OverflowIsAResultNotACrash) {
  CreateHouse();
  CreatePlayer(1);
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 psp = PoolAccountId(AccountKind::kPspClearing, kEur);
  const int64_t big = INT64_MAX - 10;
  EXPECT_EQ(Apply(MakeTransfer(Key(1), psp, a, big, kEur, TransferCode::kDeposit)).result, Result::kOk);
  EXPECT_EQ(Apply(MakeTransfer(Key(2), psp, a, 11, kEur, TransferCode::kDeposit)).result,
            Result::kOverflowsDebitsPosted);
  EXPECT_EQ(ledger_.FindAccount(a)->credits_posted, big);
  // Bet overflow on the house side.
  EXPECT_EQ(Apply(MakeBet(Key(3), 1, kEur, kProv, Round(1), big)).result, Result::kOk);
  EXPECT_EQ(Deposit(1, 5), Result::kOk);
  EXPECT_EQ(Apply(MakeTransfer(Key(4), a, HouseAccountId(kProv, kEur), 11, kEur, TransferCode::kBet)).result,
            Result::kOverflowsDebitsPosted);
  ASSERT_EQ(Apply(MakeCreateAccount(Key(70), kEur, AccountKind::kHouse, 0)).result, Result::kOk);
  EXPECT_EQ(Apply(MakeTransfer(Key(5), Key(70), a, 11, kEur, TransferCode::kCorrection)).result,
            Result::kOverflowsCreditsPosted);
}

TEST_F(LedgerTest, LinkedChainIsAllOrNothing) {
  Casino();
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 b = PlayerAccountId(2, kEur, AccountKind::kPlayerReal);
  const Id128 psp = PoolAccountId(AccountKind::kPspClearing, kEur);
  std::vector<Op> chain = {
      MakeTransfer(Key(1), psp, a, 100, kEur, TransferCode::kDeposit, kLinked),
      MakeTransfer(Key(2), a, b, 150, kEur, TransferCode::kCorrection, kLinked),  // exceeds
      MakeTransfer(Key(3), psp, b, 5, kEur, TransferCode::kDeposit),
      MakeTransfer(Key(4), psp, b, 7, kEur, TransferCode::kDeposit),
  };
  auto r = ApplyMany(chain);
  EXPECT_EQ(r[0].result, Result::kLinkedEventFailed);
  EXPECT_EQ(r[1].result, Result::kExceedsCredits);
  EXPECT_EQ(r[2].result, Result::kLinkedEventFailed);
  EXPECT_EQ(r[3].result, Result::kOk);
  EXPECT_EQ(ledger_.FindAccount(a)->credits_posted, 0);
  EXPECT_EQ(ledger_.FindAccount(b)->credits_posted, 7);
  // The failed member is sticky, the others can be retried.
  Op retry = chain[1];
  retry.flags = 0;
  EXPECT_EQ(Apply(retry).result, Result::kIdAlreadyFailed);
  EXPECT_EQ(Apply(MakeTransfer(Key(1), psp, a, 100, kEur, TransferCode::kDeposit)).result, Result::kOk);
  // An open chain at the end of a batch fails.
  auto open = ApplyMany({MakeTransfer(Key(20), psp, a, 1, kEur, TransferCode::kDeposit, kLinked)});
  EXPECT_EQ(open[0].result, Result::kLinkedEventChainOpen);
}

TEST_F(LedgerTest, PendingPostVoidAndExpiry) {
  Casino();
  const Id128 a = PlayerAccountId(1, kEur, AccountKind::kPlayerReal);
  const Id128 house = HouseAccountId(kProv, kEur);
  ASSERT_EQ(Deposit(1, 100), Result::kOk);
  Op hold = MakeTransfer(Key(1), a, house, 60, kEur, TransferCode::kBet, kPending);
  ASSERT_EQ(Apply(hold).result, Result::kOk);
  EXPECT_EQ(ledger_.Balance(1, kEur).real_minor, 40);
  // The reservation counts against the limit.
  EXPECT_EQ(Apply(MakeTransfer(Key(2), a, house, 50, kEur, TransferCode::kBet)).result,
            Result::kExceedsCredits);
  Op post = MakeTransfer(Key(3), {}, {}, 45, 0, TransferCode::kBet, kPostPending);
  post.ref_id = Key(1);
  post.code = 0;
  EXPECT_EQ(Apply(post).result, Result::kOk);
  EXPECT_EQ(ledger_.FindAccount(a)->debits_posted, 45);
  EXPECT_EQ(ledger_.FindAccount(a)->debits_pending, 0);
  Op void_op = post;
  void_op.id = Key(4);
  void_op.flags = kVoidPending;
  void_op.amount = 0;
  EXPECT_EQ(Apply(void_op).result, Result::kPendingTransferAlreadyPosted);
  Op over = post;
  over.id = Key(5);
  EXPECT_EQ(Apply(over).result, Result::kPendingTransferAlreadyPosted);
  // Expiry releases the reservation at the first batch past the timeout.
  Op hold2 = MakeTransfer(Key(6), a, house, 10, kEur, TransferCode::kBet, kPending);
  hold2.timeout_s = 2;
  ASSERT_EQ(Apply(hold2).result, Result::kOk);
  EXPECT_EQ(ledger_.FindAccount(a)->debits_pending, 10);
  ts_ += 3'000'000'000ULL;
  Op post2 = MakeTransfer(Key(7), {}, {}, 0, 0, TransferCode::kBet, kPostPending);
  post2.ref_id = Key(6);
  post2.code = 0;
  EXPECT_EQ(Apply(post2).result, Result::kPendingTransferExpired);
  EXPECT_EQ(ledger_.FindAccount(a)->debits_pending, 0);
  Op hold3 = MakeTransfer(Key(8), a, house, 5, kEur, TransferCode::kBet, kPending);
  ASSERT_EQ(Apply(hold3).result, Result::kOk);
  Op big = MakeTransfer(Key(9), {}, {}, 6, 0, TransferCode::kBet, kPostPending);
  big.ref_id = Key(8);
  big.code = 0;
  EXPECT_EQ(Apply(big).result, Result::kExceedsPendingTransferAmount);
  Op v = big;
  v.id = Key(10);
  v.flags = kVoidPending;
  v.amount = 0;
  EXPECT_EQ(Apply(v).result, Result::kOk);
  EXPECT_EQ(ledger_.FindAccount(a)->debits_pending, 0);
}

// ----- seamless operations -----------------------------------------------------

TEST_F(LedgerTest, BetFundingOrderByPolicyAndJackpotSplit) {
  Casino();
  ASSERT_EQ(Deposit(1, 30), Result::kOk);
  ASSERT_EQ(Apply(MakeBonusGrant(Key(50), 1, kEur, 50)).result, Result::kOk);
  struct Case {
    BetPolicy policy;
    int64_t want_real_after, want_bonus_after;
  };
  // Worked example from ApplyBet: real 30, bonus 50, bet 60.
  const Case cases[] = {{BetPolicy::kRealFirst, 0, 20}, {BetPolicy::kBonusFirst, 20, 0}};
  uint64_t n = 0;
  for (const auto& c : cases) {
    Ledger saved = ledger_;
    const OpReply r = Apply(MakeBet(Key(100 + n), 1, kEur, kProv, Round(1 + n), 60, 6, c.policy));
    ASSERT_EQ(r.result, Result::kOk);
    EXPECT_EQ(r.balance_real_minor, c.want_real_after);
    EXPECT_EQ(r.balance_bonus_minor, c.want_bonus_after);
    EXPECT_EQ(ledger_.FindAccount(PoolAccountId(AccountKind::kJackpotPool, kEur))->credits_posted, 6);
    EXPECT_EQ(ledger_.FindAccount(HouseAccountId(kProv, kEur))->credits_posted -
                  ledger_.FindAccount(HouseAccountId(kProv, kEur))->debits_posted, 54);
    ledger_ = saved;
    ++n;
  }
}

TEST_F(LedgerTest, BetRefusedThenDepositThenRetryStaysRefused) {
  Casino();
  ASSERT_EQ(Deposit(1, 10), Result::kOk);
  const Op bet = MakeBet(DeriveOpId(kProv, OpKind::kBet, "tx-1"), 1, kEur, kProv, Round(1), 25);
  const OpReply refused = Apply(bet);
  EXPECT_EQ(refused.result, Result::kInsufficientFunds);
  EXPECT_EQ(refused.balance_real_minor, 10);  // refused with the current balance
  ASSERT_EQ(Deposit(1, 100), Result::kOk);
  const OpReply retry = Apply(bet);
  EXPECT_EQ(retry.result, Result::kIdAlreadyFailed);
  EXPECT_EQ(retry.original, Result::kInsufficientFunds);
  EXPECT_EQ(retry.balance_real_minor, 110);
  EXPECT_EQ(ledger_.Balance(1, kEur).real_minor, 110);
}

TEST_F(LedgerTest, RoundRulesTable) {
  Casino();
  ASSERT_EQ(Deposit(1, 1000), Result::kOk);
  ASSERT_EQ(Deposit(2, 1000), Result::kOk);
  const Id128 r1 = Round(1);
  struct Step {
    const char* name;
    Op op;
    Result want;
    int64_t real_after;  // player 1 real balance after the step (-1: skip)
  };
  const Id128 bet1 = Key(1), bet2 = Key(2), bet_late = Key(3);
  const std::vector<Step> steps = {
      {"bet", MakeBet(bet1, 1, kEur, kProv, r1, 100), Result::kOk, 900},
      {"duplicate bet", MakeBet(bet1, 1, kEur, kProv, r1, 100), Result::kExists, 900},
      {"same id other amount", MakeBet(bet1, 1, kEur, kProv, r1, 99), Result::kExistsWithDifferentAmount, 900},
      {"same id other round", MakeBet(bet1, 1, kEur, kProv, Round(9), 100), Result::kExistsWithDifferentRound, 900},
      {"same id other player", MakeBet(bet1, 2, kEur, kProv, r1, 100), Result::kExistsWithDifferentPlayer, 900},
      {"other player's round", MakeBet(Key(30), 2, kEur, kProv, r1, 5), Result::kRoundMismatch, 900},
      {"second bet", MakeBet(bet2, 1, kEur, kProv, r1, 50), Result::kOk, 850},
      {"rollback second", MakeRollback(Key(10), 1, kEur, kProv, r1, bet2), Result::kOk, 900},
      {"duplicate rollback", MakeRollback(Key(10), 1, kEur, kProv, r1, bet2), Result::kExists, 900},
      {"rollback again other id", MakeRollback(Key(11), 1, kEur, kProv, r1, bet2), Result::kAlreadyRolledBack, 900},
      {"win for rolled back bet", MakeWin(Key(12), 1, kEur, kProv, r1, bet2, 10), Result::kBetRolledBack, 900},
      {"win for unknown bet", MakeWin(Key(13), 1, kEur, kProv, r1, Key(404), 10), Result::kBetNotFound, 900},
      {"win unknown round", MakeWin(Key(14), 1, kEur, kProv, Round(5), {}, 10), Result::kBetNotFound, 900},
      {"win", MakeWin(Key(15), 1, kEur, kProv, r1, bet1, 300), Result::kOk, 1200},
      {"rollback after settlement", MakeRollback(Key(16), 1, kEur, kProv, r1, bet1), Result::kRoundSettled, 1200},
      {"second win same round", MakeWin(Key(17), 1, kEur, kProv, r1, {}, 0), Result::kOk, 1200},
      {"bet after close", MakeBet(Key(18), 1, kEur, kProv, r1, 10), Result::kRoundClosed, 1200},
      {"win after close", MakeWin(Key(19), 1, kEur, kProv, r1, bet1, 10), Result::kRoundClosed, 1200},
      {"end closed round", MakeEndRound(Key(20), 1, kEur, kProv, r1), Result::kRoundAlreadyClosed, 1200},
      {"end round duplicate", MakeEndRound(Key(20), 1, kEur, kProv, r1), Result::kExists, 1200},
      {"retry failed win", MakeWin(Key(13), 1, kEur, kProv, r1, Key(404), 10), Result::kIdAlreadyFailed, 1200},
      // Rollback before bet.
      {"rollback unknown bet", MakeRollback(Key(21), 1, kEur, kProv, Round(2), bet_late), Result::kOkTombstone, 1200},
      {"late bet refused", MakeBet(bet_late, 1, kEur, kProv, Round(2), 40), Result::kBetRolledBack, 1200},
      {"late bet retried", MakeBet(bet_late, 1, kEur, kProv, Round(2), 40), Result::kBetRolledBack, 1200},
      {"duplicate tombstone rollback", MakeRollback(Key(22), 1, kEur, kProv, Round(2), bet_late),
       Result::kAlreadyRolledBack, 1200},
      {"win against tombstone", MakeWin(Key(23), 1, kEur, kProv, Round(2), bet_late, 5), Result::kBetNotFound, 1200},
      // End round on an open round, then a bet is refused.
      {"bet round 3", MakeBet(Key(24), 1, kEur, kProv, Round(3), 200), Result::kOk, 1000},
      {"end round 3", MakeEndRound(Key(25), 1, kEur, kProv, Round(3)), Result::kOk, 1000},
      {"rollback closed", MakeRollback(Key(26), 1, kEur, kProv, Round(3), Key(24)), Result::kRoundClosed, 1000},
      // Win amount 0 closes as a loss.
      {"bet round 4", MakeBet(Key(27), 1, kEur, kProv, Round(4), 100), Result::kOk, 900},
      {"zero win closes", MakeWin(Key(28), 1, kEur, kProv, Round(4), Key(27), 0), Result::kOk, 900},
      {"bet after zero win", MakeBet(Key(29), 1, kEur, kProv, Round(4), 1), Result::kRoundClosed, 900},
      // Withdraw cannot overdraw.
      {"withdraw too much", MakeWithdraw(Key(31), 1, kEur, 901), Result::kInsufficientFunds, 900},
      {"withdraw", MakeWithdraw(Key(32), 1, kEur, 900), Result::kOk, 0},
      {"unknown player", MakeDeposit(Key(33), 99, kEur, 5), Result::kAccountNotFound, 0},
      {"other currency", MakeDeposit(Key(34), 1, kUsd, 5), Result::kAccountNotFound, 0},
  };
  for (const auto& s : steps) {
    const OpReply r = Apply(s.op);
    EXPECT_EQ(r.result, s.want) << s.name << " got " << ResultName(r.result);
    if (s.real_after >= 0) {
      EXPECT_EQ(ledger_.Balance(1, kEur).real_minor, s.real_after) << s.name;
    }
  }
}

TEST_F(LedgerTest, JackpotWinCannotExceedThePool) {
  Casino();
  ASSERT_EQ(Deposit(1, 100), Result::kOk);
  ASSERT_EQ(Apply(MakeBet(Key(1), 1, kEur, kProv, Round(1), 100, 10)).result, Result::kOk);
  EXPECT_EQ(Apply(MakeWin(Key(2), 1, kEur, kProv, Round(1), Key(1), 11, true, WinSource::kJackpot)).result,
            Result::kExceedsCredits);
  EXPECT_EQ(Apply(MakeWin(Key(3), 1, kEur, kProv, Round(1), Key(1), 10, true, WinSource::kJackpot)).result,
            Result::kOk);
  EXPECT_EQ(ledger_.Balance(1, kEur).real_minor, 10);
}

TEST_F(LedgerTest, SnapshotImageRoundTripsWithTheSameHash) {
  Casino();
  ASSERT_EQ(Deposit(1, 100), Result::kOk);
  ASSERT_EQ(Apply(MakeBet(Key(1), 1, kEur, kProv, Round(1), 40, 4)).result, Result::kOk);
  Op hold = MakeTransfer(Key(2), PlayerAccountId(1, kEur, AccountKind::kPlayerReal),
                         HouseAccountId(kProv, kEur), 5, kEur, TransferCode::kBet, kPending);
  hold.timeout_s = 1;
  ASSERT_EQ(Apply(hold).result, Result::kOk);
  std::string image;
  ledger_.Serialize(&image);
  Ledger copy;
  std::string error;
  ASSERT_TRUE(Ledger::Deserialize(image, {}, &copy, &error)) << error;
  EXPECT_EQ(copy.StateHash(), ledger_.StateHash());
  EXPECT_EQ(CheckLedgerInvariants(copy), "");
  // Both continue identically, including the pending expiry.
  const Op next = MakeWithdraw(Key(3), 1, kEur, 10);
  OpReply r1, r2;
  ledger_.ApplyBatch(std::span<const Op>(&next, 1), ts_ + 5'000'000'000ULL, &r1);
  copy.ApplyBatch(std::span<const Op>(&next, 1), ts_ + 5'000'000'000ULL, &r2);
  EXPECT_EQ(r1, r2);
  EXPECT_EQ(copy.StateHash(), ledger_.StateHash());
  EXPECT_EQ(ledger_.FindAccount(PlayerAccountId(1, kEur, AccountKind::kPlayerReal))->debits_pending, 0);
  // Truncated images are refused, not crashed on.
  EXPECT_FALSE(Ledger::Deserialize(std::string_view(image).substr(0, image.size() - 3), {}, &copy, &error));
}

TEST_F(LedgerTest, RetentionForgetsOldIdsButKeepsOpenPendings) {
  LedgerConfig cfg;
  cfg.retention_ns = 10'000'000'000ULL;  // 10 s
  ledger_ = Ledger(cfg);
  Casino();
  ASSERT_EQ(Deposit(1, 100), Result::kOk);
  const Op w = MakeWithdraw(Key(1), 1, kEur, 10);
  ASSERT_EQ(Apply(w).result, Result::kOk);
  EXPECT_EQ(Apply(w).result, Result::kExists);
  ts_ += 20'000'000'000ULL;
  OpReply r;
  ledger_.ApplyBatch(std::span<const Op>(&w, 1), ts_, &r);
  EXPECT_EQ(r.result, Result::kOk);  // the id left the index after the retention
  EXPECT_EQ(CheckLedgerInvariants(ledger_, {.check_fold = false}), "");
}

// Spec: ids are kept for the retention; a closed round leaves the state
// with the id that closed it (so rounds do not grow forever), an open round
// stays (its bets hold the prune cursor), and inside the retention a closed
// round still refuses a late bet.
TEST_F(LedgerTest, RetentionPrunesClosedRoundsWithTheirClosingIdOnly) {
  LedgerConfig cfg;
  cfg.retention_ns = 10'000'000'000ULL;  // 10 s
  ledger_ = Ledger(cfg);
  Casino();
  ASSERT_EQ(Deposit(1, 1000), Result::kOk);
  ASSERT_EQ(Deposit(2, 1000), Result::kOk);
  // Round 1: bet + win 0 (closes). Round 2: bet, left open. Round 3: end
  // round of an unknown round (recorded closed). Round 4: bet + end round.
  ASSERT_EQ(Apply(MakeBet(Key(1), 1, kEur, kProv, Round(1), 100)).result, Result::kOk);
  ASSERT_EQ(Apply(MakeWin(Key(2), 1, kEur, kProv, Round(1), Key(1), 0)).result, Result::kOk);
  ASSERT_EQ(Apply(MakeEndRound(Key(4), 1, kEur, kProv, Round(3))).result, Result::kOk);
  ASSERT_EQ(Apply(MakeBet(Key(5), 1, kEur, kProv, Round(4), 10)).result, Result::kOk);
  ASSERT_EQ(Apply(MakeEndRound(Key(6), 1, kEur, kProv, Round(4))).result, Result::kOk);
  // (An open round's bet holds the prune cursor: ids after it stay too.)
  ASSERT_EQ(Apply(MakeBet(Key(3), 2, kEur, kProv, Round(2), 50)).result, Result::kOk);
  ASSERT_EQ(ledger_.rounds().size(), 4u);
  // Inside the retention: closed rounds still refuse a late bet.
  ts_ += 5'000'000'000ULL;
  EXPECT_EQ(Apply(MakeBet(Key(7), 1, kEur, kProv, Round(1), 10)).result, Result::kRoundClosed);
  EXPECT_EQ(ledger_.rounds().size(), 4u);
  // Past the retention of the closing ids (not yet of Key(7)): rounds 1, 3
  // and 4 leave, round 2 (open) stays; the state hash stays incremental.
  ts_ += 6'000'000'000ULL;
  const Op deposit = MakeDeposit(Key(8), 2, kEur, 5);
  OpReply r;
  ledger_.ApplyBatch(std::span<const Op>(&deposit, 1), ts_, &r);
  ASSERT_EQ(r.result, Result::kOk);
  EXPECT_EQ(ledger_.rounds().size(), 1u);
  EXPECT_EQ(ledger_.FindRound(kProv, Round(1)), nullptr);
  EXPECT_EQ(ledger_.FindRound(kProv, Round(3)), nullptr);
  EXPECT_EQ(ledger_.FindRound(kProv, Round(4)), nullptr);
  ASSERT_NE(ledger_.FindRound(kProv, Round(2)), nullptr);
  EXPECT_EQ(ledger_.FindRound(kProv, Round(2))->bets, 1u);
  EXPECT_NE(ledger_.FindEntry(Key(3)), nullptr);  // the open round's bet is kept
  EXPECT_EQ(ledger_.FindEntry(Key(2)), nullptr);
  EXPECT_EQ(CheckLedgerInvariants(ledger_, {.check_fold = false}), "");
  EXPECT_EQ(ledger_.StateHash(), ledger_.ComputeStateHash());
  // A snapshot of the pruned state round-trips to the same hash.
  std::string image;
  ledger_.Serialize(&image);
  Ledger copy;
  std::string error;
  ASSERT_TRUE(Ledger::Deserialize(image, cfg, &copy, &error)) << error;
  EXPECT_EQ(copy.StateHash(), ledger_.StateHash());
  EXPECT_EQ(copy.rounds().size(), 1u);
  // Closing round 2 later prunes it once its closing id ages out too.
  const Op win = MakeWin(Key(9), 2, kEur, kProv, Round(2), Key(3), 70, true);
  ts_ += 1000;
  ledger_.ApplyBatch(std::span<const Op>(&win, 1), ts_, &r);
  ASSERT_EQ(r.result, Result::kOk);
  ts_ += 11'000'000'000ULL;
  ledger_.ApplyBatch(std::span<const Op>(&deposit, 1), ts_, &r);
  EXPECT_TRUE(ledger_.rounds().empty());
  EXPECT_EQ(ledger_.StateHash(), ledger_.ComputeStateHash());
}

// reserve_ids only pre-sizes the index: same ops, same state and hash.
TEST(LedgerConfig, ReserveIdsChangesNothingObservable) {
  LedgerConfig big;
  big.reserve_ids = 100'000;
  Ledger a, b(big);
  std::vector<Op> ops = {MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kEur), kEur,
                                           AccountKind::kPspClearing, 0),
                         MakeCreateAccount(PlayerAccountId(1, kEur, AccountKind::kPlayerReal), kEur,
                                           AccountKind::kPlayerReal, kDebitsMustNotExceedCredits)};
  for (uint64_t i = 1; i <= 500; ++i) ops.push_back(MakeDeposit(Key(i), 1, kEur, 10));
  ops.push_back(MakeDeposit(Key(7), 1, kEur, 10));  // a retry
  std::vector<OpReply> ra(ops.size()), rb(ops.size());
  a.ApplyBatch(ops, 1000, ra.data());
  b.ApplyBatch(ops, 1000, rb.data());
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(ra.back().result, Result::kExists);
  EXPECT_EQ(a.StateHash(), b.StateHash());
  EXPECT_EQ(a.Balance(1, kEur).real_minor, 5000);
}

TEST(DeriveOpId, RetryMapsToTheSameIdAndKeysDiffer) {
  EXPECT_EQ(DeriveOpId(1, OpKind::kBet, "abc"), DeriveOpId(1, OpKind::kBet, "abc"));
  EXPECT_NE(DeriveOpId(1, OpKind::kBet, "abc"), DeriveOpId(2, OpKind::kBet, "abc"));
  EXPECT_NE(DeriveOpId(1, OpKind::kBet, "abc"), DeriveOpId(1, OpKind::kWin, "abc"));
  EXPECT_NE(DeriveOpId(1, OpKind::kBet, 5), DeriveOpId(1, OpKind::kBet, 6));
}

TEST(Hash64, EverySingleBitFlipChangesTheHash) {
  std::string data(300, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  const uint64_t h = Hash64(data.data(), data.size(), 1);
  for (size_t bit = 0; bit < data.size() * 8; ++bit) {
    data[bit / 8] = static_cast<char>(data[bit / 8] ^ (1 << (bit % 8)));
    EXPECT_NE(Hash64(data.data(), data.size(), 1), h) << bit;
    data[bit / 8] = static_cast<char>(data[bit / 8] ^ (1 << (bit % 8)));
  }
}

}  // namespace
}  // namespace wallet
