#pragma once
// RunWorker: runs a RunEngine on its own thread (std::thread) and publishes
// a Snapshot after every chunk of simulated time. The UI only ever calls the
// non-blocking commands below and Latest() (a mutex-guarded pointer swap), so
// it never waits for the simulation.
//
// Pacing is wall-clock based and lives only here: at speed xN the worker
// sleeps so that N simulated seconds take about one wall second. Pacing only
// decides *when* boundaries are reached and how often a snapshot is taken;
// the engine's results do not depend on the boundaries (RunEngine::AdvanceTo),
// so every speed, pause and step sequence ends in the same final snapshot.
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "gui/engine/run_engine.h"

namespace rehearsal::gui {

enum class Speed { kX1, kX10, kX100, kMax };
const char* ToString(Speed s);
// Simulated time advanced per chunk at a speed: ~50 ms of wall time per
// chunk when paced (x1: 50 ms, x10: 500 ms, x100: 5 s), and the larger of the
// sample interval and 10 s at max speed.
sim::Duration ChunkFor(Speed s, sim::Duration sample_interval);

class RunWorker {
 public:
  // Takes the engine; starts paused, with an initial snapshot published.
  explicit RunWorker(std::unique_ptr<RunEngine> engine);
  ~RunWorker();  // stops the thread and joins it
  RunWorker(const RunWorker&) = delete;
  RunWorker& operator=(const RunWorker&) = delete;

  void Play();
  void Pause();
  // Advances to the next sample boundary (one sample interval) and pauses.
  void Step();
  void SetSpeed(Speed speed);
  // Pauses on reaching `t` (unset: run to the end).
  void SetStopAt(std::optional<sim::Time> t);
  // Queues a live fault; it is applied at the next boundary (between chunks).
  void Inject(scenarios::Fault fault);

  // The latest snapshot (never null). Cheap; never waits for a chunk to end.
  std::shared_ptr<const Snapshot> Latest() const;
  bool playing() const;
  // Blocks until no command is pending and the worker is paused or finished
  // (for the headless mode and the tests, never for the UI).
  void WaitIdle();

 private:
  void Loop();
  void PublishLocked(std::shared_ptr<const Snapshot> s);

  std::unique_ptr<RunEngine> engine_;   // touched only by the worker thread after construction
  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::shared_ptr<const Snapshot> latest_;
  std::deque<scenarios::Fault> injections_;
  int steps_ = 0;
  bool playing_ = false;
  bool busy_ = false;
  bool stop_ = false;
  bool pacing_reset_ = true;
  Speed speed_ = Speed::kX10;
  std::optional<sim::Time> stop_at_;
  std::thread thread_;
};

}  // namespace rehearsal::gui
