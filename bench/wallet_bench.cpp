// Wallet engine micro-benchmarks (Google Benchmark): the ledger state machine
// at batches of 8,190 (uniform vs hot house account), seamless operations,
// Hash64, log replay and the engine's path for one-op records (primary and
// two replicas). End-to-end durable figures: `walletctl bench`.
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "wallet-engine/engine.h"
#include "wallet-engine/ledger.h"
#include "wallet-engine/sim_disk.h"
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

// The engine's whole path for records of one op each (issue 7: what every
// engine of a simulated wallet does at 1/100 sampling): a primary and two
// async replicas on SimDisks, every output run to completion at once (I/O in
// order per node, messages delivered in order): Submit -> CloseBatch (apply,
// encode, cache, ship) -> write + flush -> replies; each replica decodes,
// applies, caches, writes, flushes and acknowledges. Items = records, each
// applied by three ledgers. Bet, win, end round per round.
void BM_EngineSingleOpRecords(benchmark::State& state) {
  constexpr uint32_t kNodes = 3;
  constexpr uint64_t kPlayers = 2'000;
  std::vector<std::unique_ptr<SimDisk>> disks;
  std::vector<std::unique_ptr<Engine>> engines;
  for (uint32_t n = 0; n < kNodes; ++n) {
    EngineConfig c;
    c.node_id = n;
    c.batch_delay_us = 0;
    c.batch_ops_max = 64;
    c.batch_bytes_max = 64 * sizeof(Op);
    if (n == 0) c.replicas = {1, 2};
    disks.push_back(std::make_unique<SimDisk>(n + 1));
    engines.push_back(std::make_unique<Engine>(c, n == 0 ? Role::kPrimary : Role::kReplica, 1,
                                               Recover({}, {})));
  }
  Outputs out;
  std::vector<Message> net;
  uint64_t now_us = 1'000, request = 0, replies = 0;
  auto settle = [&] {
    for (bool busy = true; busy;) {
      busy = false;
      for (uint32_t n = 0; n < kNodes; ++n) {
        engines[n]->TakeOutputs(&out);
        busy = busy || !out.io.empty() || !out.messages.empty();
        replies += out.replies.size();
        for (Message& m : out.messages) net.push_back(std::move(m));
        for (IoRequest& io : out.io) engines[n]->OnIoComplete(now_us, disks[n]->Execute(std::move(io)));
      }
      for (Message& m : net) engines[m.to]->OnMessage(now_us, std::move(m));
      net.clear();
    }
  };
  auto submit = [&](std::vector<Op> ops) {
    engines[0]->Submit(now_us, {++request, std::move(ops)});
    settle();
    now_us += 1'000;
    engines[0]->Tick(now_us);
    settle();
  };
  std::vector<Op> setup = {MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0),
                           MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, kCur), kCur,
                                             AccountKind::kJackpotPool, kDebitsMustNotExceedCredits),
                           MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur,
                                             AccountKind::kPspClearing, 0)};
  submit(setup);
  for (uint64_t p = 1; p <= kPlayers; ++p)
    submit({MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerReal), kCur,
                              AccountKind::kPlayerReal, kDebitsMustNotExceedCredits),
            MakeDeposit(Id128{4, p}, p, kCur, 1'000'000'000'000)});
  uint64_t key = 0, round = 0;
  Rng rng(13);
  std::vector<Op> ops;
  int step = 0;
  for (auto _ : state) {
    const uint64_t p = 1 + rng.Below(kPlayers);
    const Id128 r{5, round + 1};
    switch (step) {
      case 0: submit({MakeBet(Id128{6, ++key}, p, kCur, 7, r, 100, 2)}); break;
      case 1: submit({MakeWin(Id128{6, ++key}, p, kCur, 7, r, Id128{6, key - 1}, 150, false)}); break;
      default: submit({MakeEndRound(Id128{6, ++key}, p, kCur, 7, r)}); ++round; break;
    }
    step = (step + 1) % 3;
  }
  WE_ASSERT(engines[1]->state_hash() == engines[0]->state_hash());
  WE_ASSERT(engines[2]->last_seq() == engines[0]->last_seq());
  state.SetItemsProcessed(state.iterations());
  state.counters["replies"] = static_cast<double>(replies);
}
BENCHMARK(BM_EngineSingleOpRecords)->Iterations(150'000);

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
