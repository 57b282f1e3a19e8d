// The real driver: executes the engine's I/O on a directory (pwrite,
// fdatasync, rename + directory fsync for atomic publish, ftruncate), and
// DurableWallet, which runs an Engine on it from one group-commit thread.
// Only this folder reads a clock (to give the core its ticks).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "wallet-engine/engine.h"
#include "wallet-engine/wal.h"

namespace wallet {

// Executes IoRequests against files in `dir`, synchronously.
class FileDriver {
 public:
  explicit FileDriver(std::string dir) : dir_(std::move(dir)) {}
  ~FileDriver();
  FileDriver(const FileDriver&) = delete;
  FileDriver& operator=(const FileDriver&) = delete;

  IoCompletion Execute(const IoRequest& request);
  // Latencies of every fdatasync, in µs (for walletctl bench).
  const std::vector<uint64_t>& fsync_us() const { return fsync_us_; }

  // Reads every regular file of `dir` (non-recursive). False with *error on
  // an I/O error.
  static bool ReadDir(const std::string& dir, DirImage* image, std::string* error);

 private:
  int Fd(const std::string& file);
  std::string dir_;
  std::map<std::string, int> fds_;
  std::vector<uint64_t> fsync_us_;
};

// Monotonic microseconds for the driver's ticks (never used by the core).
uint64_t DriverNowUs();

// An engine on real files with a group-commit thread: Submit() from any
// thread; the thread batches what arrived while the previous fdatasync ran.
// Group commit is eager (EngineConfig::close_batch_when_log_idle is forced
// on): a request arriving at an idle log is written at once, and requests
// arriving during a flush are written together as soon as it returns, so an
// acknowledgement waits at most for the flush in flight plus its own.
class DurableWallet {
 public:
  // Recovers `dir` (created if missing) and starts the thread. Null with
  // *error when the directory is damaged (the diagnosis) or unreadable.
  static std::unique_ptr<DurableWallet> Open(const std::string& dir, EngineConfig config,
                                             std::string* error,
                                             RecoveryResult* recovery_out = nullptr);
  ~DurableWallet();
  std::future<Reply> Submit(std::vector<Op> ops);
  // Same, but `done` runs on the group-commit thread the moment the reply is
  // released (after the flush): for latency measurement without polling.
  // `done` must be quick and must not call back into this DurableWallet.
  void Submit(std::vector<Op> ops, std::function<void(Reply)> done);
  // Blocks until a snapshot is published.
  void Snapshot();
  // Copy of the fdatasync latencies so far (µs).
  std::vector<uint64_t> FsyncLatenciesUs();
  uint64_t StateHash();
  uint64_t LastSeq();

 private:
  DurableWallet(std::string dir, EngineConfig config, RecoveryResult recovered);
  void Loop();
  void Pump(Outputs* out);
  // Moves requests that arrived meanwhile into the engine (engine_mu_ held).
  void DrainInbox();

  FileDriver driver_;
  Engine engine_;
  std::mutex mu_;         // inbox, waiting, flags
  std::mutex engine_mu_;  // engine_ and driver_ (held by the loop while it works)
  std::condition_variable cv_;
  std::deque<std::pair<uint64_t, std::vector<Op>>> inbox_;
  std::map<uint64_t, std::promise<Reply>> waiting_;
  std::map<uint64_t, std::function<void(Reply)>> callbacks_;
  uint64_t next_request_ = 1;
  bool stop_ = false;
  bool snapshot_wanted_ = false;
  uint64_t snapshots_target_ = 0;
  std::condition_variable snapshot_cv_;
  std::thread thread_;
};

}  // namespace wallet
