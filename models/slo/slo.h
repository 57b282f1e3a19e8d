#pragma once
// Service level objectives: a pure calculator over a finished run's figures
// (models::RunSummary) and its recorded time series (sim::Recorder). It
// evaluates every objective over the whole run and, when the objective has a
// window, over every rolling window; and it computes multi-window error-budget
// burn-rate alerts (Google SRE workbook, ch. 5: page at 14.4x over 1h AND 5m,
// ticket at 6x over 6h AND 30m).
//
// Series it reads (by name; absent series mean "no data", never a guess):
//   <target>.rps             requests per second (avg over the sample interval)
//   <target>.errors_per_s    failed requests per second
//   <target>.latency_p50_ms / latency_p95_ms / latency_p99_ms
//   cluster.cost_usd         cumulative cost
// where <target> is a service name, or for an entry point "entry.<name>"
// (the summary keys it "entry/<name>"); objectives name either plainly, and a
// service of the same name wins.
#include <cstdint>
#include <string>
#include <vector>

#include "models/core/run_summary.h"
#include "sim/recorder.h"
#include "sim/time.h"

namespace rehearsal::models::slo {

// Which indicator an objective constrains. Availability is "at least"; every
// other indicator is "at most".
enum class SliKind {
  kLatency,          // percentile latency of a service, target in ms
  kErrorRate,        // errors / requests, target ratio
  kAvailability,     // 1 - errors / requests, target ratio (>=)
  kRpoTransfers,     // acknowledged wallet transfers lost, count
  kRpoSeconds,       // seconds of acknowledged transfers lost
  kRto,              // failure -> first successful write, seconds
  kCostPerHour,      // USD per simulated hour
  kCostPerRun,       // USD over the run
  kPendingPodTime,   // pod-seconds spent Pending
  kRolloutDuration,  // seconds from start to completion (unfinished: missed)
};

const char* ToString(SliKind k);       // "latency", "error_rate", ... (YAML words)
const char* UnitOf(SliKind k);         // "ms", "ratio", "s", "usd", "transfers"

struct Objective {
  std::string name;
  SliKind sli = SliKind::kLatency;
  std::string target;                  // service / entry point / workload ("" = all)
  double percentile = 99;              // latency only: 50, 95 or 99
  double threshold = 0;                // in UnitOf(sli)
  sim::Duration window{0};             // 0: whole run only; else also every rolling window
  bool burn_rate_alerts = true;        // error_rate / availability only
};

// One multi-window burn-rate alert (fires when both windows burn faster than
// `factor` times the sustainable rate).
struct BurnRateRule {
  double factor;
  sim::Duration long_window;
  sim::Duration short_window;
  const char* severity;
};
// 14.4x over 1h and 5m spends 2% of a 30-day budget in an hour (page);
// 6x over 6h and 30m spends 5% in six hours (ticket).
std::vector<BurnRateRule> DefaultBurnRateRules();

struct BurnRateAlert {
  sim::Time t;
  std::string slo;
  std::string severity;
  double burn_rate_long = 0;
  double burn_rate_short = 0;
  double factor = 0;
};

struct Evaluation {
  std::vector<SloResult> results;          // one per objective, in order
  std::vector<BurnRateAlert> alerts;       // in time order
  bool all_met() const {
    for (const auto& r : results) if (!r.met) return false;
    return true;
  }
};

// A read-only view of recorded series (decoupled from Recorder for tests).
struct SeriesTable {
  std::vector<std::string> names;
  std::vector<sim::Time> times;
  std::vector<std::vector<double>> rows;   // rows[i][j]: series j at times[i]
  static SeriesTable From(const sim::Recorder& r);
  // Column index or -1.
  int Find(const std::string& name) const;
};

// The prefix of the series an objective's target reads: the target itself
// when it has series (a service: "gaming-api.rps"), else "entry.<target>"
// when that has (an entry point: "entry.players.rps"); a service of the same
// name wins. The CLI's evaluation and the GUI's live score both use it.
std::string SeriesPrefix(const std::vector<std::string>& series_names, const std::string& target);

// A result's value for people, in its unit: a ratio as a percentage
// ("99.9667%"), dollars to the cent ("$2.03"), else "54.655 ms",
// "0 transfers" (summary.json keeps the raw number and the unit).
std::string FormatActual(double value, const std::string& unit);

// Human objective text, e.g. "p99 <= 250 ms over 5m windows".
std::string Describe(const Objective& o);

// Evaluates every objective. Pure: no clock, no RNG.
Evaluation Evaluate(const std::vector<Objective>& objectives, const RunSummary& summary,
                    const SeriesTable& series,
                    const std::vector<BurnRateRule>& rules = DefaultBurnRateRules());

// Error-rate burn over [t - window, t] from the series: (sum errors / sum
// requests) / budget. Example: 0.5% errors against a 99.9% objective (budget
// 0.1%) burn at 5x. Returns 0 when no requests fell in the window.
double BurnRate(const SeriesTable& series, int rps_col, int err_col, size_t end_row,
                sim::Duration window, double budget);

}  // namespace rehearsal::models::slo
