#include "models/traffic/sli.h"

#include "sim/assert.h"

namespace rehearsal::models::traffic {

const char* CauseName(ErrorCause cause) {
  switch (cause) {
    case ErrorCause::kOverload: return "overload";
    case ErrorCause::kRateLimited: return "ratelimited";
    case ErrorCause::kNoEndpoint: return "no_endpoint";
    case ErrorCause::kTimeout: return "timeout";
    case ErrorCause::kKilled: return "killed";
    case ErrorCause::kDependency: return "dependency";
    case ErrorCause::kRelease: return "release";
  }
  RH_ASSERT(false);
  return "";
}

WindowFigures CloseWindow(Sli& sli, sim::Duration length) {
  WindowFigures f;
  const double s = length.seconds();
  if (s > 0) {
    f.rps = static_cast<double>(sli.window_requests) / s;
    f.errors_per_s = static_cast<double>(sli.window_errors) / s;
  }
  if (sli.window_requests > 0) {
    f.error_rate =
        static_cast<double>(sli.window_errors) / static_cast<double>(sli.window_requests);
  }
  f.latency_p50_ms = static_cast<double>(sli.window_latency_us.Quantile(0.5)) / 1e3;
  f.latency_p99_ms = static_cast<double>(sli.window_latency_us.Quantile(0.99)) / 1e3;
  if (sli.window_capacity_worker_us > 0) {
    f.utilization = sli.window_busy_worker_us / sli.window_capacity_worker_us;
  }
  sli.total_latency_us.Merge(sli.window_latency_us);
  sli.window_latency_us.Clear();
  sli.busy_worker_us += sli.window_busy_worker_us;
  sli.capacity_worker_us += sli.window_capacity_worker_us;
  sli.window_requests = 0;
  sli.window_errors = 0;
  sli.window_busy_worker_us = 0;
  sli.window_capacity_worker_us = 0;
  return f;
}

ServiceSummary Summarize(const Sli& sli) {
  ServiceSummary s;
  s.requests = sli.requests;
  s.errors = sli.error_count();
  s.error_rate = sli.requests ? static_cast<double>(s.errors) / static_cast<double>(sli.requests)
                              : 0.0;
  s.availability = sli.requests ? static_cast<double>(sli.ok - sli.slow) /
                                      static_cast<double>(sli.requests)
                                : 1.0;
  const sim::Histogram& h = sli.total_latency_us;
  s.latency_ms.p50 = static_cast<double>(h.Quantile(0.50)) / 1e3;
  s.latency_ms.p95 = static_cast<double>(h.Quantile(0.95)) / 1e3;
  s.latency_ms.p99 = static_cast<double>(h.Quantile(0.99)) / 1e3;
  s.latency_ms.mean = h.count() ? h.mean() / 1e3 : 0.0;
  for (int c = 0; c < kCauseCount; ++c) {
    if (sli.errors[c] > 0) s.errors_by_cause[CauseName(static_cast<ErrorCause>(c))] = sli.errors[c];
  }
  if (sli.capacity_worker_us > 0) s.observed_utilization = sli.busy_worker_us / sli.capacity_worker_us;
  return s;
}

}  // namespace rehearsal::models::traffic
