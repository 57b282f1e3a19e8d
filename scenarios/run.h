#pragma once
// Runs a loaded Scenario: builds a models::World from it (the binder), runs it
// to the end (or --until), evaluates the SLOs and hands back the summary and
// the world (whose recorder holds the time series, histograms and event log
// the reports read).
#include <functional>
#include <memory>
#include <optional>

#include "models/core/run_summary.h"
#include "models/world/world.h"
#include "scenarios/scenario.h"
#include "sim/result.h"

namespace rehearsal::scenarios {

struct RunOptions {
  std::optional<uint64_t> seed;            // overrides scenario.seed
  std::optional<Fidelity> fidelity;        // overrides scenario.fidelity
  std::optional<sim::Duration> until;      // stop early (simulated time)
  // Called between chunks of simulated time (progress display). Never changes results.
  std::function<void(sim::Time now, sim::Time end, uint64_t events)> progress;
  sim::Duration progress_chunk = sim::Duration::Minutes(1);
};

struct RunOutput {
  models::RunSummary summary;              // scenario fields, SLO verdicts included
  std::unique_ptr<models::World> world;    // kept for the reports (recorder)
  std::vector<models::slo::BurnRateAlert> alerts;  // also in the world's event log
};

// Binds and runs. Errors: a scenario the models cannot realise (bad input
// that the loader could not see). Deterministic: same scenario + seed -> same
// summary digest.
sim::Result<RunOutput> RunScenario(const Scenario& scenario, const RunOptions& options = {});

// Evaluates the scenario's SLOs on a finished world and writes burn-rate
// alerts into its event log (kind "SloBurnRateAlert"). Used by RunScenario.
void ApplySlos(const Scenario& scenario, models::World& world, RunOutput& out);

}  // namespace rehearsal::scenarios
