#pragma once
// Per-pod resource usage and custom metrics, written by whoever produces load
// (the traffic model, or a synthetic load curve) and read by the metrics
// pipeline (HPA, VPA, cluster figures). Keyed by stable ids in sorted maps.
#include <map>
#include <string>

#include "models/core/ids.h"
#include "sim/time.h"

namespace rehearsal::models {

struct PodUsage {
  double cpu_millicores = 0;    // average over the last producer interval
  double memory_bytes = 0;
  double requests_per_s = 0;
  double inflight = 0;
  double latency_ms = 0;        // mean latency of requests served by the pod
  double sessions = 0;          // long-lived sessions held (streams)
  sim::Time updated_at;
};

class UsageBoard {
 public:
  void Set(PodId pod, const PodUsage& usage) { pods_[pod] = usage; }
  // nullptr when nothing was ever reported for the pod.
  const PodUsage* Get(PodId pod) const {
    auto it = pods_.find(pod);
    return it == pods_.end() ? nullptr : &it->second;
  }
  void Erase(PodId pod) { pods_.erase(pod); }
  const std::map<PodId, PodUsage>& pods() const { return pods_; }

  // Object / external metrics, e.g. "queue/bonus-events.length".
  void SetExternal(const std::string& name, double value) { external_[name] = value; }
  const double* GetExternal(const std::string& name) const {
    auto it = external_.find(name);
    return it == external_.end() ? nullptr : &it->second;
  }

 private:
  std::map<PodId, PodUsage> pods_;
  std::map<std::string, double> external_;
};

}  // namespace rehearsal::models
