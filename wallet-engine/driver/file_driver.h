// The real driver: executes the engine's I/O on a directory (pwrite,
// fdatasync, rename + directory fsync for atomic publish, ftruncate), and
// DurableWallet, which runs an Engine on it from one group-commit thread.
// Only this folder reads a clock (to give the core its ticks).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "wallet-engine/engine.h"
#include "wallet-engine/wal.h"

namespace wallet {

// Executes IoRequests against files in `dir`. Execute() runs any request
// synchronously on the calling thread. A flush can instead be split for an
// I/O thread: BeginSync() resolves the file on the owning thread (the one
// that calls Execute) and RunSync() does the fdatasync/fsync on any thread.
class FileDriver {
 public:
  // A flush resolved by BeginSync(), ready for RunSync() on another thread.
  struct Sync {
    uint64_t id = 0;
    IoKind kind = IoKind::kFlush;
    std::string file;
    int fd = -1;         // -1: the file could not be opened (RunSync fails it)
    int open_errno = 0;  // why, when fd < 0
  };

  explicit FileDriver(std::string dir) : dir_(std::move(dir)) {}
  ~FileDriver();
  FileDriver(const FileDriver&) = delete;
  FileDriver& operator=(const FileDriver&) = delete;

  IoCompletion Execute(const IoRequest& request);
  static bool IsSync(IoKind kind) { return kind == IoKind::kFlush || kind == IoKind::kFlushDir; }
  // REQUIRES: IsSync(request.kind); called on the thread that calls Execute.
  // The descriptor stays valid until RunSync returns as long as the caller
  // does not rename the file meanwhile (the engine never does: it renames a
  // snapshot only after its flush completed).
  Sync BeginSync(const IoRequest& request);
  // Runs the flush (any thread; closes the directory descriptor of kFlushDir).
  IoCompletion RunSync(const Sync& sync);
  // Every fdatasync so far as [start, end) in DriverNowUs() µs (for walletctl bench).
  struct Interval {
    uint64_t start_us = 0;
    uint64_t end_us = 0;
  };
  std::vector<Interval> FsyncIntervals() const;

  // Reads every regular file of `dir` (non-recursive). False with *error on
  // an I/O error.
  static bool ReadDir(const std::string& dir, DirImage* image, std::string* error);

 private:
  int Fd(std::string_view file);
  std::string dir_;
  std::map<std::string, int, std::less<>> fds_;  // owning thread only
  mutable std::mutex fsync_mu_;     // RunSync may run on another thread
  std::vector<Interval> fsyncs_;
};

// Monotonic microseconds for the driver's ticks (never used by the core).
uint64_t DriverNowUs();

// Test seam: runs on the I/O thread around each fdatasync/fsync of `file`
// ("." for the directory): `before` = true just before the call, false right
// after it returned and before the engine hears of the completion.
using FlushObserver = std::function<void(const std::string& file, bool before)>;

// An engine on real files. Requests are applied on the submitter's own
// thread (the engine's mutex held: no hand-off, no wakeup), and two threads
// of its own do the rest:
//  - the flusher (I/O thread) runs every write, fdatasync, rename and
//    directory fsync in the order the engine issued them, and then itself
//    feeds each completion to the engine: it releases the replies a flush
//    covered and writes every record applied meanwhile as one write (group
//    commit), whose flush it runs next;
//  - a ticker paces the engine's ticks and takes snapshot requests.
// So an acknowledgement waits at most for the flush in flight plus its own
// write and flush, and no thread wakeup sits between two flushes.
// Safety is the engine's: a reply leaves the engine only after the flush
// covering its record completed, in log order; replies are released with the
// engine's mutex held, so in that order whichever thread releases them.
class DurableWallet {
 public:
  // Recovers `dir` (created if missing) and starts the threads. Null with
  // *error when the directory is damaged (the diagnosis) or unreadable.
  static std::unique_ptr<DurableWallet> Open(const std::string& dir, EngineConfig config,
                                             std::string* error,
                                             RecoveryResult* recovery_out = nullptr,
                                             FlushObserver flush_observer = {});
  // Waits for every flush in flight (releasing the replies they cover), then
  // stops the threads; anything still unanswered gets kNotPrimary.
  // No Submit may run concurrently with it.
  ~DurableWallet();
  // Applies the request on the calling thread (any thread; submitters are
  // serialised by the engine's mutex) and returns; the reply comes once the
  // flush covering it returned.
  std::future<Reply> Submit(std::vector<Op> ops);
  // Same, but `done` runs the moment the reply is released (on the flusher,
  // after the flush; on the calling thread, before Submit returns, for a
  // request refused at once): for latency measurement without polling.
  // `done` must be quick and must not call back into this DurableWallet.
  void Submit(std::vector<Op> ops, std::function<void(Reply)> done);
  // Blocks until a snapshot is published.
  void Snapshot();
  // Every fdatasync so far, [start, end) in DriverNowUs() µs.
  std::vector<FileDriver::Interval> FsyncIntervals();
  uint64_t StateHash();
  uint64_t LastSeq();

 private:
  DurableWallet(std::string dir, EngineConfig config, RecoveryResult recovered,
                FlushObserver flush_observer);
  void Loop();
  void IoLoop();
  void Shutdown();
  // Submits one request to the engine on the calling thread.
  void Apply(uint64_t id, std::vector<Op> ops);
  void YieldToFlusher();
  // Takes the engine's outputs: queues its I/O for the flusher, releases
  // replies, notices a published snapshot (engine_mu_ held).
  void Pump(Outputs* out);
  void Release(std::vector<Reply>* replies);

  FileDriver driver_;
  Engine engine_;
  FlushObserver flush_observer_;
  std::mutex mu_;         // waiting, callbacks, flags
  std::mutex engine_mu_;  // engine_, submit_out_, ios_in_flight_, snapshots_target_
                          // (never held during I/O; driver_ is the flusher's alone)
  std::condition_variable cv_;  // wakes the ticker
  Outputs submit_out_;          // submitters' (reused)
  std::map<uint64_t, std::promise<Reply>> waiting_;
  std::map<uint64_t, std::function<void(Reply)>> callbacks_;
  uint64_t next_request_ = 1;
  bool stop_ = false;
  bool snapshot_wanted_ = false;  // until a snapshot asked for is published
  bool snapshot_asked_ = false;   // not yet seen by the group-commit thread
  uint64_t snapshots_target_ = 0;
  std::condition_variable snapshot_cv_;
  uint64_t ios_in_flight_ = 0;  // queued for or running on the flusher
  std::atomic<bool> flusher_waiting_{false};  // the flusher wants engine_mu_: submitters yield

  std::mutex io_mu_;  // io_queue_, io_stop_ (the flusher's work)
  std::condition_variable io_cv_;
  std::deque<IoRequest> io_queue_;
  bool io_stop_ = false;

  std::thread io_thread_;
  std::thread thread_;
};

}  // namespace wallet
