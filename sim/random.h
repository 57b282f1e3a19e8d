#pragma once
// Randomness: xoshiro256** (fully specified), seeded through splitmix64 from
// (run seed, FNV-1a-64 of a stream name). Our own distributions, because the
// standard library's differ between implementations.
#include <cstdint>
#include <string_view>
#include <vector>

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

  uint64_t Next();                       // raw 64 bits
  double Uniform01();                    // [0, 1), 53-bit
  double Uniform(double lo, double hi);  // [lo, hi)
  uint64_t Below(uint64_t n);            // [0, n), unbiased. REQUIRES: n > 0
  int64_t UniformInt(int64_t lo, int64_t hi);  // [lo, hi] inclusive
  double Exponential(double rate);       // mean 1/rate. REQUIRES: rate > 0
  double Normal(double mean, double sd);
  double LogNormal(double mu, double sigma);  // parameters of the underlying normal
  uint64_t Poisson(double mean);
  bool Bernoulli(uint64_t num, uint64_t den);  // probability num/den, exact
  bool Chance(double p);                        // probability p in [0,1]

 private:
  uint64_t s_[4];
  double spare_normal_ = 0;
  bool has_spare_ = false;
};

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
