#include "wallet-engine/driver/file_driver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

namespace wallet {

uint64_t DriverNowUs() {
  using namespace std::chrono;
  return static_cast<uint64_t>(  // tidy:allow-wallclock (real driver ticks)
      duration_cast<microseconds>(steady_clock::now().time_since_epoch()).count());  // tidy:allow-wallclock
}

FileDriver::~FileDriver() {
  for (auto& [name, fd] : fds_) ::close(fd);
}

int FileDriver::Fd(std::string_view file) {
  auto it = fds_.find(file);
  if (it != fds_.end()) return it->second;
  const std::string path = dir_ + "/" + std::string(file);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  fds_.emplace(std::string(file), fd);
  return fd;
}

IoCompletion FileDriver::Execute(const IoRequest& req) {
  IoCompletion c{req.id, IoStatus::kOk};
  auto fail = [&](int err) {
    c.status = err == ENOSPC ? IoStatus::kNoSpace : IoStatus::kError;
    return c;
  };
  switch (req.kind) {
    case IoKind::kWrite: {
      const int fd = Fd(req.file);
      if (fd < 0) return fail(errno);
      size_t done = 0;
      while (done < req.bytes.size()) {
        const ssize_t n = ::pwrite(fd, req.bytes.data() + done, req.bytes.size() - done,
                                   static_cast<off_t>(req.offset + done));
        if (n < 0) {
          if (errno == EINTR) continue;
          return fail(errno);
        }
        done += static_cast<size_t>(n);
      }
      return c;
    }
    case IoKind::kFlush:
    case IoKind::kFlushDir:
      return RunSync(BeginSync(req));
    case IoKind::kRename: {
      const std::string from = dir_ + "/" + req.file.str();
      const std::string to = dir_ + "/" + req.target;
      auto it = fds_.find(req.file.view());
      if (it != fds_.end()) {
        ::close(it->second);
        fds_.erase(it);
      }
      if (::rename(from.c_str(), to.c_str()) != 0) return fail(errno);
      return c;
    }
    case IoKind::kTruncate: {
      const int fd = Fd(req.file);
      if (fd < 0) return fail(errno);
      if (::ftruncate(fd, static_cast<off_t>(req.offset)) != 0 || ::fdatasync(fd) != 0)
        return fail(errno);
      return c;
    }
  }
  return c;
}

FileDriver::Sync FileDriver::BeginSync(const IoRequest& req) {
  WE_ASSERT(IsSync(req.kind));
  Sync s{req.id, req.kind, req.file.str()};
  s.fd = req.kind == IoKind::kFlush ? Fd(req.file)
                                    : ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s.fd < 0) s.open_errno = errno;
  return s;
}

IoCompletion FileDriver::RunSync(const Sync& s) {
  IoCompletion c{s.id, IoStatus::kOk};
  if (s.fd < 0) {
    c.status = s.open_errno == ENOSPC ? IoStatus::kNoSpace : IoStatus::kError;
    return c;
  }
  if (s.kind == IoKind::kFlushDir) {
    const int rc = ::fsync(s.fd);
    const int err = errno;
    ::close(s.fd);
    if (rc != 0) c.status = err == ENOSPC ? IoStatus::kNoSpace : IoStatus::kError;
    return c;
  }
  const uint64_t t0 = DriverNowUs();
  if (::fdatasync(s.fd) != 0) {
    c.status = errno == ENOSPC ? IoStatus::kNoSpace : IoStatus::kError;
    return c;
  }
  const uint64_t t1 = DriverNowUs();
  std::lock_guard<std::mutex> lock(fsync_mu_);
  fsyncs_.push_back({t0, t1});
  return c;
}

std::vector<FileDriver::Interval> FileDriver::FsyncIntervals() const {
  std::lock_guard<std::mutex> lock(fsync_mu_);
  return fsyncs_;
}

bool FileDriver::ReadDir(const std::string& dir, DirImage* image, std::string* error) {
  image->clear();
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    *error = dir + ": " + std::strerror(errno);
    return false;
  }
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = dir + "/" + name;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      *error = path + ": " + std::strerror(errno);
      ::closedir(d);
      return false;
    }
    std::string bytes(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pread(fd, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fd);
    bytes.resize(done);
    (*image)[name] = std::move(bytes);
  }
  ::closedir(d);
  return true;
}

// ------------------------------------------------------------ DurableWallet ---

std::unique_ptr<DurableWallet> DurableWallet::Open(const std::string& dir, EngineConfig config,
                                                   std::string* error,
                                                   RecoveryResult* recovery_out,
                                                   FlushObserver flush_observer) {
  ::mkdir(dir.c_str(), 0755);
  DirImage image;
  if (!FileDriver::ReadDir(dir, &image, error)) return nullptr;
  RecoveryOptions ro;
  ro.ledger = config.ledger;
  RecoveryResult r = Recover(image, ro);
  image.clear();
  if (!r.ok) {
    *error = r.diagnosis.ToString();
    if (recovery_out) *recovery_out = std::move(r);
    return nullptr;
  }
  if (recovery_out) {
    recovery_out->ok = true;
    recovery_out->warnings = r.warnings;
    recovery_out->last_seq = r.last_seq;
    recovery_out->records_replayed = r.records_replayed;
    recovery_out->ops_replayed = r.ops_replayed;
    recovery_out->snapshot_gen = r.snapshot_gen;
  }
  config.track_acked_ops = false;
  // Every request is applied and encoded the moment it arrives (a batch of
  // its own, closed at once), also while a flush is in flight; the engine
  // queues such records and writes them together when the flush returns.
  config.batch_delay_us = 0;
  config.close_batch_when_log_idle = true;
  return std::unique_ptr<DurableWallet>(
      new DurableWallet(dir, std::move(config), std::move(r), std::move(flush_observer)));
}

DurableWallet::DurableWallet(std::string dir, EngineConfig config, RecoveryResult recovered,
                             FlushObserver flush_observer)
    : driver_(std::move(dir)),
      engine_(std::move(config), Role::kPrimary, recovered.last_term, std::move(recovered)),
      flush_observer_(std::move(flush_observer)) {
  io_thread_ = std::thread([this] { IoLoop(); });
  thread_ = std::thread([this] { Loop(); });
}

DurableWallet::~DurableWallet() { Shutdown(); }

std::future<Reply> DurableWallet::Submit(std::vector<Op> ops) {
  std::promise<Reply> p;
  std::future<Reply> f = p.get_future();
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_request_++;
    waiting_.emplace(id, std::move(p));
  }
  Apply(id, std::move(ops));
  return f;
}

void DurableWallet::Submit(std::vector<Op> ops, std::function<void(Reply)> done) {
  uint64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_request_++;
    callbacks_.emplace(id, std::move(done));
  }
  Apply(id, std::move(ops));
}

// Lets a flusher that is about to take the engine's mutex go first, for a
// bounded time: if the VM deschedules the flusher right after it said so
// (seen: 2-4 ms), spinning on would only burn the core it needs.
void DurableWallet::YieldToFlusher() {
  for (int i = 0; i < 256 && flusher_waiting_.load(std::memory_order_acquire); ++i) std::this_thread::yield();
}

// On the submitter's thread: no hand-off to another thread, no wakeup. The
// flusher goes first when it waits for the engine: a returned flush never
// waits behind a backlog of requests (that wait delayed the next flush, and
// so every acknowledgement, by milliseconds).
void DurableWallet::Apply(uint64_t id, std::vector<Op> ops) {
  YieldToFlusher();
  std::lock_guard<std::mutex> elock(engine_mu_);
  engine_.Submit(DriverNowUs(), Submission{id, std::move(ops)});
  Pump(&submit_out_);
}

void DurableWallet::Snapshot() {
  std::unique_lock<std::mutex> lock(mu_);
  snapshot_wanted_ = true;
  snapshot_asked_ = true;
  cv_.notify_one();
  snapshot_cv_.wait(lock, [&] { return !snapshot_wanted_; });
}

std::vector<FileDriver::Interval> DurableWallet::FsyncIntervals() { return driver_.FsyncIntervals(); }
uint64_t DurableWallet::StateHash() {
  std::lock_guard<std::mutex> lock(engine_mu_);
  return engine_.state_hash();
}
uint64_t DurableWallet::LastSeq() {
  std::lock_guard<std::mutex> lock(engine_mu_);
  return engine_.last_seq();
}

// Fulfils promises and runs callbacks (engine_mu_ held, so replies leave in
// the engine's order whichever thread releases them; mu_ is not held while a
// callback runs, so submitters are not blocked by it).
void DurableWallet::Release(std::vector<Reply>* replies) {
  std::vector<std::pair<std::function<void(Reply)>, Reply>> calls;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Reply& r : *replies) {
      auto it = waiting_.find(r.request_id);
      if (it != waiting_.end()) {
        it->second.set_value(std::move(r));
        waiting_.erase(it);
        continue;
      }
      auto cb = callbacks_.find(r.request_id);
      if (cb != callbacks_.end()) {
        calls.emplace_back(std::move(cb->second), std::move(r));
        callbacks_.erase(cb);
      }
    }
  }
  for (auto& [f, r] : calls) f(std::move(r));
}

void DurableWallet::Pump(Outputs* out) {
  engine_.TakeOutputs(out);
  if (!out->io.empty()) {
    // All I/O runs on the flusher, in the order the engine issued it.
    {
      std::lock_guard<std::mutex> lock(io_mu_);
      for (IoRequest& io : out->io) io_queue_.push_back(std::move(io));
    }
    ios_in_flight_ += out->io.size();
    io_cv_.notify_one();
  }
  if (!out->replies.empty()) Release(&out->replies);
  if (snapshots_target_ != 0 && engine_.snapshots_published() >= snapshots_target_) {
    snapshots_target_ = 0;
    std::lock_guard<std::mutex> lock(mu_);
    snapshot_wanted_ = false;
    snapshot_cv_.notify_all();
  }
}

// The flusher: runs every I/O request (the only thread that touches the
// files), then itself feeds the completion to the engine and queues what
// follows (the replies a flush covers are released at once; the write of
// the records applied meanwhile and that write's flush come next in its
// queue), so no other thread has to be woken between one flush and the next.
// The engine's mutex is not held during the I/O itself.
void DurableWallet::IoLoop() {
  Outputs out;
  for (;;) {
    IoRequest io;
    {
      std::unique_lock<std::mutex> lock(io_mu_);
      io_cv_.wait(lock, [&] { return io_stop_ || !io_queue_.empty(); });
      if (io_queue_.empty()) return;
      io = std::move(io_queue_.front());
      io_queue_.pop_front();
    }
    IoCompletion c;
    if (FileDriver::IsSync(io.kind)) {
      const FileDriver::Sync sync = driver_.BeginSync(io);
      if (flush_observer_) flush_observer_(sync.file, true);
      c = driver_.RunSync(sync);
      if (flush_observer_) flush_observer_(sync.file, false);
    } else {
      c = driver_.Execute(io);
    }
    flusher_waiting_.store(true, std::memory_order_release);
    std::lock_guard<std::mutex> elock(engine_mu_);
    flusher_waiting_.store(false, std::memory_order_release);
    --ios_in_flight_;
    engine_.OnIoComplete(DriverNowUs(), c);
    Pump(&out);
  }
}

// Paces the engine's ticks (heartbeats, leases) and takes snapshot requests;
// requests are applied by their submitters and the flusher drives the log.
void DurableWallet::Loop() {
  Outputs out;
  for (;;) {
    bool snapshot = false;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(10), [&] { return stop_ || snapshot_asked_; });
      stop = stop_;
      snapshot = snapshot_asked_;
      snapshot_asked_ = false;
    }
    YieldToFlusher();
    std::lock_guard<std::mutex> elock(engine_mu_);
    engine_.Tick(DriverNowUs());
    if (snapshot && snapshots_target_ == 0) {
      snapshots_target_ = engine_.snapshots_published() + 1;
      engine_.RequestSnapshot();
      engine_.Tick(DriverNowUs());
    }
    Pump(&out);
    if (stop) break;
  }
}

void DurableWallet::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  // No new requests: the flusher finishes the flushes queued or in flight
  // (and the ones they lead to), then stops.
  {
    std::lock_guard<std::mutex> lock(io_mu_);
    io_stop_ = true;
  }
  io_cv_.notify_all();
  io_thread_.join();
  WE_ASSERT(ios_in_flight_ == 0);
  // Every flush has returned and its replies are out; nothing else can be
  // acknowledged (an engine that failed already answered its requests).
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [id, p] : waiting_) {
    Reply r;
    r.request_id = id;
    r.status = ReplyStatus::kNotPrimary;
    p.set_value(std::move(r));
  }
  for (auto& [id, f] : callbacks_) {
    Reply r;
    r.request_id = id;
    r.status = ReplyStatus::kNotPrimary;
    f(std::move(r));
  }
}

}  // namespace wallet
