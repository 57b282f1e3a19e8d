#include "scenarios/k8s/quantity.h"

#include <cctype>
#include <cstdio>

namespace rehearsal::scenarios::k8s {
namespace {

// Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm, written out).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int64_t* m, int64_t* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp + (mp < 10 ? 3 : -9);
  *y = yoe + era * 400 + (*m <= 2 ? 1 : 0);
}

bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

}  // namespace

std::optional<int64_t> ParseQuantityMilli(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  // Mantissa as an integer of up to 18 significant digits plus a decimal exponent.
  __extension__ using Wide = __int128;
  Wide mantissa = 0;
  int exp10 = 0;
  int digits = 0;
  bool seen_digit = false;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    if (digits < 30) {
      mantissa = mantissa * 10 + (text[i] - '0');
      if (mantissa != 0) ++digits;
    } else {
      ++exp10;
    }
    seen_digit = true;
    ++i;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (digits < 30) {
        mantissa = mantissa * 10 + (text[i] - '0');
        if (mantissa != 0) ++digits;
        --exp10;
      }
      seen_digit = true;
      ++i;
    }
  }
  if (!seen_digit) return std::nullopt;
  std::string_view suffix = text.substr(i);
  int binary_shift = 0;
  if (suffix.empty()) {
  } else if (suffix == "n") {
    exp10 -= 9;
  } else if (suffix == "u") {
    exp10 -= 6;
  } else if (suffix == "m") {
    exp10 -= 3;
  } else if (suffix == "k") {
    exp10 += 3;
  } else if (suffix == "M") {
    exp10 += 6;
  } else if (suffix == "G") {
    exp10 += 9;
  } else if (suffix == "T") {
    exp10 += 12;
  } else if (suffix == "P") {
    exp10 += 15;
  } else if (suffix == "E") {
    exp10 += 18;
  } else if (suffix == "Ki") {
    binary_shift = 10;
  } else if (suffix == "Mi") {
    binary_shift = 20;
  } else if (suffix == "Gi") {
    binary_shift = 30;
  } else if (suffix == "Ti") {
    binary_shift = 40;
  } else if (suffix == "Pi") {
    binary_shift = 50;
  } else if (suffix == "Ei") {
    binary_shift = 60;
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    int64_t e = 0;
    size_t j = 1;
    bool neg_e = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) neg_e = suffix[j++] == '-';
    if (j >= suffix.size() || !Digits(suffix, j, suffix.size() - j, &e) || e > 40)
      return std::nullopt;
    exp10 += static_cast<int>(neg_e ? -e : e);
  } else {
    return std::nullopt;
  }
  // value x 1000, i.e. exp10 + 3, then x 2^shift, rounded up.
  exp10 += 3;
  const Wide limit = static_cast<Wide>(INT64_MAX);
  Wide v = mantissa;
  for (int s = 0; s < binary_shift; ++s) {
    v *= 2;
    if (v > limit * 1000000000) return std::nullopt;
  }
  while (exp10 > 0) {
    v *= 10;
    --exp10;
    if (v > limit) return std::nullopt;
  }
  bool remainder = false;
  while (exp10 < 0) {
    if (v % 10 != 0) remainder = true;
    v /= 10;
    ++exp10;
  }
  if (remainder) v += 1;  // round up (toward +inf for positive values)
  if (v > limit) return std::nullopt;
  int64_t out = static_cast<int64_t>(v);
  return negative ? -out : out;
}

std::string FormatMilli(int64_t milli) {
  if (milli % 1000 == 0) return std::to_string(milli / 1000);
  return std::to_string(milli) + "m";
}

std::optional<int64_t> ParseRfc3339Micros(std::string_view s) {
  int64_t y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &se))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return std::nullopt;
  size_t i = 19;
  int64_t frac_us = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int64_t scale = 100000;
    size_t start = i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      frac_us += (s[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int64_t oh, om;
    if (!Digits(s, i + 1, 2, &oh) || i + 3 >= s.size() || s[i + 3] != ':' ||
        !Digits(s, i + 4, 2, &om))
      return std::nullopt;
    offset_s = (oh * 3600 + om * 60) * (s[i] == '+' ? 1 : -1);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(y, mo, d);
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - offset_s;
  return secs * 1000000 + frac_us;
}

std::string FormatRfc3339(int64_t micros) {
  int64_t secs = micros >= 0 ? micros / 1000000 : (micros - 999999) / 1000000;
  int64_t frac = micros - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[128];
  if (frac == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
                  static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d), static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
                  static_cast<long long>(y), static_cast<long long>(m),
                  static_cast<long long>(d), static_cast<long long>(rem / 3600),
                  static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60),
                  static_cast<long long>(frac));
  }
  return buf;
}

std::optional<int64_t> ParseGoDurationMicros(std::string_view s) {
  if (s == "0") return 0;
  size_t i = 0;
  double total_us = 0;
  bool any = false;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (i == start) return std::nullopt;
    double value = 0;
    if (std::sscanf(std::string(s.substr(start, i - start)).c_str(), "%lf", &value) != 1)
      return std::nullopt;
    size_t ustart = i;
    while (i < s.size() && !std::isdigit(static_cast<unsigned char>(s[i])) && s[i] != '.') ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    double scale = 0;
    if (unit == "ns") scale = 1e-3;
    else if (unit == "us" || unit == "\xC2\xB5s") scale = 1;
    else if (unit == "ms") scale = 1e3;
    else if (unit == "s") scale = 1e6;
    else if (unit == "m") scale = 60e6;
    else if (unit == "h") scale = 3600e6;
    else return std::nullopt;
    total_us += value * scale;
    any = true;
  }
  if (!any) return std::nullopt;
  return static_cast<int64_t>(total_us + 0.5);
}

}  // namespace rehearsal::scenarios::k8s
