#pragma once
// A tiny stand-in for the cluster: announces pods of a service through the
// same EndpointListener API the real cluster calls.
#include <string>

#include "models/core/endpoints.h"
#include "sim/simulation.h"

namespace rehearsal::models::traffic::testing {

class FakeCluster {
 public:
  FakeCluster(sim::Simulation& sim, EndpointListener& listener) : sim_(sim), listener_(listener) {}

  // Announces n ready pods of `service` now; returns the first pod id.
  PodId AddReady(const std::string& service, int n, const std::string& version = "v1",
                 int64_t cpu_limit_millicores = 0) {
    const PodId first = next_id_;
    for (int i = 0; i < n; ++i) {
      EndpointInfo e = Info(next_id_++, service, version, cpu_limit_millicores);
      listener_.OnEndpointChange(e, EndpointChange::kReady, sim_.now());
    }
    return first;
  }
  void Change(PodId pod, const std::string& service, EndpointChange change,
              const std::string& version = "v1") {
    listener_.OnEndpointChange(Info(pod, service, version, 0), change, sim_.now());
  }

 private:
  EndpointInfo Info(PodId id, const std::string& service, const std::string& version,
                    int64_t limit) {
    EndpointInfo e;
    e.pod = id;
    e.service = service;
    e.version = version;
    e.zone = "zone-a";
    e.node = 1;
    e.cpu_request_millicores = 500;
    e.cpu_limit_millicores = limit;
    e.started_at = sim_.now();
    return e;
  }

  sim::Simulation& sim_;
  EndpointListener& listener_;
  PodId next_id_ = 1;
};

}  // namespace rehearsal::models::traffic::testing
