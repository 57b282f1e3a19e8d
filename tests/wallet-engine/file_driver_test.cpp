// The real driver on real files: DurableWallet applies each request on its
// submitter's thread and must release a reply only after the fdatasync
// covering its record returned, in log order, while still applying new
// requests during a flush.
// A FlushObserver holds the I/O thread inside a flush, so the checks do not
// depend on timing: every wait below is for a state, never a duration.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "wallet-engine/driver/file_driver.h"
#include "wallet-engine/wal.h"

namespace wallet {
namespace {

constexpr uint32_t kCur = 978;

// A fresh directory under the temp dir, removed at the end.
struct TempDir {
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path = (std::filesystem::temp_directory_path() /
            (std::string("wallet-driver-") + info->name() + "-" + std::to_string(::getpid())))
               .string();
    std::filesystem::remove_all(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

Id128 Player(uint64_t p) { return PlayerAccountId(p, kCur, AccountKind::kPlayerBonus); }

std::vector<Op> SetupOps(uint64_t players) {
  std::vector<Op> ops = {
      MakeCreateAccount(HouseAccountId(7, kCur), kCur, AccountKind::kHouse, 0)};
  for (uint64_t p = 1; p <= players; ++p)
    ops.push_back(MakeCreateAccount(Player(p), kCur, AccountKind::kPlayerBonus, 0));
  return ops;
}

std::vector<Op> Transfers(uint64_t* key, size_t n, uint64_t players) {
  std::vector<Op> ops;
  for (size_t i = 0; i < n; ++i, ++*key)
    ops.push_back(MakeTransfer(Id128{0xd1, *key}, Player(1 + *key % players),
                               HouseAccountId(7, kCur), 1, kCur, TransferCode::kCorrection));
  return ops;
}

// Polls a state owned by other threads until pred() holds. The deadline only
// turns a hang (the state never comes) into a failure; no check depends on
// how long anything takes.
template <typename Pred>
bool WaitFor(Pred pred) {
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);  // tidy:allow-wallclock
  while (!pred()) {
    if (std::chrono::steady_clock::now() > give_up) return false;  // tidy:allow-wallclock
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return true;
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

// Lets flushes through one permit at a time and records how many bytes of
// each file every completed flush covered (the file's size when the flush
// started: the engine never writes a log segment while its flush is in
// flight).
class FlushGate {
 public:
  explicit FlushGate(std::string dir) : dir_(std::move(dir)) {}
  FlushObserver Observer() {
    return [this](const std::string& file, bool before) {
      std::unique_lock<std::mutex> lock(mu_);
      if (before) {
        covering_[file] = FileSize(dir_ + "/" + file);
        ++entered_;
        cv_.wait(lock, [&] { return permits_ > 0; });
        --permits_;
      } else {
        flushed_[file] = covering_[file];
      }
    };
  }
  void Grant(uint64_t n) { SetPermits(n, true); }
  // Replaces the permits left (0 holds every flush from now on).
  void SetPermits(uint64_t n, bool add = false) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      permits_ = add ? permits_ + n : n;
    }
    cv_.notify_all();
  }
  uint64_t entered() {
    std::lock_guard<std::mutex> lock(mu_);
    return entered_;
  }
  uint64_t Flushed(const std::string& file) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = flushed_.find(file);
    return it == flushed_.end() ? 0 : it->second;
  }

 private:
  std::string dir_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t permits_ = 0;
  uint64_t entered_ = 0;
  std::map<std::string, uint64_t> covering_;
  std::map<std::string, uint64_t> flushed_;
};

// The only log segment of a wallet that never took a snapshot.
std::string OnlySegment(const std::string& dir) {
  std::string found;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    uint64_t gen;
    if (ParseSegmentName(e.path().filename().string(), &gen)) {
      EXPECT_TRUE(found.empty()) << "more than one segment";
      found = e.path().filename().string();
    }
  }
  return found;
}

// seq -> offset just past that record in the segment file.
std::map<uint64_t, uint64_t> RecordEnds(const std::string& path) {
  DirImage image;
  std::string err;
  const std::string dir = std::filesystem::path(path).parent_path().string();
  EXPECT_TRUE(FileDriver::ReadDir(dir, &image, &err)) << err;
  const std::string& bytes = image[std::filesystem::path(path).filename().string()];
  const SegmentScan scan = ScanSegment(bytes, std::nullopt, std::nullopt);
  std::map<uint64_t, uint64_t> ends;
  for (size_t i = 0; i < scan.records.size(); ++i)
    ends[scan.records[i].header.seq] =
        i + 1 < scan.records.size() ? scan.records[i + 1].offset : scan.valid_end;
  return ends;
}

TEST(DurableWallet, AppliesDuringAFlushButRepliesOnlyAfterTheFlushCoveringThemInOrder) {
  TempDir dir;
  FlushGate gate(dir.path);
  gate.Grant(1'000'000);  // setup flushes pass
  std::string err;
  auto w = DurableWallet::Open(dir.path, {}, &err, nullptr, gate.Observer());
  ASSERT_TRUE(w) << err;
  ASSERT_EQ(w->Submit(SetupOps(16)).get().status, ReplyStatus::kOk);
  const std::string segment = OnlySegment(dir.path);
  ASSERT_FALSE(segment.empty());
  const uint64_t setup_seq = w->LastSeq();

  struct Released {
    uint64_t request = 0;
    ReplyStatus status = ReplyStatus::kNotPrimary;
    uint64_t seq = 0;
    uint64_t flushed_bytes = 0;  // of the segment when the reply was released
  };
  std::mutex mu;
  std::vector<Released> released;
  auto submit = [&](uint64_t request, std::vector<Op> ops) {
    w->Submit(std::move(ops), [&, request](Reply r) {
      std::lock_guard<std::mutex> lock(mu);
      released.push_back({request, r.status, r.seq, gate.Flushed(segment)});
    });
  };
  auto released_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return released.size();
  };

  uint64_t key = 0;
  gate.SetPermits(0);  // from here on each flush needs a permit
  const uint64_t entered0 = gate.entered();
  submit(0, Transfers(&key, 64, 16));
  ASSERT_TRUE(WaitFor([&] { return gate.entered() == entered0 + 1; }));  // request 0's flush is held
  for (uint64_t r = 1; r <= 3; ++r) {
    submit(r, Transfers(&key, 64, 16));
    // Applied and encoded on the submitter's thread, before Submit returned.
    EXPECT_EQ(w->LastSeq(), setup_seq + 1 + r);
  }
  // Requests 1-3 are applied and encoded while request 0's flush is held...
  // ...and nothing is acknowledged before a flush covering it returned.
  EXPECT_EQ(released_count(), 0u);
  EXPECT_EQ(gate.entered(), entered0 + 1);  // one flush at a time

  // Let request 0's flush return; requests 1-3 then go out as one write and
  // one flush, which is held: only request 0 may be acknowledged.
  gate.Grant(1);
  ASSERT_TRUE(WaitFor([&] { return gate.entered() == entered0 + 2; }));
  EXPECT_EQ(released_count(), 1u);
  gate.Grant(1);
  ASSERT_TRUE(WaitFor([&] { return released_count() == 4; }));
  w.reset();

  const std::map<uint64_t, uint64_t> ends = RecordEnds(dir.path + "/" + segment);
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(released.size(), 4u);
  for (size_t i = 0; i < released.size(); ++i) {
    const Released& r = released[i];
    EXPECT_EQ(r.request, i) << "replies leave in log order";
    EXPECT_EQ(r.status, ReplyStatus::kOk);
    EXPECT_EQ(r.seq, setup_seq + 1 + i);
    ASSERT_TRUE(ends.count(r.seq)) << "seq " << r.seq << " not in the log";
    EXPECT_LE(ends.at(r.seq), r.flushed_bytes)
        << "reply for seq " << r.seq << " released before a flush covered its record";
  }
  // Requests 1-3 arrived during one flush: they went out as one write + flush
  // (group commit), so at most 2 flushes covered the 4 requests.
  EXPECT_EQ(released[1].flushed_bytes, released[3].flushed_bytes);
}

TEST(DurableWallet, ShutdownWaitsForTheFlushesInFlightAndReopenHoldsEveryAcknowledgedOp) {
  TempDir dir;
  std::string err;
  uint64_t hash = 0, last_seq = 0, acked_ops = 0, key = 0;
  std::mutex mu;
  std::vector<ReplyStatus> statuses;
  {
    EngineConfig cfg;
    cfg.snapshot_every_ops = 2'000;  // snapshots (write, flush, rename, dir fsync) mid-run
    auto w = DurableWallet::Open(dir.path, cfg, &err);
    ASSERT_TRUE(w) << err;
    ASSERT_EQ(w->Submit(SetupOps(100)).get().status, ReplyStatus::kOk);
    for (int i = 0; i < 200; ++i)
      w->Submit(Transfers(&key, 50, 100), [&](Reply r) {
        std::lock_guard<std::mutex> lock(mu);
        statuses.push_back(r.status);
        if (r.status == ReplyStatus::kOk)
          for (const OpReply& x : r.results) acked_ops += IsSuccess(x.result) ? 1 : 0;
      });
    w->Snapshot();
    w.reset();  // returns once every request above has its reply
    ASSERT_EQ(statuses.size(), 200u);
    for (ReplyStatus s : statuses) EXPECT_EQ(s, ReplyStatus::kOk);
    EXPECT_EQ(acked_ops, 200u * 50u);
    // Reopen to read the final position (the wallet above is gone).
    auto again = DurableWallet::Open(dir.path, cfg, &err);
    ASSERT_TRUE(again) << err;
    hash = again->StateHash();
    last_seq = again->LastSeq();
  }
  // Recovery from the files alone, without the driver.
  DirImage image;
  ASSERT_TRUE(FileDriver::ReadDir(dir.path, &image, &err)) << err;
  const RecoveryResult r = Recover(image, {});
  ASSERT_TRUE(r.ok) << r.diagnosis.ToString();
  EXPECT_EQ(r.last_seq, last_seq);
  EXPECT_EQ(r.ledger.StateHash(), hash);
  EXPECT_GE(r.snapshot_gen, 1u);
  // Every acknowledged transfer is there: each player's balance adds up.
  int64_t debits = 0;
  for (uint64_t p = 1; p <= 100; ++p) {
    const Account* a = r.ledger.FindAccount(Player(p));
    ASSERT_NE(a, nullptr);
    debits += a->debits_posted;
  }
  EXPECT_EQ(debits, 200 * 50);
}

// Submit may be called from any thread: submitters are serialised by the
// engine's mutex and each applies its own request. Every request is
// acknowledged once, each thread's replies come in its own submission order
// (the log's order), and the log after a reopen holds every acknowledged op.
TEST(DurableWallet, ConcurrentSubmittersEachApplyTheirOwnRequestsAndAllAreDurable) {
  TempDir dir;
  std::string err;
  constexpr int kThreads = 4, kRequests = 150, kOps = 20;
  constexpr uint64_t kPlayers = 50;
  std::mutex mu;
  std::vector<std::vector<uint64_t>> seqs(kThreads);  // per thread, in reply order
  {
    auto w = DurableWallet::Open(dir.path, {}, &err);
    ASSERT_TRUE(w) << err;
    ASSERT_EQ(w->Submit(SetupOps(kPlayers)).get().status, ReplyStatus::kOk);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        uint64_t key = 1'000'000ull * static_cast<uint64_t>(t + 1);
        for (int r = 0; r < kRequests; ++r)
          w->Submit(Transfers(&key, kOps, kPlayers), [&, t](Reply reply) {
            std::lock_guard<std::mutex> lock(mu);
            EXPECT_EQ(reply.status, ReplyStatus::kOk);
            for (const OpReply& x : reply.results) EXPECT_TRUE(IsSuccess(x.result));
            seqs[static_cast<size_t>(t)].push_back(reply.seq);
          });
      });
    for (auto& th : threads) th.join();
    w.reset();  // every request above has its reply once this returns
  }
  std::set<uint64_t> all;
  for (const auto& v : seqs) {
    ASSERT_EQ(v.size(), static_cast<size_t>(kRequests));
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end())) << "a thread's replies left out of log order";
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kRequests)) << "one record per request";
  DirImage image;
  ASSERT_TRUE(FileDriver::ReadDir(dir.path, &image, &err)) << err;
  const RecoveryResult rec = Recover(image, {});
  ASSERT_TRUE(rec.ok) << rec.diagnosis.ToString();
  EXPECT_EQ(rec.last_seq, *all.rbegin());
  int64_t debits = 0;
  for (uint64_t p = 1; p <= kPlayers; ++p) debits += rec.ledger.FindAccount(Player(p))->debits_posted;
  EXPECT_EQ(debits, int64_t{kThreads} * kRequests * kOps);
}

TEST(FileDriver, FlushesSplitAcrossThreadsRecordTheirIntervals) {
  TempDir dir;
  std::filesystem::create_directories(dir.path);
  FileDriver d(dir.path);
  IoRequest w{1, IoKind::kWrite, "f", {}, 0, "abc"};
  ASSERT_EQ(d.Execute(w).status, IoStatus::kOk);
  IoRequest f{2, IoKind::kFlush, "f", {}, 0, {}};
  const FileDriver::Sync s = d.BeginSync(f);
  IoCompletion c;
  std::thread t([&] { c = d.RunSync(s); });
  t.join();
  EXPECT_EQ(c.id, 2u);
  EXPECT_EQ(c.status, IoStatus::kOk);
  IoRequest dflush{3, IoKind::kFlushDir, ".", {}, 0, {}};
  EXPECT_EQ(d.Execute(dflush).status, IoStatus::kOk);
  const auto intervals = d.FsyncIntervals();
  ASSERT_EQ(intervals.size(), 1u);  // fdatasyncs only, not the directory fsync
  EXPECT_LE(intervals[0].start_us, intervals[0].end_us);
  EXPECT_EQ(FileSize(dir.path + "/f"), 3u);
}

}  // namespace
}  // namespace wallet
