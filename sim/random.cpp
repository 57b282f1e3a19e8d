#include "sim/random.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "sim/assert.h"

namespace rehearsal::sim {
namespace {

constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// splitmix64 (Steele, Lea, Flood 2014): the generator recommended by the
// xoshiro authors for seeding; consecutive outputs are well mixed even from
// seeds 0, 1, 2, ...
uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += kGolden);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// log(k!) for the Poisson PTRS acceptance test: exact table for small k,
// Stirling series beyond (error < 1e-15 for k >= 10).
double LogFactorial(double k) {
  static constexpr double kTable[10] = {0.0,
                                        0.0,
                                        0.69314718055994530942,
                                        1.79175946922805500081,
                                        3.17805383034794561964,
                                        4.78749174278204599425,
                                        6.57925121201010099506,
                                        8.52516136106541430017,
                                        10.60460290274525022842,
                                        12.80182748008146961121};
  if (k < 10) return kTable[static_cast<int>(k)];
  const double k1 = k + 1.0;
  const double inv = 1.0 / k1;
  const double inv2 = inv * inv;
  constexpr double kHalfLog2Pi = 0.91893853320467274178;
  return (k1 - 0.5) * std::log(k1) - k1 + kHalfLog2Pi +
         inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)));
}

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t state = seed;
  for (uint64_t& word : s_) word = SplitMix64(state);
  // splitmix64 is a bijection on each step, so the state can be all-zero only
  // with negligible probability; guard anyway (xoshiro's one forbidden state).
  if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = kGolden;
}

// The stream seed mixes the run seed before combining with the name hash, so
// (seed, name) pairs that differ do not collide through a simple xor:
// Derive(1, "a") and Derive(0, name with hash "a" ^ 1) are unrelated.
Rng Rng::Derive(uint64_t seed, std::string_view name) {
  uint64_t state = seed;
  const uint64_t mixed_seed = SplitMix64(state);
  return Rng(mixed_seed ^ StableHash(name));
}

Rng Rng::FromState(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3) {
  RH_ASSERT((s0 | s1 | s2 | s3) != 0);
  Rng rng(0);
  rng.s_[0] = s0;
  rng.s_[1] = s1;
  rng.s_[2] = s2;
  rng.s_[3] = s3;
  return rng;
}

double Rng::Uniform01() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

double Rng::Uniform(double lo, double hi) {
  RH_ASSERT(lo <= hi);
  return lo + (hi - lo) * Uniform01();
}

// Lemire's nearly-divisionless method (2019): multiply a 64-bit draw by n and
// keep the high word; reject the few low words that would bias the result.
uint64_t Rng::Below(uint64_t n) {
  RH_ASSERT(n > 0);
  __extension__ using U128 = unsigned __int128;
  U128 m = static_cast<U128>(Next()) * n;
  auto low = static_cast<uint64_t>(m);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      m = static_cast<U128>(Next()) * n;
      low = static_cast<uint64_t>(m);
    }
  }
  return static_cast<uint64_t>(m >> 64);
}

int64_t Rng::UniformInt(int64_t lo, int64_t hi) {
  RH_ASSERT(lo <= hi);
  const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo) + 1;
  const uint64_t offset = span == 0 ? Next() : Below(span);  // span 0: the full 2^64 range
  return static_cast<int64_t>(static_cast<uint64_t>(lo) + offset);
}

// Continues a ziggurat draw (sim/exp_ziggurat.h) whose point u in `layer`
// fell outside the layer's core. Base layer: the point stands for the tail,
// drawn as r + Exp(1) by inversion (-ln(1 - U), U in [0, 1)). Other layers:
// x is accepted when a uniform height in the layer's band is below exp(-x);
// otherwise the whole draw starts again (new layer, new point).
double Rng::ExponentialSlow(uint32_t layer, uint64_t u) {
  const detail::ExpZiggurat& z = detail::kExpZiggurat;
  for (;;) {
    if (layer == 0) return detail::ExpZiggurat::kR - std::log1p(-Uniform01());
    const double x = static_cast<double>(static_cast<int64_t>(u)) * z.scale[layer];
    const double y = z.f[layer - 1] + Uniform01() * (z.f[layer] - z.f[layer - 1]);
    if (y < std::exp(-x)) return x;
    const uint64_t bits = Next();
    layer = static_cast<uint32_t>(bits & 0xFF);
    u = bits >> 11;
    if (u < z.accept[layer]) return static_cast<double>(static_cast<int64_t>(u)) * z.scale[layer];
  }
}

// Marsaglia's polar method: two independent normals per accepted pair; the
// second is kept as a spare for the next call (part of the stream's state).
double Rng::Normal(double mean, double sd) {
  RH_ASSERT(sd >= 0);
  if (has_spare_) {
    has_spare_ = false;
    return mean + sd * spare_normal_;
  }
  double u = 0;
  double v = 0;
  double s = 0;
  do {
    u = 2.0 * Uniform01() - 1.0;
    v = 2.0 * Uniform01() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_normal_ = v * factor;
  has_spare_ = true;
  return mean + sd * u * factor;
}

double Rng::LogNormal(double mu, double sigma) { return std::exp(Normal(mu, sigma)); }

// mean < 10: sequential-search inversion (expected mean + 1 uniform-compare
// steps, one uniform draw). mean >= 10: Hörmann's PTRS transformed rejection
// with squeeze ("The transformed rejection method for generating Poisson
// random variables", 1993), about 1.1 uniform pairs per draw, exact.
uint64_t Rng::Poisson(double mean) {
  RH_ASSERT(mean >= 0 && std::isfinite(mean));
  if (mean == 0) return 0;
  if (mean < 10) {
    const double u = Uniform01();
    double p = std::exp(-mean);
    double cdf = p;
    uint64_t k = 0;
    while (u >= cdf) {
      ++k;
      p *= mean / static_cast<double>(k);
      const double next = cdf + p;
      if (next == cdf) break;  // numerical tail: cdf stopped growing
      cdf = next;
    }
    return k;
  }
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = Uniform01() - 0.5;
    const double v = Uniform01();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<uint64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * loglam - LogFactorial(k)) {
      return static_cast<uint64_t>(k);
    }
  }
}

bool Rng::Bernoulli(uint64_t num, uint64_t den) {
  RH_ASSERT(den > 0 && num <= den);
  return Below(den) < num;
}

bool Rng::Chance(double p) {
  RH_ASSERT(p >= 0 && p <= 1);
  return Uniform01() < p;
}

DiscreteDistribution::DiscreteDistribution(std::vector<double> weights) {
  RH_ASSERT(!weights.empty());
  double total = 0;
  for (double w : weights) {
    RH_ASSERT(w >= 0 && std::isfinite(w));
    total += w;
  }
  RH_ASSERT(total > 0);
  cdf_.resize(weights.size());
  double running = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    running += weights[i];
    cdf_[i] = running / total;
  }
  // Zero-weight tail entries must never be picked: pin the last positive entry to 1.
  size_t last = weights.size();
  while (last > 0 && weights[last - 1] == 0) --last;
  for (size_t i = last - 1; i < cdf_.size(); ++i) cdf_[i] = 1.0;
}

// Picks the first i with u < cdf[i]; u in [0, 1) so a zero-weight entry (whose
// cdf equals its predecessor's) can never be picked.
size_t DiscreteDistribution::Sample(Rng& rng) const {
  const double u = rng.Uniform01();
  const auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
  RH_ASSERT(it != cdf_.end());
  return static_cast<size_t>(it - cdf_.begin());
}

EmpiricalDistribution::EmpiricalDistribution(std::vector<double> samples)
    : sorted_(std::move(samples)) {
  RH_ASSERT(!sorted_.empty());
  for (double x : sorted_) RH_ASSERT(std::isfinite(x));
  std::sort(sorted_.begin(), sorted_.end());
}

// u in [0, 1) is mapped to position u * (n - 1) among the order statistics and
// interpolated: samples {1, 3} give a uniform draw on [1, 3).
double EmpiricalDistribution::Sample(Rng& rng) const {
  if (sorted_.size() == 1) return sorted_[0];
  const double pos = rng.Uniform01() * static_cast<double>(sorted_.size() - 1);
  const auto i = static_cast<size_t>(pos);
  const double frac = pos - static_cast<double>(i);
  return sorted_[i] + frac * (sorted_[i + 1] - sorted_[i]);
}

}  // namespace rehearsal::sim
