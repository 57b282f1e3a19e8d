#pragma once
// The service call graph, resolved from a TrafficConfig: names become dense
// indices (services first, in config order, then externals), edges become a
// Boost.Graph adjacency_list (vecS/vecS: deterministic iteration order) and a
// flat per-node out-edge array for the request fidelity's hot path.
#include <memory>
#include <string>
#include <vector>

#include <boost/graph/adjacency_list.hpp>

#include "models/traffic/traffic_config.h"
#include "sim/result.h"

namespace rehearsal::models::traffic {

struct EdgeProps {
  double calls_per_request = 1.0;
  CallMode mode = CallMode::kSync;
  int config_index = 0;  // position in TrafficConfig::edges
};

using CallGraphBgl =
    boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS, boost::no_property, EdgeProps>;

// One out-edge in the order the config lists it (the order calls are made).
struct OutCall {
  int to = 0;
  double calls_per_request = 1.0;
  CallMode mode = CallMode::kSync;
};

struct CallGraph {
  std::vector<std::string> names;  // node index -> name
  int service_count = 0;           // nodes [0, service_count) are services
  // The graph for algorithms and views (shared, never copied: BGL copies are
  // slow and trip GCC's maybe-uninitialized analysis).
  std::shared_ptr<const CallGraphBgl> graph;
  // Node -> id of its strongly connected component (Boost strong_components);
  // nodes sharing a component call each other in a loop (db -> backend).
  std::vector<int> component;
  bool HasLoops() const;
  std::vector<std::vector<OutCall>> out;  // node -> its calls, config order
  std::vector<int> entry_target;          // entry point index -> node

  bool IsExternal(int node) const { return node >= service_count; }
  int node_count() const { return static_cast<int>(names.size()); }
  // -1 when unknown.
  int Find(const std::string& name) const;
};

// Resolves names; reports every unknown or duplicate name, edges out of an
// external, async edges to a service that does not consume the named queue,
// and non-positive rates/capacities. Errors carry no source mark (the YAML
// loader adds its own).
sim::Result<CallGraph> BuildCallGraph(const TrafficConfig& config);

}  // namespace rehearsal::models::traffic
