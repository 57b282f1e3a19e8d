#include "gui/engine/score.h"

#include <cmath>
#include <cstdio>
#include <limits>

namespace rehearsal::gui {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

int Find(const std::vector<std::string>& names, const std::string& name) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name) return static_cast<int>(i);
  return -1;
}

// The targets an objective looks at: its own, or every prefix of `suffix` columns.
std::vector<std::string> Targets(const models::slo::Objective& o, const std::vector<std::string>& names,
                                 const std::string& suffix) {
  if (!o.target.empty()) return {models::slo::SeriesPrefix(names, o.target)};
  std::vector<std::string> out;
  for (const auto& n : names)
    if (EndsWith(n, suffix)) out.push_back(n.substr(0, n.size() - suffix.size()));
  return out;
}

std::string PercentileSuffix(double percentile) {
  char buf[64];
  std::snprintf(buf, sizeof buf, ".latency_p%g_ms", percentile);
  return buf;
}

bool PerSample(models::slo::SliKind k) {
  return k == models::slo::SliKind::kLatency || k == models::slo::SliKind::kErrorRate ||
         k == models::slo::SliKind::kAvailability;
}

// The indicator of one objective at one row (the worst target), NaN when no data.
struct Indicator {
  models::slo::SliKind kind;
  double threshold;
  std::vector<int> value_cols;              // latency: one column per target
  std::vector<std::pair<int, int>> ratio;   // (errors_per_s, rps) per target

  double At(const SeriesRow& row) const {
    double worst = kNaN;
    auto take = [&](double v) {
      if (std::isnan(v)) return;
      if (std::isnan(worst)) { worst = v; return; }
      worst = kind == models::slo::SliKind::kAvailability ? std::min(worst, v) : std::max(worst, v);
    };
    for (int c : value_cols) take(ValueAt(row, static_cast<size_t>(c)));
    for (const auto& [err, rps] : ratio) {
      double e = ValueAt(row, static_cast<size_t>(err)), r = ValueAt(row, static_cast<size_t>(rps));
      if (std::isnan(e) || std::isnan(r) || r <= 0) continue;
      double error_ratio = e / r;
      take(kind == models::slo::SliKind::kAvailability ? 1.0 - error_ratio : error_ratio);
    }
    return worst;
  }
  bool Violated(double v) const {
    if (std::isnan(v)) return false;
    return kind == models::slo::SliKind::kAvailability ? v < threshold : v > threshold;
  }
};

}  // namespace

ScoreCard ComputeScore(const std::vector<models::slo::Objective>& objectives,
                       const std::vector<std::string>& series_names,
                       const FrozenLog<SeriesRow>& rows, std::optional<sim::Time> since) {
  ScoreCard card;
  card.started = since.has_value();
  card.since = since.value_or(sim::Time::Zero());
  std::vector<Indicator> indicators;
  std::vector<size_t> indicator_of;  // objective index -> indicators index (or SIZE_MAX)
  for (const auto& o : objectives) {
    ObjectiveScore score;
    score.name = o.name;
    score.description = models::slo::Describe(o) + (o.target.empty() ? "" : " (" + o.target + ")");
    if (!PerSample(o.sli)) {
      score.status = ObjectiveScore::Status::kEndOfRunOnly;
      indicator_of.push_back(SIZE_MAX);
      card.objectives.push_back(score);
      continue;
    }
    Indicator ind{o.sli, o.threshold, {}, {}};
    if (o.sli == models::slo::SliKind::kLatency) {
      const std::string suffix = PercentileSuffix(o.percentile);
      for (const auto& t : Targets(o, series_names, suffix)) {
        int c = Find(series_names, t + suffix);
        if (c >= 0) ind.value_cols.push_back(c);
      }
    } else {
      for (const auto& t : Targets(o, series_names, ".errors_per_s")) {
        int e = Find(series_names, t + ".errors_per_s"), r = Find(series_names, t + ".rps");
        if (e >= 0 && r >= 0) ind.ratio.emplace_back(e, r);
      }
    }
    indicator_of.push_back(indicators.size());
    indicators.push_back(std::move(ind));
    card.objectives.push_back(score);
  }

  // Last sample: current value and status.
  if (!rows.empty()) {
    const SeriesRow& last = rows.back();
    for (size_t i = 0; i < card.objectives.size(); ++i) {
      if (indicator_of[i] == SIZE_MAX) continue;
      const Indicator& ind = indicators[indicator_of[i]];
      double v = ind.At(last);
      card.objectives[i].current = v;
      card.objectives[i].status = std::isnan(v) ? ObjectiveScore::Status::kNoData
                                  : ind.Violated(v) ? ObjectiveScore::Status::kViolated
                                                    : ObjectiveScore::Status::kMet;
    }
  }
  if (!since) return card;

  // Minutes out of SLO since the first injection.
  int64_t any_out_us = 0;
  std::vector<int64_t> out_us(card.objectives.size(), 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    const SeriesRow& row = rows[r];
    if (row.t <= *since) continue;
    sim::Time start = r > 0 ? rows[r - 1].t : sim::Time::Zero();
    if (start < *since) start = *since;
    const int64_t span_us = (row.t - start).us;
    bool any = false;
    for (size_t i = 0; i < card.objectives.size(); ++i) {
      if (indicator_of[i] == SIZE_MAX) continue;
      const Indicator& ind = indicators[indicator_of[i]];
      if (ind.Violated(ind.At(row))) {
        out_us[i] += span_us;
        any = true;
      }
    }
    if (any) any_out_us += span_us;
  }
  for (size_t i = 0; i < card.objectives.size(); ++i)
    card.objectives[i].minutes_out = static_cast<double>(out_us[i]) / 60e6;
  card.minutes_out_any = static_cast<double>(any_out_us) / 60e6;
  return card;
}

}  // namespace rehearsal::gui
