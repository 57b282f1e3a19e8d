#include "models/traffic/load_profile.h"

#include <algorithm>
#include <cmath>

namespace rehearsal::models::traffic {
namespace {

constexpr int64_t kHourUs = 3600LL * 1000000;
constexpr int64_t kDayUs = 24 * kHourUs;

double Hourly(const std::vector<double>& shape, sim::Time t) {
  if (shape.empty()) return 1.0;
  const int64_t n = static_cast<int64_t>(shape.size());
  const int64_t period_us = kDayUs;  // the shape covers one day whatever its length
  const double pos = static_cast<double>(t.us % period_us) / static_cast<double>(period_us) *
                         static_cast<double>(n) - 0.5;
  const double fl = std::floor(pos);
  const double frac = pos - fl;
  const int64_t i = ((static_cast<int64_t>(fl) % n) + n) % n;
  const int64_t j = (i + 1) % n;
  return shape[i] * (1 - frac) + shape[j] * frac;
}

double Weekly(const std::vector<double>& shape, sim::Time t) {
  if (shape.empty()) return 1.0;
  const int64_t day = t.us / kDayUs;
  return shape[day % static_cast<int64_t>(shape.size())];
}

double Replay(const std::vector<RatePoint>& curve, sim::Time t) {
  if (t <= curve.front().t) return curve.front().rps;
  if (t >= curve.back().t) return curve.back().rps;
  auto it = std::upper_bound(curve.begin(), curve.end(), t,
                             [](sim::Time x, const RatePoint& p) { return x < p.t; });
  const RatePoint& b = *it;
  const RatePoint& a = *(it - 1);
  const double f = static_cast<double>((t - a.t).us) / static_cast<double>((b.t - a.t).us);
  return a.rps + (b.rps - a.rps) * f;
}

}  // namespace

double PeakFactor(const Peak& peak, sim::Time t) {
  if (t < peak.start) return 1.0;
  const double m = peak.multiplier;
  sim::Duration d = t - peak.start;
  if (d < peak.ramp) {
    return 1 + (m - 1) * static_cast<double>(d.us) / static_cast<double>(peak.ramp.us);
  }
  d -= peak.ramp;
  if (d < peak.hold) return m;
  d -= peak.hold;
  if (d < peak.decay) {
    return m - (m - 1) * static_cast<double>(d.us) / static_cast<double>(peak.decay.us);
  }
  return 1.0;
}

double FlashFactor(const FlashCrowd& flash, sim::Time t) {
  if (t < flash.start || t >= flash.start + flash.duration) return 1.0;
  const double x = static_cast<double>((t - flash.start).us) /
                   static_cast<double>(std::max<int64_t>(1, flash.decay_time_constant.us));
  return 1 + (flash.multiplier - 1) * std::exp(-x);
}

double RateAt(const LoadProfile& profile, sim::Time t) {
  double r = profile.replay.empty()
                 ? profile.base_rps * Hourly(profile.hourly_shape, t) *
                       Weekly(profile.weekly_shape, t)
                 : Replay(profile.replay, t);
  for (const Peak& p : profile.peaks) r *= PeakFactor(p, t);
  for (const FlashCrowd& f : profile.flash_crowds) r *= FlashFactor(f, t);
  return std::max(0.0, r);
}

double RateBound(const LoadProfile& profile, sim::Time from, sim::Time to) {
  double best = std::max(RateAt(profile, from), RateAt(profile, to));
  const int64_t step = 60LL * 1000000;
  for (int64_t u = from.us - from.us % step + step; u < to.us; u += step) {
    best = std::max(best, RateAt(profile, sim::Time{u}));
  }
  auto probe = [&](sim::Time x) {
    if (x >= from && x <= to) best = std::max(best, RateAt(profile, x));
  };
  for (const Peak& p : profile.peaks) probe(p.start + p.ramp);
  for (const FlashCrowd& f : profile.flash_crowds) probe(f.start);
  for (const RatePoint& r : profile.replay) probe(r.t);
  return best * 1.01;
}

}  // namespace rehearsal::models::traffic
