#include "models/traffic/call_graph.h"

#include <map>

#include <boost/graph/strong_components.hpp>

namespace rehearsal::models::traffic {

int CallGraph::Find(const std::string& name) const {
  for (int i = 0; i < node_count(); ++i) {
    if (names[i] == name) return i;
  }
  return -1;
}

bool CallGraph::HasLoops() const {
  std::vector<int> seen(names.size(), 0);
  for (int c : component) {
    if (++seen[c] > 1) return true;
  }
  for (int n = 0; n < node_count(); ++n) {
    for (const OutCall& c : out[n]) {
      if (c.to == n) return true;
    }
  }
  return false;
}

sim::Result<CallGraph> BuildCallGraph(const TrafficConfig& config) {
  sim::Errors errors;
  auto fail = [&](std::string msg) { errors.push_back(sim::Error{{}, std::move(msg)}); };
  CallGraph g;
  std::map<std::string, int> index;
  auto add = [&](const std::string& name, const char* what) {
    if (name.empty()) fail(std::string(what) + " with an empty name");
    if (!index.emplace(name, static_cast<int>(g.names.size())).second) {
      fail("duplicate name '" + name + "' (" + what + ")");
    }
    g.names.push_back(name);
  };
  for (const ServiceProfile& s : config.services) {
    add(s.name, "service");
    if (s.workers_per_pod < 1) fail("service '" + s.name + "': workers_per_pod must be >= 1");
    if (s.cpu_per_request.mean_ms < 0) fail("service '" + s.name + "': negative CPU time");
    if (s.queue_capacity < 0) fail("service '" + s.name + "': negative queue_capacity");
    if (s.retry.attempts < 1) fail("service '" + s.name + "': retry attempts must be >= 1");
  }
  g.service_count = static_cast<int>(g.names.size());
  for (const ExternalDependency& e : config.externals) {
    add(e.name, "external dependency");
    if (e.retry.attempts < 1) fail("external '" + e.name + "': retry attempts must be >= 1");
  }
  auto lookup = [&](const std::string& name, const std::string& where) {
    auto it = index.find(name);
    if (it == index.end()) {
      fail(where + ": unknown service or external '" + name + "'");
      return -1;
    }
    return it->second;
  };
  auto bgl = std::make_shared<CallGraphBgl>(g.names.size());
  g.out.resize(g.names.size());
  for (size_t i = 0; i < config.edges.size(); ++i) {
    const CallEdge& e = config.edges[i];
    const std::string where = "edge " + e.from + " -> " + e.to;
    const int from = lookup(e.from, where);
    const int to = lookup(e.to, where);
    if (e.calls_per_request < 0) fail(where + ": calls_per_request must be >= 0");
    if (from < 0 || to < 0) continue;
    if (from >= g.service_count) fail(where + ": an external dependency makes no calls");
    if (e.mode == CallMode::kAsync) {
      if (to >= g.service_count || config.services[to].consumes_queue != e.queue ||
          e.queue.empty()) {
        fail(where + ": async edge through queue '" + e.queue +
             "' needs a service that consumes that queue");
      }
    }
    boost::add_edge(static_cast<size_t>(from), static_cast<size_t>(to),
                    EdgeProps{e.calls_per_request, e.mode, static_cast<int>(i)}, *bgl);
    g.out[from].push_back(OutCall{to, e.calls_per_request, e.mode});
  }
  for (const EntryPoint& ep : config.entry_points) {
    const int t = lookup(ep.target_service, "entry point '" + ep.name + "'");
    if (t >= g.service_count) fail("entry point '" + ep.name + "' must target a service");
    g.entry_target.push_back(t);
    if (ep.load.base_rps < 0) fail("entry point '" + ep.name + "': negative rate");
  }
  if (!errors.empty()) return errors;
  g.component.assign(g.names.size(), 0);
  boost::strong_components(*bgl, boost::make_iterator_property_map(
                                     g.component.begin(), boost::get(boost::vertex_index, *bgl)));
  g.graph = std::move(bgl);
  return g;
}

}  // namespace rehearsal::models::traffic
