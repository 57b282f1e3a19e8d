#pragma once
// A World is one run: the kernel, the shared usage board, and the model
// components (cluster, autoscalers, traffic, wallet) that the scenario binder
// (scenarios/run.cpp) creates and wires together. World knows no concrete
// component: each one is a Component that can add its figures to the summary.
#include <memory>
#include <vector>

#include "models/core/run_summary.h"
#include "models/core/usage_board.h"
#include "sim/simulation.h"

namespace rehearsal::models {

// A model part owned by a World. Summarize adds its figures to the run summary.
class Component {
 public:
  virtual ~Component() = default;
  virtual void Summarize(RunSummary& summary) const { (void)summary; }
  // Called after the run ends (at the end time), before Summarize.
  virtual void Finish() {}
};

class World {
 public:
  // REQUIRES: duration > 0, sample_interval > 0.
  World(uint64_t seed, sim::Duration duration, sim::Duration sample_interval);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  sim::Simulation& sim() { return sim_; }
  const sim::Simulation& sim() const { return sim_; }
  UsageBoard& usage() { return usage_; }
  sim::Time end_time() const { return end_; }

  // Creates a component owned by the world; components are destroyed in
  // reverse creation order, after the simulation stops.
  template <typename T, typename... Args>
  T& Emplace(Args&&... args) {
    auto owned = std::make_unique<T>(std::forward<Args>(args)...);
    T& ref = *owned;
    components_.push_back(std::move(owned));
    return ref;
  }

  // The first component of type T, or nullptr (for the binder, fault
  // injection and the GUI).
  template <typename T>
  T* Find() const {
    for (const auto& c : components_) {
      if (auto* t = dynamic_cast<T*>(c.get())) return t;
    }
    return nullptr;
  }

  // Runs to min(until, end_time()). Returns true when the end was reached.
  bool RunUntil(sim::Time until);
  bool Run() { return RunUntil(end_); }
  bool finished() const { return finished_; }

  // Figures of every component (call after the run). Fills events, digest and
  // simulated_s from the kernel; the caller adds scenario, seed and wall time.
  RunSummary Summarize() const;

 private:
  sim::Simulation sim_;
  UsageBoard usage_;
  sim::Time end_;
  std::vector<std::unique_ptr<Component>> components_;
  bool finished_ = false;
};

}  // namespace rehearsal::models
