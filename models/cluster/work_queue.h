#pragma once
// A coalescing work queue for controllers, in the manner of client-go's
// workqueue: Add(key) marks a key dirty and makes sure one reconcile event is
// pending at the current instant; the event drains the keys in ascending order
// (deterministic) and calls the controller once per key. Adding a key while
// draining queues it for a following event at the same simulated time.
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <utility>

#include "sim/simulation.h"

namespace rehearsal::models {

class WorkQueue {
 public:
  using Handler = std::function<void(uint64_t key)>;

  WorkQueue(sim::Simulation& sim, const std::string& kind_name, Handler handler)
      : sim_(sim), kind_(sim.RegisterKind(kind_name)), handler_(std::move(handler)) {}
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void Add(uint64_t key) {
    dirty_.insert(key);
    if (!pending_) {
      pending_ = true;
      sim_.ScheduleIn(sim::Duration{}, kind_, 0, [this] { Drain(); });
    }
  }
  // Reconciles `key` after `delay` (resync, minReadySeconds, deadlines).
  void AddAfter(uint64_t key, sim::Duration delay) {
    sim_.ScheduleIn(delay, kind_, key, [this, key] { Add(key); });
  }
  bool empty() const { return dirty_.empty(); }

 private:
  void Drain() {
    pending_ = false;
    std::set<uint64_t> keys;
    keys.swap(dirty_);
    for (uint64_t k : keys) handler_(k);
  }

  sim::Simulation& sim_;
  sim::EventKind kind_;
  Handler handler_;
  std::set<uint64_t> dirty_;
  bool pending_ = false;
};

}  // namespace rehearsal::models
