#pragma once
// The `rehearse` commands. Each takes the arguments after its name and
// returns the process exit code (0 met, 1 missed, 2 bad input/usage, 3 internal).
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehearsal::cli {

int CmdRun(const std::vector<std::string>& args, int argc, char** argv);
int CmdValidate(const std::vector<std::string>& args);
int CmdSweep(const std::vector<std::string>& args, int argc, char** argv);
int CmdSweepMerge(const std::vector<std::string>& args);
int CmdCompare(const std::vector<std::string>& args);
int CmdSchema(const std::vector<std::string>& args);

// A small option parser: "--name value" / "--name=value", repeatable options,
// flags without values, positionals. Unknown options are usage errors.
class Args {
 public:
  // value_options take a value; flag_options do not.
  Args(std::vector<std::string> value_options, std::vector<std::string> flag_options);
  // False with `error` set on a usage error.
  bool Parse(const std::vector<std::string>& args, std::string& error);

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> Get(const std::string& name) const;
  std::vector<std::string> GetAll(const std::string& name) const;
  const std::vector<std::string>& positionals() const { return positionals_; }
  bool help() const { return help_; }

 private:
  std::vector<std::string> value_options_, flag_options_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
  bool help_ = false;
};

// Prints "rehearse <cmd>: <message>" and the command's usage to stderr; returns 2.
int UsageError(const std::string& cmd, const std::string& message, const char* usage);

}  // namespace rehearsal::cli
