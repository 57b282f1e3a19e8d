#pragma once
// A duration drawn from a small, fully specified family (pod start time, node
// provisioning time, preStop duration, job run time). Plain data so scenarios
// can fill it; sampling goes through a sim::Rng stream, never std::*_distribution.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "sim/random.h"
#include "sim/time.h"

namespace rehearsal::models {

struct DurationDistribution {
  enum class Kind {
    kFixed,        // always `value`
    kUniform,      // uniform in [value, max]
    kExponential,  // value + an exponential draw with mean `max`
    kLogNormal,    // median `value`, shape `sigma`, capped at `max` when max > 0
  };
  Kind kind = Kind::kFixed;
  sim::Duration value{};
  sim::Duration max{};
  double sigma = 0.5;

  static DurationDistribution Fixed(sim::Duration d) { return {Kind::kFixed, d, d, 0}; }
  static DurationDistribution Uniform(sim::Duration lo, sim::Duration hi) {
    return {Kind::kUniform, lo, hi, 0};
  }
  // offset + exponential with the given mean.
  static DurationDistribution Exponential(sim::Duration offset, sim::Duration mean) {
    return {Kind::kExponential, offset, mean, 0};
  }
  static DurationDistribution LogNormal(sim::Duration median, double shape, sim::Duration cap) {
    return {Kind::kLogNormal, median, cap, shape};
  }

  // Mean of the distribution in seconds (LogNormal: uncapped exp(mu + s^2/2)).
  double MeanSeconds() const {
    switch (kind) {
      case Kind::kFixed: return value.seconds();
      case Kind::kUniform: return (value.seconds() + max.seconds()) / 2;
      case Kind::kExponential: return value.seconds() + max.seconds();
      case Kind::kLogNormal: return value.seconds() * std::exp(sigma * sigma / 2);
    }
    return 0;
  }

  // One draw, rounded to whole microseconds, never negative.
  sim::Duration Sample(sim::Rng& rng) const {
    double s = 0;
    switch (kind) {
      case Kind::kFixed: return value;
      case Kind::kUniform:
        if (max.us <= value.us) return value;
        return sim::Duration::Micros(rng.UniformInt(value.us, max.us));
      case Kind::kExponential:
        s = value.seconds() + (max.us > 0 ? rng.Exponential(1.0 / max.seconds()) : 0.0);
        break;
      case Kind::kLogNormal:
        if (value.us <= 0) return {};
        s = rng.LogNormal(std::log(value.seconds()), sigma);
        if (max.us > 0) s = std::min(s, max.seconds());
        break;
    }
    return sim::Duration::Micros(static_cast<int64_t>(std::llround(std::max(0.0, s) * 1e6)));
  }
};

}  // namespace rehearsal::models
