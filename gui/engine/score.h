#pragma once
// The game-day score: a pure calculator (plain data in, plain data out; no
// clock, no RNG) over the recorded series. For every per-sample objective
// (latency percentile, error rate, availability) it says whether the last
// sample meets it, and how many simulated minutes were out of SLO since the
// first live injection. Objectives over the whole run (RPO, RTO, cost,
// pending time, rollout duration) are only judged at the end by `rehearse
// run`; they show as kEndOfRunOnly.
//
// Series read (the same names models/slo reads): <target>.latency_p<P>_ms,
// <target>.rps, <target>.errors_per_s. An empty target means "every target
// that has the series": the worst one counts.
#include <optional>
#include <string>
#include <vector>

#include "gui/engine/snapshot.h"
#include "models/slo/slo.h"

namespace rehearsal::gui {

// A sample row covers the interval (previous row, this row]. A violated row
// adds that interval, clipped to start at `since`. Worked example: samples
// every 10 s, first injection at 10m, p99 above 250 ms in the rows at
// 10m10s, 10m20s and 10m30s only -> minutes_out = 30 s = 0.5 min.
ScoreCard ComputeScore(const std::vector<models::slo::Objective>& objectives,
                       const std::vector<std::string>& series_names,
                       const FrozenLog<SeriesRow>& rows, std::optional<sim::Time> since);

}  // namespace rehearsal::gui
