#pragma once
// Zone health and the taint (eviction) rate of the node lifecycle controller
// (spec 5.3; kube-controller-manager pkg/controller/nodelifecycle:
// ComputeZoneState, setLimiterInZone, ReducedQPSFunc, HealthyQPSFunc,
// handleDisruption). Pure functions: no clock, no store.
//
// Per zone, NotReady nodes wait in a rate-limited queue (a token bucket of
// burst 1) before their NoExecute taint is applied; the pods' toleration
// (300 s by default) starts with the taint. The bucket's rate follows the
// zone's state:
//   Normal             -> --node-eviction-rate (0.1/s: one node every 10 s)
//   PartialDisruption  -> --secondary-node-eviction-rate (0.01/s) when the
//                         zone has more than --large-cluster-size-threshold
//                         (50) nodes, else 0 (evictions stop)
//   FullDisruption     -> the normal rate again (the zone is really down) ...
//   ... unless every zone is fully disrupted: the controller assumes its own
//   network is cut, removes the taints and stops all evictions.
// Worked example: a zone of 100 nodes with 60 NotReady -> 60/100 >= 0.55 and
// 60 > 2 -> PartialDisruption, 100 > 50 -> 0.01/s (one node per 100 s); the
// same with 40 nodes -> 0 (no evictions); 2 of 3 NotReady -> Normal (needs
// more than 2), 0.1/s.
#include <cstdint>

namespace rehearsal::models {

enum class ZoneHealth { kNormal, kPartialDisruption, kFullDisruption };

// ComputeZoneState: full when no node is Ready (and some are not);
// partial when more than 2 nodes are NotReady and they are at least
// `unhealthy_threshold` of the zone; else normal.
inline ZoneHealth ComputeZoneHealth(int64_t ready, int64_t not_ready, double unhealthy_threshold) {
  if (ready == 0 && not_ready > 0) return ZoneHealth::kFullDisruption;
  if (not_ready > 2 &&
      static_cast<double>(not_ready) / static_cast<double>(not_ready + ready) >= unhealthy_threshold)
    return ZoneHealth::kPartialDisruption;
  return ZoneHealth::kNormal;
}

struct NodeEvictionRates {
  double normal_per_s = 0.1;
  double secondary_per_s = 0.01;
  int64_t large_cluster_size_threshold = 50;
};

// Taint rate (nodes per second) of a zone of `zone_size` nodes.
// all_fully_disrupted: every zone is in FullDisruption (then 0 everywhere).
inline double ZoneTaintRate(ZoneHealth health, int64_t zone_size, bool all_fully_disrupted,
                            const NodeEvictionRates& rates) {
  if (all_fully_disrupted) return 0;
  switch (health) {
    case ZoneHealth::kNormal:
    case ZoneHealth::kFullDisruption: return rates.normal_per_s;
    case ZoneHealth::kPartialDisruption:
      return zone_size > rates.large_cluster_size_threshold ? rates.secondary_per_s : 0;
  }
  return 0;
}

}  // namespace rehearsal::models
