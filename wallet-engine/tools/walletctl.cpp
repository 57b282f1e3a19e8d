// walletctl: operate on a wallet data directory, run the swarm soak and the
// benchmark. Tools may read the wall clock (marked for tests/tidy).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include "wallet-engine/driver/file_driver.h"
#include "wallet-engine/invariants.h"
#include "wallet-engine/ledger.h"
#include "wallet-engine/swarm.h"
#include "wallet-engine/wal.h"

namespace {

using namespace wallet;

constexpr uint32_t kCur = 978;
constexpr uint32_t kProv = 7;

double NowS() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();  // tidy:allow-wallclock
}

// CPU time the hypervisor took from this machine's vCPUs so far (the
// "steal" column of /proc/stat), in ms; -1 where it is not readable. A
// stolen burst stalls whichever thread held that vCPU, however short its work.
double StealMs() {
  std::FILE* f = std::fopen("/proc/stat", "r");
  if (!f) return -1;
  unsigned long long v[8] = {};
  const int n = std::fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                            &v[4], &v[5], &v[6], &v[7]);
  std::fclose(f);
  const long hz = ::sysconf(_SC_CLK_TCK);
  return n == 8 && hz > 0 ? static_cast<double>(v[7]) * 1000.0 / static_cast<double>(hz) : -1;
}

// CPU seconds of this thread: the in-memory figures are per core, and the
// shared build machine's load would otherwise be measured instead.
double CpuS() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);  // tidy:allow-wallclock
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

int Usage() {
  std::fprintf(stderr,
               "usage: walletctl load --dir D --transfers N --seed S\n"
               "       walletctl verify D\n"
               "       walletctl recover D\n"
               "       walletctl restore D --to seq:N|ts:T\n"
               "       walletctl balances D [--player P]\n"
               "       walletctl dump D\n"
               "       walletctl soak --seconds N\n"
               "       walletctl bench [--json]\n"
               "       walletctl ack --rate TRANSFERS_PER_S [--dir D] [--seconds S] [--ops K]\n"
               "       walletctl floor --bytes-per-s B [--wakeups-per-s W] [--dir D] [--direct]"
               " [--sync-gap-ms M] [--seconds S]\n");
  return 2;
}

const char* Arg(int argc, char** argv, const char* name, const char* fallback = nullptr) {
  for (int i = 0; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return argv[i + 1];
  return fallback;
}

// A flag without a value (may be the last argument).
bool HasFlag(int argc, char** argv, const char* name) {
  for (int i = 0; i < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return true;
  return false;
}

std::vector<Op> SetupOps(uint64_t players) {
  std::vector<Op> ops = {
      MakeCreateAccount(HouseAccountId(kProv, kCur), kCur, AccountKind::kHouse, 0),
      MakeCreateAccount(PoolAccountId(AccountKind::kJackpotPool, kCur), kCur,
                        AccountKind::kJackpotPool, kDebitsMustNotExceedCredits),
      MakeCreateAccount(PoolAccountId(AccountKind::kPromoBudget, kCur), kCur,
                        AccountKind::kPromoBudget, 0),
      MakeCreateAccount(PoolAccountId(AccountKind::kPspClearing, kCur), kCur,
                        AccountKind::kPspClearing, 0)};
  for (uint64_t p = 1; p <= players; ++p) {
    ops.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerReal), kCur,
                                    AccountKind::kPlayerReal, kDebitsMustNotExceedCredits));
    ops.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerBonus), kCur,
                                    AccountKind::kPlayerBonus, kDebitsMustNotExceedCredits));
  }
  return ops;
}

// Realistic seamless traffic: deposits, bets with jackpot contributions,
// wins (some zero), rollbacks (some before their bet), end rounds, retries.
class Traffic {
 public:
  Traffic(uint64_t seed, uint64_t players) : rng_(seed), players_(players) {}
  Op Next() {
    const uint64_t p = 1 + rng_.Below(players_);
    const Id128 round{0x20, p * 1'000'000 + round_[p % 4096]};
    const uint64_t roll = rng_.Below(100);
    if (!history_.empty() && roll < 5) return history_[rng_.Below(history_.size())];  // a retry
    Op op;
    if (roll < 20) op = MakeDeposit(Key(), p, kCur, static_cast<int64_t>(100 + rng_.Below(5000)));
    else if (roll < 60) {
      const auto amount = static_cast<int64_t>(1 + rng_.Below(200));
      op = MakeBet(Key(), p, kCur, kProv, round, amount, amount / 50,
                   static_cast<BetPolicy>(rng_.Below(2)));
      last_bet_ = op.id;
    } else if (roll < 85) {
      op = MakeWin(Key(), p, kCur, kProv, round, {}, static_cast<int64_t>(rng_.Below(300)), true);
      ++round_[p % 4096];
    } else if (roll < 92) {
      op = MakeRollback(Key(), p, kCur, kProv, round, rng_.Chance(1, 3) ? Key() : last_bet_);
    } else if (roll < 96) {
      op = MakeWithdraw(Key(), p, kCur, static_cast<int64_t>(1 + rng_.Below(500)));
    } else {
      op = MakeEndRound(Key(), p, kCur, kProv, round);
      ++round_[p % 4096];
    }
    if (history_.size() < 4096) history_.push_back(op);
    else history_[rng_.Below(history_.size())] = op;
    return op;
  }

 private:
  Id128 Key() { return Id128{0x10ad, ++key_}; }
  Rng rng_;
  uint64_t players_;
  uint64_t key_ = 0;
  uint64_t round_[4096] = {};
  Id128 last_bet_{0x10ad, 1};
  std::vector<Op> history_;
};

int Load(int argc, char** argv) {
  const char* dir = Arg(argc, argv, "--dir");
  if (!dir) return Usage();
  const uint64_t n = std::strtoull(Arg(argc, argv, "--transfers", "100000"), nullptr, 10);
  const uint64_t seed = std::strtoull(Arg(argc, argv, "--seed", "1"), nullptr, 10);
  EngineConfig cfg;
  cfg.snapshot_every_ops = 200'000;
  std::string err;
  auto w = DurableWallet::Open(dir, cfg, &err);
  if (!w) {
    std::fprintf(stderr, "walletctl: %s\n", err.c_str());
    return 1;
  }
  const uint64_t players = std::max<uint64_t>(10, n / 50);
  std::vector<Op> setup = SetupOps(players);
  for (size_t i = 0; i < setup.size(); i += 4096) {
    std::vector<Op> chunk(setup.begin() + static_cast<std::ptrdiff_t>(i),
                          setup.begin() + static_cast<std::ptrdiff_t>(std::min(setup.size(), i + 4096)));
    w->Submit(std::move(chunk)).get();
  }
  Traffic t(seed, players);
  uint64_t ok = 0, refused = 0, done = 0;
  std::vector<std::future<Reply>> inflight;
  while (done < n) {
    std::vector<Op> ops;
    for (uint64_t i = 0; i < 1024 && done < n; ++i, ++done) ops.push_back(t.Next());
    inflight.push_back(w->Submit(std::move(ops)));
    if (inflight.size() >= 8) {
      Reply r = inflight.front().get();
      inflight.erase(inflight.begin());
      for (const auto& x : r.results) (IsSuccess(x.result) ? ok : refused)++;
    }
  }
  for (auto& f : inflight) {
    Reply r = f.get();
    for (const auto& x : r.results) (IsSuccess(x.result) ? ok : refused)++;
  }
  std::printf("loaded %s: %" PRIu64 " ops (%" PRIu64 " succeeded, %" PRIu64
              " refused by the rules), %" PRIu64 " players, last seq %" PRIu64 ", state hash %016" PRIx64 "\n",
              dir, n, ok, refused, players, w->LastSeq(), w->StateHash());
  return 0;
}

int Verify(const char* dir, bool quiet = false) {
  DirImage image;
  std::string err;
  if (!FileDriver::ReadDir(dir, &image, &err)) {
    std::fprintf(stderr, "walletctl: %s\n", err.c_str());
    return 1;
  }
  const RecoveryResult r = Recover(image, {});
  if (!r.ok) {
    std::printf("DAMAGED %s/%s\n", dir, r.diagnosis.ToString().c_str());
    return 1;
  }
  for (const auto& w : r.warnings) std::printf("warning: %s\n", w.c_str());
  const std::string inv = CheckLedgerInvariants(r.ledger, {.check_fold = false});
  if (!inv.empty()) {
    std::printf("DAMAGED %s: invariant violated after replay: %s\n", dir, inv.c_str());
    return 1;
  }
  if (!quiet)
    std::printf("clean: snapshot gen %" PRIu64 ", %" PRIu64 " records (%" PRIu64
                " ops) replayed, last seq %" PRIu64 ", %zu accounts, state hash %016" PRIx64 "\n",
                r.snapshot_gen, r.records_replayed, r.ops_replayed, r.last_seq,
                r.ledger.accounts().size(), r.ledger.StateHash());
  return 0;
}

int RecoverCmd(const char* dir) {
  std::string err;
  RecoveryResult info;
  auto w = DurableWallet::Open(dir, {}, &err, &info);
  if (!w) {
    std::printf("cannot recover: %s\n", err.c_str());
    return 1;
  }
  for (const auto& x : info.warnings) std::printf("repaired: %s\n", x.c_str());
  std::printf("recovered through seq %" PRIu64 " (%" PRIu64 " records replayed), state hash %016" PRIx64 "\n",
              w->LastSeq(), info.records_replayed, w->StateHash());
  return 0;
}

int Restore(int argc, char** argv, const char* dir) {
  const char* to = Arg(argc, argv, "--to");
  if (!to) return Usage();
  RecoveryOptions o;
  if (std::strncmp(to, "seq:", 4) == 0) o.stop_seq = std::strtoull(to + 4, nullptr, 10);
  else if (std::strncmp(to, "ts:", 3) == 0) o.stop_timestamp = std::strtoull(to + 3, nullptr, 10);
  else o.stop_seq = std::strtoull(to, nullptr, 10);
  DirImage image;
  std::string err;
  if (!FileDriver::ReadDir(dir, &image, &err)) return std::fprintf(stderr, "%s\n", err.c_str()), 1;
  const RecoveryResult r = Recover(image, o);
  if (!r.ok) {
    std::printf("DAMAGED %s/%s\n", dir, r.diagnosis.ToString().c_str());
    return 1;
  }
  // Every replayed record's recorded state hash was checked during replay;
  // the last one is the hash "recorded at that point".
  const bool verified = r.last_seq == 0 || r.last_state_hash == r.ledger.StateHash();
  std::printf("restored to seq %" PRIu64 " (timestamp %" PRIu64 "): state hash %016" PRIx64
              ", recorded %016" PRIx64 " -> %s\n",
              r.last_seq, r.ledger.last_timestamp(), r.ledger.StateHash(), r.last_state_hash,
              verified ? "verified" : "MISMATCH");
  return verified ? 0 : 1;
}

int Balances(int argc, char** argv, const char* dir) {
  DirImage image;
  std::string err;
  if (!FileDriver::ReadDir(dir, &image, &err)) return std::fprintf(stderr, "%s\n", err.c_str()), 1;
  const RecoveryResult r = Recover(image, {});
  if (!r.ok) return std::printf("DAMAGED %s\n", r.diagnosis.ToString().c_str()), 1;
  const char* only = Arg(argc, argv, "--player");
  uint64_t shown = 0;
  for (const Account& a : r.ledger.accounts()) {
    if (only && !(a.id.lo == std::strtoull(only, nullptr, 10) && a.kind <= 2)) continue;
    if (!only && shown >= 50) break;
    std::printf("%s kind=%u ledger=%u balance=%" PRId64 " (credits %" PRId64 " debits %" PRId64
                " pending %" PRId64 ")\n",
                ToString(a.id).c_str(), a.kind, a.ledger, a.credits_posted - a.debits_posted,
                a.credits_posted, a.debits_posted, a.debits_pending);
    ++shown;
  }
  if (!only && r.ledger.accounts().size() > shown)
    std::printf("... %zu accounts in total\n", r.ledger.accounts().size());
  return 0;
}

int Dump(const char* dir) {
  DirImage image;
  std::string err;
  if (!FileDriver::ReadDir(dir, &image, &err)) return std::fprintf(stderr, "%s\n", err.c_str()), 1;
  for (const auto& [name, bytes] : image) {
    uint64_t gen;
    if (ParseSnapshotName(name, &gen)) {
      SnapshotHeader h;
      std::string_view body;
      std::string what;
      const bool ok = DecodeSnapshot(bytes, &h, &body, &what);
      std::printf("%s: snapshot gen %" PRIu64 " seq %" PRIu64 " state hash %016" PRIx64 " %s\n",
                  name.c_str(), h.gen, h.seq, h.state_hash, ok ? "ok" : what.c_str());
    } else if (ParseSegmentName(name, &gen)) {
      const SegmentScan s = ScanSegment(bytes, std::nullopt, std::nullopt);
      std::printf("%s: %zu records, %zu bytes\n", name.c_str(), s.records.size(), bytes.size());
      for (const RecordView& v : s.records)
        std::printf("  @%" PRIu64 " seq %" PRIu64 " term %" PRIu64 " ts %" PRIu64 " ops %zu state %016" PRIx64 "\n",
                    v.offset, v.header.seq, v.header.term, v.header.timestamp, v.Ops().size(),
                    v.header.state_hash);
      if (s.end != SegmentScan::End::kClean)
        std::printf("  @%" PRIu64 " %s\n", s.bad_offset, s.what.c_str());
    } else {
      std::printf("%s: %zu bytes (not a wallet file)\n", name.c_str(), bytes.size());
    }
  }
  return 0;
}

int Soak(int argc, char** argv) {
  const double seconds = std::strtod(Arg(argc, argv, "--seconds", "60"), nullptr);
  const double start = NowS();
  uint64_t seed = std::strtoull(Arg(argc, argv, "--first-seed", "1000000"), nullptr, 10);
  uint64_t runs = 0, stalls = 0, failures = 0, acked = 0;
  SwarmOptions o;
  o.all_faults = HasFlag(argc, argv, "--all-faults");
  while (NowS() - start < seconds) {
    const SwarmReport r = RunSwarmSeed(seed, o);
    ++runs;
    acked += r.ops_acked;
    if (!r.ok) {
      if (r.stalled) ++stalls;
      else ++failures;
      std::printf("%s seed %" PRIu64 ": %s\n  config: %s\n", r.stalled ? "STALL" : "FAIL", seed,
                  r.failure.c_str(), r.config.c_str());
    }
    ++seed;
  }
  std::printf("soak: %" PRIu64 " seeds, %" PRIu64 " ops acknowledged, %" PRIu64 " failures, %" PRIu64
              " stalls (liveness)\n", runs, acked, failures, stalls);
  return failures ? 1 : 0;
}

// ------------------------------------------------------------------ bench ---

// An fdatasync's duration in ms.
double Ms(const FileDriver::Interval& f) { return static_cast<double>(f.end_us - f.start_us) / 1000.0; }

double Percentile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * static_cast<double>(v.size() - 1))];
}

std::vector<Op> TransferBatch(Rng& rng, uint64_t accounts, size_t n, uint64_t* key, bool hot) {
  std::vector<Op> ops;
  ops.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t a = 1 + rng.Below(accounts);
    uint64_t b = hot ? 0 : 1 + rng.Below(accounts);
    if (b == a) b = 0;
    const Id128 da = PlayerAccountId(a, kCur, AccountKind::kPlayerBonus);
    const Id128 cb = b == 0 ? HouseAccountId(kProv, kCur)
                            : PlayerAccountId(b, kCur, AccountKind::kPlayerBonus);
    ops.push_back(MakeTransfer(Id128{0xbe, ++*key}, da, cb, 1, kCur, TransferCode::kCorrection));
  }
  return ops;
}

// Acknowledgement latency at `transfers_per_s`: requests of 64 transfers,
// open loop (each due at its scheduled time, whatever the replies do), for
// 3 s. Latency = scheduled send time -> reply released (a callback
// timestamps it: no polling delay is added). From the scheduled time, not
// from the actual send: the submitter applies its own request (see
// DurableWallet), so a backlog shows as late sends, and a latency counted
// from the send would hide it (coordinated omission).
struct AckStats {
  double p50_ms = 0, p99_ms = 0;           // from the scheduled send time
  double submit_p99_ms = 0, floor_p99_ms = 0;  // from the actual send
  double send_late_p99_ms = 0;  // how late the client's own sends were
  double fsync_p50_ms = 0, fsync_p99_ms = 0, steal_ms = 0;
  uint64_t requests = 0, late_sends = 0, fsyncs = 0;
};

AckStats AckAtLoad(DurableWallet& w, Rng& rng, uint64_t accounts, uint64_t* key,
                   double transfers_per_s, size_t ops_per_request = 64, double seconds = 3.0) {
  AckStats st;
  const double rate = transfers_per_s / static_cast<double>(ops_per_request);  // requests per second
  const size_t fsync_mark = w.FsyncIntervals().size();
  std::mutex ack_mu;
  std::vector<double> lat, lat_sched, late;
  std::vector<uint64_t> sent_us;  // for the floor below
  std::vector<std::vector<Op>> pool;
  for (int i = 0; i < 1024; ++i) pool.push_back(TransferBatch(rng, accounts, ops_per_request, key, false));
  const double steal0 = StealMs();
  const double s0 = NowS();
  uint64_t sent = 0;
  while (NowS() - s0 < seconds) {
    const double due = s0 + static_cast<double>(sent) / rate;
    // Sleep to the due time (timer slack makes it ~50 µs late; late_sends
    // counts sends over 1 ms late). No spinning: on two cores a spinning
    // client took a core from the group-commit and flush threads it measures.
    const double ahead = due - NowS();
    if (ahead > 0) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
    // A pooled request with fresh transfer ids (a memcpy, not the client's
    // random draws: the client's own CPU is not what is measured).
    std::vector<Op> ops = pool[sent % pool.size()];
    for (Op& op : ops) op.id = Id128{0xbe, ++*key};
    const double t = NowS();
    sent_us.push_back(DriverNowUs());
    late.push_back((t - due) * 1000);
    st.late_sends += t - due > 0.001 ? 1 : 0;
    w.Submit(std::move(ops), [&ack_mu, &lat, &lat_sched, t, due](Reply) {
      const double now = NowS();
      std::lock_guard<std::mutex> lock(ack_mu);
      lat.push_back((now - t) * 1000);
      lat_sched.push_back((now - due) * 1000);  // includes the sender's own lateness
    });
    ++sent;
  }
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(ack_mu);
      if (lat.size() == sent) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  st.requests = sent;
  const double steal1 = StealMs();
  st.steal_ms = steal0 < 0 || steal1 < 0 ? -1 : steal1 - steal0;
  st.p50_ms = Percentile(lat_sched, 0.5);
  st.p99_ms = Percentile(lat_sched, 0.99);
  st.submit_p99_ms = Percentile(lat, 0.99);
  st.send_late_p99_ms = Percentile(late, 0.99);
  std::vector<double> fs;
  const std::vector<FileDriver::Interval> all = w.FsyncIntervals();
  for (size_t i = fsync_mark; i < all.size(); ++i) fs.push_back(Ms(all[i]));
  // What this disk allowed: a request's record is written after it was
  // sent, so the earliest flush that can cover it is the first one that
  // started after the send, and no acknowledgement can come before that
  // flush returned. The p99 of that bound is the best any driver could have
  // done with the flushes this run got (flushes one at a time, as the log
  // issues them). Gaps between flushes count in it too: on this VM they come
  // from vCPU time the hypervisor steals while the disk is busy (reported
  // beside it; a 64-op apply measured 13.8 ms inside such a burst, with no
  // page fault, reclaim or compaction), so it is this machine's floor, not
  // the disk's alone.
  std::vector<double> floor;
  for (const uint64_t t : sent_us) {
    auto it = std::lower_bound(all.begin() + static_cast<std::ptrdiff_t>(fsync_mark), all.end(), t,
                               [](const FileDriver::Interval& f, uint64_t x) { return f.start_us < x; });
    if (it != all.end()) floor.push_back(static_cast<double>(it->end_us - t) / 1000.0);
  }
  st.floor_p99_ms = Percentile(floor, 0.99);
  st.fsync_p50_ms = Percentile(fs, 0.5);
  st.fsync_p99_ms = Percentile(fs, 0.99);
  st.fsyncs = fs.size();
  return st;
}

// The engine configuration of the durable and latency measurements.
EngineConfig BenchConfig() {
  EngineConfig cfg;
  cfg.batch_delay_us = 200;
  // Sized up front for what this bench writes (~2.5 M ids at most), as a
  // production wallet sizes for its retention: otherwise one index
  // doubling (a full rehash) lands inside the latency run.
  cfg.ledger.reserve_ids = 4'000'000;
  return cfg;
}

// A durable wallet in `dir` with the house account and `accounts` players.
std::unique_ptr<DurableWallet> OpenWithAccounts(const std::string& dir, const EngineConfig& cfg,
                                                uint64_t accounts, std::string* err) {
  auto w = DurableWallet::Open(dir, cfg, err);
  if (!w) return w;
  std::vector<Op> setup;
  setup.push_back(MakeCreateAccount(HouseAccountId(kProv, kCur), kCur, AccountKind::kHouse, 0));
  for (uint64_t p = 1; p <= accounts; ++p)
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerBonus), kCur,
                                      AccountKind::kPlayerBonus, 0));
  for (size_t i = 0; i < setup.size(); i += 8000)
    w->Submit(std::vector<Op>(setup.begin() + static_cast<std::ptrdiff_t>(i),
                              setup.begin() + static_cast<std::ptrdiff_t>(std::min(setup.size(), i + 8000))))
        .get();
  return w;
}

void PrintAck(const char* what, size_t ops_per_request, const AckStats& a) {
  std::printf("ack latency %s (%" PRIu64 " requests of %zu, open loop, %" PRIu64
              " sent >1 ms late, send lateness p99 %.3f ms): p50 %.3f ms, p99 %.3f ms; meanwhile %" PRIu64
              " fdatasyncs, p50 %.3f ms, p99 %.3f ms; p99 from the actual send %.3f ms;"
              " p99 floor set by those fdatasyncs %.3f ms; vCPU time stolen by the hypervisor"
              " meanwhile %.0f ms\n",
              what, a.requests, ops_per_request, a.late_sends, a.send_late_p99_ms, a.p50_ms, a.p99_ms,
              a.fsyncs, a.fsync_p50_ms, a.fsync_p99_ms, a.submit_p99_ms, a.floor_p99_ms, a.steal_ms);
}

// walletctl ack --rate R [--dir D] [--seconds S] [--ops K]: the
// acknowledgement latency of one open-loop load (the bench's phases, one at
// a time, at any rate; the log in D, by default on tmpfs).
int Ack(int argc, char** argv) {
  const double rate = std::strtod(Arg(argc, argv, "--rate", "0"), nullptr);
  const double seconds = std::strtod(Arg(argc, argv, "--seconds", "3"), nullptr);
  const long ops = std::strtol(Arg(argc, argv, "--ops", "64"), nullptr, 10);
  if (!(rate > 0) || !(seconds > 0) || ops < 1 || ops > 8190) {
    std::fprintf(stderr, "ack: need --rate > 0 transfers/s, --seconds > 0, --ops in 1..8190\n");
    return 2;
  }
  const std::string dir =
      Arg(argc, argv, "--dir", ("/dev/shm/walletctl-ack-" + std::to_string(::getpid())).c_str());
  if (std::filesystem::exists(dir)) {
    std::fprintf(stderr, "ack: %s exists; give a new directory\n", dir.c_str());
    return 2;
  }
  std::string err;
  const uint64_t accounts = 10'000;
  auto w = OpenWithAccounts(dir, BenchConfig(), accounts, &err);
  if (!w) return std::fprintf(stderr, "ack: %s\n", err.c_str()), 1;
  Rng rng(13);
  uint64_t key = 5'000'000'000;
  const AckStats a = AckAtLoad(*w, rng, accounts, &key, rate, static_cast<size_t>(ops), seconds);
  w.reset();
  std::filesystem::remove_all(dir);
  char what[96];
  std::snprintf(what, sizeof what, "at %.0f transfers/s", rate);
  PrintAck(what, static_cast<size_t>(ops), a);
  return 0;
}

// The machine's own floor, without the engine: one thread appends
// `bytes_per_s` to a plain file, fdatasync after each write (as the
// flusher does, one flush at a time), while this thread sleeps to a
// schedule of `wakeups_per_s` (as the bench's client does) and records how
// late it wakes. With bytes_per_s = 0 nothing is written. On a machine
// whose scheduling is sound the lateness p99 is well under a millisecond
// either way; if writing alone makes it tens of milliseconds, no engine
// on that machine can acknowledge at p99 below it.
struct FloorStats {
  double late_p99_ms = 0, steal_ms = 0;
  uint64_t syncs = 0;
};

struct FloorOptions {
  bool direct = false;        // O_DIRECT, 4 KiB-aligned writes (no page cache)
  double sync_gap_ms = 0;     // at least this long between two fdatasyncs
  double seconds = 3.0;
};

FloorStats MachineFloor(const std::string& path, double bytes_per_s, double wakeups_per_s,
                        const FloorOptions& o = {}) {
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> syncs{0};
  std::thread writer([&stop, &syncs, &path, bytes_per_s, o] {
    if (bytes_per_s <= 0) return;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | (o.direct ? O_DIRECT : 0),
                          0644);
    if (fd < 0) return;
    constexpr size_t kChunk = 1 << 20, kAlign = 4096;
    void* mem = nullptr;
    if (::posix_memalign(&mem, kAlign, kChunk) != 0) return (void)::close(fd);
    std::memset(mem, 'w', kChunk);
    const double t0 = NowS();
    double written = 0, last_sync = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      const double due = (NowS() - t0) * bytes_per_s - written;
      if (due < static_cast<double>(kAlign)) {
        std::this_thread::sleep_for(std::chrono::microseconds(100));
        continue;
      }
      size_t n = std::min(kChunk, static_cast<size_t>(due));
      if (o.direct) n &= ~(kAlign - 1);
      if (::pwrite(fd, mem, n, static_cast<off_t>(written)) != static_cast<ssize_t>(n)) break;
      written += static_cast<double>(n);
      if ((NowS() - last_sync) * 1000 >= o.sync_gap_ms) {
        if (::fdatasync(fd) != 0) break;
        last_sync = NowS();
        syncs.fetch_add(1, std::memory_order_relaxed);
      }
    }
    std::free(mem);
    ::close(fd);
  });
  std::vector<double> late;
  const double steal0 = StealMs();
  const double s0 = NowS();
  for (uint64_t k = 0; NowS() - s0 < o.seconds; ++k) {
    const double due = s0 + static_cast<double>(k) / wakeups_per_s;
    const double ahead = due - NowS();
    if (ahead > 0) std::this_thread::sleep_for(std::chrono::duration<double>(ahead));
    late.push_back((NowS() - due) * 1000);
  }
  stop = true;
  writer.join();
  std::filesystem::remove(path);
  const double steal1 = StealMs();
  return {Percentile(late, 0.99), steal0 < 0 || steal1 < 0 ? -1 : steal1 - steal0, syncs.load()};
}

// walletctl floor --bytes-per-s B [--wakeups-per-s W] [--dir D] [--direct]
// [--sync-gap-ms M] [--seconds S]: the machine without the engine (see
// MachineFloor), for telling the disk path's own stalls from the engine's.
int Floor(int argc, char** argv) {
  const double bytes_per_s = std::strtod(Arg(argc, argv, "--bytes-per-s", "-1"), nullptr);
  const double wakeups = std::strtod(Arg(argc, argv, "--wakeups-per-s", "14000"), nullptr);
  FloorOptions o;
  o.direct = HasFlag(argc, argv, "--direct");
  o.sync_gap_ms = std::strtod(Arg(argc, argv, "--sync-gap-ms", "0"), nullptr);
  o.seconds = std::strtod(Arg(argc, argv, "--seconds", "3"), nullptr);
  if (bytes_per_s < 0 || !(wakeups > 0) || o.sync_gap_ms < 0 || !(o.seconds > 0)) {
    std::fprintf(stderr, "floor: need --bytes-per-s >= 0 (0: write nothing), --wakeups-per-s > 0,"
                         " --sync-gap-ms >= 0, --seconds > 0\n");
    return 2;
  }
  const std::string dir = Arg(argc, argv, "--dir", std::filesystem::temp_directory_path().c_str());
  const std::string path = dir + "/walletctl-floor-" + std::to_string(::getpid());
  const FloorStats f = MachineFloor(path, bytes_per_s, wakeups, o);
  std::printf("machine floor: %.0f bytes/s%s, %" PRIu64 " fdatasyncs; a thread sleeping to %.0f wakeups/s"
              " wakes %.3f ms late at p99; vCPU time stolen meanwhile %.0f ms\n",
              bytes_per_s, o.direct ? " (O_DIRECT)" : "", f.syncs, wakeups, f.late_p99_ms, f.steal_ms);
  return 0;
}

// A JSON number printed with `format`, or null when there is none.
std::string OrNull(bool have, double v, const char* format) {
  if (!have) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// Transfers/s through the ledger state machine at batches of 8,190.
double MemoryTransfersPerS(bool hot, double budget_s) {
  Ledger l;
  const uint64_t accounts = 10'000;
  std::vector<Op> setup;
  setup.push_back(MakeCreateAccount(HouseAccountId(kProv, kCur), kCur, AccountKind::kHouse, 0));
  for (uint64_t p = 1; p <= accounts; ++p)
    setup.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerBonus), kCur,
                                      AccountKind::kPlayerBonus, 0));
  std::vector<OpReply> replies(8190);
  uint64_t ts = 1;
  for (size_t i = 0; i < setup.size(); i += 8190) {
    const size_t n = std::min<size_t>(8190, setup.size() - i);
    l.ApplyBatch(std::span<const Op>(setup.data() + i, n), ts, replies.data());
    ts += n;
  }
  Rng rng(7);
  uint64_t key = 0, done = 0;
  std::vector<std::vector<Op>> batches;
  for (int i = 0; i < 60; ++i) batches.push_back(TransferBatch(rng, accounts, 8190, &key, hot));
  const double t0 = CpuS();
  size_t b = 0;
  while (b < batches.size() && (CpuS() - t0 < budget_s || b < 4)) {
    l.ApplyBatch(batches[b], ts, replies.data());
    ts += 8190;
    done += 8190;
    ++b;
  }
  return static_cast<double>(done) / (CpuS() - t0);
}

double SeamlessOpsPerS(double budget_s) {
  Ledger l;
  const uint64_t players = 50'000;
  std::vector<Op> setup = SetupOps(players);
  std::vector<OpReply> replies(8190);
  uint64_t ts = 1;
  for (size_t i = 0; i < setup.size(); i += 8190) {
    const size_t n = std::min<size_t>(8190, setup.size() - i);
    l.ApplyBatch(std::span<const Op>(setup.data() + i, n), ts, replies.data());
    ts += n;
  }
  Traffic t(3, players);
  std::vector<std::vector<Op>> batches(40);
  for (auto& batch : batches)
    for (int i = 0; i < 8190; ++i) batch.push_back(t.Next());
  const double t0 = CpuS();
  uint64_t done = 0;
  size_t b = 0;
  while (b < batches.size() && (CpuS() - t0 < budget_s || b < 4)) {
    l.ApplyBatch(batches[b], ts, replies.data());
    ts += 8190;
    done += 8190;
    ++b;
  }
  return static_cast<double>(done) / (CpuS() - t0);
}

int Bench(bool json) {
  const std::string base = std::filesystem::temp_directory_path().string() + "/walletctl-bench-" +
                           std::to_string(::getpid());
  std::filesystem::remove_all(base);
  std::filesystem::create_directories(base);
  const double memory = MemoryTransfersPerS(false, 2.0);
  const double memory_hot = MemoryTransfersPerS(true, 2.0);
  const double seamless = SeamlessOpsPerS(2.0);

  // Durable: batches of 8k transfers, pipelined, on this machine's disk.
  const uint64_t accounts = 10'000;
  std::string err;
  double durable = 0, fsync_p50_ms = 0, replay = 0, restart = 0;
  // Ack latency at half the durable load on this disk; at half the issue's
  // 300,000/s floor on this disk; and at the same half load with the log on
  // tmpfs (/dev/shm: no disk, no steal), which isolates the engine's own
  // latency from the machine's.
  AckStats half, half_of_floor, half_tmpfs;
  bool have_tmpfs = false;
  uint64_t replay_ops = 0;
  const EngineConfig cfg = BenchConfig();
  {
    auto w = OpenWithAccounts(base + "/durable", cfg, accounts, &err);
    if (!w) return std::fprintf(stderr, "bench: %s\n", err.c_str()), 1;
    Rng rng(11);
    uint64_t key = 1'000'000'000;
    std::vector<std::vector<Op>> batches;
    for (int i = 0; i < 160; ++i) batches.push_back(TransferBatch(rng, accounts, 8000, &key, false));
    std::vector<std::future<Reply>> inflight;
    const double t0 = NowS();
    uint64_t done = 0;
    size_t b = 0;
    while (b < batches.size() && NowS() - t0 < 4.0) {
      inflight.push_back(w->Submit(std::move(batches[b++])));
      if (inflight.size() >= 4) {
        inflight.front().get();
        inflight.erase(inflight.begin());
        done += 8000;
      }
    }
    for (auto& f : inflight) {
      f.get();
      done += 8000;
    }
    durable = static_cast<double>(done) / (NowS() - t0);
    std::vector<double> fs;
    for (const auto& f : w->FsyncIntervals()) fs.push_back(Ms(f));
    fsync_p50_ms = Percentile(fs, 0.5);
    half = AckAtLoad(*w, rng, accounts, &key, durable / 2);
    half_of_floor = AckAtLoad(*w, rng, accounts, &key, 150'000);
  }
  // The same schedule of wakeups and the same bytes per second (128 per
  // transfer) with no engine at all, then with nothing written.
  const FloorStats floor_writes =
      MachineFloor(base + "/plain-writes", durable / 2 * sizeof(Op), durable / 2 / 64);
  const FloorStats floor_idle = MachineFloor(base + "/plain-writes", 0, durable / 2 / 64);
  const std::string shm = "/dev/shm/walletctl-bench-" + std::to_string(::getpid());
  if (std::filesystem::is_directory("/dev/shm")) {
    std::filesystem::remove_all(shm);
    auto w = OpenWithAccounts(shm, cfg, accounts, &err);
    if (w) {
      Rng rng(12);
      uint64_t key = 3'000'000'000;
      half_tmpfs = AckAtLoad(*w, rng, accounts, &key, durable / 2);
      have_tmpfs = true;
    }
    w.reset();
    std::filesystem::remove_all(shm);
  }
  {
    // Replay: recover the durable directory (no snapshot: the whole log).
    DirImage image;
    FileDriver::ReadDir(base + "/durable", &image, &err);
    const double t0 = CpuS();
    const RecoveryResult r = Recover(image, {});
    const double dt = CpuS() - t0;
    replay_ops = r.ops_replayed;
    replay = static_cast<double>(r.ops_replayed) / dt;
  }
  {
    // Restart with 1,000,000 accounts and a snapshot (default config).
    const EngineConfig plain;
    auto w = DurableWallet::Open(base + "/restart", plain, &err);
    std::vector<std::future<Reply>> inflight;
    for (uint64_t i = 0; i < 1'000'000; i += 8000) {
      std::vector<Op> ops;
      for (uint64_t p = i + 1; p <= std::min<uint64_t>(1'000'000, i + 8000); ++p)
        ops.push_back(MakeCreateAccount(PlayerAccountId(p, kCur, AccountKind::kPlayerReal), kCur,
                                        AccountKind::kPlayerReal, kDebitsMustNotExceedCredits));
      inflight.push_back(w->Submit(std::move(ops)));
    }
    for (auto& f : inflight) f.get();
    w->Snapshot();
    w.reset();
    const double t0 = NowS();
    RecoveryResult info;
    auto again = DurableWallet::Open(base + "/restart", plain, &err, &info);
    restart = NowS() - t0;
    if (!again) return std::fprintf(stderr, "bench restart: %s\n", err.c_str()), 1;
  }
  std::filesystem::remove_all(base);
  const double hot_cost_pct = (memory - memory_hot) / memory * 100;
  if (json) {
    double load = 0;
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
      if (std::fscanf(f, "%lf", &load) != 1) load = 0;
      std::fclose(f);
    }
    std::printf("{\"load_average_1m\": %.1f, \"cores\": %u, \"transfers_per_s_memory\": %.0f, \"transfers_per_s_memory_hot\": %.0f, "
                "\"hot_account_cost_pct\": %.1f, \"transfers_per_s_durable\": %.0f, "
                "\"fdatasync_ms_p50\": %.3f, \"ack_ms_p99\": %.3f, \"ack_ms_p50\": %.3f, "
                "\"fdatasync_ms_p50_at_half_load\": %.3f, \"fdatasync_ms_p99_at_half_load\": %.3f, "
                "\"fdatasyncs_at_half_load\": %" PRIu64 ", \"ack_ms_p99_from_send\": %.3f, "
                "\"ack_ms_p99_floor_from_fdatasyncs\": %.3f, \"ack_requests\": %" PRIu64 ", "
                "\"late_sends\": %" PRIu64 ", \"send_late_ms_p99_at_half_load\": %.3f, "
                "\"cpu_steal_ms_at_half_load\": %.0f, "
                "\"ack_ms_p99_at_150k_per_s\": %.3f, \"cpu_steal_ms_at_150k_per_s\": %.0f, "
                "\"ack_ms_p99_at_half_load_on_tmpfs\": %s, \"cpu_steal_ms_at_half_load_on_tmpfs\": %s, "
                "\"machine_wakeup_late_ms_p99_plain_writes\": %.3f, \"cpu_steal_ms_plain_writes\": %.0f, "
                "\"machine_wakeup_late_ms_p99_no_writes\": %.3f, \"cpu_steal_ms_no_writes\": %.0f, "
                "\"seamless_ops_per_s\": %.0f, "
                "\"replay_records_per_s\": %.0f, \"replay_ops\": %" PRIu64 ", \"restart_s\": %.3f}\n",
                load, std::thread::hardware_concurrency(), memory, memory_hot, hot_cost_pct, durable,
                fsync_p50_ms, half.p99_ms, half.p50_ms, half.fsync_p50_ms, half.fsync_p99_ms, half.fsyncs,
                half.submit_p99_ms, half.floor_p99_ms, half.requests, half.late_sends,
                half.send_late_p99_ms, half.steal_ms, half_of_floor.p99_ms, half_of_floor.steal_ms,
                OrNull(have_tmpfs, half_tmpfs.p99_ms, "%.3f").c_str(),
                OrNull(have_tmpfs, half_tmpfs.steal_ms, "%.0f").c_str(), floor_writes.late_p99_ms,
                floor_writes.steal_ms, floor_idle.late_p99_ms, floor_idle.steal_ms, seamless, replay,
                replay_ops, restart);
  } else {
    std::printf("in memory (batches of 8,190): %.0f transfers/s (hot house account: %.0f, cost %.1f%%)\n",
                memory, memory_hot, hot_cost_pct);
    std::printf("durable (batches of 8,000, group commit): %.0f transfers/s, fdatasync p50 %.3f ms\n",
                durable, fsync_p50_ms);
    PrintAck("at half that load", 64, half);
    PrintAck("at 150,000 transfers/s (half the 300,000 floor)", 64, half_of_floor);
    if (have_tmpfs) PrintAck("at half that load, log on tmpfs", 64, half_tmpfs);
    std::printf("this machine without the engine, the client's wakeup schedule: lateness p99 %.3f ms"
                " (steal %.0f ms) while a plain file takes the same bytes/s with fdatasync; %.3f ms"
                " (steal %.0f ms) with nothing written\n",
                floor_writes.late_p99_ms, floor_writes.steal_ms, floor_idle.late_p99_ms, floor_idle.steal_ms);
    std::printf("seamless ops in memory: %.0f ops/s\n", seamless);
    std::printf("log replay: %.0f records (ops)/s over %" PRIu64 " ops\n", replay, replay_ops);
    std::printf("restart with 1,000,000 accounts + snapshot: %.3f s\n", restart);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string cmd = argv[1];
  if (cmd == "load") return Load(argc, argv);
  if (cmd == "soak") return Soak(argc, argv);
  if (cmd == "ack") return Ack(argc, argv);
  if (cmd == "floor") return Floor(argc, argv);
  if (cmd == "bench") return Bench(argc > 2 && std::strcmp(argv[2], "--json") == 0);
  if (argc < 3) return Usage();
  const char* dir = argv[2];
  if (cmd == "verify") return Verify(dir);
  if (cmd == "recover") return RecoverCmd(dir);
  if (cmd == "restore") return Restore(argc, argv, dir);
  if (cmd == "balances") return Balances(argc, argv, dir);
  if (cmd == "dump") return Dump(dir);
  return Usage();
}
