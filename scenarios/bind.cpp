#include "scenarios/bind.h"

namespace rehearsal::scenarios {

// First stage: a world over the scenario's duration with no model components
// yet; the components are bound as the models land (see git log).
sim::Result<std::unique_ptr<models::World>> BuildWorld(const Scenario& scenario,
                                                       const BuildOptions& options) {
  uint64_t seed = options.seed.value_or(scenario.seed);
  return std::make_unique<models::World>(seed, scenario.duration, scenario.sample_interval);
}

sim::Result<bool> InjectFault(models::World& world, const Fault& fault) {
  world.sim().recorder().Log(world.sim().now(), "FaultInjected", ToString(fault.type),
                             "no model bound for this fault yet");
  return sim::Error{fault.mark, std::string("fault ") + ToString(fault.type) +
                                    " cannot be injected: no model bound yet"};
}

}  // namespace rehearsal::scenarios
