#include "gui/engine/chart_groups.h"

#include <algorithm>

namespace rehearsal::gui {
namespace {

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
bool StartsWith(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

struct Rule {
  const char* title;
  const char* unit;
  std::vector<std::string> suffixes;
  std::vector<std::string> prefixes;
  std::vector<std::string> exact;
};

}  // namespace

std::vector<ChartGroup> GroupSeries(const std::vector<std::string>& names) {
  const std::vector<Rule> rules = {
      {"Traffic", "req/s", {".rps"}, {}, {}},
      {"Errors", "req/s", {".errors_per_s"}, {}, {}},
      {"Latency p99", "ms", {".latency_p99_ms"}, {}, {}},
      {"Replicas vs HPA desired", "pods", {".replicas", ".hpa_desired"}, {}, {}},
      {"Nodes by pool and capacity type", "nodes", {}, {"cluster.nodes"}, {}},
      {"Pending pods", "pods", {}, {}, {"cluster.pods_pending"}},
      {"Wallet replication lag", "ops", {}, {"wallet.lag"}, {}},
      {"Cost", "USD/h", {}, {}, {"cluster.cost_usd_per_h"}},
  };
  std::vector<ChartGroup> groups;
  std::vector<bool> used(names.size(), false);
  for (const auto& r : rules) {
    ChartGroup g{r.title, r.unit, {}};
    for (size_t i = 0; i < names.size(); ++i) {
      if (used[i]) continue;
      const std::string& n = names[i];
      bool match = std::any_of(r.suffixes.begin(), r.suffixes.end(), [&](const auto& s) { return EndsWith(n, s); }) ||
                   std::any_of(r.prefixes.begin(), r.prefixes.end(), [&](const auto& p) { return StartsWith(n, p); }) ||
                   std::find(r.exact.begin(), r.exact.end(), n) != r.exact.end();
      if (match) {
        g.columns.push_back(i);
        used[i] = true;
      }
    }
    std::sort(g.columns.begin(), g.columns.end(), [&](size_t a, size_t b) { return names[a] < names[b]; });
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace rehearsal::gui
