#pragma once
// A synthetic platform for the GUI tests: one Component that publishes the
// series the real models publish (names only; the numbers follow a simple
// seeded process) and reacts to faults, so the GUI's own logic (pacing,
// snapshots, replay, score) is tested independently of the models' progress.
#include <memory>
#include <string>

#include "gui/engine/run_engine.h"
#include "models/world/world.h"
#include "scenarios/scenario.h"

namespace rehearsal::gui::testing {

inline const std::string kScenarioPath = std::string(REHEARSAL_SOURCE_DIR) + "/tests/gui/data/gameday.yaml";
std::string ReadFile(const std::string& path);

class SyntheticPlatform : public models::Component {
 public:
  SyntheticPlatform(models::World& world, const scenarios::Scenario& scenario);
  // Degrades the platform for fault.duration (or to the end) and logs FaultInjected.
  void ApplyFault(const scenarios::Fault& fault);
  int faults_applied() const { return faults_applied_; }
  const scenarios::Scenario& scenario() const { return scenario_; }

 private:
  void Tick();

  models::World& world_;
  scenarios::Scenario scenario_;
  sim::Rng rng_;
  sim::EventKind tick_;
  double rps_ = 0, latency_ms_ = 0, errors_ = 0, lag_ops_ = 0;
  int replicas_ = 4, desired_ = 4, pending_ = 0;
  sim::Time degraded_until_{};
  bool late_series_added_ = false;
  int faults_applied_ = 0;
};

// A world with the synthetic platform; schedule_faults: the scenario's faults
// fire at their times (what the real binder does), else they are ignored.
sim::Result<std::unique_ptr<models::World>> BuildSyntheticWorld(const scenarios::Scenario& s, bool schedule_faults);

// Engine hooks over the synthetic world (the direct injector applies the fault too).
EngineHooks SyntheticHooks(bool schedule_faults);

}  // namespace rehearsal::gui::testing
