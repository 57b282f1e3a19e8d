#pragma once
// Result<T>: the value or the errors of an operation on user input (YAML,
// flags, files). Shaped like std::expected. Bugs use RH_ASSERT instead, and
// expected domain outcomes use exhaustive enums.
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "sim/assert.h"

namespace rehearsal::sim {

// Where in an input something is: file:line:col (1-based; 0 = unknown).
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
};

// One problem with user input: where, what was found, what was expected.
struct Error {
  SourceMark mark;
  std::string message;

  // "file:line:col: message" (omitting the parts that are unknown).
  std::string ToString() const {
    std::string s;
    if (!mark.file.empty()) s += mark.file + ":";
    if (mark.line > 0) s += std::to_string(mark.line) + ":" + std::to_string(mark.column) + ":";
    if (!s.empty()) s += " ";
    return s + message;
  }
};

// Several errors are collected before failing, so a user sees them all at once.
using Errors = std::vector<Error>;

template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}                   // NOLINT: implicit by design
  Result(Error error) : v_(Errors{std::move(error)}) {}       // NOLINT
  Result(Errors errors) : v_(std::move(errors)) { RH_ASSERT(!std::get<Errors>(v_).empty()); }  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok().
  const T& value() const& { RH_ASSERT(ok()); return std::get<0>(v_); }
  T& value() & { RH_ASSERT(ok()); return std::get<0>(v_); }
  T&& value() && { RH_ASSERT(ok()); return std::get<0>(std::move(v_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

  // REQUIRES: !ok().
  const Errors& errors() const { RH_ASSERT(!ok()); return std::get<Errors>(v_); }
  const Error& error() const { return errors().front(); }

 private:
  std::variant<T, Errors> v_;
};

}  // namespace rehearsal::sim
