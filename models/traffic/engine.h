#pragma once
// The interface both fidelities implement behind TrafficModel.
#include "models/core/endpoints.h"
#include "models/core/usage_board.h"
#include "sim/time.h"

namespace rehearsal::models::traffic {

class Engine {
 public:
  virtual ~Engine() = default;
  // Starts arrival processes (request) or the tick loop (fluid).
  virtual void Start() = 0;
  virtual void OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                                sim::Time now) = 0;
  // Writes per-pod usage averaged over the `window` ending now, and the
  // external queue-length metrics.
  virtual void WriteUsage(UsageBoard& board, sim::Duration window) = 0;
  // Adds worker-time used and available since the last call to the node
  // SLIs' open windows, and flushes any buffered latency samples into them
  // (called just before the windows close).
  virtual void AccumulateBusy() = 0;
  // Attempts per second that reached a node over the last usage window.
  virtual double MeasuredArrivalRate(int node) const = 0;
  // Endpoints of a service currently receiving traffic.
  virtual int RoutableEndpoints(int service) const = 0;
  // Request-hops (attempts at services and externals) so far.
  virtual uint64_t hops() const = 0;
};

}  // namespace rehearsal::models::traffic
