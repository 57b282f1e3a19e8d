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

int FileDriver::Fd(const std::string& file) {
  auto it = fds_.find(file);
  if (it != fds_.end()) return it->second;
  const std::string path = dir_ + "/" + file;
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  fds_[file] = fd;
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
    case IoKind::kFlush: {
      const int fd = Fd(req.file);
      if (fd < 0) return fail(errno);
      const uint64_t t0 = DriverNowUs();
      const bool is_new = req.offset == 0;
      if (::fdatasync(fd) != 0) return fail(errno);
      fsync_us_.push_back(DriverNowUs() - t0);
      (void)is_new;
      return c;
    }
    case IoKind::kRename: {
      const std::string from = dir_ + "/" + req.file;
      const std::string to = dir_ + "/" + req.target;
      auto it = fds_.find(req.file);
      if (it != fds_.end()) {
        ::close(it->second);
        fds_.erase(it);
      }
      if (::rename(from.c_str(), to.c_str()) != 0) return fail(errno);
      return c;
    }
    case IoKind::kFlushDir: {
      const int fd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (fd < 0) return fail(errno);
      const int rc = ::fsync(fd);
      const int err = errno;
      ::close(fd);
      if (rc != 0) return fail(err);
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
                                                   RecoveryResult* recovery_out) {
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
  config.close_batch_when_log_idle = true;
  return std::unique_ptr<DurableWallet>(new DurableWallet(dir, std::move(config), std::move(r)));
}

DurableWallet::DurableWallet(std::string dir, EngineConfig config, RecoveryResult recovered)
    : driver_(std::move(dir)),
      engine_(std::move(config), Role::kPrimary, recovered.last_term, std::move(recovered)) {
  thread_ = std::thread([this] { Loop(); });
}

DurableWallet::~DurableWallet() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

std::future<Reply> DurableWallet::Submit(std::vector<Op> ops) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_request_++;
  std::promise<Reply> p;
  std::future<Reply> f = p.get_future();
  waiting_.emplace(id, std::move(p));
  inbox_.emplace_back(id, std::move(ops));
  cv_.notify_one();
  return f;
}

void DurableWallet::Submit(std::vector<Op> ops, std::function<void(Reply)> done) {
  std::lock_guard<std::mutex> lock(mu_);
  const uint64_t id = next_request_++;
  callbacks_.emplace(id, std::move(done));
  inbox_.emplace_back(id, std::move(ops));
  cv_.notify_one();
}

void DurableWallet::DrainInbox() {
  std::deque<std::pair<uint64_t, std::vector<Op>>> inbox;
  {
    std::lock_guard<std::mutex> lock(mu_);
    inbox.swap(inbox_);
  }
  for (auto& [id, ops] : inbox) engine_.Submit(DriverNowUs(), Submission{id, std::move(ops)});
}

void DurableWallet::Snapshot() {
  std::unique_lock<std::mutex> lock(mu_);
  snapshot_wanted_ = true;
  cv_.notify_one();
  snapshot_cv_.wait(lock, [&] { return !snapshot_wanted_; });
}

std::vector<uint64_t> DurableWallet::FsyncLatenciesUs() {
  std::lock_guard<std::mutex> lock(engine_mu_);
  return driver_.fsync_us();
}
uint64_t DurableWallet::StateHash() {
  std::lock_guard<std::mutex> lock(engine_mu_);
  return engine_.state_hash();
}
uint64_t DurableWallet::LastSeq() {
  std::lock_guard<std::mutex> lock(engine_mu_);
  return engine_.last_seq();
}

// Executes outputs until the engine is quiet; fulfils replies.
void DurableWallet::Pump(Outputs* out) {
  for (;;) {
    engine_.TakeOutputs(out);
    if (out->io.empty() && out->replies.empty()) return;
    if (!out->replies.empty()) {
      std::vector<std::pair<std::function<void(Reply)>, Reply>> calls;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (Reply& r : out->replies) {
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
    for (const IoRequest& io : out->io) {
      const IoCompletion c = driver_.Execute(io);
      // Requests that arrived during this I/O join the batch the engine
      // closes when the log goes idle (eager group commit).
      if (io.kind == IoKind::kFlush) DrainInbox();
      engine_.OnIoComplete(DriverNowUs(), c);
    }
  }
}

void DurableWallet::Loop() {
  Outputs out;
  {
    std::lock_guard<std::mutex> elock(engine_mu_);
    Pump(&out);
  }
  for (;;) {
    std::deque<std::pair<uint64_t, std::vector<Op>>> inbox;
    bool snapshot = false;
    bool stop = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      const uint64_t delay = engine_.config().batch_delay_us;
      cv_.wait_for(lock, std::chrono::microseconds(delay == 0 ? 200 : delay), [&] {
        return stop_ || !inbox_.empty() || snapshot_wanted_;
      });
      stop = stop_;
      inbox.swap(inbox_);
      snapshot = snapshot_wanted_;
    }
    if (stop && inbox.empty()) break;
    std::lock_guard<std::mutex> elock(engine_mu_);
    // Group commit: everything that arrived while the last fdatasync ran.
    for (auto& [id, ops] : inbox) engine_.Submit(DriverNowUs(), Submission{id, std::move(ops)});
    engine_.Tick(DriverNowUs());
    if (snapshot && snapshots_target_ == 0) {
      snapshots_target_ = engine_.snapshots_published() + 1;
      engine_.RequestSnapshot();
      engine_.Tick(DriverNowUs());
    }
    Pump(&out);
    if (snapshots_target_ != 0 && engine_.snapshots_published() >= snapshots_target_) {
      snapshots_target_ = 0;
      std::lock_guard<std::mutex> lock(mu_);
      snapshot_wanted_ = false;
      snapshot_cv_.notify_all();
    }
  }
  std::lock_guard<std::mutex> elock(engine_mu_);
  // Close the last batch and wait for it.
  engine_.Tick(DriverNowUs() + engine_.config().batch_delay_us + 1);
  Pump(&out);
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
