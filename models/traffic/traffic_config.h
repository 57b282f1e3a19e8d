#pragma once
// Plain configuration of the traffic and service-performance model (issue 6).
// No YAML types: scenarios/ fills these structs, models/world hands them to
// TrafficModel. Every field has a default that makes sense on its own, so a
// scenario only states what differs. Units are last in every name.
//
// Vocabulary:
//   entry point  -- where external load enters (web, mobile, PSP webhooks), aimed at one service;
//   service      -- a set of pods (endpoints announced by the cluster) with a ServiceProfile;
//   call edge    -- "each request to `from` makes `calls_per_request` calls to `to`";
//   external     -- a dependency outside the cluster (game provider, PSP) with its own latency;
//   queue        -- a named asynchronous queue (Kafka/NATS topic) consumed by a service's pods;
//   session      -- a long-lived connection (live-dealer stream) holding a slot on a pod.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/time.h"

namespace rehearsal::models::traffic {

// ---------------------------------------------------------------------------
// Load profiles: the offered rate of one entry point as a function of time.
// rate(t) = base_rps * hourly_shape[hour of day] * weekly_shape[day of week]
//           * product of every active peak's and flash crowd's multiplier,
// or, when `replay` is non-empty, the CSV curve (linear interpolation, held
// flat after the last point) times the peaks. See load_profile.h for the
// worked example.

// A planned peak (a sports final, a jackpot drop): ramps linearly from 1x to
// `multiplier` over `ramp`, holds for `hold`, decays linearly back to 1x over
// `decay`.
struct Peak {
  sim::Time start;
  sim::Duration ramp = sim::Duration::Minutes(10);
  sim::Duration hold = sim::Duration::Minutes(30);
  sim::Duration decay = sim::Duration::Minutes(10);
  double multiplier = 2.0;
};

// An unplanned flash crowd: a jump to `multiplier` at `start` that relaxes
// exponentially back towards 1x with time constant `decay_time_constant`,
// and ends at start + duration.
struct FlashCrowd {
  sim::Time start;
  double multiplier = 5.0;
  sim::Duration decay_time_constant = sim::Duration::Minutes(5);
  sim::Duration duration = sim::Duration::Minutes(30);
};

// One point of a replayed curve (CSV `time,rps`).
struct RatePoint {
  sim::Time t;
  double rps = 0;
};

struct LoadProfile {
  double base_rps = 0;
  // 24 multipliers, index = hour of the simulated day, linearly interpolated
  // between hour midpoints. Empty = flat 1.0.
  std::vector<double> hourly_shape;
  // 7 multipliers, index = simulated day % 7 (day 0 is the run's first day).
  // Empty = flat 1.0.
  std::vector<double> weekly_shape;
  std::vector<Peak> peaks;
  std::vector<FlashCrowd> flash_crowds;
  // When non-empty (sorted by t), replaces base_rps * shapes.
  std::vector<RatePoint> replay;
};

// How arrivals are spread around the rate curve.
enum class ArrivalProcess {
  kPoisson,  // non-homogeneous Poisson (thinning); the default
  kMmpp,     // 2-state Markov-modulated Poisson: bursty, same long-run mean
};

// Two-state MMPP: the rate is rate(t) * high_multiplier for exponentially
// distributed bursts of mean `mean_high`, and rate(t) * low_multiplier in
// between (mean `mean_low`), where low_multiplier is chosen so the long-run
// mean is rate(t): p = mean_high / (mean_high + mean_low),
// low = (1 - p * high) / (1 - p). E.g. high 3x for 10 s every 90 s:
// p = 0.1, low = 0.7/0.9 = 0.778x. REQUIRES: p * high_multiplier <= 1.
struct MmppConfig {
  double high_multiplier = 3.0;
  sim::Duration mean_high = sim::Duration::Seconds(10);
  sim::Duration mean_low = sim::Duration::Seconds(90);
};

struct EntryPoint {
  std::string name;            // "web", "mobile", "psp-webhooks"
  std::string target_service;  // the service its requests go to first
  LoadProfile load;
  ArrivalProcess arrival = ArrivalProcess::kPoisson;
  MmppConfig mmpp;
};

// ---------------------------------------------------------------------------
// Distributions of durations (CPU time per request, external latency), by mean
// and coefficient of variation: the two moments queueing formulas use. (Not
// models::DurationDistribution, which describes start-up and provisioning times.)
struct LatencyDistribution {
  enum class Kind { kConstant, kExponential, kLogNormal, kUniform };
  Kind kind = Kind::kExponential;
  double mean_ms = 10;
  // Coefficient of variation (sd / mean) for kLogNormal and kUniform
  // (kUniform spans mean * (1 +- sqrt(3) * cv), REQUIRES cv <= 1/sqrt(3)).
  // Ignored by kConstant (cv 0) and kExponential (cv 1).
  double cv = 1.0;
};

// ---------------------------------------------------------------------------
// Resilience policies (Envoy / Istio semantics, applied by every caller of the
// service they are declared on, like a DestinationRule / VirtualService).

// Which failures a caller retries.
struct RetryOn {
  bool overload = true;    // 503: queue full, no endpoint, rate limited
  bool timeout = true;
  bool killed = true;      // connection reset by a dying pod
  bool dependency = true;  // the callee failed because its own dependency did
  bool release = true;     // 5xx from a bad release
};

// attempts counts the first try: attempts 3 = 1 try + 2 retries. Backoff
// before retry k (k = 1, 2, ...) is min(backoff_max, backoff_base *
// backoff_multiplier^(k-1)), then jittered uniformly by +-jitter_fraction
// (Envoy: 25 ms base, full jitter). budget_ratio caps retries in flight at
// budget_ratio * requests in flight (Envoy retry budget, 0.2 by default there);
// 0 = no budget.
struct RetryPolicy {
  int attempts = 1;
  sim::Duration backoff_base = sim::Duration::Millis(25);
  double backoff_multiplier = 2.0;
  sim::Duration backoff_max = sim::Duration::Millis(250);
  double jitter_fraction = 0.5;
  double budget_ratio = 0;
  RetryOn retry_on;
};

// Outlier ejection (Envoy outlier_detection.consecutive_5xx): an endpoint
// returning `consecutive_errors` failures in a row is taken out of the
// rotation for base_ejection * (times ejected), never more than
// max_ejection_percent of a service's endpoints at once.
struct OutlierEjection {
  bool enabled = false;
  int consecutive_errors = 5;
  sim::Duration base_ejection = sim::Duration::Seconds(30);
  double max_ejection_percent = 10;
};

// Token-bucket rate limit at the service (edge load shedding): refills at
// rate_rps, holds at most burst tokens; a request without a token fails
// immediately with cause "ratelimited". rate_rps 0 = no limit.
struct RateLimit {
  double rate_rps = 0;
  double burst = 100;
};

// ---------------------------------------------------------------------------
// Per-version behaviour, keyed by the pod template's version ("v2"). A bad
// release is a version whose profile is slower, fails a fraction of
// requests, leaks memory or crash-loops.
struct VersionProfile {
  double cpu_multiplier = 1.0;        // CPU time per request x this
  double error_fraction = 0;          // fraction failing with cause "release"
  double memory_leak_bytes_per_s = 0; // reported memory grows; the cluster OOM-kills
  // Crash-loop: the container exits this long after it starts (0 = never).
  // Read by the workload/cluster side, which owns pod lifecycles
  // (CrashLoopBackOff); traffic sees the result as kKilled / kReady changes.
  sim::Duration crash_after = sim::Duration{0};
  double routing_weight = 1.0;        // relative share of traffic (canary split)
};

enum class QueueDiscipline {
  kFifo,              // c workers and one FIFO waiting line per pod (M/M/c)
  kProcessorSharing,  // all admitted requests share the c workers equally
};

enum class RoutingPolicy {
  kRoundRobin,
  kLeastRequest,  // power of two choices: pick 2 at random, take the less loaded
};

// How one pod of the service serves a request. The worker is held only for
// the request's own processing (CPU time + base latency); downstream calls
// are awaited without holding a worker (event-loop / async I/O servers), so
// each service behaves as an independent station (Jackson) and the call
// graph adds the downstream latencies.
struct ServiceProfile {
  std::string name;
  LatencyDistribution cpu_per_request{LatencyDistribution::Kind::kExponential, 10, 1};
  int workers_per_pod = 4;
  QueueDiscipline discipline = QueueDiscipline::kFifo;
  // Extra time a worker is held without using CPU (I/O wait, serialization).
  sim::Duration base_latency = sim::Duration{0};
  double memory_base_bytes = 256.0 * 1024 * 1024;
  double memory_per_inflight_bytes = 1024.0 * 1024;
  // Per-pod limit on requests waiting for a worker; beyond it, 503 (cause
  // "overload"). 0 = unbounded. With FIFO the pod is M/M/c/K, K = c + queue_capacity.
  int queue_capacity = 0;
  // Per-attempt timeout applied by callers; 0 = none.
  sim::Duration timeout = sim::Duration{0};
  RetryPolicy retry;
  OutlierEjection outlier;
  RateLimit rate_limit;
  RoutingPolicy routing = RoutingPolicy::kRoundRobin;
  // After a pod starts, its CPU time per request is divided by a capacity
  // factor ramping linearly from warmup_capacity_fraction to 1 over
  // warmup (JIT, connection pools). 0 duration = no warm-up.
  sim::Duration warmup = sim::Duration{0};
  double warmup_capacity_fraction = 0.5;
  // Delay between the cluster announcing an endpoint change and routers
  // acting on it (endpoint-slice propagation to kube-proxy / sidecars).
  sim::Duration endpoint_propagation_delay = sim::Duration::Millis(500);
  // When set, requests to this service are messages read from this named
  // queue (Kafka/NATS): one shared FIFO across all pods, consumed by any
  // idle worker; the queue length is published as "queue/<name>.length".
  std::string consumes_queue;
  std::map<std::string, VersionProfile> versions;
};

// ---------------------------------------------------------------------------
enum class CallMode {
  kSync,   // the caller waits for the response (after its own processing)
  kAsync,  // the caller publishes to `queue` and moves on; the callee consumes
};

// Each request served by `from` makes, on average, calls_per_request calls to
// `to` (floor(m) calls plus one more with probability frac(m)): 0.7 is a
// routing probability, 3 a fan-out. Sync calls run one after another.
struct CallEdge {
  std::string from;
  std::string to;  // a service or an external dependency
  double calls_per_request = 1.0;
  CallMode mode = CallMode::kSync;
  std::string queue;  // kAsync: the queue name (the consumer declares consumes_queue)
};

// A window during which an external dependency fails every call.
struct OutageWindow {
  sim::Time start;
  sim::Time end;
};

// A dependency outside the cluster (game provider, PSP): infinite
// concurrency, its own latency distribution, a background error fraction and
// outage windows. Calls to it obey its timeout and retry policy.
struct ExternalDependency {
  std::string name;
  LatencyDistribution latency{LatencyDistribution::Kind::kLogNormal, 80, 0.5};
  double error_fraction = 0;
  std::vector<OutageWindow> outages;
  sim::Duration timeout = sim::Duration{0};
  RetryPolicy retry;
};

// ---------------------------------------------------------------------------
// Long-lived sessions (live-dealer WebRTC / LL-HLS streams) on a service's
// pods: they arrive as a Poisson process at arrival_rps, last an exponential
// duration of mean `mean_duration`, and occupy one of capacity_per_pod slots
// on the least-loaded ready pod. With every slot taken a join is refused.
// A session on a pod above degrade_fraction of its capacity is "degraded"
// (the QoS SLI: fraction of session-seconds degraded). A pod's death ends its
// sessions (counted as dropped).
struct SessionProfile {
  std::string name;     // "live-dealer"
  std::string service;  // the streaming gateway
  LoadProfile arrivals; // joins per second (same shapes as request load)
  sim::Duration mean_duration = sim::Duration::Minutes(20);
  int capacity_per_pod = 200;
  double degrade_fraction = 0.9;
  double memory_per_session_bytes = 4.0 * 1024 * 1024;
  double cpu_per_session_millicores = 5;
};

// ---------------------------------------------------------------------------
enum class Fidelity {
  kRequest,  // every request and hop is an event: exact, minutes to hours
  kFluid,    // per-tick rates through the graph with queueing approximations
};

struct TrafficConfig {
  std::vector<EntryPoint> entry_points;
  std::vector<ServiceProfile> services;
  std::vector<CallEdge> edges;
  std::vector<ExternalDependency> externals;
  std::vector<SessionProfile> sessions;
  Fidelity fidelity = Fidelity::kRequest;
  // Fluid tick (rates are re-solved every tick).
  sim::Duration tick = sim::Duration::Seconds(1);
  // Interval of per-pod usage writes to the UsageBoard (both fidelities);
  // 15 s is metrics-server's default --metric-resolution.
  sim::Duration usage_interval = sim::Duration::Seconds(15);
  // Latency above which a request counts against availability even if it
  // succeeded (0 = only errors count).
  sim::Duration availability_latency_threshold = sim::Duration{0};
};

}  // namespace rehearsal::models::traffic
