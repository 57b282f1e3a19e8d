// Wallet engine micro-benchmarks (Google Benchmark): the ledger state machine
// at batches of 8,190 (uniform vs hot house account), seamless operations,
// Hash64 and log replay. End-to-end durable figures: `walletctl bench`.
#include <benchmark/benchmark.h>

#include <vector>

#include "wallet-engine/engine.h"
#include "wallet-engine/ledger.h"
#include "wallet-engine/wal.h"

namespace {

using namespace wallet;
constexpr uint32_t kCur = 978;
constexpr uint64_t kAccounts = 10'000;

Ledger MakeLedger(uint64_t* ts) {
  Ledger l;
  std::vector<Op> setup = {MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0)};
  for (uint64_t p = 1; p <= kAccounts; ++p)
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerBonus), kCur,
                                      AccountKind::kPlayerBonus, 0));
  std::vector<OpReply> r(setup.size());
  l.ApplyBatch(setup, *ts, r.data());
  *ts += setup.size();
  return l;
}

void BM_LedgerTransfers(benchmark::State& state) {
  const bool hot = state.range(0) != 0;
  uint64_t ts = 1;
  Ledger l = MakeLedger(&ts);
  Rng rng(5);
  uint64_t key = 0;
  std::vector<OpReply> replies(8190);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Op> batch;
    batch.reserve(8190);
    for (int i = 0; i < 8190; ++i) {
      const uint64_t a = 1 + rng.Below(kAccounts);
      const uint64_t b = hot ? 0 : 1 + rng.Below(kAccounts);
      batch.push_back(MakeTransfer(Id128{3, ++key}, PlayerAccountId(a, kCur, AccountKind::kPlayerBonus),
                                   b == 0 || b == a ? HouseAccountId(7, kCur)
                                                    : PlayerAccountId(b, kCur, AccountKind::kPlayerBonus),
                                   1, kCur, TransferCode::kCorrection));
    }
    state.ResumeTiming();
    l.ApplyBatch(batch, ts, replies.data());
    ts += batch.size();
  }
  state.SetItemsProcessed(state.iterations() * 8190);
}
BENCHMARK(BM_LedgerTransfers)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_SeamlessBetWin(benchmark::State& state) {
  uint64_t ts = 1;
  Ledger l;
  std::vector<Op> setup = {MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0),
                           MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, kCur), kCur,
                                             AccountKind::kJackpotPool, kDebitsMustNotExceedCredits),
                           MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur,
                                             AccountKind::kPspClearing, 0)};
  for (uint64_t p = 1; p <= kAccounts; ++p) {
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerReal), kCur,
                                      AccountKind::kPlayerReal, kDebitsMustNotExceedCredits));
    setup.push_back(MakeDeposit(Id128{4, p}, p, kCur, 1'000'000'000));
  }
  std::vector<OpReply> replies(setup.size());
  l.ApplyBatch(setup, ts, replies.data());
  ts += setup.size();
  uint64_t key = 0, round = 0;
  Rng rng(9);
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<Op> batch;
    for (int i = 0; i < 8190 / 3; ++i) {
      const uint64_t p = 1 + rng.Below(kAccounts);
      const Id128 r{5, ++round};
      const Id128 bet{6, ++key};
      batch.push_back(MakeBet(bet, p, kCur, 7, r, 100, 2));
      batch.push_back(MakeWin(Id128{6, ++key}, p, kCur, 7, r, bet, 50, true));
      batch.push_back(MakeBet(bet, p, kCur, 7, r, 100, 2));  // a retry: exists
    }
    replies.resize(batch.size());
    state.ResumeTiming();
    l.ApplyBatch(batch, ts, replies.data());
    ts += batch.size();
  }
  state.SetItemsProcessed(state.iterations() * (8190 / 3) * 3);
}
BENCHMARK(BM_SeamlessBetWin)->Unit(benchmark::kMillisecond);

void BM_Hash64(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(0)), 'x');
  uint64_t h = 0;
  for (auto _ : state) benchmark::DoNotOptimize(h += Hash64(data.data(), data.size(), h));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Hash64)->Arg(160)->Arg(1 << 20);

void BM_Replay(benchmark::State& state) {
  // A log of 50 records x 8,190 transfers, replayed by Recover().
  uint64_t ts = 1;
  Ledger l = MakeLedger(&ts);
  std::string log;
  Rng rng(2);
  uint64_t key = 0, prev = 0;
  std::vector<Op> setup = {MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0)};
  for (uint64_t p = 1; p <= kAccounts; ++p)
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerBonus), kCur,
                                      AccountKind::kPlayerBonus, 0));
  Ledger fresh;
  std::vector<OpReply> r(setup.size());
  fresh.ApplyBatch(setup, 1, r.data());
  prev = EncodeRecord(setup, 1, 0, 1, fresh.StateHash(), 1, &log).header_checksum;
  uint64_t t = 1 + setup.size();
  for (uint64_t seq = 2; seq <= 51; ++seq) {
    std::vector<Op> batch;
    for (int i = 0; i < 8190; ++i)
      batch.push_back(MakeTransfer(Id128{7, ++key},
                                   PlayerAccountId(1 + rng.Below(kAccounts), kCur, AccountKind::kPlayerBonus),
                                   HouseAccountId(7, kCur), 1, kCur, TransferCode::kCorrection));
    r.resize(batch.size());
    fresh.ApplyBatch(batch, t, r.data());
    prev = EncodeRecord(batch, seq, prev, t, fresh.StateHash(), 1, &log).header_checksum;
    t += batch.size();
  }
  DirImage dir;
  dir[SegmentName(0)] = log;
  for (auto _ : state) {
    RecoveryResult rr = Recover(dir, {});
    benchmark::DoNotOptimize(rr.last_seq);
  }
  state.SetItemsProcessed(state.iterations() * 50 * 8190);
}
BENCHMARK(BM_Replay)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
