#pragma once
// Sweep aggregation: a grid of scenario variants (axes of --vary values) times
// seeds. Each run is reduced to a few key Figures; a point's figures are
// summarised as mean and 95% confidence half-width across seeds (Student t);
// points are compared on cost against SLO violations, the Pareto front is
// marked and one point is recommended. Pure functions: same inputs, same bytes.
#include <string>
#include <vector>

#include "models/core/run_summary.h"
#include "sim/result.h"

namespace rehearsal::reports {

// The key figures of one run.
struct Figures {
  double cost_usd = 0;
  double slos_missed = 0;       // count of objectives missed
  double error_rate = 0;        // all services: errors / requests
  double p99_ms_worst = 0;      // the worst service's p99
  double rpo_transfers = 0;
  double rto_s = 0;
  double nodes_max = 0;
  double pending_pod_s = 0;
  double events = 0;
  std::string digest;
};
Figures FiguresOf(const models::RunSummary& summary);
// Figure names in column order, and accessors by index.
const std::vector<std::string>& FigureNames();
double FigureValue(const Figures& f, size_t index);

struct SweepAxis {
  std::string path;                  // "services.gaming-api.hpa.metrics.0.target_utilization"
  std::vector<std::string> values;   // as given to --vary
};

// Row-major grid: the last axis varies fastest. Point i's values.
std::vector<std::vector<std::string>> GridPoints(const std::vector<SweepAxis>& axes);

struct Stat {
  double mean = 0;
  double ci95 = 0;   // half-width; 0 with one seed
};
// Mean and Student-t 95% half-width. Example: {1, 2, 3} -> mean 2, sd 1,
// t(0.975, 2) = 4.303, half-width 4.303 / sqrt(3) = 2.484.
Stat Summarize(const std::vector<double>& values);

struct PointResult {
  std::vector<std::string> values;        // one per axis
  std::vector<uint64_t> seeds;
  std::vector<Figures> runs;              // one per seed, in seed order
  std::vector<Stat> stats;                // one per FigureNames()
  bool pareto = false;
  bool recommended = false;
};

struct SweepResult {
  std::string scenario_name;
  std::vector<SweepAxis> axes;
  std::vector<PointResult> points;
  int recommended = -1;
};

// Fills stats, the Pareto front (minimise mean cost and mean SLOs missed) and
// the recommendation: the cheapest point whose every seed met every
// objective; if none did, the fewest misses, then the cheapest.
void Aggregate(SweepResult& result);

std::string SweepCsv(const SweepResult& result);
std::string SweepJson(const SweepResult& result);
std::string SweepHtml(const SweepResult& result, const std::string& version);

// Partial results (a shard, or an MPI rank): (point, seed index) -> figures.
struct RunRecord {
  size_t point = 0;
  size_t seed_index = 0;
  uint64_t seed = 0;
  Figures figures;
};
std::string ShardJson(const std::string& scenario_name, const std::vector<SweepAxis>& axes,
                      size_t seeds, const std::vector<RunRecord>& records);
struct Shard {
  std::string scenario_name;
  std::vector<SweepAxis> axes;
  size_t seeds = 0;
  std::vector<RunRecord> records;
};
sim::Result<Shard> ParseShardJson(const std::string& text, const std::string& file);

// Builds the SweepResult from shards; errors if shards disagree or a run is missing.
sim::Result<SweepResult> MergeShards(const std::vector<Shard>& shards);

}  // namespace rehearsal::reports
