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

// House, jackpot and PSP accounts plus `players` funded real-money players;
// *ts advances by `step` per setup op.
void SetUpSeamless(Ledger* l, uint64_t players, int64_t deposit, uint64_t step, uint64_t* ts) {
  std::vector<Op> setup = {MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0),
                           MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, kCur), kCur,
                                             AccountKind::kJackpotPool, kDebitsMustNotExceedCredits),
                           MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur,
                                             AccountKind::kPspClearing, 0)};
  for (uint64_t p = 1; p <= players; ++p) {
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerReal), kCur,
                                      AccountKind::kPlayerReal, kDebitsMustNotExceedCredits));
    setup.push_back(MakeDeposit(Id128{4, p}, p, kCur, deposit));
  }
  std::vector<OpReply> replies(setup.size());
  l->ApplyBatch(setup, *ts, replies.data());
  *ts += setup.size() * step;
}

void BM_SeamlessBetWin(benchmark::State& state) {
  uint64_t ts = 1;
  Ledger l;
  SetUpSeamless(&l, kAccounts, 1'000'000'000, 1, &ts);
  std::vector<OpReply> replies;
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

// One op per batch against a ledger far larger than the caches (1 M live
// ids, retention pruning one old id per batch): what every engine of a
// simulated wallet does at low rates (issue 7: one op is its own batch at
// 1/100 sampling). Items = ops; bet, win, end round per round.
void BM_SingleOpBatches(benchmark::State& state) {
  constexpr uint64_t kPlayers = 2'000;
  constexpr uint64_t kLive = 1'000'000;  // ids kept by retention
  constexpr uint64_t kStep = 1'000;      // ns between batches
  LedgerConfig config;
  config.retention_ns = kLive * kStep;
  Ledger l(config);
  uint64_t ts = 1;
  SetUpSeamless(&l, kPlayers, 1'000'000'000'000, kStep, &ts);
  uint64_t key = 0, round = 0;
  Rng rng(11);
  OpReply reply;
  auto one_round = [&] {
    const uint64_t p = 1 + rng.Below(kPlayers);
    const Id128 r{5, ++round};
    const Id128 bet{6, ++key};
    const Op ops[3] = {MakeBet(bet, p, kCur, 7, r, 100, 2),
                       MakeWin(Id128{6, ++key}, p, kCur, 7, r, bet, 150, false),
                       MakeEndRound(Id128{6, ++key}, p, kCur, 7, r)};
    for (const Op& op : ops) {
      l.ApplyBatch(std::span<const Op>(&op, 1), ts, &reply);
      ts += kStep;
    }
  };
  while (l.entry_count() < kLive) one_round();  // fill: pruning from here on
  for (auto _ : state) one_round();
  state.SetItemsProcessed(state.iterations() * 3);
}
BENCHMARK(BM_SingleOpBatches)->Iterations(300'000);

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
