#include "sim/time.h"

#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>

namespace rehearsal::sim {
namespace {

struct Unit {
  std::string_view name;
  int64_t us;
};

// Longest names first so "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {
    {"us", 1}, {"ms", 1000}, {"s", 1000000}, {"m", 60000000}, {"h", 3600000000LL},
    {"d", 86400000000LL},
};

constexpr std::string_view kExpected =
    "expected a duration such as 250ms, 30s, 5m, 2h, 1d, 1h30m, 1.5s or 100us "
    "(units: us, ms, s, m, h, d)";

Error DurationError(std::string_view text, const std::string& what) {
  return Error{SourceMark{}, "invalid duration \"" + std::string(text) + "\": " + what + "; " +
                                 std::string(kExpected)};
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Appends `v` (0 <= v < 10^digits) as exactly `digits` digits, then trims
// trailing zeros: AppendFraction(500000, 6) -> "5".
void AppendFraction(std::string& out, int64_t v, int digits) {
  std::string s(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0; --i) {
    s[static_cast<size_t>(i)] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty()) out += "." + s;
}

}  // namespace

Duration Duration::FromSeconds(double s) {
  RH_ASSERT(std::isfinite(s));
  const double us = std::nearbyint(s * 1e6);
  RH_ASSERT(us < 9.2e18 && us > -9.2e18);
  return {static_cast<int64_t>(us)};
}

// Grammar: ["-"] term+ where term = digits ["." digits] unit. Each term is
// converted exactly with integers: "1.5s" = 1 * 1e6 + 5 * 1e6 / 10 = 1500000us.
// A fraction that does not land on a whole microsecond ("0.5us") is an error,
// as is a bare number other than "0" (a unit-less "30" is too easy to misread).
Result<Duration> ParseDuration(std::string_view text) {
  if (text.empty()) return DurationError(text, "empty text");
  if (text == "0") return Duration{};
  size_t i = 0;
  bool negative = false;
  if (text[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i >= text.size()) return DurationError(text, "missing number");
  constexpr int64_t kLimit = INT64_MAX / 10;
  int64_t total_us = 0;
  int64_t last_unit_us = INT64_MAX;
  while (i < text.size()) {
    // Number: integer part and optional fraction.
    const size_t start = i;
    int64_t whole = 0;
    while (i < text.size() && IsDigit(text[i])) {
      if (whole > kLimit) return DurationError(text, "number too large");
      whole = whole * 10 + (text[i] - '0');
      ++i;
    }
    int64_t frac = 0;
    int64_t frac_scale = 1;
    bool has_frac_digits = false;
    if (i < text.size() && text[i] == '.') {
      ++i;
      while (i < text.size() && IsDigit(text[i])) {
        if (frac_scale > kLimit) return DurationError(text, "too many decimal digits");
        frac = frac * 10 + (text[i] - '0');
        frac_scale *= 10;
        has_frac_digits = true;
        ++i;
      }
      if (!has_frac_digits) {
        return DurationError(text, "expected digits after '.' at offset " + std::to_string(i));
      }
    }
    if (i == start) {
      return DurationError(text, "expected a number at offset " + std::to_string(start) +
                                     " but found '" + std::string(1, text[i]) + "'");
    }
    // Unit.
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (text.substr(i, u.name.size()) == u.name) {
        // "m" must not swallow the "m" of "ms"; kUnits lists "ms" before "m".
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) {
      if (i == text.size()) return DurationError(text, "missing unit after the number");
      return DurationError(text, "unknown unit at offset " + std::to_string(i));
    }
    i += unit->name.size();
    if (unit->us >= last_unit_us) {
      return DurationError(text, "units must go from largest to smallest, each once");
    }
    last_unit_us = unit->us;
    // Exact conversion with overflow checks.
    if (whole > INT64_MAX / unit->us) return DurationError(text, "out of range");
    int64_t term = whole * unit->us;
    if (has_frac_digits) {
      // frac / frac_scale of a unit, in µs, must be a whole number of µs:
      // 0.25 h -> frac 25, scale 100, unit 3.6e9 -> g = 100 -> 25 * 3.6e7 = 9e8us.
      const int64_t g = std::gcd(unit->us, frac_scale);
      const int64_t scale = frac_scale / g;
      const int64_t unit_part = unit->us / g;
      if (frac % scale != 0) return DurationError(text, "finer than one microsecond");
      const int64_t reduced = frac / scale;
      if (reduced > INT64_MAX / unit_part) return DurationError(text, "out of range");
      const int64_t frac_us = reduced * unit_part;
      if (term > INT64_MAX - frac_us) return DurationError(text, "out of range");
      term += frac_us;
    }
    if (total_us > INT64_MAX - term) return DurationError(text, "out of range");
    total_us += term;
  }
  return Duration{negative ? -total_us : total_us};
}

// Examples: 0 -> "0s", 250ms -> "250ms", 1500us -> "1.5ms", 7us -> "7us",
// 1.5s -> "1.5s", 90s -> "1m30s", 5400s -> "1h30m", 86400s+1s -> "1d1s".
// The output always parses back to the same value.
std::string FormatDuration(Duration d) {
  if (d.us == 0) return "0s";
  if (d.us < 0) {
    if (d.us == INT64_MIN) return "-" + FormatDuration(Duration{INT64_MAX});  // 1us off; unreachable in practice
    return "-" + FormatDuration(Duration{-d.us});
  }
  int64_t v = d.us;
  std::string out;
  if (v < 1000000) {
    if (v < 1000) return std::to_string(v) + "us";
    out = std::to_string(v / 1000);
    AppendFraction(out, v % 1000, 3);
    return out + "ms";
  }
  const int64_t days = v / 86400000000LL;
  v %= 86400000000LL;
  const int64_t hours = v / 3600000000LL;
  v %= 3600000000LL;
  const int64_t minutes = v / 60000000;
  v %= 60000000;
  if (days > 0) out += std::to_string(days) + "d";
  if (hours > 0) out += std::to_string(hours) + "h";
  if (minutes > 0) out += std::to_string(minutes) + "m";
  if (v > 0) {
    out += std::to_string(v / 1000000);
    AppendFraction(out, v % 1000000, 6);
    out += "s";
  }
  return out;
}

// 12500000us -> "12.5s"; 0 -> "0s"; Time::Max() -> "inf".
std::string FormatTime(Time t) {
  if (t == Time::Max()) return "inf";
  std::string out;
  int64_t v = t.us;
  if (v < 0) {
    out = "-";
    v = -v;
  }
  out += std::to_string(v / 1000000);
  AppendFraction(out, v % 1000000, 6);
  return out + "s";
}

}  // namespace rehearsal::sim
