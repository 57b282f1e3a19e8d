#pragma once
// Drawing durations from a LatencyDistribution (mean + coefficient of
// variation), through a sim::Rng stream: our own transforms, never
// std::*_distribution. Precomputed once per service so a draw is a few flops.
#include <algorithm>
#include <cmath>

#include "models/traffic/traffic_config.h"
#include "sim/random.h"

namespace rehearsal::models::traffic {

class ServiceTime {
 public:
  ServiceTime() = default;
  // LogNormal with mean m and cv: sigma^2 = ln(1 + cv^2), mu = ln m - sigma^2/2
  // (e.g. m 80 ms, cv 0.5: sigma 0.4724, median 71.6 ms).
  explicit ServiceTime(const LatencyDistribution& d);

  double mean_s() const { return mean_s_; }
  // Squared coefficient of variation (1 exponential, 0 constant).
  double cv2() const { return cv2_; }
  // One draw in seconds, mean mean_s() * scale.
  double Sample(sim::Rng& rng, double scale = 1.0) const {
    switch (kind_) {
      case LatencyDistribution::Kind::kConstant: return mean_s_ * scale;
      case LatencyDistribution::Kind::kExponential: return rng.Exponential(1.0) * mean_s_ * scale;
      case LatencyDistribution::Kind::kLogNormal: return rng.LogNormal(mu_, sigma_) * scale;
      case LatencyDistribution::Kind::kUniform: return rng.Uniform(lo_, hi_) * scale;
    }
    return mean_s_ * scale;
  }

 private:
  LatencyDistribution::Kind kind_ = LatencyDistribution::Kind::kConstant;
  double mean_s_ = 0, cv2_ = 0, mu_ = 0, sigma_ = 0, lo_ = 0, hi_ = 0;
};

inline ServiceTime::ServiceTime(const LatencyDistribution& d)
    : kind_(d.kind), mean_s_(d.mean_ms / 1e3) {
  switch (kind_) {
    case LatencyDistribution::Kind::kConstant: cv2_ = 0; break;
    case LatencyDistribution::Kind::kExponential: cv2_ = 1; break;
    case LatencyDistribution::Kind::kLogNormal: {
      cv2_ = d.cv * d.cv;
      const double s2 = std::log(1 + cv2_);
      sigma_ = std::sqrt(s2);
      mu_ = mean_s_ > 0 ? std::log(mean_s_) - s2 / 2 : 0;
      if (mean_s_ <= 0) kind_ = LatencyDistribution::Kind::kConstant;
      break;
    }
    case LatencyDistribution::Kind::kUniform: {
      const double half = std::sqrt(3.0) * d.cv * mean_s_;
      lo_ = std::max(0.0, mean_s_ - half);
      hi_ = mean_s_ + half;
      cv2_ = d.cv * d.cv;
      break;
    }
  }
}

}  // namespace rehearsal::models::traffic
