#include "models/traffic/fluid_engine.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>

#include <Eigen/Dense>

#include "models/traffic/load_profile.h"
#include "models/traffic/network_baseline.h"
#include "models/traffic/queueing.h"
#include "models/traffic/service_time.h"
#include "sim/assert.h"

namespace rehearsal::models::traffic {

double NormalQuantile(double q) {
  RH_ASSERT(q > 0 && q < 1);
  // Acklam's algorithm: rational approximations in the centre and the tails.
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                             1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double lo = 0.02425, hi = 1 - lo;
  if (q < lo) {
    const double t = std::sqrt(-2 * std::log(q));
    return (((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
           ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  if (q > hi) {
    const double t = std::sqrt(-2 * std::log(1 - q));
    return -(((((c[0] * t + c[1]) * t + c[2]) * t + c[3]) * t + c[4]) * t + c[5]) /
           ((((d[0] * t + d[1]) * t + d[2]) * t + d[3]) * t + 1);
  }
  const double u = q - 0.5, r = u * u;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * u /
         (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

namespace {

double WilsonHilferty(double mean, double variance, double z) {
  if (mean <= 0) return 0;
  if (variance <= 1e-18 * mean * mean) return mean;
  const double k = mean * mean / variance;
  const double inner = 1 - 1 / (9 * k) + z / std::sqrt(9 * k);
  return inner <= 0 ? 0 : mean * inner * inner * inner;
}

}  // namespace

double GammaQuantile(double mean, double variance, double q) {
  return WilsonHilferty(mean, variance, NormalQuantile(q));
}

double GammaTail(double mean, double variance, double x) {
  if (mean <= 0) return 0;
  if (variance <= 1e-18 * mean * mean) return x < mean ? 1.0 : 0.0;
  const double k = mean * mean / variance;
  const double z = (std::cbrt(x / mean) - (1 - 1 / (9 * k))) * std::sqrt(9 * k);
  return 0.5 * std::erfc(z / std::sqrt(2.0));
}

namespace {

// Rounds a non-negative count or duration to the nearest integer.
inline int64_t Round(double x) { return static_cast<int64_t>(x + 0.5); }

// Probability grid the fitted latency distribution is discretised on: fine
// where percentiles are read (p95, p99), coarse in the body.
struct Grid {
  std::vector<double> z;       // normal quantile of each bin's midpoint
  std::vector<double> weight;  // probability mass of each bin
  Grid() {
    auto add = [&](double from, double to, int bins) {
      const double w = (to - from) / bins;
      for (int i = 0; i < bins; ++i) {
        z.push_back(NormalQuantile(from + (i + 0.5) * w));
        weight.push_back(w);
      }
    };
    add(0.0, 0.9, 45);
    add(0.9, 0.99, 27);
    add(0.99, 1.0, 15);
  }
};
const Grid& TheGrid() {
  static const Grid grid;
  return grid;
}

struct FPod {
  EndpointInfo info;
  int service = 0;
  int group = 0;
  bool alive = true;
  bool ready = false;
  bool routable = false;
  bool reported = false;
  uint32_t epoch = 0;
};

struct Group {
  std::string version;
  VersionProfile profile;
  int routable = 0;
  double limit_cores = 0;  // CPU limit of the pods (one template: the last one seen)
  std::vector<uint32_t> young;  // routable pods still warming up
  double backlog_per_pod = 0;
  // Last tick, per pod.
  double lambda_pod = 0, busy_pod = 0, cpu_millicores = 0, inflight = 0, latency_s = 0;
  // Usage window sums.
  double u_cpu = 0, u_rps = 0, u_inflight = 0, u_latency = 0;
  int u_ticks = 0;
};

struct Node {
  std::array<double, kCauseCount> cause{};  // own failure fraction by cause (no dependency)
  double own_mean = 0, own_var = 0;
  double lat_mean = 0, lat_var = 0;
  double lambda = 0;
  // Cumulative (fractional) counts and what was recorded as integers.
  double cum_req = 0, cum_ok = 0, cum_slow = 0;
  std::array<double, kCauseCount> cum_err{};
  uint64_t rec_req = 0, rec_ok = 0;
  std::array<uint64_t, kCauseCount> rec_err{};
  // Latency distribution being accumulated.
  double pt_mean = -1, pt_var = 0;
  std::vector<int64_t> pt_us;  // the grid's latency values for (pt_mean, pt_var)
  std::vector<double> acc;
  double arrivals_window = 0;
  double arrival_rate = 0;
};

struct SessionState {
  double active = 0;
  double joins = 0, refused = 0, dropped = 0;  // fractional totals
};

}  // namespace

struct FluidEngine::Impl {
  sim::Simulation& sim;
  const TrafficConfig& config;
  const CallGraph& graph;
  std::vector<Sli>& node_slis;
  std::vector<Sli>& entry_slis;
  std::vector<SessionStats>& session_stats;
  sim::EventKind k_tick, k_route;

  std::vector<FPod> pods;
  std::map<PodId, uint32_t> pod_index;
  std::vector<std::vector<Group>> groups;  // per service
  std::vector<ServiceTime> cpu;
  std::vector<ServiceTime> ext_latency;
  std::vector<Node> nodes;
  std::vector<Node> entries;
  std::vector<SessionState> sessions;
  std::vector<int> session_of_service;
  NetworkBaseline base;
  std::vector<double> base_f;  // failure fractions the baseline was solved with
  Eigen::PartialPivLU<Eigen::MatrixXd> lu_p, lu_m;
  bool have_base = false;
  double hops = 0;
  sim::Time last_accumulate;

  Impl(sim::Simulation& sim_in, const TrafficConfig& config_in, const CallGraph& graph_in,
       std::vector<Sli>& node_slis_in, std::vector<Sli>& entry_slis_in,
       std::vector<SessionStats>& session_stats_in)
      : sim(sim_in), config(config_in), graph(graph_in), node_slis(node_slis_in),
        entry_slis(entry_slis_in), session_stats(session_stats_in) {
    k_tick = sim.RegisterKind("traffic.fluid_tick");
    k_route = sim.RegisterKind("traffic.endpoints");
    groups.resize(config.services.size());
    for (size_t i = 0; i < config.services.size(); ++i) {
      cpu.emplace_back(config.services[i].cpu_per_request);
      for (const auto& [name, vp] : config.services[i].versions) {
        Group gr;
        gr.version = name;
        gr.profile = vp;
        groups[i].push_back(gr);
      }
    }
    for (const ExternalDependency& e : config.externals) ext_latency.emplace_back(e.latency);
    nodes.resize(static_cast<size_t>(graph.node_count()));
    for (Node& n : nodes) n.acc.assign(TheGrid().z.size(), 0.0);
    entries.resize(config.entry_points.size());
    for (Node& n : entries) n.acc.assign(TheGrid().z.size(), 0.0);
    sessions.resize(config.sessions.size());
    session_of_service.assign(config.services.size(), -1);
    for (size_t i = 0; i < config.sessions.size(); ++i) {
      session_of_service[graph.Find(config.sessions[i].service)] = static_cast<int>(i);
    }
  }

  int GroupIndex(int service, const std::string& version) {
    auto& gs = groups[service];
    for (size_t i = 0; i < gs.size(); ++i) {
      if (gs[i].version == version) return static_cast<int>(i);
    }
    Group gr;
    gr.version = version;
    gs.push_back(gr);
    return static_cast<int>(gs.size() - 1);
  }

  void SetRoutable(uint32_t pi, bool on) {
    FPod& p = pods[pi];
    if (p.routable == on) return;
    if (on && !p.alive) return;
    p.routable = on;
    Group& g = groups[p.service][p.group];
    g.routable += on ? 1 : -1;
    if (on) g.limit_cores = static_cast<double>(p.info.cpu_limit_millicores) / 1000.0;
    const sim::Duration warmup = config.services[p.service].warmup;
    // A pod that was serving before the rehearsal began is warm already.
    if (on && warmup.us > 0 && !p.info.preexisting && sim.now() - p.info.started_at < warmup)
      g.young.push_back(pi);
    if (!on) g.young.erase(std::remove(g.young.begin(), g.young.end(), pi), g.young.end());
  }

  void OnEndpointChange(const EndpointInfo& e, EndpointChange change) {
    auto it = pod_index.find(e.pod);
    uint32_t pi;
    if (it == pod_index.end()) {
      const int s = graph.Find(e.service);
      if (s < 0 || s >= graph.service_count) return;
      pi = static_cast<uint32_t>(pods.size());
      FPod p;
      p.info = e;
      p.service = s;
      p.group = GroupIndex(s, e.version);
      pods.push_back(p);
      pod_index.emplace(e.pod, pi);
    } else {
      pi = it->second;
    }
    FPod& p = pods[pi];
    if (!p.alive) return;
    const sim::Duration delay =
        e.preexisting ? sim::Duration{} : config.services[p.service].endpoint_propagation_delay;
    const bool ready = change == EndpointChange::kReady;
    p.ready = ready;
    const uint32_t epoch = ++p.epoch;
    if (change == EndpointChange::kKilled) {
      // In-flight work is lost; at this fidelity that is the pod's share of
      // the tick's in-flight requests, failed with cause "killed".
      const Group& g = groups[p.service][p.group];
      Node& n = nodes[p.service];
      n.cum_req += g.inflight;
      n.cum_err[static_cast<int>(ErrorCause::kKilled)] += g.inflight;
      p.alive = false;
      SetRoutable(pi, false);
      return;
    }
    sim.ScheduleIn(delay, k_route, e.pod, [this, pi, epoch, ready] {
      if (pods[pi].epoch == epoch) SetRoutable(pi, ready);
    });
  }

  double WarmupSlowdown(int service, Group& g) {
    const ServiceProfile& sp = config.services[service];
    if (g.young.empty() || g.routable == 0) return 1.0;
    double sum = 0;
    const sim::Time now = sim.now();
    size_t keep = 0;
    for (uint32_t pi : g.young) {
      const sim::Duration age = now - pods[pi].info.started_at;
      if (age >= sp.warmup) continue;
      const double f = sp.warmup_capacity_fraction +
                       (1 - sp.warmup_capacity_fraction) *
                           std::max(0.0, static_cast<double>(age.us) / static_cast<double>(sp.warmup.us));
      sum += 1 / f;
      g.young[keep++] = pi;
    }
    g.young.resize(keep);
    return (static_cast<double>(g.routable - static_cast<int>(keep)) + sum) / g.routable;
  }

  void Rebuild(const std::vector<double>& f) {
    base = SolveBaseline(config, graph, std::vector<double>(config.entry_points.size(), 0.0), f);
    const auto n = static_cast<Eigen::Index>(graph.node_count());
    const Eigen::MatrixXd id = Eigen::MatrixXd::Identity(n, n);
    lu_p.compute(id - base.p.transpose());
    lu_m.compute(id - base.sync_p);
    base_f = f;
    have_base = true;
  }

  // Own queueing of one service for this tick; fills node.cause/own_* and groups.
  void SolveService(int j, double lambda, double dt) {
    const ServiceProfile& sp = config.services[j];
    Node& node = nodes[j];
    node.cause.fill(0);
    auto& gs = groups[j];
    double total_weight = 0;
    int routable = 0;
    for (const Group& g : gs) {
      if (g.routable > 0) {
        total_weight += g.profile.routing_weight;
        routable += g.routable;
      }
    }
    for (Group& g : gs) {
      g.lambda_pod = g.busy_pod = g.cpu_millicores = g.inflight = g.latency_s = 0;
    }
    if (routable == 0 || total_weight <= 0) {
      node.cause[static_cast<int>(ErrorCause::kNoEndpoint)] = lambda > 0 ? 1.0 : 0.0;
      node.own_mean = node.own_var = 0;
      return;
    }
    double admitted = lambda;
    if (sp.rate_limit.rate_rps > 0 && lambda > sp.rate_limit.rate_rps) {
      node.cause[static_cast<int>(ErrorCause::kRateLimited)] = 1 - sp.rate_limit.rate_rps / lambda;
      admitted = sp.rate_limit.rate_rps;
    }
    const double admitted_frac = lambda > 0 ? admitted / lambda : 1.0;
    const double cs2 =
        sp.discipline == QueueDiscipline::kProcessorSharing ? 1.0 : cpu[j].cv2();
    const int c = sp.workers_per_pod;
    double mean = 0, second = 0, block = 0, release = 0, timeout_frac = 0;
    const double base_s = sp.base_latency.seconds();
    for (Group& g : gs) {
      if (g.routable == 0) continue;
      const double share = g.profile.routing_weight / total_weight;
      const double lp = admitted * share / g.routable;
      const double s_cpu = cpu[j].mean_s() * g.profile.cpu_multiplier * WarmupSlowdown(j, g);
      double s = s_cpu;
      const double limit_cores = g.limit_cores;
      if (limit_cores > 0) {
        // The busy workers share the pod's CPU quota (the request engine's
        // rule: CfsWallTime with the current number of busy workers), and
        // how many are busy depends on how long each request holds one
        // (Little: busy = lambda x wall). Iterate up from the unthrottled
        // value to the least fixed point; past the quota every worker ends
        // up busy and throttled, which is the CPU saturation a limit causes.
        double busy = lp * (s_cpu + base_s);
        for (int it = 0; it < 64; ++it) {
          const int conc = std::clamp(static_cast<int>(std::lround(busy)), 1, c);
          s = CfsWallTime(s_cpu, conc, limit_cores);
          const double next = std::min<double>(c, lp * (s + base_s));
          if (std::abs(next - busy) < 1e-6) break;
          busy = next;
        }
        // CfsWallTime sees one request's share of a period; the quota also
        // caps the pod's total: lambda x cpu <= limit. With k busy workers
        // (k > limit) each runs at limit/k cores, so wall = base + cpu k /
        // limit with k = lambda x wall: wall = base / (1 - rho_cpu), and at
        // most all c workers share the quota (rho_cpu >= 1: saturated).
        const double rho_cpu = lp * s_cpu / limit_cores;
        if (lp * (s_cpu + base_s) > limit_cores) {
          const double s_all = s_cpu * c / limit_cores;
          const double s_shared = rho_cpu < 1 ? std::min(s_all, base_s * rho_cpu / (1 - rho_cpu)) : s_all;
          s = std::max(s, s_shared);
        }
      }
      s += base_s;
      const double mu = s > 0 ? 1 / s : 1e12;
      double wq = 0, wq_var = 0, blk = 0;
      const double rho = lp * s / c;
      if (sp.queue_capacity > 0 && sp.discipline == QueueDiscipline::kFifo) {
        const MmckResult r = Mmck(c, c + sp.queue_capacity, lp, mu);
        blk = r.p_block;
        wq = std::max(0.0, r.wait_mean);
        wq_var = wq * wq;
        g.backlog_per_pod = 0;
      } else {
        const double capacity = c * mu;
        const double start = g.backlog_per_pod;
        g.backlog_per_pod = std::max(0.0, start + (lp - capacity) * dt);
        if (rho < 1) {
          const double pw = ErlangC(c, lp / mu);
          const double theta = capacity - lp;
          // Allen-Cunneen: round-robin over n pods turns the service's
          // Poisson stream into Erlang-n arrivals at each pod, ca^2 = 1/n.
          const double ca2 = 1.0 / g.routable;
          const double k = (ca2 + cs2) / 2;
          wq = pw / theta * k;
          wq_var = (2 * pw / (theta * theta) - (pw / theta) * (pw / theta)) * k * k;
        }
        const double backlog = 0.5 * (start + g.backlog_per_pod);
        if (backlog > 0) {
          const double extra = backlog / capacity;
          wq += extra;
          wq_var += extra * extra / 3;  // uniform spread of the backlog wait
        }
      }
      const double w = wq + s;
      const double w_var = wq_var + cs2 * s_cpu * s_cpu;
      g.lambda_pod = lp;
      g.busy_pod = std::min<double>(c, lp * (1 - blk) * s);
      g.cpu_millicores = lp * (1 - blk) * s_cpu * 1000;
      if (limit_cores > 0) g.cpu_millicores = std::min(g.cpu_millicores, limit_cores * 1000);  // the quota caps usage
      g.inflight = lp * (1 - blk) * w;
      g.latency_s = w;
      mean += share * w;
      second += share * (w_var + w * w);
      block += share * blk;
      release += share * g.profile.error_fraction;
    }
    node.own_mean = mean;
    node.own_var = std::max(0.0, second - mean * mean);
    node.cause[static_cast<int>(ErrorCause::kOverload)] = admitted_frac * block;
    if (sp.timeout.us > 0 && node.lat_mean > 0) {
      timeout_frac = GammaTail(node.lat_mean, node.lat_var, sp.timeout.seconds());
    }
    const double served = admitted_frac * (1 - block);
    node.cause[static_cast<int>(ErrorCause::kTimeout)] = served * timeout_frac;
    node.cause[static_cast<int>(ErrorCause::kRelease)] = served * (1 - timeout_frac) * release;
  }

  void Tick() {
    const sim::Time now = sim.now();
    const sim::Duration tick = config.tick;
    const double dt = tick.seconds();
    const sim::Time mid = now + tick / 2;
    const int n = graph.node_count();
    // Failure fractions from the previous tick drive the routing matrix.
    std::vector<double> f(static_cast<size_t>(n), 0.0);
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (double x : nodes[j].cause) s += x;
      f[j] = std::min(1.0, s);
    }
    for (int x = graph.service_count; x < n; ++x) {
      const ExternalDependency& dep = config.externals[x - graph.service_count];
      double fx = dep.error_fraction;
      for (const OutageWindow& w : dep.outages) {
        if (mid >= w.start && mid < w.end) fx = 1.0;
      }
      nodes[x].cause.fill(0);
      nodes[x].cause[static_cast<int>(ErrorCause::kDependency)] = fx;
      f[x] = fx;
    }
    bool dirty = !have_base;
    for (int j = 0; j < n && !dirty; ++j) dirty = std::abs(f[j] - base_f[j]) > 1e-3;
    if (dirty) Rebuild(f);
    Eigen::VectorXd gam = Eigen::VectorXd::Zero(n);
    std::vector<double> entry_rate(config.entry_points.size());
    for (size_t e = 0; e < config.entry_points.size(); ++e) {
      entry_rate[e] = RateAt(config.entry_points[e].load, mid);
      const int t = graph.entry_target[e];
      gam(t) += entry_rate[e] * base.entry_amplification[t];
    }
    const Eigen::VectorXd lambda = lu_p.solve(gam);
    Eigen::VectorXd own_mean(n), own_var(n);
    for (int j = 0; j < n; ++j) {
      Node& node = nodes[j];
      node.lambda = std::max(0.0, lambda(j));
      if (j < graph.service_count) {
        SolveService(j, node.lambda, dt);
      } else {
        const ServiceTime& st = ext_latency[j - graph.service_count];
        node.own_mean = st.mean_s();
        node.own_var = st.cv2() * st.mean_s() * st.mean_s();
      }
      own_mean(j) = node.own_mean;
      own_var(j) = node.own_var;
    }
    const Eigen::VectorXd lat = lu_m.solve(own_mean);
    const Eigen::VectorXd var = lu_m.solve(own_var);
    for (int j = 0; j < n; ++j) {
      Node& node = nodes[j];
      node.lat_mean = std::max(0.0, lat(j));
      node.lat_var = std::max(0.0, var(j));
      const double attempts = node.lambda * dt;
      hops += attempts;
      node.arrivals_window += attempts;
      double own = 0;
      for (int c = 0; c < kCauseCount; ++c) own += node.cause[c];
      own = std::min(1.0, own);
      const double ok = base.attempt_success[j] * (1 - own) / std::max(1e-12, 1 - base_f[j]);
      const double ok_frac = std::clamp(ok, 0.0, 1 - own);
      std::array<double, kCauseCount> err = node.cause;
      err[static_cast<int>(ErrorCause::kDependency)] += std::max(0.0, 1 - own - ok_frac);
      Record(node, node_slis[j], attempts, ok_frac, err, node.lat_mean, node.lat_var);
    }
    for (size_t e = 0; e < entries.size(); ++e) {
      const int t = graph.entry_target[e];
      const int a = config.services[t].retry.attempts;
      const Node& target = nodes[t];
      double fail_attempt = 0;
      std::array<double, kCauseCount> share{};
      double own = 0;
      for (double x : target.cause) own += x;
      own = std::min(1.0, own);
      const double ok_attempt = std::clamp(
          base.attempt_success[t] * (1 - own) / std::max(1e-12, 1 - base_f[t]), 0.0, 1 - own);
      fail_attempt = 1 - ok_attempt;
      const double fail_all = std::pow(fail_attempt, a);
      if (fail_attempt > 0) {
        for (int c = 0; c < kCauseCount; ++c) share[c] = target.cause[c] / fail_attempt * fail_all;
        share[static_cast<int>(ErrorCause::kDependency)] +=
            std::max(0.0, 1 - own - ok_attempt) / fail_attempt * fail_all;
      }
      Record(entries[e], entry_slis[e], entry_rate[e] * dt, 1 - fail_all, share, target.lat_mean,
             target.lat_var);
    }
    // Usage window sums and utilization.
    for (size_t j = 0; j < groups.size(); ++j) {
      const int c = config.services[j].workers_per_pod;
      for (Group& g : groups[j]) {
        g.u_cpu += g.cpu_millicores;
        g.u_rps += g.lambda_pod;
        g.u_inflight += g.inflight;
        g.u_latency += g.latency_s;
        ++g.u_ticks;
        node_slis[j].window_busy_worker_us += g.busy_pod * g.routable * static_cast<double>(tick.us);
        node_slis[j].window_capacity_worker_us +=
            static_cast<double>(c) * g.routable * static_cast<double>(tick.us);
      }
    }
    SessionsTick(mid, dt);
    sim.ScheduleIn(tick, k_tick, 0, [this] { Tick(); });
  }

  void SessionsTick(sim::Time mid, double dt) {
    for (size_t i = 0; i < sessions.size(); ++i) {
      const SessionProfile& prof = config.sessions[i];
      const int s = graph.Find(prof.service);
      int pods_up = 0;
      for (const Group& g : groups[s]) pods_up += g.routable;
      const double slots = static_cast<double>(pods_up) * prof.capacity_per_pod;
      const double rate = RateAt(prof.arrivals, mid);
      const double d = prof.mean_duration.seconds();
      const double offered = rate * d;
      double block = 1.0;
      if (slots >= 1) {
        block = slots <= 5000 ? ErlangB(static_cast<int>(slots), offered)
                              : std::max(0.0, 1 - slots / std::max(offered, 1e-12));
      }
      SessionStats& st = session_stats[i];
      SessionState& ss = sessions[i];
      const double joins = rate * dt;
      ss.joins += joins;
      ss.refused += joins * block;
      ss.active += joins * (1 - block) - ss.active * (1 - std::exp(-dt / d));
      if (ss.active > slots) {
        ss.dropped += ss.active - slots;
        ss.active = slots;
      }
      st.joins = static_cast<uint64_t>(Round(ss.joins));
      st.refused = static_cast<uint64_t>(Round(ss.refused));
      st.dropped = static_cast<uint64_t>(Round(ss.dropped));
      st.active = ss.active;
      st.session_s += ss.active * dt;
      if (pods_up > 0 && ss.active / pods_up > prof.degrade_fraction * prof.capacity_per_pod) {
        st.degraded_session_s += ss.active * dt;
      }
    }
  }

  // Adds a tick's fractional outcomes; latency goes into the point buffer.
  void Record(Node& node, Sli& sli, double attempts, double ok_frac,
              const std::array<double, kCauseCount>& err_in, double mean, double variance) {
    if (!(attempts > 0) || !std::isfinite(attempts)) return;
    // A tick in which a service goes from no endpoints to some can produce a
    // 0/0 fraction upstream; counts must stay finite and non-negative (a NaN
    // cast to an integer count is undefined), so such fractions count as 0.
    if (!(ok_frac >= 0)) ok_frac = 0;
    ok_frac = std::min(ok_frac, 1.0);
    std::array<double, kCauseCount> err = err_in;
    for (double& e : err) e = (e >= 0 && std::isfinite(e)) ? e : 0.0;
    node.cum_req += attempts;
    node.cum_ok += attempts * ok_frac;
    for (int c = 0; c < kCauseCount; ++c) node.cum_err[c] += attempts * err[c];
    const auto ok_now = static_cast<uint64_t>(Round(node.cum_ok));
    uint64_t errors_now = 0;
    for (int c = 0; c < kCauseCount; ++c) {
      const auto e = static_cast<uint64_t>(Round(node.cum_err[c]));
      const uint64_t d = e - node.rec_err[c];
      sli.errors[c] += d;
      errors_now += d;
      node.rec_err[c] = e;
    }
    const uint64_t d_ok = ok_now - node.rec_ok;
    node.rec_ok = ok_now;
    sli.ok += d_ok;
    const sim::Duration th = config.availability_latency_threshold;
    if (th.us > 0 && mean > 0) {
      node.cum_slow += attempts * ok_frac * GammaTail(mean, variance, th.seconds());
      sli.slow = static_cast<uint64_t>(Round(node.cum_slow));
    }
    sli.requests += d_ok + errors_now;
    sli.window_requests += d_ok + errors_now;
    sli.window_errors += errors_now;
    if (mean > 0) {
      if (node.pt_mean < 0 || std::abs(mean - node.pt_mean) > 0.005 * node.pt_mean ||
          std::abs(variance - node.pt_var) > 0.01 * node.pt_var) {
        Flush(node, sli);
        node.pt_mean = mean;
        node.pt_var = variance;
        const Grid& grid = TheGrid();
        node.pt_us.resize(grid.z.size());
        for (size_t i = 0; i < grid.z.size(); ++i) {
          node.pt_us[i] = Round(WilsonHilferty(mean, variance, grid.z[i]) * 1e6);
        }
      }
      const double w = attempts * ok_frac;
      const Grid& grid = TheGrid();
      for (size_t i = 0; i < node.acc.size(); ++i) node.acc[i] += w * grid.weight[i];
    }
  }

  void Flush(Node& node, Sli& sli) {
    if (node.pt_mean < 0) return;
    double cum = 0;
    int64_t done = 0;
    for (size_t i = 0; i < node.acc.size(); ++i) {
      cum += node.acc[i];
      node.acc[i] = 0;
      const int64_t upto = Round(cum);
      if (upto > done) {
        sli.window_latency_us.Record(node.pt_us[i], static_cast<uint64_t>(upto - done));
        done = upto;
      }
    }
  }

  void WriteUsage(UsageBoard& board, sim::Duration window) {
    (void)window;
    const sim::Time now = sim.now();
    for (FPod& p : pods) {
      if (!p.alive) {
        if (p.reported) board.Erase(p.info.pod);
        p.reported = false;
        continue;
      }
      const Group& g = groups[p.service][p.group];
      const ServiceProfile& sp = config.services[p.service];
      const double ticks = std::max(1, g.u_ticks);
      PodUsage u;
      if (p.routable) {
        u.cpu_millicores = g.u_cpu / ticks;
        u.requests_per_s = g.u_rps / ticks;
        u.inflight = g.u_inflight / ticks;
        u.latency_ms = g.u_latency / ticks * 1e3;
      }
      const double age_s = std::max(0.0, (now - p.info.started_at).seconds());
      u.memory_bytes = sp.memory_base_bytes + sp.memory_per_inflight_bytes * u.inflight +
                       g.profile.memory_leak_bytes_per_s * age_s;
      const int si = session_of_service[p.service];
      if (si >= 0 && p.routable) {
        int up = 0;
        for (const Group& gg : groups[p.service]) up += gg.routable;
        u.sessions = up > 0 ? sessions[si].active / up : 0;
        u.memory_bytes += u.sessions * config.sessions[si].memory_per_session_bytes;
        u.cpu_millicores += u.sessions * config.sessions[si].cpu_per_session_millicores;
      }
      u.updated_at = now;
      board.Set(p.info.pod, u);
      p.reported = true;
    }
    for (auto& gs : groups) {
      for (Group& g : gs) {
        g.u_cpu = g.u_rps = g.u_inflight = g.u_latency = 0;
        g.u_ticks = 0;
      }
    }
    for (size_t j = 0; j < config.services.size(); ++j) {
      const std::string& q = config.services[j].consumes_queue;
      if (q.empty()) continue;
      double backlog = 0;
      for (const Group& g : groups[j]) backlog += g.backlog_per_pod * g.routable;
      board.SetExternal("queue/" + q + ".length", backlog);
    }
    const double w = window.seconds();
    for (Node& n : nodes) {
      n.arrival_rate = w > 0 ? n.arrivals_window / w : 0;
      n.arrivals_window = 0;
    }
  }

  void AccumulateBusy() {
    for (size_t j = 0; j < nodes.size(); ++j) Flush(nodes[j], node_slis[j]);
    for (size_t e = 0; e < entries.size(); ++e) Flush(entries[e], entry_slis[e]);
  }
};

FluidEngine::FluidEngine(sim::Simulation& sim, const TrafficConfig& config, const CallGraph& graph,
                         std::vector<Sli>& node_slis, std::vector<Sli>& entry_slis,
                         std::vector<SessionStats>& session_stats)
    : impl_(std::make_unique<Impl>(sim, config, graph, node_slis, entry_slis, session_stats)) {}
FluidEngine::~FluidEngine() = default;

void FluidEngine::Start() {
  Impl& im = *impl_;
  im.sim.ScheduleIn(sim::Duration{0}, im.k_tick, 0, [&im] { im.Tick(); });
}
void FluidEngine::OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                                   sim::Time now) {
  RH_ASSERT(now == impl_->sim.now());
  impl_->OnEndpointChange(endpoint, change);
}
void FluidEngine::WriteUsage(UsageBoard& board, sim::Duration window) {
  impl_->WriteUsage(board, window);
}
void FluidEngine::AccumulateBusy() { impl_->AccumulateBusy(); }
double FluidEngine::MeasuredArrivalRate(int node) const { return impl_->nodes[node].arrival_rate; }
int FluidEngine::RoutableEndpoints(int service) const {
  int n = 0;
  for (const Group& g : impl_->groups[service]) n += g.routable;
  return n;
}
uint64_t FluidEngine::hops() const { return static_cast<uint64_t>(std::llround(impl_->hops)); }
double FluidEngine::LatencyMean(int node) const { return impl_->nodes[node].lat_mean; }

}  // namespace rehearsal::models::traffic
