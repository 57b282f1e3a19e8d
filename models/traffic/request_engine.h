#pragma once
// The `request` fidelity: every request attempt ("hop") is an object in a
// pool and every completion an event on the kernel. Exact, for minutes to
// hours of traffic and for validation against queueing theory.
//
// Life of an attempt at a service (see README.md for the diagram):
//   route (ready, propagated, not ejected endpoints; round-robin or power of
//   two choices, weighted by version) -> token bucket -> pod admission
//   (worker free: serve; else FIFO queue up to queue_capacity; else 503) ->
//   service (CPU time x version multiplier / warm-up factor, stretched by CFS
//   throttling, + base latency) -> release error draw -> downstream calls in
//   config order (sync: wait, with the callee's timeout and retry policy;
//   async: publish and move on) -> response.
// Callers detach on timeout (the callee keeps working: wasted work, as in
// reality). A killed pod fails everything it holds with cause "killed".
//
// No heap allocation per request in steady state: attempts live in a pool
// with a free list, queues are intrusive lists, callbacks capture indices.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "models/core/endpoints.h"
#include "models/core/usage_board.h"
#include "models/traffic/call_graph.h"
#include "models/traffic/engine.h"
#include "models/traffic/sli.h"
#include "models/traffic/traffic_config.h"
#include "sim/simulation.h"

namespace rehearsal::models::traffic {

// Session figures of one SessionProfile (both fidelities).
struct SessionStats {
  uint64_t joins = 0;
  uint64_t refused = 0;
  uint64_t dropped = 0;          // ended by a pod's death
  double session_s = 0;          // session-seconds held
  double degraded_session_s = 0; // ... on pods above degrade_fraction of capacity
  double active = 0;             // sessions now
};

class RequestEngine final : public Engine {
 public:
  // Keeps references to everything; all must outlive the engine.
  // node_slis has graph.node_count() entries, entry_slis one per entry point.
  RequestEngine(sim::Simulation& sim, const TrafficConfig& config, const CallGraph& graph,
                std::vector<Sli>& node_slis, std::vector<Sli>& entry_slis,
                std::vector<SessionStats>& session_stats);
  ~RequestEngine();
  RequestEngine(const RequestEngine&) = delete;
  RequestEngine& operator=(const RequestEngine&) = delete;

  // Starts the arrival processes of every entry point and session profile.
  void Start() override;
  void OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                        sim::Time now) override;
  void WriteUsage(UsageBoard& board, sim::Duration window) override;
  void AccumulateBusy() override;

  // Offered rate of an entry point at t (its load profile, before thinning).
  double EntryRate(int entry, sim::Time t) const;
  double MeasuredArrivalRate(int node) const override;
  int RoutableEndpoints(int service) const override;
  uint64_t hops() const override;
  // Attempts currently alive in the pool (leak check in tests).
  size_t live_calls() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rehearsal::models::traffic
