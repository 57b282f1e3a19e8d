#pragma once
// Which recorded series go on which live chart: a pure function of the series
// names (models publish whatever they have; the GUI groups by name pattern and
// draws what exists). The groups are always the same list in the same order,
// so the chart layout does not jump when a series appears.
#include <cstddef>
#include <string>
#include <vector>

namespace rehearsal::gui {

struct ChartGroup {
  std::string title;             // "Traffic"
  std::string unit;              // "req/s"
  std::vector<size_t> columns;   // indexes into the series names, in name order
};

// Groups, in order: Traffic (*.rps), Errors (*.errors_per_s), Latency p99
// (*.latency_p99_ms), Replicas vs HPA desired (*.replicas, *.hpa_desired),
// Nodes by pool and capacity type (cluster.nodes*), Pending pods
// (cluster.pods_pending), Wallet replication lag (wallet.lag*), Cost
// (cluster.cost_usd_per_h). A series may appear in one group only.
std::vector<ChartGroup> GroupSeries(const std::vector<std::string>& names);

}  // namespace rehearsal::gui
