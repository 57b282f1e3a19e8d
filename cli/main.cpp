// `rehearse`: the command-line face of Rehearsal.
//
//   rehearse run SCENARIO [--seed N] [--out DIR] [--set K=V]... [--fidelity fluid|request]
//                         [--until T] [--progress]
//   rehearse validate SCENARIO [--set K=V]...
//   rehearse sweep SCENARIO --vary K=V1,V2 [--vary ...] [--seeds N] [--jobs J] --out DIR [--shard I/N]
//   rehearse sweep-merge --out DIR SHARD...
//   rehearse compare DIR_A DIR_B
//   rehearse explain ...            (scenarios/k8s/explain.h)
//   rehearse schema                 (prints scenarios/schema.json)
//
// Exit codes: 0 all objectives met; 1 an objective missed; 2 bad input or
// usage (message on stderr, nothing written); 3 internal error or a broken
// invariant (RH_ASSERT aborts are turned into 3).
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "scenarios/k8s/explain.h"

namespace {

void OnAbort(int) {
  // RH_ASSERT has printed file:line and the condition; report it as exit 3.
  static const char kMsg[] = "rehearse: internal error (broken invariant), exit 3\n";
  ssize_t n = write(2, kMsg, sizeof kMsg - 1);
  (void)n;
  _exit(3);
}

const char* kUsage =
    "usage: rehearse <command> [options]\n"
    "\n"
    "commands:\n"
    "  run SCENARIO        run one scenario, write summary.json, timeseries.csv,\n"
    "                      events.jsonl and report.html\n"
    "  validate SCENARIO   load and check a scenario, print what it describes\n"
    "  sweep SCENARIO      run a grid of variants x seeds in parallel\n"
    "  sweep-merge         merge the shard files of a sharded sweep\n"
    "  compare A B         compare two run directories\n"
    "  explain ...         what the HPA / disruption controller computes from real objects\n"
    "  schema              print the JSON Schema of the scenario format\n"
    "\n"
    "options: --help (on every command), --version\n"
    "exit codes: 0 objectives met, 1 an objective missed, 2 bad input or usage,\n"
    "            3 internal error\n";

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGABRT, OnAbort);
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.empty()) {
      std::cerr << kUsage;
      return 2;
    }
    const std::string cmd = args[0];
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (cmd == "--version" || cmd == "version") {
      std::cout << "rehearse " << REHEARSAL_VERSION << "\n";
      return 0;
    }
    if (cmd == "--help" || cmd == "-h" || cmd == "help") {
      std::cout << kUsage;
      return 0;
    }
    if (cmd == "run") return rehearsal::cli::CmdRun(rest, argc, argv);
    if (cmd == "validate") return rehearsal::cli::CmdValidate(rest);
    if (cmd == "sweep") return rehearsal::cli::CmdSweep(rest, argc, argv);
    if (cmd == "sweep-merge") return rehearsal::cli::CmdSweepMerge(rest);
    if (cmd == "compare") return rehearsal::cli::CmdCompare(rest);
    if (cmd == "schema") return rehearsal::cli::CmdSchema(rest);
    if (cmd == "explain") return rehearsal::scenarios::RunExplain(rest, std::cout, std::cerr);
    std::cerr << "rehearse: unknown command '" << cmd << "'\n\n" << kUsage;
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "rehearse: internal error: " << e.what() << "\n";
    return 3;
  }
}
