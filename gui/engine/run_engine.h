#pragma once
// RunEngine: one GUI session over one scenario, single-threaded and
// deterministic (no clock, no threads; the worker in run_worker.h drives it).
// It owns the models::World, advances it to simulated-time boundaries,
// applies live game-day faults, and publishes immutable Snapshots.
//
// Exact replay by construction. A live fault at simulated time T is applied by
// rebuilding the world from the replay scenario (the original YAML plus every
// live fault so far, at its time: replay.h) through the same binder `rehearse
// run` uses, and running it to T again. The session is therefore, at every
// moment, the run of the replay file: saving it and running `rehearse run`
// gives the same digest, whatever the pacing, pauses or steps were. The
// rebuild costs one re-run of [0, T]. The engine checks that the rebuilt world
// logged one more "FaultInjected" record at T (bind.h's contract); if the
// binder does not schedule scenario faults, it falls back to InjectFault on
// the running world and marks the injection kDirect (not provably exact).
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gui/engine/cluster_adapter.h"
#include "gui/engine/frozen_log.h"
#include "gui/engine/snapshot.h"
#include "models/world/world.h"
#include "scenarios/scenario.h"
#include "sim/result.h"

namespace rehearsal::gui {

// Seams to the rest of Rehearsal, replaceable in tests. Empty members take the
// defaults: scenarios::BuildWorld, scenarios::InjectFault, DefaultStoreLocator.
struct EngineHooks {
  std::function<sim::Result<std::unique_ptr<models::World>>(const scenarios::Scenario&)> build_world;
  std::function<sim::Result<bool>(models::World&, const scenarios::Fault&)> inject;
  StoreLocator locate_store;
};

class RunEngine {
 public:
  // Loads and validates `text` (`file` labels errors and anchors relative
  // paths), then builds the world at t = 0. Errors: the loader's or binder's.
  static sim::Result<std::unique_ptr<RunEngine>> FromText(const std::string& text, const std::string& file,
                                                          EngineHooks hooks = {});
  // Reads `path` and calls FromText. Errors: unreadable file, loader, binder.
  static sim::Result<std::unique_ptr<RunEngine>> FromFile(const std::string& path, EngineHooks hooks = {});

  sim::Time now() const;
  sim::Time end() const { return world_->end_time(); }
  bool finished() const { return world_->finished(); }
  sim::Duration sample_interval() const { return scenario_.sample_interval; }
  const scenarios::Scenario& original() const { return original_; }
  const models::World& world() const { return *world_; }

  // Runs the world to min(t, end()). Splitting a run into any sequence of
  // AdvanceTo calls gives the same world as one call (the kernel's RunUntil).
  // REQUIRES: t >= now().
  void AdvanceTo(sim::Time t);

  // Applies `fault` at now() (fault.at is set to now()). The fault is checked
  // by the scenario loader exactly as if it were in the YAML: a rejected fault
  // changes nothing and is listed with kRejected and the loader's message.
  const InjectionRecord& Inject(scenarios::Fault fault);
  const std::vector<InjectionRecord>& injections() const { return injections_; }

  // The replay file of the session so far (only accepted injections).
  sim::Result<std::string> ReplayYaml() const;

  // The current state as an immutable snapshot (sequence increments per call).
  std::shared_ptr<const Snapshot> Publish();

 private:
  RunEngine(std::string text, std::string file, scenarios::Scenario scenario, EngineHooks hooks,
            std::unique_ptr<models::World> world);
  void Ingest();

  std::string original_text_;
  std::string file_;
  scenarios::Scenario original_;
  scenarios::Scenario scenario_;                  // what world_ was built from
  EngineHooks hooks_;
  std::unique_ptr<models::World> world_;
  std::vector<scenarios::Fault> live_faults_;     // accepted, in time order
  std::vector<InjectionRecord> injections_;       // every attempt
  bool rebuild_works_ = true;                     // false once the binder ignored a scheduled fault
  LogBuilder<SeriesRow> rows_;
  LogBuilder<sim::LogRecord> log_;
  uint64_t sequence_ = 0;
  std::shared_ptr<const std::string> replay_yaml_;  // cache, reset on injection
};

}  // namespace rehearsal::gui
