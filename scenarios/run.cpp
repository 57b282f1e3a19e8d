#include "scenarios/run.h"

#include <algorithm>
#include <cstdio>

#include "models/slo/slo.h"
#include "scenarios/bind.h"

namespace rehearsal::scenarios {

namespace {

// Fills each service's replicas_min/max from its sampled "<service>.replicas"
// series (the workload's spec.replicas over the run, as the HPA set it).
void SummarizeReplicaRange(const sim::Recorder& rec, models::RunSummary& summary) {
  const auto& names = rec.series_names();
  const std::string suffix = ".replicas";
  for (size_t j = 0; j < names.size(); ++j) {
    const std::string& n = names[j];
    if (n.size() <= suffix.size() || n.compare(n.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    auto it = summary.services.find(n.substr(0, n.size() - suffix.size()));
    if (it == summary.services.end() || rec.rows().empty()) continue;
    double lo = rec.rows().front()[j], hi = lo;
    for (const auto& row : rec.rows()) {
      lo = std::min(lo, row[j]);
      hi = std::max(hi, row[j]);
    }
    it->second.replicas_min = static_cast<int64_t>(lo);
    it->second.replicas_max = static_cast<int64_t>(hi);
  }
}

}  // namespace

void ApplySlos(const Scenario& scenario, models::World& world, RunOutput& out) {
  auto& rec = world.sim().recorder();
  models::slo::Evaluation ev = models::slo::Evaluate(scenario.slos, out.summary,
                                                     models::slo::SeriesTable::From(rec));
  out.summary.slos = ev.results;
  for (const auto& a : ev.alerts) {
    char msg[256];
    std::snprintf(msg, sizeof msg, "%s burn-rate alert: error budget burning at %.1fx (long window) and %.1fx (short window), threshold %.1fx",
                  a.severity.c_str(), a.burn_rate_long, a.burn_rate_short, a.factor);
    rec.Log(a.t, "SloBurnRateAlert", "slo/" + a.slo, msg);
  }
  out.alerts = ev.alerts;
}

sim::Result<RunOutput> RunScenario(const Scenario& scenario, const RunOptions& options) {
  const uint64_t seed = options.seed.value_or(scenario.seed);
  // The binder (scenarios/bind.h) builds the world with its components and
  // schedules the timeline.
  auto bound = BuildWorld(scenario, BuildOptions{seed, options.fidelity});
  if (!bound.ok()) return bound.errors();
  RunOutput out;
  out.world = std::move(bound.value());
  models::World& world = *out.world;

  sim::Time end = world.end_time();
  if (options.until && sim::Time::Zero() + *options.until < end) end = sim::Time::Zero() + *options.until;
  const sim::Duration chunk = options.progress_chunk.us > 0 ? options.progress_chunk : sim::Duration::Minutes(1);
  for (sim::Time t = sim::Time::Zero(); t < end;) {
    sim::Time next = t + chunk < end ? t + chunk : end;
    world.RunUntil(next);
    t = next;
    if (options.progress) options.progress(t, end, world.sim().events_executed());
  }

  out.summary = world.Summarize();
  SummarizeReplicaRange(world.sim().recorder(), out.summary);
  out.summary.scenario_name = scenario.name;
  out.summary.scenario_file = scenario.file;
  out.summary.input_digest = scenario.input_digest;
  out.summary.seed = seed;
  out.summary.fidelity = ToString(options.fidelity.value_or(scenario.fidelity));
  ApplySlos(scenario, world, out);
  return out;
}

}  // namespace rehearsal::scenarios
