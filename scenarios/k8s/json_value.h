#pragma once
// A tiny JSON value with insertion-ordered objects, for `explain --json`
// (scenarios/ does not link nlohmann_json). Integers print exactly; doubles
// with up to 6 significant decimals; strings are escaped per RFC 8259.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace rehearsal::scenarios::k8s {

class JsonValue {
 public:
  using Object = std::vector<std::pair<std::string, JsonValue>>;
  using Array = std::vector<JsonValue>;

  JsonValue() : v_(nullptr) {}
  JsonValue(std::nullptr_t) : v_(nullptr) {}                       // NOLINT
  JsonValue(bool b) : v_(b) {}                                     // NOLINT
  JsonValue(int v) : v_(static_cast<int64_t>(v)) {}                // NOLINT
  JsonValue(int64_t v) : v_(v) {}                                  // NOLINT
  JsonValue(double v) : v_(v) {}                                   // NOLINT
  JsonValue(const char* s) : v_(std::string(s)) {}                 // NOLINT
  JsonValue(std::string s) : v_(std::move(s)) {}                   // NOLINT
  JsonValue(Array a) : v_(std::move(a)) {}                         // NOLINT
  JsonValue(Object o) : v_(std::move(o)) {}                        // NOLINT

  // Appends a key to an object value. REQUIRES: this is an object.
  JsonValue& Set(const std::string& key, JsonValue value);
  // Appends to an array value. REQUIRES: this is an array.
  void Push(JsonValue value);

  // Pretty-printed with two-space indents.
  std::string Dump(int indent = 0) const;

 private:
  std::variant<std::nullptr_t, bool, int64_t, double, std::string, Array, Object> v_;
};

}  // namespace rehearsal::scenarios::k8s
