#pragma once
// A small declarative layer over yaml-cpp: each scenario object is described
// once by an ObjectSpec (its keys, their kinds, where they go in the struct).
// The same tables parse the YAML, produce the error messages and generate the
// JSON Schema (scenarios/schema.json), so the loader and the schema cannot
// drift apart. Internal to scenarios/; yaml-cpp types never leave this folder.
#include <yaml-cpp/yaml.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sim/result.h"
#include "sim/time.h"

namespace rehearsal::scenarios {
struct Scenario;
}

namespace rehearsal::scenarios::spec {

// Parse state: where we are (for messages and --set attribution) and every
// error found so far (all errors of a file are reported at once).
struct Ctx {
  std::string file;
  std::string base_dir;                       // for relative paths (manifests, csv)
  sim::Errors errors;
  std::vector<std::string> path;              // current key path
  std::map<std::string, std::string> overrides;  // canonical path -> "--set k=v" text
  sim::Duration start_time_of_day{0};         // for "20:45"-style times
  Scenario* scenario = nullptr;               // for cross references while parsing

  std::string PathString() const;
  sim::SourceMark Mark(const YAML::Node& node) const;
  void Error(const YAML::Node& node, std::string message);
  void Error(sim::SourceMark mark, std::string message);
};

// "'abc'", "a mapping", "a sequence", "nothing".
std::string Describe(const YAML::Node& node);
// Levenshtein distance (for "did you mean").
size_t EditDistance(const std::string& a, const std::string& b);
// The closest candidate within a small distance, or "".
std::string Closest(const std::string& word, const std::vector<std::string>& candidates);
// JSON string literal.
std::string Quote(const std::string& s);

// A scalar (or small composite) value kind: how to parse it and its schema.
template <typename M>
struct Kind {
  std::function<bool(const YAML::Node&, Ctx&, M&)> parse;
  std::string schema;   // a JSON Schema fragment
};

// Scalar kinds. Each reports "found X, expected Y" on failure.
Kind<std::string> String();
Kind<std::string> Name();                 // DNS-1123 label, e.g. "gaming-api"
Kind<int64_t> Integer(int64_t min, int64_t max);
Kind<uint64_t> Seed();
Kind<double> Number(double min, double max);
Kind<bool> Bool();
Kind<sim::Duration> Duration();           // "30s", "5m", "1h30m", 0
Kind<sim::Duration> TimeOfDay();          // "20:45" -> 20h45m since midnight
Kind<sim::Duration> At();                 // duration since start, or a time of day
Kind<int64_t> Cpu();                      // "500m", "2", 1.5 -> millicores
Kind<int64_t> Memory();                   // "512Mi", "2Gi", "1G", bytes
Kind<double> Percent();                   // "25%" -> 0.25
Kind<std::vector<std::string>> StringList();
Kind<std::vector<std::string>> NameList();
Kind<std::map<std::string, std::string>> StringMap();

template <typename E>
Kind<E> Enum(std::vector<std::pair<std::string, E>> values) {
  Kind<E> k;
  std::string alts, schema = "{\"enum\": [";
  for (size_t i = 0; i < values.size(); ++i) {
    alts += (i ? (i + 1 == values.size() ? " or " : ", ") : "") + values[i].first;
    schema += (i ? ", " : "") + Quote(values[i].first);
  }
  schema += "]}";
  k.schema = schema;
  k.parse = [values, alts](const YAML::Node& n, Ctx& ctx, E& out) {
    if (n.IsScalar()) {
      std::vector<std::string> names;
      for (const auto& [name, value] : values) {
        if (name == n.Scalar()) { out = value; return true; }
        names.push_back(name);
      }
      std::string close = Closest(n.Scalar(), names);
      ctx.Error(n, "found " + Describe(n) + ", expected " + alts +
                       (close.empty() ? "" : " (did you mean '" + close + "'?)"));
      return false;
    }
    ctx.Error(n, "found " + Describe(n) + ", expected " + alts);
    return false;
  };
  return k;
}

template <typename M>
Kind<std::optional<M>> Optional(Kind<M> inner) {
  Kind<std::optional<M>> k;
  k.schema = inner.schema;
  k.parse = [inner](const YAML::Node& n, Ctx& ctx, std::optional<M>& out) {
    M v{};
    if (!inner.parse(n, ctx, v)) return false;
    out = v;
    return true;
  };
  return k;
}

// An object (YAML mapping) with a fixed set of keys.
template <typename T>
class ObjectSpec {
 public:
  using Parser = std::function<void(const YAML::Node&, T&, Ctx&)>;
  struct Field {
    std::string key;
    std::string doc;
    bool required = false;
    Parser parse;
    std::function<std::string()> schema;
    std::function<std::vector<std::string>()> subkeys;  // nested key paths ("a.b", "[].c")
  };

  explicit ObjectSpec(std::string what) : what_(std::move(what)) {}

  // A field parsed by `kind` into `member`.
  template <typename M>
  ObjectSpec& Add(std::string key, M T::*member, Kind<M> kind, std::string doc,
                  bool required = false) {
    std::string schema = kind.schema;
    auto parse = kind.parse;
    fields_.push_back({key, std::move(doc), required,
                       [member, parse](const YAML::Node& n, T& out, Ctx& ctx) {
                         M v = out.*member;
                         if (parse(n, ctx, v)) out.*member = std::move(v);
                       },
                       [schema] { return schema; }, nullptr});
    return *this;
  }

  // A nested object.
  template <typename M>
  ObjectSpec& Object(std::string key, M T::*member, const ObjectSpec<M>* spec, std::string doc) {
    fields_.push_back({key, std::move(doc), false,
                       [member, spec](const YAML::Node& n, T& out, Ctx& ctx) {
                         spec->Parse(n, out.*member, ctx);
                       },
                       [spec] { return spec->Schema(); },
                       [spec] { return Prefix(".", spec->KeyPaths()); }});
    return *this;
  }

  // A list of objects.
  template <typename M>
  ObjectSpec& List(std::string key, std::vector<M> T::*member, const ObjectSpec<M>* spec,
                   std::string doc) {
    fields_.push_back({key, std::move(doc), false,
                       [member, spec](const YAML::Node& n, T& out, Ctx& ctx) {
                         spec->ParseList(n, out.*member, ctx);
                       },
                       [spec] { return "{\"type\": \"array\", \"items\": " + spec->Schema() + "}"; },
                       [spec] { return Prefix("[].", spec->KeyPaths()); }});
    return *this;
  }

  // Anything else: a hand-written parser with its schema.
  // `subkeys` lists nested key paths when the value is itself an object.
  ObjectSpec& Custom(std::string key, std::string schema, Parser parse, std::string doc,
                     bool required = false,
                     std::function<std::vector<std::string>()> subkeys = nullptr) {
    fields_.push_back({key, std::move(doc), required, std::move(parse),
                       [schema] { return schema; }, std::move(subkeys)});
    return *this;
  }

  // Every key path below this object: "replicas", "hpa.min_replicas", "calls[].to".
  std::vector<std::string> KeyPaths() const {
    std::vector<std::string> out;
    for (const auto& f : fields_) {
      out.push_back(f.key);
      if (f.subkeys)
        for (const auto& sub : f.subkeys()) out.push_back(f.key + sub);
    }
    return out;
  }

  static std::vector<std::string> Prefix(const std::string& p, std::vector<std::string> v) {
    for (auto& s : v) s = p + s;
    return v;
  }

  // Runs after the fields, with the mapping node (cross-field checks).
  ObjectSpec& Check(Parser check) {
    checks_.push_back(std::move(check));
    return *this;
  }

  const std::string& what() const { return what_; }
  const std::vector<Field>& fields() const { return fields_; }
  std::vector<std::string> Keys() const {
    std::vector<std::string> keys;
    for (const auto& f : fields_) keys.push_back(f.key);
    return keys;
  }

  // Parses the mapping `node` into `out` (fields keep their defaults when absent).
  void Parse(const YAML::Node& node, T& out, Ctx& ctx) const {
    if (!node.IsMap()) {
      ctx.Error(node, "found " + Describe(node) + ", expected " + what_ + " (a mapping)");
      return;
    }
    std::vector<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node k = it->first;  // a copy: it->first is a temporary proxy (found by the fuzzer)
      std::string key = k.IsScalar() ? k.Scalar() : "";
      bool known = false;
      for (const auto& f : fields_) known = known || f.key == key;
      if (!known) {
        std::string close = Closest(key, Keys());
        std::string msg = "found unknown key " + Describe(k) + " in " + what_ + ", expected ";
        if (!close.empty()) {
          msg += "a key of " + what_ + " (did you mean '" + close + "'?)";
        } else {
          msg += "one of ";
          for (size_t i = 0; i < fields_.size(); ++i) msg += (i ? ", " : "") + fields_[i].key;
        }
        ctx.Error(k, msg);
        continue;
      }
      for (const auto& s : seen) {
        if (s == key) ctx.Error(k, "found duplicate key '" + key + "', expected each key once");
      }
      seen.push_back(key);
    }
    for (const auto& f : fields_) {
      const YAML::Node child = node[f.key];
      if (!child.IsDefined()) {
        if (f.required)
          ctx.Error(node, "found " + what_ + " without '" + f.key + "', expected '" + f.key +
                              "' (" + f.doc + ")");
        continue;
      }
      ctx.path.push_back(f.key);
      f.parse(child, out, ctx);
      ctx.path.pop_back();
    }
    for (const auto& c : checks_) c(node, out, ctx);
  }

  // Parses a sequence of such objects, appending to `out`.
  void ParseList(const YAML::Node& node, std::vector<T>& out, Ctx& ctx) const {
    if (!node.IsSequence()) {
      if (node.IsNull()) return;  // "key:" with nothing: an empty list
      ctx.Error(node, "found " + Describe(node) + ", expected a list of " + what_);
      return;
    }
    for (size_t i = 0; i < node.size(); ++i) {
      const YAML::Node item = node[i];
      ctx.path.push_back(ElementSegment(item, i));
      T v{};
      Parse(item, v, ctx);
      out.push_back(std::move(v));
      ctx.path.pop_back();
    }
  }

  // The JSON Schema of this object.
  std::string Schema() const {
    std::string s = "{\"type\": \"object\", \"description\": " + Quote(what_) +
                    ", \"additionalProperties\": false, \"properties\": {";
    std::string req;
    for (size_t i = 0; i < fields_.size(); ++i) {
      std::string prop = fields_[i].schema();
      // Attach the description to the property's own schema object.
      if (!fields_[i].doc.empty() && prop.size() > 1 && prop.front() == '{') {
        prop = "{\"description\": " + Quote(fields_[i].doc) + (prop.size() > 2 ? ", " : "") +
               prop.substr(1);
      }
      s += (i ? ", " : "") + Quote(fields_[i].key) + ": " + prop;
      if (fields_[i].required) req += (req.empty() ? "" : ", ") + Quote(fields_[i].key);
    }
    s += "}";
    if (!req.empty()) s += ", \"required\": [" + req + "]";
    return s + "}";
  }

  // The path segment of a list element: its name if it has one, else its index.
  static std::string ElementSegment(const YAML::Node& item, size_t index) {
    if (item.IsMap() && item["name"].IsDefined() && item["name"].IsScalar())
      return item["name"].Scalar();
    return std::to_string(index);
  }

 private:
  std::string what_;
  std::vector<Field> fields_;
  std::vector<Parser> checks_;
};

// YAML::LoadAll, minus its endless loop: yaml-cpp 0.7 (Debian 12) never
// returns from LoadAll on a stream whose document starts with a token its
// document parser does not consume (a lone ",": upstream issue #1040, fixed
// by PR #1319 in 2024); it appends null documents until memory runs out.
// This walks the documents' events first and throws YAML::ParserException at
// the token when a document starts where the previous one did (no progress),
// then loads. Scenario files are small, so the second pass costs nothing.
std::vector<YAML::Node> LoadAllDocuments(const std::string& text);

// Checks that `text` is YAML text before yaml-cpp sees it: a YAML 1.2 stream
// holds printable characters only (TAB, LF, CR and 0x20 up, DEL excluded).
// yaml-cpp 0.7 never returns on some inputs with a NUL byte (the three bytes
// "\0,r" make LoadAll append documents until memory runs out), so every
// YAML entry point (scenario, manifests, kubectl objects) checks first.
// The error names the first offending byte: "file:3:7: found the control
// character 0x00, expected YAML text".
std::optional<sim::Error> CheckYamlText(const std::string& text, const std::string& file);

}  // namespace rehearsal::scenarios::spec
