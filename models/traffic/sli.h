#pragma once
// Service-level indicators shared by both fidelities: outcomes by cause and
// latency histograms per node (service or external) and per entry point,
// recorded into a window and merged into the whole-run figures when the
// window closes (sim::Histogram merges exactly).
#include <array>
#include <cstdint>
#include <string>

#include "models/core/run_summary.h"
#include "sim/histogram.h"
#include "sim/time.h"

namespace rehearsal::models::traffic {

// Why a request (attempt) failed. Exhaustive; names are the summary keys.
enum class ErrorCause : uint8_t {
  kOverload,     // queue full (503) or no worker/queue room
  kRateLimited,  // token bucket empty at the service (load shedding)
  kNoEndpoint,   // no ready endpoint to route to
  kTimeout,      // the caller gave up (per-attempt timeout)
  kKilled,       // the pod died mid-request (termination, eviction, spot, OOM)
  kDependency,   // a call it depends on failed (after retries), or an external outage
  kRelease,      // the pod's version fails a fraction of requests (bad release)
};
inline constexpr int kCauseCount = 7;
const char* CauseName(ErrorCause cause);

// Outcomes of one node or entry point. requests = ok + sum(errors).
struct Sli {
  uint64_t requests = 0;
  uint64_t ok = 0;
  uint64_t slow = 0;  // ok but above the availability latency threshold
  std::array<uint64_t, kCauseCount> errors{};
  sim::Histogram total_latency_us;  // closed windows, successful requests
  // Time from arrival to the start of service, over attempts that reached a
  // worker (request fidelity; the validation tests read it).
  double wait_sum_us = 0;
  uint64_t waits = 0;
  double busy_worker_us = 0;        // worker-time used (utilization numerator)
  double capacity_worker_us = 0;    // worker-time available (pods x workers x time)

  // The open window (since the last CloseWindow).
  sim::Histogram window_latency_us;
  uint64_t window_requests = 0;
  uint64_t window_errors = 0;
  double window_busy_worker_us = 0;
  double window_capacity_worker_us = 0;

  void RecordOk(int64_t latency_us) {
    ++requests;
    ++ok;
    ++window_requests;
    window_latency_us.Record(latency_us);
  }
  void RecordError(ErrorCause cause) {
    ++requests;
    ++errors[static_cast<int>(cause)];
    ++window_requests;
    ++window_errors;
  }
  uint64_t error_count() const { return requests - ok; }
};

// Figures of the last closed window, as the recorder series show them.
struct WindowFigures {
  double rps = 0;
  double error_rate = 0;
  double errors_per_s = 0;  // failed requests per second (SLO windows, burn rates)
  double latency_p50_ms = 0;
  double latency_p99_ms = 0;
  double utilization = 0;
};

// Closes the window of `sli` covering `length`: computes its figures, merges
// the window histogram into the run total and clears the window.
WindowFigures CloseWindow(Sli& sli, sim::Duration length);

// Whole-run summary of an Sli (after the last window was closed).
// availability = (ok - slow) / requests (1 when there were no requests).
ServiceSummary Summarize(const Sli& sli);

}  // namespace rehearsal::models::traffic
