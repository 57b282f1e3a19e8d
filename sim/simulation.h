#pragma once
// The discrete-event kernel. Events are ordered by (time, sequence); the
// sequence number is assigned when an event is scheduled, so equal times run
// in scheduling order, always. One run is single-threaded.
//
// CONTRACT (stable API other folders code against; extend, don't change):
//   Simulation sim(seed);
//   auto kind = sim.RegisterKind("pod.start");        // once per kind
//   EventId id = sim.ScheduleIn(Duration::Seconds(5), kind, pod_id, [&] { ... });
//   sim.Cancel(id);                                     // O(1), no queue search
//   sim.RunUntil(Time{...}); sim.Run(); sim.Step(); sim.Pause();
//   Rng r = sim.Stream("spot/pool-a");                  // named, seed-derived
//   sim.recorder()                                      // series, histograms, event log
//   sim.digest()                                        // running hash of executed events
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim/assert.h"
#include "sim/inline_function.h"
#include "sim/random.h"
#include "sim/recorder.h"
#include "sim/time.h"

namespace rehearsal::sim {

// Handle of a scheduled event. A default-constructed id refers to nothing.
// Generation counters make a stale id harmless: cancelling an event that has
// already run (or was cancelled) is a no-op.
struct EventId {
  uint32_t slot = UINT32_MAX;
  uint32_t generation = 0;
  bool valid() const { return slot != UINT32_MAX; }
};

// A registered event kind: a stable name, hashed by content (not by order of
// registration) into the digest.
struct EventKind {
  uint32_t index = 0;
  uint64_t name_hash = 0;
};

// What an event does. Captures up to 48 bytes inline: no heap allocation per
// event on the hot path.
using Callback = InlineFunction<48>;

class Simulation {
 public:
  explicit Simulation(uint64_t seed);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  Time now() const { return now_; }
  uint64_t seed() const { return seed_; }

  // Registers (or finds) a kind by name. Cheap to call repeatedly with the same name.
  EventKind RegisterKind(std::string_view name);
  const std::string& KindName(EventKind kind) const;

  // REQUIRES: at >= now().
  EventId Schedule(Time at, EventKind kind, uint64_t key, Callback fn);
  // REQUIRES: delay >= 0.
  EventId ScheduleIn(Duration delay, EventKind kind, uint64_t key, Callback fn);

  // The same for any callable (lambdas): built directly in the event's slot,
  // skipping the Callback temporary. Same REQUIRES; the callable must fit in
  // Callback's 48 bytes (checked at compile time).
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback> &&
                                                    std::is_invocable_v<std::decay_t<F>&>>>
  EventId Schedule(Time at, EventKind kind, uint64_t key, F&& fn) {
    EventId id;
    PrepareSlot(at, kind, key, &id)->Emplace(std::forward<F>(fn));
    return id;
  }
  template <typename F, typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, Callback> &&
                                                    std::is_invocable_v<std::decay_t<F>&>>>
  EventId ScheduleIn(Duration delay, EventKind kind, uint64_t key, F&& fn) {
    RH_ASSERT(delay.us >= 0);
    return Schedule(now_ + delay, kind, key, std::forward<F>(fn));
  }
  // Returns true if the event was pending and is now cancelled.
  bool Cancel(EventId id);
  bool IsPending(EventId id) const;

  // Runs until the queue is empty or Pause() is called by an event.
  void Run();
  // Runs every event with time <= until, then sets now() to until (unless
  // paused first). REQUIRES: until >= now().
  void RunUntil(Time until);
  // Runs exactly one event; returns false if the queue was empty.
  bool Step();
  // Makes Run/RunUntil return after the current event.
  void Pause() { paused_ = true; }
  bool paused() const { return paused_; }

  size_t pending() const;
  uint64_t events_executed() const { return executed_; }
  // Time of the next pending event, or Time::Max() when none.
  Time next_time() const;

  // Observers run after every event, seeing a consistent state (invariant
  // checkers in tests, GUI snapshots at boundaries).
  using Observer = std::function<void(const Simulation&)>;
  void AddObserver(Observer observer);

  // Running 64-bit digest over every executed event's time, kind and key,
  // plus whatever models mix in (key fields of their decisions).
  uint64_t digest() const { return digest_; }
  void MixDigest(uint64_t value);

  // A random stream derived from the run seed and a stable name.
  Rng Stream(std::string_view name) const { return Rng::Derive(seed_, name); }

  Recorder& recorder() { return *recorder_; }
  const Recorder& recorder() const { return *recorder_; }

 private:
  // Queues an event at `at` and returns its (empty) callback to fill in.
  Callback* PrepareSlot(Time at, EventKind kind, uint64_t key, EventId* id);
  // Runs the earliest pending event if its time <= limit_us; false otherwise.
  bool RunOne(int64_t limit_us);
  // Takes the recorder rows due at every sample boundary <= up_to_us.
  void SampleThrough(int64_t up_to_us);

  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<Recorder> recorder_;
  std::vector<Observer> observers_;
  Time now_{};
  uint64_t seed_;
  uint64_t executed_ = 0;
  uint64_t digest_ = 0;
  bool paused_ = false;
};

}  // namespace rehearsal::sim
