#include "scenarios/k8s/json_value.h"

#include <cmath>
#include <cstdio>

#include "sim/assert.h"

namespace rehearsal::scenarios::k8s {
namespace {

std::string Escape(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

JsonValue& JsonValue::Set(const std::string& key, JsonValue value) {
  RH_ASSERT(std::holds_alternative<Object>(v_));
  auto& o = std::get<Object>(v_);
  o.emplace_back(key, std::move(value));
  return o.back().second;
}

void JsonValue::Push(JsonValue value) {
  RH_ASSERT(std::holds_alternative<Array>(v_));
  std::get<Array>(v_).push_back(std::move(value));
}

std::string JsonValue::Dump(int indent) const {
  std::string pad(static_cast<size_t>(indent + 2), ' ');
  std::string end_pad(static_cast<size_t>(indent), ' ');
  if (std::holds_alternative<std::nullptr_t>(v_)) return "null";
  if (const bool* b = std::get_if<bool>(&v_)) return *b ? "true" : "false";
  if (const int64_t* i = std::get_if<int64_t>(&v_)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&v_)) {
    if (!std::isfinite(*d)) return "null";
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", *d);
    return buf;
  }
  if (const std::string* s = std::get_if<std::string>(&v_)) return Escape(*s);
  if (const Array* a = std::get_if<Array>(&v_)) {
    if (a->empty()) return "[]";
    std::string out = "[\n";
    for (size_t i = 0; i < a->size(); ++i)
      out += pad + (*a)[i].Dump(indent + 2) + (i + 1 < a->size() ? ",\n" : "\n");
    return out + end_pad + "]";
  }
  const Object& o = std::get<Object>(v_);
  if (o.empty()) return "{}";
  std::string out = "{\n";
  for (size_t i = 0; i < o.size(); ++i)
    out += pad + Escape(o[i].first) + ": " + o[i].second.Dump(indent + 2) +
           (i + 1 < o.size() ? ",\n" : "\n");
  return out + end_pad + "}";
}

}  // namespace rehearsal::scenarios::k8s
