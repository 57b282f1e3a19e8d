#pragma once
// Simulated time: integer microseconds, never floating-point seconds.
// Time is a point since the start of the run; Duration is a difference.
#include <cstdint>
#include <compare>
#include <string>
#include <string_view>

#include "sim/result.h"

namespace rehearsal::sim {

struct Duration {
  int64_t us = 0;

  static constexpr Duration Micros(int64_t v) { return {v}; }
  static constexpr Duration Millis(int64_t v) { return {v * 1000}; }
  static constexpr Duration Seconds(int64_t v) { return {v * 1000000}; }
  static constexpr Duration Minutes(int64_t v) { return {v * 60000000}; }
  static constexpr Duration Hours(int64_t v) { return {v * 3600000000LL}; }
  // Rounds to the nearest microsecond (for values drawn from distributions).
  static Duration FromSeconds(double s);

  constexpr double seconds() const { return static_cast<double>(us) / 1e6; }
  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return {us + o.us}; }
  constexpr Duration operator-(Duration o) const { return {us - o.us}; }
  constexpr Duration operator*(int64_t k) const { return {us * k}; }
  constexpr Duration operator/(int64_t k) const { return {us / k}; }
  constexpr Duration& operator+=(Duration o) { us += o.us; return *this; }
  constexpr Duration& operator-=(Duration o) { us -= o.us; return *this; }
};

struct Time {
  int64_t us = 0;

  static constexpr Time Zero() { return {0}; }
  static constexpr Time Max() { return {INT64_MAX}; }
  static constexpr Time FromMicros(int64_t v) { return {v}; }

  constexpr double seconds() const { return static_cast<double>(us) / 1e6; }
  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return {us + d.us}; }
  constexpr Time operator-(Duration d) const { return {us - d.us}; }
  constexpr Duration operator-(Time o) const { return {us - o.us}; }
  constexpr Time& operator+=(Duration d) { us += d.us; return *this; }
};

// Parses "250ms", "30s", "5m", "2h", "1d", "1h30m", "1.5s", "100us", "0".
// Units: us, ms, s, m, h, d. A bare number is an error except "0".
Result<Duration> ParseDuration(std::string_view text);

// Prints the shortest exact form: 90s -> "1m30s", 1500ms -> "1.5s", 0 -> "0s".
std::string FormatDuration(Duration d);

// Prints a time as seconds since the start with microsecond precision trimmed:
// "12.5s".
std::string FormatTime(Time t);

}  // namespace rehearsal::sim
