// libFuzzer: arbitrary operation sequences against a small casino; every
// ledger invariant must hold after every batch, and nothing may crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <cstdio>
#include <vector>

#include "wallet-engine/invariants.h"
#include "wallet-engine/ledger.h"

using namespace wallet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr uint32_t kCur = 978;
  Ledger l;
  std::vector<Op> setup = {
      MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0),
      MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, kCur), kCur, AccountKind::kJackpotPool,
                        kDebitsMustNotExceedCredits),
      MakeCreateAccount(PoolAccountId(AccountKind::kPromoBudget, kCur), kCur, AccountKind::kPromoBudget, 0),
      MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur, AccountKind::kPspClearing, 0)};
  for (uint64_t p = 1; p <= 3; ++p) {
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerReal), kCur,
                                      AccountKind::kPlayerReal, kDebitsMustNotExceedCredits));
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerBonus), kCur,
                                      AccountKind::kPlayerBonus, kDebitsMustNotExceedCredits));
  }
  std::vector<OpReply> replies(setup.size());
  uint64_t ts = 1000;
  l.ApplyBatch(setup, ts, replies.data());
  ts += setup.size();
  std::vector<Op> batch;
  // 16 bytes per op: a tiny grammar that keeps ids in a small space, so
  // retries, rollbacks, wins and pending resolutions collide often.
  for (size_t i = 0; i + 16 <= size; i += 16) {
    const uint8_t* b = data + i;
    Op op;
    op.kind = static_cast<OpKind>(1 + b[0] % 9);
    op.id = Id128{1, 1 + b[1] % 32u};
    op.player_id = b[2] % 4;  // 0 is invalid on purpose
    op.ledger = (b[3] & 1) ? kCur : 840;
    op.provider = 7;
    op.round_id = Id128{2, b[4] % 4u};
    op.ref_id = (b[5] & 0x80) ? Id128{} : Id128{1, 1 + b[5] % 32u};
    int32_t amount;
    std::memcpy(&amount, b + 6, 4);
    op.amount = (b[15] & 1) ? amount : static_cast<int64_t>(amount) * 4'000'000'000LL;
    op.amount_jackpot = b[10] % 8;
    op.flags = b[11] & 31;
    op.policy = b[12] % 3;
    op.code = b[13] % 4;
    op.timeout_s = b[14] % 3;
    if (op.kind == OpKind::kTransfer) {
      op.debit_account_id = PlayerAccountId(1 + b[2] % 3, kCur, static_cast<AccountKind>(1 + b[12] % 2));
      op.credit_account_id = (b[13] & 1) ? HouseAccountId(7, kCur)
                                         : PlayerAccountId(1 + b[4] % 3, kCur, AccountKind::kPlayerReal);
      op.code = 1 + b[13] % 8;
    }
    batch.push_back(op);
    if (batch.size() == 1 + b[15] % 8 || i + 32 > size) {
      replies.resize(batch.size());
      ts += 1 + (b[14] % 4) * 1'000'000'000ULL;
      l.ApplyBatch(batch, ts, replies.data());
      ts += batch.size();
      batch.clear();
      const std::string err = CheckLedgerInvariants(l);
      if (!err.empty()) {
        std::fprintf(stderr, "invariant violated: %s\n", err.c_str());
        std::abort();
      }
    }
  }
  return 0;
}
