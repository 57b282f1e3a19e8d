#pragma once
// Randomness: xoshiro256** (fully specified), seeded through splitmix64 from
// (run seed, FNV-1a-64 of a stream name). Our own distributions, because the
// standard library's differ between implementations.
#include <cstdint>
#include <string_view>
#include <vector>

#include "sim/assert.h"
#include "sim/exp_ziggurat.h"

namespace rehearsal::sim {

// 64-bit FNV-1a of a string: a stable id for names (never std::hash).
constexpr uint64_t StableHash(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t seed);
  // The stream named `name` of run `seed`: adding a stream never shifts another's draws.
  static Rng Derive(uint64_t seed, std::string_view name);
  // An engine with the given raw xoshiro256** state (test vectors, snapshots).
  // REQUIRES: not all four words zero.
  static Rng FromState(uint64_t s0, uint64_t s1, uint64_t s2, uint64_t s3);

  inline uint64_t Next();                // raw 64 bits
  double Uniform01();                    // [0, 1), 53-bit
  double Uniform(double lo, double hi);  // [lo, hi)
  uint64_t Below(uint64_t n);            // [0, n), unbiased. REQUIRES: n > 0
  int64_t UniformInt(int64_t lo, int64_t hi);  // [lo, hi] inclusive
  // Mean 1/rate: an Exp(1) draw (ziggurat, sim/exp_ziggurat.h) divided by rate.
  // REQUIRES: rate > 0
  inline double Exponential(double rate);
  double Normal(double mean, double sd);
  double LogNormal(double mu, double sigma);  // parameters of the underlying normal
  uint64_t Poisson(double mean);
  bool Bernoulli(uint64_t num, uint64_t den);  // probability num/den, exact
  bool Chance(double p);                        // probability p in [0,1]

 private:
  // The ~2.2% of Exp(1) draws that miss a layer's core: wedge test or tail.
  double ExponentialSlow(uint32_t layer, uint64_t u);

  uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

// xoshiro256** 1.0 (Blackman & Vigna 2018), reference algorithm. Inline: it
// is most of the cost of a uniform or exponential draw.
inline uint64_t Rng::Next() {
  const auto rotl = [](uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

// One 64-bit draw: its low 8 bits pick the layer, its high 53 bits the point
// across it (disjoint bits, so layer and point are independent; Doornik 2005
// showed the 32-bit original's reuse of the index bits skews it).
inline double Rng::Exponential(double rate) {
  RH_ASSERT(rate > 0);
  const uint64_t bits = Next();
  const auto layer = static_cast<uint32_t>(bits & 0xFF);
  const uint64_t u = bits >> 11;
  const detail::ExpZiggurat& z = detail::kExpZiggurat;
  // u < 2^53: the signed conversion is exact and one instruction.
  const double x = u < z.accept[layer] ? static_cast<double>(static_cast<int64_t>(u)) * z.scale[layer]
                                       : ExponentialSlow(layer, u);
  return x / rate;
}

// Picks index i with probability weights[i] / sum (Walker alias or CDF).
class DiscreteDistribution {
 public:
  explicit DiscreteDistribution(std::vector<double> weights);
  size_t Sample(Rng& rng) const;

 private:
  std::vector<double> cdf_;
};

// Draws from observed samples by inverse of the empirical CDF with linear
// interpolation between order statistics.
class EmpiricalDistribution {
 public:
  explicit EmpiricalDistribution(std::vector<double> samples);
  double Sample(Rng& rng) const;

 private:
  std::vector<double> sorted_;
};

}  // namespace rehearsal::sim
