#include "models/slo/slo.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "sim/assert.h"

namespace rehearsal::models::slo {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

bool AtLeast(SliKind k) { return k == SliKind::kAvailability; }

std::string Num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

const char* PercentileField(double p) {
  if (p <= 50) return "p50";
  if (p <= 95) return "p95";
  return "p99";
}

double LatencyOf(const LatencySummary& l, double p) {
  if (p <= 50) return l.p50;
  if (p <= 95) return l.p95;
  return l.p99;
}

// An objective's target names a service or an entry point: the summary keys
// entry points "entry/<name>" and the series "entry.<name>.*". A service of
// the same name wins.
std::string SummaryKey(const RunSummary& s, const std::string& target) {
  if (target.empty() || s.services.count(target) != 0) return target;
  std::string entry = "entry/" + target;
  return s.services.count(entry) != 0 ? entry : target;
}


// Whole-run value of an objective from the summary. Targets that produced no
// figures count as zero requests: no errors, no latency.
double WholeRun(const Objective& o, const RunSummary& s) {
  const std::string key = SummaryKey(s, o.target);
  switch (o.sli) {
    case SliKind::kLatency: {
      if (!o.target.empty()) {
        auto it = s.services.find(key);
        return it == s.services.end() ? 0 : LatencyOf(it->second.latency_ms, o.percentile);
      }
      double worst = 0;
      for (const auto& [name, svc] : s.services) worst = std::max(worst, LatencyOf(svc.latency_ms, o.percentile));
      return worst;
    }
    case SliKind::kErrorRate:
    case SliKind::kAvailability: {
      uint64_t req = 0, err = 0;
      for (const auto& [name, svc] : s.services) {
        if (!o.target.empty() && name != key) continue;
        req += svc.requests;
        err += svc.errors;
      }
      double rate = req == 0 ? 0 : static_cast<double>(err) / static_cast<double>(req);
      return o.sli == SliKind::kErrorRate ? rate : 1.0 - rate;
    }
    case SliKind::kRpoTransfers: return static_cast<double>(s.wallet.rpo_transfers);
    case SliKind::kRpoSeconds: return s.wallet.rpo_s;
    case SliKind::kRto: return s.wallet.rto_s;
    case SliKind::kCostPerHour:
      return s.simulated_s <= 0 ? 0 : s.cluster.cost_usd / (s.simulated_s / 3600.0);
    case SliKind::kCostPerRun: return s.cluster.cost_usd;
    case SliKind::kPendingPodTime: return s.cluster.pending_pod_s;
    case SliKind::kRolloutDuration: {
      double worst = 0;
      for (const auto& r : s.rollouts) {
        if (!o.target.empty() && r.workload != o.target) continue;
        if (r.finished_s < 0 || r.outcome != "complete") return kInf;
        worst = std::max(worst, r.finished_s - r.started_s);
      }
      return worst;
    }
  }
  RH_ASSERT(false);
  return 0;
}

// The interval each sample covers (the gap to the previous sample).
sim::Duration SampleSpan(const SeriesTable& t) {
  if (t.times.size() >= 2) return t.times[1] - t.times[0];
  return sim::Duration::Seconds(1);
}

// First row inside the window (t_end - window, t_end].
size_t WindowBegin(const SeriesTable& t, size_t end_row, sim::Duration window) {
  sim::Time from = t.times[end_row] - window;
  size_t b = end_row;
  while (b > 0 && t.times[b - 1] > from) --b;
  return b;
}

// Worst value over every full rolling window, or NaN when the series is absent.
double WorstWindow(const Objective& o, const SeriesTable& t) {
  if (t.times.empty() || o.window.us <= 0) return std::nan("");
  const sim::Duration span = SampleSpan(t);
  const bool full_possible = t.times.back() - (t.times.front() - span) >= o.window;
  double worst = AtLeast(o.sli) ? kInf : -kInf;
  bool any = false;
  auto consider = [&](double v) {
    any = true;
    worst = AtLeast(o.sli) ? std::min(worst, v) : std::max(worst, v);
  };
  const std::string prefix = SeriesPrefix(t.names, o.target);
  const int rps = t.Find(prefix + ".rps");
  for (size_t i = 0; i < t.times.size(); ++i) {
    if (full_possible && t.times[i] - (t.times.front() - span) < o.window) continue;
    if (!full_possible && i + 1 != t.times.size()) continue;
    const size_t b = full_possible ? WindowBegin(t, i, o.window) : 0;
    switch (o.sli) {
      case SliKind::kLatency: {
        std::string col = prefix + ".latency_" + PercentileField(o.percentile) + "_ms";
        int c = t.Find(col);
        if (c < 0) return std::nan("");
        // Request-weighted mean of the per-sample percentile (an upper-bound-ish
        // proxy: percentiles do not average exactly; the whole-run figure is exact).
        double num = 0, den = 0;
        for (size_t j = b; j <= i; ++j) {
          double w = rps >= 0 ? t.rows[j][static_cast<size_t>(rps)] : 1.0;
          num += w * t.rows[j][static_cast<size_t>(c)];
          den += w;
        }
        if (den > 0) consider(num / den);
        break;
      }
      case SliKind::kErrorRate:
      case SliKind::kAvailability: {
        int e = t.Find(prefix + ".errors_per_s");
        if (rps < 0 || e < 0) return std::nan("");
        double req = 0, err = 0;
        for (size_t j = b; j <= i; ++j) {
          req += t.rows[j][static_cast<size_t>(rps)];
          err += t.rows[j][static_cast<size_t>(e)];
        }
        if (req <= 0) break;
        double rate = err / req;
        consider(o.sli == SliKind::kErrorRate ? rate : 1.0 - rate);
        break;
      }
      case SliKind::kCostPerHour: {
        int c = t.Find("cluster.cost_usd");
        if (c < 0) return std::nan("");
        double before = b == 0 ? 0 : t.rows[b - 1][static_cast<size_t>(c)];
        double hours = (t.times[i] - (t.times[b] - span)).seconds() / 3600.0;
        if (hours > 0) consider((t.rows[i][static_cast<size_t>(c)] - before) / hours);
        break;
      }
      default:
        return std::nan("");  // no windowed form
    }
  }
  return any ? worst : std::nan("");
}

}  // namespace

std::string FormatActual(double value, const std::string& unit) {
  if (unit == "ratio") return Num(value * 100) + "%";
  if (unit == "usd") {
    char buf[48];
    std::snprintf(buf, sizeof buf, "$%.2f", value);
    return buf;
  }
  return Num(value) + " " + unit;
}

std::string SeriesPrefix(const std::vector<std::string>& series_names, const std::string& target) {
  auto has = [&](const std::string& name) {
    return std::find(series_names.begin(), series_names.end(), name) != series_names.end();
  };
  if (target.empty() || has(target + ".rps")) return target;
  std::string entry = "entry." + target;
  return has(entry + ".rps") ? entry : target;
}

const char* ToString(SliKind k) {
  switch (k) {
    case SliKind::kLatency: return "latency";
    case SliKind::kErrorRate: return "error_rate";
    case SliKind::kAvailability: return "availability";
    case SliKind::kRpoTransfers: return "rpo_transfers";
    case SliKind::kRpoSeconds: return "rpo_seconds";
    case SliKind::kRto: return "rto";
    case SliKind::kCostPerHour: return "cost_per_hour";
    case SliKind::kCostPerRun: return "cost_per_run";
    case SliKind::kPendingPodTime: return "pending_pod_time";
    case SliKind::kRolloutDuration: return "rollout_duration";
  }
  return "?";
}

const char* UnitOf(SliKind k) {
  switch (k) {
    case SliKind::kLatency: return "ms";
    case SliKind::kErrorRate:
    case SliKind::kAvailability: return "ratio";
    case SliKind::kRpoTransfers: return "transfers";
    case SliKind::kRpoSeconds:
    case SliKind::kRto:
    case SliKind::kPendingPodTime:
    case SliKind::kRolloutDuration: return "s";
    case SliKind::kCostPerHour:
    case SliKind::kCostPerRun: return "usd";
  }
  return "?";
}

std::vector<BurnRateRule> DefaultBurnRateRules() {
  return {{14.4, sim::Duration::Hours(1), sim::Duration::Minutes(5), "page"},
          {6.0, sim::Duration::Hours(6), sim::Duration::Minutes(30), "ticket"}};
}

SeriesTable SeriesTable::From(const sim::Recorder& r) {
  return SeriesTable{r.series_names(), r.sample_times(), r.rows()};
}

int SeriesTable::Find(const std::string& name) const {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

std::string Describe(const Objective& o) {
  std::string what = o.sli == SliKind::kLatency ? std::string(PercentileField(o.percentile))
                                                : std::string(ToString(o.sli));
  if (!o.target.empty()) what += "(" + o.target + ")";
  std::string rhs;
  switch (o.sli) {
    case SliKind::kErrorRate:
    case SliKind::kAvailability: rhs = Num(o.threshold * 100) + "%"; break;
    case SliKind::kCostPerHour: rhs = "$" + Num(o.threshold) + "/h"; break;
    case SliKind::kCostPerRun: rhs = "$" + Num(o.threshold); break;
    default: rhs = Num(o.threshold) + " " + UnitOf(o.sli);
  }
  std::string s = what + (AtLeast(o.sli) ? " >= " : " <= ") + rhs;
  if (o.window.us > 0) s += " over every " + sim::FormatDuration(o.window) + " window";
  return s;
}

double BurnRate(const SeriesTable& series, int rps_col, int err_col, size_t end_row,
                sim::Duration window, double budget) {
  RH_ASSERT(rps_col >= 0 && err_col >= 0 && end_row < series.times.size());
  if (budget <= 0) return 0;
  size_t b = WindowBegin(series, end_row, window);
  double req = 0, err = 0;
  for (size_t j = b; j <= end_row; ++j) {
    req += series.rows[j][static_cast<size_t>(rps_col)];
    err += series.rows[j][static_cast<size_t>(err_col)];
  }
  if (req <= 0) return 0;
  return (err / req) / budget;
}

Evaluation Evaluate(const std::vector<Objective>& objectives, const RunSummary& summary,
                    const SeriesTable& series, const std::vector<BurnRateRule>& rules) {
  Evaluation ev;
  for (const auto& o : objectives) {
    SloResult r;
    r.name = o.name;
    r.objective = Describe(o);
    r.target = o.threshold;
    r.unit = UnitOf(o.sli);
    double actual = WholeRun(o, summary);
    double windowed = WorstWindow(o, series);
    if (!std::isnan(windowed))
      actual = AtLeast(o.sli) ? std::min(actual, windowed) : std::max(actual, windowed);
    r.actual = actual;
    r.met = AtLeast(o.sli) ? actual >= o.threshold : actual <= o.threshold;
    ev.results.push_back(r);

    // Burn-rate alerts: only for ratio objectives with a positive budget.
    if (!o.burn_rate_alerts) continue;
    if (o.sli != SliKind::kErrorRate && o.sli != SliKind::kAvailability) continue;
    const double budget = o.sli == SliKind::kErrorRate ? o.threshold : 1.0 - o.threshold;
    const std::string prefix = SeriesPrefix(series.names, o.target);
    const int rc = series.Find(prefix + ".rps");
    const int ec = series.Find(prefix + ".errors_per_s");
    if (budget <= 0 || rc < 0 || ec < 0) continue;
    for (const auto& rule : rules) {
      bool firing = false;
      for (size_t i = 0; i < series.times.size(); ++i) {
        double lb = BurnRate(series, rc, ec, i, rule.long_window, budget);
        double sb = BurnRate(series, rc, ec, i, rule.short_window, budget);
        bool now = lb >= rule.factor && sb >= rule.factor;
        if (now && !firing)
          ev.alerts.push_back({series.times[i], o.name, rule.severity, lb, sb, rule.factor});
        firing = now;
      }
    }
  }
  std::stable_sort(ev.alerts.begin(), ev.alerts.end(),
                   [](const BurnRateAlert& a, const BurnRateAlert& b) { return a.t < b.t; });
  return ev;
}

}  // namespace rehearsal::models::slo
