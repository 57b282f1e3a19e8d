#pragma once
// The seam between the cluster and the traffic model: the cluster announces
// which pods of a service can take traffic, and when one dies; the traffic
// model routes to them. Neither side includes the other.
#include <string>

#include "models/core/ids.h"
#include "sim/time.h"

namespace rehearsal::models {

// What the traffic model needs to know about one endpoint (pod) of a service.
struct EndpointInfo {
  PodId pod = kNoId;
  std::string service;        // workload / service name, e.g. "gaming-api"
  std::string version;        // pod-template version, e.g. "v2"
  std::string zone;
  NodeId node = kNoId;
  int64_t cpu_request_millicores = 0;
  int64_t cpu_limit_millicores = 0;    // 0 = no limit (no CFS throttling)
  int64_t memory_limit_bytes = 0;      // 0 = no limit
  sim::Time started_at;                // container start (warm-up counts from here)
  // Ready before the rehearsal began (a warm start): already in every
  // endpoints list, so listeners route to it without a propagation delay.
  bool preexisting = false;
};

enum class EndpointChange {
  kReady,        // endpoint became ready (after the propagation delay)
  kNotReady,     // readiness lost: no new requests, in-flight ones finish
  kTerminating,  // graceful termination began: no new requests, in-flight finish
  kKilled,       // abrupt death (node lost, spot reclaim, OOM, SIGKILL): in-flight fail
};

// Implemented by the traffic model (and the wallet-in-the-loop); the cluster
// calls it in event order.
class EndpointListener {
 public:
  virtual ~EndpointListener() = default;
  virtual void OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                                sim::Time now) = 0;
};

}  // namespace rehearsal::models
