#pragma once
// Tables of the ziggurat sampler for Exp(1) (Marsaglia & Tsang, "The Ziggurat
// Method for Generating Random Variables", J. Stat. Software 5(8), 2000, §2
// and the REXP set-up of §4), computed at compile time so they are the same
// bits on every platform: no libm is involved in building them.
//
// The area under f(x) = exp(-x) is cut into 256 pieces of equal area v:
//   - layer 0, the base: the rectangle [0, r] x [0, f(r)] plus the tail
//     x > r (area f(r)); so v = r f(r) + f(r), and the base is drawn as one
//     rectangle of width v / f(r) = r + 1 whose part past r stands for the tail;
//   - layers j = 1..255: the rectangle [0, x[j-1]] x [f(x[j-1]), f(x[j])] with
//     x[0] = r and x[j] = -ln(v / x[j-1] + f(x[j-1])) (area exactly v), and
//     x[255] = 0, f = 1: r is the value for which that recursion ends at 0.
// A draw picks a layer uniformly and a point u uniformly across its width:
// a point left of x[j] is under the curve for sure (f(x) > f(x[j]) there),
// which is 97.8% of draws; the rest test the wedge against exp(-x) or, in
// the base, draw the tail as r + Exp(1) (exp is memoryless).
// Worked numbers: r = 7.69711747013104972, v = 3.949659822581572e-3,
// x[1] = 6.9410, x[254] = 0.0639 (area 0.0639 * (1 - f(0.0639)) = v).
#include <array>
#include <cstdint>

namespace rehearsal::sim::detail {

// exp and log good to a few ulps for the arguments used here, evaluable at
// compile time. exp: x = k ln2 + s with |s| <= ln2 / 2, Taylor series of e^s
// (23 terms: the next is < 1e-30), times 2^k by exact halving/doubling.
// log: y = m 2^e with m in [1/sqrt2, sqrt2], ln m = 2 atanh((m-1)/(m+1)).
inline constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm's split of ln 2
inline constexpr double kLn2Lo = 1.90821492927058770002e-10;

constexpr double ConstExp(double x) {
  const double kd = x / (kLn2Hi + kLn2Lo);
  int64_t k = static_cast<int64_t>(kd < 0 ? kd - 0.5 : kd + 0.5);
  const double s = (x - static_cast<double>(k) * kLn2Hi) - static_cast<double>(k) * kLn2Lo;
  double term = 1;
  double sum = 1;
  for (int n = 1; n < 24; ++n) {
    term *= s / n;
    sum += term;
  }
  for (; k > 0; --k) sum *= 2;
  for (; k < 0; ++k) sum /= 2;
  return sum;
}

// REQUIRES: y > 0 (finite).
constexpr double ConstLog(double y) {
  int e = 0;
  while (y > 1.4142135623730951) {
    y /= 2;
    ++e;
  }
  while (y < 0.7071067811865476) {
    y *= 2;
    --e;
  }
  const double s = (y - 1) / (y + 1);  // |s| <= 0.1716: s^61 < 1e-46
  const double s2 = s * s;
  double power = s;
  double sum = 0;
  for (int n = 1; n < 62; n += 2) {
    sum += power / n;
    power *= s2;
  }
  return 2 * sum + (e * kLn2Hi + e * kLn2Lo);
}

struct ExpZiggurat {
  static constexpr int kLayers = 256;
  static constexpr double kR = 7.69711747013104972;      // start of the tail
  static constexpr double kV = 3.949659822581572e-3;     // area of every layer
  static constexpr double kTwo53 = 9007199254740992.0;   // u is a 53-bit integer
  // Layer j accepts a 53-bit u outright when u < accept[j]; its point is then
  // x = u * scale[j]. f[j] = exp(-x[j]) (f[255] = 1) bounds the wedges.
  std::array<uint64_t, kLayers> accept{};
  std::array<double, kLayers> scale{};
  std::array<double, kLayers> f{};
  std::array<double, kLayers> x{};  // boundaries, x[0] = r > x[1] > ... > x[255] = 0
};

constexpr ExpZiggurat BuildExpZiggurat() {
  ExpZiggurat z;
  constexpr double r = ExpZiggurat::kR;
  constexpr double v = ExpZiggurat::kV;
  z.x[0] = r;
  z.f[0] = ConstExp(-r);
  for (int j = 1; j < ExpZiggurat::kLayers - 1; ++j) {
    z.x[j] = -ConstLog(v / z.x[j - 1] + z.f[j - 1]);
    z.f[j] = ConstExp(-z.x[j]);
  }
  z.x[ExpZiggurat::kLayers - 1] = 0;
  z.f[ExpZiggurat::kLayers - 1] = 1;
  const double base_width = v / z.f[0];  // = r + 1: the tail drawn as part of the base
  z.accept[0] = static_cast<uint64_t>(r / base_width * ExpZiggurat::kTwo53);
  z.scale[0] = base_width / ExpZiggurat::kTwo53;
  for (int j = 1; j < ExpZiggurat::kLayers; ++j) {
    z.accept[j] = static_cast<uint64_t>(z.x[j] / z.x[j - 1] * ExpZiggurat::kTwo53);
    z.scale[j] = z.x[j - 1] / ExpZiggurat::kTwo53;
  }
  return z;
}

inline constexpr ExpZiggurat kExpZiggurat = BuildExpZiggurat();

}  // namespace rehearsal::sim::detail
