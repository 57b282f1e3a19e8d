#include "gui/engine/run_worker.h"

#include <algorithm>
#include <chrono>

namespace rehearsal::gui {

const char* ToString(Speed s) {
  switch (s) {
    case Speed::kX1: return "x1";
    case Speed::kX10: return "x10";
    case Speed::kX100: return "x100";
    case Speed::kMax: return "max";
  }
  return "?";
}

sim::Duration ChunkFor(Speed s, sim::Duration sample_interval) {
  switch (s) {
    case Speed::kX1: return sim::Duration::Millis(50);
    case Speed::kX10: return sim::Duration::Millis(500);
    case Speed::kX100: return sim::Duration::Seconds(5);
    case Speed::kMax: return std::max(sample_interval, sim::Duration::Seconds(10));
  }
  return sim::Duration::Seconds(1);
}

namespace {
double Factor(Speed s) {
  switch (s) {
    case Speed::kX1: return 1;
    case Speed::kX10: return 10;
    case Speed::kX100: return 100;
    case Speed::kMax: return 0;  // unpaced
  }
  return 0;
}
}  // namespace

RunWorker::RunWorker(std::unique_ptr<RunEngine> engine) : engine_(std::move(engine)) {
  RH_ASSERT(engine_ != nullptr);
  latest_ = engine_->Publish();
  thread_ = std::thread([this] { Loop(); });
}

RunWorker::~RunWorker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RunWorker::Play() {
  std::lock_guard<std::mutex> lock(mu_);
  playing_ = true;
  pacing_reset_ = true;
  wake_.notify_all();
}

void RunWorker::Pause() {
  std::lock_guard<std::mutex> lock(mu_);
  playing_ = false;
  wake_.notify_all();
}

void RunWorker::Step() {
  std::lock_guard<std::mutex> lock(mu_);
  playing_ = false;
  ++steps_;
  wake_.notify_all();
}

void RunWorker::SetSpeed(Speed speed) {
  std::lock_guard<std::mutex> lock(mu_);
  speed_ = speed;
  pacing_reset_ = true;
  wake_.notify_all();
}

void RunWorker::SetStopAt(std::optional<sim::Time> t) {
  std::lock_guard<std::mutex> lock(mu_);
  stop_at_ = t;
  wake_.notify_all();
}

void RunWorker::Inject(scenarios::Fault fault) {
  std::lock_guard<std::mutex> lock(mu_);
  injections_.push_back(std::move(fault));
  wake_.notify_all();
}

std::shared_ptr<const Snapshot> RunWorker::Latest() const {
  std::lock_guard<std::mutex> lock(mu_);
  return latest_;
}

bool RunWorker::playing() const {
  std::lock_guard<std::mutex> lock(mu_);
  return playing_;
}

void RunWorker::WaitIdle() {
  std::unique_lock<std::mutex> lock(mu_);
  idle_.wait(lock, [this] { return !busy_ && !playing_ && injections_.empty() && steps_ == 0; });
}

void RunWorker::PublishLocked(std::shared_ptr<const Snapshot> s) { latest_ = std::move(s); }

void RunWorker::Loop() {
  using Clock = std::chrono::steady_clock;
  Clock::time_point anchor_wall{};
  sim::Time anchor_sim{};
  Clock::time_point last_publish = Clock::now();
  bool dirty = false;  // advanced since the last published snapshot
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    const bool has_work = stop_ || playing_ || !injections_.empty() || steps_ > 0;
    if (!has_work && dirty) {
      // Paused with a throttled snapshot outstanding: publish the boundary reached.
      lock.unlock();
      auto snap = engine_->Publish();
      lock.lock();
      PublishLocked(std::move(snap));
      dirty = false;
      continue;
    }
    busy_ = false;
    if (!has_work) idle_.notify_all();
    wake_.wait(lock, [this] { return stop_ || playing_ || !injections_.empty() || steps_ > 0; });
    if (stop_) break;
    busy_ = true;

    // Injections first: they apply at the current boundary.
    if (!injections_.empty()) {
      scenarios::Fault f = std::move(injections_.front());
      injections_.pop_front();
      lock.unlock();
      engine_->Inject(std::move(f));
      auto snap = engine_->Publish();
      lock.lock();
      PublishLocked(std::move(snap));
      dirty = false;
      pacing_reset_ = true;  // a rebuild may have taken a while
      continue;
    }

    const sim::Time end = engine_->end();
    if (steps_ > 0) {
      --steps_;
      lock.unlock();
      const sim::Duration interval = engine_->sample_interval();
      const int64_t now_us = engine_->now().us;
      sim::Time target = sim::Time::FromMicros((now_us / interval.us + 1) * interval.us);
      engine_->AdvanceTo(std::min(target, end));
      auto snap = engine_->Publish();
      lock.lock();
      PublishLocked(std::move(snap));
      dirty = false;
      continue;
    }

    // Playing: one chunk.
    if (engine_->finished() || (stop_at_ && engine_->now() >= *stop_at_)) {
      playing_ = false;
      continue;
    }
    const Speed speed = speed_;
    if (pacing_reset_) {
      anchor_wall = Clock::now();
      anchor_sim = engine_->now();
      pacing_reset_ = false;
    }
    sim::Time target = engine_->now() + ChunkFor(speed, engine_->sample_interval());
    if (target > end) target = end;
    if (stop_at_ && target > *stop_at_) target = *stop_at_;
    lock.unlock();
    engine_->AdvanceTo(target);
    const bool boundary = engine_->finished() || (stop_at_ && target >= *stop_at_);
    std::shared_ptr<const Snapshot> snap;
    const auto wall_now = Clock::now();
    if (boundary || wall_now - last_publish >= std::chrono::milliseconds(30)) {
      snap = engine_->Publish();
      last_publish = wall_now;
    }
    dirty = snap == nullptr;
    const double factor = Factor(speed);
    if (factor > 0) {
      const double sim_s = (engine_->now() - anchor_sim).seconds();
      const auto due = anchor_wall + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(sim_s / factor));
      // Sleep in the condition variable so Pause/Inject/stop interrupt it.
      lock.lock();
      if (snap) PublishLocked(std::move(snap));
      wake_.wait_until(lock, due, [this] { return stop_ || !playing_ || !injections_.empty() || steps_ > 0 || pacing_reset_; });
    } else {
      lock.lock();
      if (snap) PublishLocked(std::move(snap));
    }
    if (boundary) playing_ = false;
  }
}

}  // namespace rehearsal::gui
