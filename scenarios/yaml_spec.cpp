#include "scenarios/yaml_spec.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>

#include "scenarios/k8s/quantity.h"

namespace rehearsal::scenarios::spec {

std::string Ctx::PathString() const {
  std::string s;
  for (const auto& p : path) s += (s.empty() ? "" : ".") + p;
  return s;
}

sim::SourceMark Ctx::Mark(const YAML::Node& node) const {
  // A value that came from --set points at the flag, not at a file position.
  std::string here = PathString();
  for (const auto& [p, text] : overrides) {
    if (here == p || (here.size() > p.size() && here.compare(0, p.size(), p) == 0 &&
                      here[p.size()] == '.')) {
      return {text, 0, 0};
    }
  }
  YAML::Mark m = node.Mark();
  if (m.is_null() || m.line < 0) return {file, 0, 0};
  return {file, m.line + 1, m.column + 1};
}

void Ctx::Error(const YAML::Node& node, std::string message) { Error(Mark(node), std::move(message)); }

void Ctx::Error(sim::SourceMark mark, std::string message) {
  errors.push_back({std::move(mark), std::move(message)});
}

std::string Describe(const YAML::Node& node) {
  if (!node.IsDefined()) return "nothing";
  switch (node.Type()) {
    case YAML::NodeType::Null: return "nothing";
    case YAML::NodeType::Scalar: return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Undefined: return "nothing";
  }
  return "something";
}

size_t EditDistance(const std::string& a, const std::string& b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::string Closest(const std::string& word, const std::vector<std::string>& candidates) {
  // Allow roughly one edit per three characters (at least 2): "replicsa" ->
  // "replicas" (2 edits), but "foo" does not become "zones".
  size_t limit = std::max<size_t>(2, word.size() / 3);
  std::string best;
  size_t best_d = limit + 1;
  for (const auto& c : candidates) {
    size_t d = EditDistance(word, c);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

namespace {

bool Fail(const YAML::Node& n, Ctx& ctx, const std::string& expected) {
  ctx.Error(n, "found " + Describe(n) + ", expected " + expected);
  return false;
}

// Parses a plain decimal number ("1.5", "-2", "3e2"); false if anything is left.
bool ParseDecimal(const std::string& s, double& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size() && errno == 0 && std::isfinite(out);
}

bool ParseInteger(const std::string& s, int64_t& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end != s.c_str() + s.size() || errno != 0) return false;
  out = v;
  return true;
}

}  // namespace

Kind<std::string> String() {
  return {[](const YAML::Node& n, Ctx& ctx, std::string& out) {
            if (!n.IsScalar()) return Fail(n, ctx, "a string");
            out = n.Scalar();
            return true;
          },
          "{\"type\": \"string\"}"};
}

Kind<std::string> Name() {
  return {[](const YAML::Node& n, Ctx& ctx, std::string& out) {
            const char* expected = "a name of lowercase letters, digits and '-' (e.g. gaming-api)";
            if (!n.IsScalar()) return Fail(n, ctx, expected);
            const std::string& s = n.Scalar();
            bool ok = !s.empty() && s.size() <= 63 && s.front() != '-' && s.back() != '-';
            for (char c : s) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
            if (!ok) return Fail(n, ctx, expected);
            out = s;
            return true;
          },
          "{\"type\": \"string\", \"pattern\": \"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$\", \"maxLength\": 63}"};
}

Kind<int64_t> Integer(int64_t min, int64_t max) {
  return {[min, max](const YAML::Node& n, Ctx& ctx, int64_t& out) {
            std::string expected = "an integer from " + std::to_string(min) + " to " + std::to_string(max);
            int64_t v = 0;
            if (!n.IsScalar() || !ParseInteger(n.Scalar(), v) || v < min || v > max)
              return Fail(n, ctx, expected);
            out = v;
            return true;
          },
          "{\"type\": \"integer\", \"minimum\": " + std::to_string(min) + ", \"maximum\": " +
              std::to_string(max) + "}"};
}

Kind<uint64_t> Seed() {
  return {[](const YAML::Node& n, Ctx& ctx, uint64_t& out) {
            int64_t v = 0;
            if (!n.IsScalar() || !ParseInteger(n.Scalar(), v) || v < 0)
              return Fail(n, ctx, "a non-negative integer seed");
            out = static_cast<uint64_t>(v);
            return true;
          },
          "{\"type\": \"integer\", \"minimum\": 0}"};
}

Kind<double> Number(double min, double max) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "{\"type\": \"number\", \"minimum\": %.17g, \"maximum\": %.17g}", min, max);
  return {[min, max](const YAML::Node& n, Ctx& ctx, double& out) {
            char range[96];
            std::snprintf(range, sizeof range, "a number from %g to %g", min, max);
            double v = 0;
            if (!n.IsScalar() || !ParseDecimal(n.Scalar(), v) || v < min || v > max)
              return Fail(n, ctx, range);
            out = v;
            return true;
          },
          buf};
}

Kind<bool> Bool() {
  return {[](const YAML::Node& n, Ctx& ctx, bool& out) {
            if (n.IsScalar()) {
              const std::string& s = n.Scalar();
              if (s == "true") { out = true; return true; }
              if (s == "false") { out = false; return true; }
            }
            return Fail(n, ctx, "true or false");
          },
          "{\"type\": \"boolean\"}"};
}

Kind<sim::Duration> Duration() {
  return {[](const YAML::Node& n, Ctx& ctx, sim::Duration& out) {
            const char* expected = "a duration such as 250ms, 30s, 5m, 1h30m";
            if (!n.IsScalar()) return Fail(n, ctx, expected);
            auto d = sim::ParseDuration(n.Scalar());
            if (!d.ok() || d->us < 0) return Fail(n, ctx, expected);
            out = *d;
            return true;
          },
          "{\"type\": [\"string\", \"integer\"], \"pattern\": \"^(0|([0-9]+(\\\\.[0-9]+)?(us|ms|s|m|h|d))+)$\"}"};
}

namespace {
bool ParseTimeOfDay(const std::string& s, sim::Duration& out) {
  // "HH:MM" or "H:MM", 00:00 .. 23:59.
  size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 2 || s.size() != colon + 3) return false;
  int64_t h = 0, m = 0;
  if (!ParseInteger(s.substr(0, colon), h) || !ParseInteger(s.substr(colon + 1), m)) return false;
  if (h < 0 || h > 23 || m < 0 || m > 59) return false;
  out = sim::Duration::Hours(h) + sim::Duration::Minutes(m);
  return true;
}
// A Kubernetes quantity: a decimal number, then an exponent or a suffix.
constexpr const char* kQuantityPattern =
    "^[+]?([0-9]+(\\\\.[0-9]*)?|\\\\.[0-9]+)(([eE][+-]?[0-9]+)|n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";
constexpr const char* kTimeOfDayPattern = "^([01]?[0-9]|2[0-3]):[0-5][0-9]$";
}  // namespace

Kind<sim::Duration> TimeOfDay() {
  return {[](const YAML::Node& n, Ctx& ctx, sim::Duration& out) {
            if (!n.IsScalar() || !ParseTimeOfDay(n.Scalar(), out))
              return Fail(n, ctx, "a time of day such as 20:45");
            return true;
          },
          std::string("{\"type\": \"string\", \"pattern\": \"") + kTimeOfDayPattern + "\"}"};
}

Kind<sim::Duration> At() {
  return {[](const YAML::Node& n, Ctx& ctx, sim::Duration& out) {
            const char* expected = "a time since the start (e.g. 45m) or a time of day (e.g. 20:45)";
            if (!n.IsScalar()) return Fail(n, ctx, expected);
            sim::Duration tod;
            if (ParseTimeOfDay(n.Scalar(), tod)) {
              // 20:45 with the run starting at 18:00 is 2h45m in; a time of day
              // earlier than the start means the next day (01:00 -> 7h in).
              sim::Duration d = tod - ctx.start_time_of_day;
              if (d.us < 0) d += sim::Duration::Hours(24);
              out = d;
              return true;
            }
            auto d = sim::ParseDuration(n.Scalar());
            if (!d.ok() || d->us < 0) return Fail(n, ctx, expected);
            out = *d;
            return true;
          },
          "{\"type\": \"string\", \"pattern\": \"^((0|([0-9]+(\\\\.[0-9]+)?(us|ms|s|m|h|d))+)|(([01]?[0-9]|2[0-3]):[0-5][0-9]))$\"}"};
}

// CPU and memory use the Kubernetes quantity grammar of scenarios/k8s (one
// parser for scenarios, manifests and `rehearse explain`): decimal and binary
// suffixes, exponents and the n/u/m sub-units.
Kind<int64_t> Cpu() {
  // "500m" = 500 millicores, "2" = 2000, 1.5 = 1500 (Quantity.MilliValue()).
  return {[](const YAML::Node& n, Ctx& ctx, int64_t& out) {
            const char* expected = "a CPU quantity such as 500m, 2 or 1.5";
            if (!n.IsScalar()) return Fail(n, ctx, expected);
            std::optional<int64_t> milli = k8s::ParseQuantityMilli(n.Scalar());
            if (!milli || *milli < 0) return Fail(n, ctx, expected);
            out = *milli;
            return true;
          },
          std::string("{\"type\": [\"string\", \"number\"], \"pattern\": \"") + kQuantityPattern + "\"}"};
}

Kind<int64_t> Memory() {
  // Bytes, rounded up as Quantity.Value() rounds: "512Mi", "2Gi", "1G", "1.5Gi", 1024.
  return {[](const YAML::Node& n, Ctx& ctx, int64_t& out) {
            const char* expected = "a memory quantity such as 512Mi, 2Gi or 1G";
            if (!n.IsScalar()) return Fail(n, ctx, expected);
            std::optional<int64_t> milli = k8s::ParseQuantityMilli(n.Scalar());
            if (!milli || *milli < 0) return Fail(n, ctx, expected);
            out = (*milli + 999) / 1000;
            return true;
          },
          std::string("{\"type\": [\"string\", \"integer\"], \"pattern\": \"") + kQuantityPattern + "\"}"};
}

Kind<double> Percent() {
  return {[](const YAML::Node& n, Ctx& ctx, double& out) {
            const char* expected = "a percentage such as 25% or 99.9%";
            if (!n.IsScalar()) return Fail(n, ctx, expected);
            std::string s = n.Scalar();
            double v = 0;
            if (s.empty() || s.back() != '%' || !ParseDecimal(s.substr(0, s.size() - 1), v) || v < 0 ||
                v > 100)
              return Fail(n, ctx, expected);
            out = v / 100.0;
            return true;
          },
          "{\"type\": \"string\", \"pattern\": \"^[0-9]+(\\\\.[0-9]+)?%$\"}"};
}

Kind<std::vector<std::string>> StringList() {
  return {[](const YAML::Node& n, Ctx& ctx, std::vector<std::string>& out) {
            if (!n.IsSequence()) return Fail(n, ctx, "a list of strings");
            std::vector<std::string> v;
            bool ok = true;
            for (size_t i = 0; i < n.size(); ++i) {
              if (!n[i].IsScalar()) ok = Fail(n[i], ctx, "a string");
              else v.push_back(n[i].Scalar());
            }
            if (ok) out = v;
            return ok;
          },
          "{\"type\": \"array\", \"items\": {\"type\": \"string\"}}"};
}

Kind<std::vector<std::string>> NameList() {
  Kind<std::string> name = Name();
  return {[name](const YAML::Node& n, Ctx& ctx, std::vector<std::string>& out) {
            if (!n.IsSequence()) return Fail(n, ctx, "a list of names");
            std::vector<std::string> v;
            bool ok = true;
            for (size_t i = 0; i < n.size(); ++i) {
              std::string s;
              if (name.parse(n[i], ctx, s)) v.push_back(s);
              else ok = false;
            }
            if (ok) out = v;
            return ok;
          },
          "{\"type\": \"array\", \"items\": " + name.schema + "}"};
}

Kind<std::map<std::string, std::string>> StringMap() {
  return {[](const YAML::Node& n, Ctx& ctx, std::map<std::string, std::string>& out) {
            if (!n.IsMap()) return Fail(n, ctx, "a mapping of strings");
            std::map<std::string, std::string> m;
            bool ok = true;
            for (auto it = n.begin(); it != n.end(); ++it) {
              if (!it->first.IsScalar() || !it->second.IsScalar()) ok = Fail(it->second, ctx, "a string");
              else m[it->first.Scalar()] = it->second.Scalar();
            }
            if (ok) out = m;
            return ok;
          },
          "{\"type\": \"object\", \"additionalProperties\": {\"type\": \"string\"}}"};
}

namespace {

// Notices a document that starts where the previous one started.
class ProgressGuard : public YAML::EventHandler {
 public:
  std::optional<YAML::Mark> stuck_at;
  void OnDocumentStart(const YAML::Mark& mark) override {
    if (last_ && last_->pos == mark.pos) stuck_at = mark;
    last_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  std::optional<YAML::Mark> last_;
};

}  // namespace

std::vector<YAML::Node> LoadAllDocuments(const std::string& text) {
  {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ProgressGuard guard;
    while (parser.HandleNextDocument(guard))
      if (guard.stuck_at) throw YAML::ParserException(*guard.stuck_at, "unexpected token where a document starts");
  }
  return YAML::LoadAll(text);
}

std::optional<sim::Error> CheckYamlText(const std::string& text, const std::string& file) {
  int line = 1, column = 1;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", c);
      return sim::Error{{file, line, column},
                        std::string("found the control character ") + hex + ", expected YAML text"};
    }
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xc0) != 0x80) {  // a column per character, not per UTF-8 byte
      ++column;
    }
  }
  return std::nullopt;
}

}  // namespace rehearsal::scenarios::spec
