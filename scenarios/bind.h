#pragma once
// The binder: turns a validated Scenario into a World whose components are
// the real models (cluster, autoscaling, traffic, wallet in the loop), and
// injects faults into a running World (scheduled ones and game-day ones).
// RunScenario (scenarios/run.h) and the GUI both build worlds through here.
#include <memory>

#include "models/world/world.h"
#include "scenarios/scenario.h"
#include "sim/result.h"

namespace rehearsal::scenarios {

struct BuildOptions {
  std::optional<uint64_t> seed;        // overrides scenario.seed
  std::optional<Fidelity> fidelity;    // overrides scenario.fidelity
};

// Builds the world with every component and the scenario's timeline (faults,
// releases) scheduled. Errors: a scenario the models cannot realise.
sim::Result<std::unique_ptr<models::World>> BuildWorld(const Scenario& scenario,
                                                       const BuildOptions& options = {});

// Injects `fault` into `world` at its current simulated time (fault.at is
// ignored), and logs it (kind "FaultInjected"). Returns false with an error
// when the fault names something the world does not have.
sim::Result<bool> InjectFault(models::World& world, const Fault& fault);

}  // namespace rehearsal::scenarios
