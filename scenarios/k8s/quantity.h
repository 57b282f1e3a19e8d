#pragma once
// Kubernetes value formats as kubectl prints them: resource quantities
// ("250m", "1.5", "128Mi", "12345678n", "1e3"), RFC 3339 timestamps
// ("2024-05-01T12:00:00Z") and Go durations ("15s", "1m0s", "15.032s").
// Pure functions; nullopt on malformed text (callers add file:line:col).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rehearsal::scenarios::k8s {

// Quantity.MilliValue(): the value x 1000, rounded up (as Kubernetes'
// ScaledValue rounds). "250m" -> 250, "2" -> 2000, "12345678n" -> 13
// (12.345678m rounded up), "1Ki" -> 1024000, "0.5" -> 500, "1e3" -> 1000000.
std::optional<int64_t> ParseQuantityMilli(std::string_view text);

// Prints a milli value the short way kubectl would: 250 -> "250m",
// 2000 -> "2", 1500 -> "1500m".
std::string FormatMilli(int64_t milli);

// RFC 3339 (with 'Z' or +hh:mm offset, optional fraction) -> microseconds
// since the Unix epoch. "1970-01-01T00:00:01Z" -> 1000000.
std::optional<int64_t> ParseRfc3339Micros(std::string_view text);
// Microseconds since the epoch -> "2024-05-01T12:00:00Z" (fraction when not whole seconds).
std::string FormatRfc3339(int64_t micros);

// Go time.Duration text: "15s", "1m0s", "1.5s", "500ms", "1h2m3.5s" -> microseconds.
std::optional<int64_t> ParseGoDurationMicros(std::string_view text);

}  // namespace rehearsal::scenarios::k8s
