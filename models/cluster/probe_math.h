#pragma once
// Pure calculators for the kubelet's probe timing (spec 5.1). No clock, no RNG:
// given when the container started and when the application becomes healthy,
// they say when the startup probe passes (or kills the container) and when the
// readiness probe first succeeds. Probes run at initialDelay, then every period.
#include <cstdint>

#include "models/cluster/workload_spec.h"
#include "sim/time.h"

namespace rehearsal::models {

struct ProbeOutcome {
  bool success = false;
  sim::Time at{};  // success: first passing probe; failure: the failureThreshold-th failed probe
};

// Probe k (k = 0, 1, ...) runs at from + initialDelay + k * period and passes
// iff it runs at or after healthy_at (success threshold 1). The probe gives up
// after failureThreshold consecutive failures when `can_fail` (startup and
// liveness probes); readiness never gives up.
// Worked example (startup probe, delay 0, period 10 s, threshold 3): started at
// 0, healthy at 12 s -> probes at 0 (fail), 10 (fail), 20 (pass) -> success at
// 20 s. Healthy at 35 s -> fails at 0, 10, 20 -> container killed at 20 s.
inline ProbeOutcome FirstProbeSuccess(const Probe& probe, sim::Time from, sim::Time healthy_at,
                                      bool can_fail) {
  RH_ASSERT(probe.period.us > 0);
  sim::Time first = from + probe.initial_delay;
  if (healthy_at <= first) return {true, first};
  if (healthy_at == sim::Time::Max()) {
    if (!can_fail) return {false, sim::Time::Max()};
    return {false, first + probe.period * (probe.failure_threshold - 1)};
  }
  int64_t k = ((healthy_at - first).us + probe.period.us - 1) / probe.period.us;
  if (can_fail && k >= probe.failure_threshold)
    return {false, first + probe.period * (probe.failure_threshold - 1)};
  return {true, first + probe.period * k};
}

// CrashLoopBackOff before restart number `restarts` (1-based): 10 s doubling
// up to 5 min (spec 5.1). 1 -> 10 s, 2 -> 20 s, 3 -> 40 s, 6 -> 300 s (capped).
inline sim::Duration CrashLoopBackOff(int32_t restarts) {
  RH_ASSERT(restarts >= 1);
  int64_t s = 10;
  for (int32_t i = 1; i < restarts && s < 300; ++i) s *= 2;
  return sim::Duration::Seconds(s < 300 ? s : 300);
}

}  // namespace rehearsal::models
