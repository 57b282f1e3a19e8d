#include "cli/commands.h"

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "models/slo/slo.h"
#include "reports/run_report.h"
#include "scenarios/loader.h"
#include "scenarios/run.h"
#include "sim/time.h"

namespace rehearsal::cli {

// ---- Args -------------------------------------------------------------------

Args::Args(std::vector<std::string> value_options, std::vector<std::string> flag_options)
    : value_options_(std::move(value_options)), flag_options_(std::move(flag_options)) {}

bool Args::Parse(const std::vector<std::string>& args, std::string& error) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (a.size() > 2 && a.compare(0, 2, "--") == 0) {
      std::string name = a.substr(2), value;
      bool inline_value = false;
      size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        inline_value = true;
      }
      bool takes = false, known = false;
      for (const auto& o : value_options_) if (o == name) takes = known = true;
      for (const auto& o : flag_options_) if (o == name) known = true;
      if (!known) {
        error = "unknown option '--" + name + "'";
        return false;
      }
      if (takes && !inline_value) {
        if (i + 1 >= args.size()) {
          error = "option '--" + name + "' needs a value";
          return false;
        }
        value = args[++i];
      }
      if (!takes && inline_value) {
        error = "option '--" + name + "' takes no value";
        return false;
      }
      values_[name].push_back(value);
      continue;
    }
    positionals_.push_back(a);
  }
  return true;
}

std::optional<std::string> Args::Get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::GetAll(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int UsageError(const std::string& cmd, const std::string& message, const char* usage) {
  std::cerr << "rehearse " << cmd << ": " << message << "\n" << usage;
  return 2;
}

namespace {

void PrintErrors(const sim::Errors& errors) {
  for (const auto& e : errors) std::cerr << e.ToString() << "\n";
  std::cerr << errors.size() << (errors.size() == 1 ? " error" : " errors") << "\n";
}

// ---- run --------------------------------------------------------------------

const char* kRunUsage =
    "usage: rehearse run SCENARIO [--seed N] [--out DIR] [--set PATH=VALUE]...\n"
    "                    [--fidelity fluid|request] [--until DURATION] [--progress]\n"
    "  Runs the scenario and writes DIR/summary.json, timeseries.csv, events.jsonl\n"
    "  and report.html (default DIR: out/<scenario name>).\n"
    "  --set overrides any field: --set services.gaming-api.hpa.max_replicas=60\n"
    "  exit 0: all objectives met; 1: an objective missed; 2: bad input; 3: internal error\n";

bool ParseSeed(const std::string& s, uint64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  for (char c : s) if (c < '0' || c > '9') return false;
  out = std::stoull(s);
  return true;
}

// The progress line: simulated time, speed against the wall clock, ETA.
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
  void Update(sim::Time now, sim::Time end, uint64_t events) {
    if (!enabled_) return;
    double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    double speed = wall > 0 ? now.seconds() / wall : 0;
    double eta = speed > 0 ? (end - now).seconds() / speed : 0;
    std::fprintf(stderr, "\r[%s / %s] %3.0f%%  %.0fx real time  %llu events  ETA %.0fs   ", sim::FormatTime(now).c_str(),
                 sim::FormatTime(end).c_str(), 100.0 * now.seconds() / std::max(1e-9, end.seconds()), speed,
                 static_cast<unsigned long long>(events), eta);
    std::fflush(stderr);
    if (now >= end) std::fprintf(stderr, "\n");
  }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace

int CmdRun(const std::vector<std::string>& argv_rest, int, char**) {
  Args args({"seed", "out", "set", "fidelity", "until"}, {"progress", "quiet"});
  std::string err;
  if (!args.Parse(argv_rest, err)) return UsageError("run", err, kRunUsage);
  if (args.help()) {
    std::cout << kRunUsage;
    return 0;
  }
  if (args.positionals().size() != 1) return UsageError("run", "expected exactly one SCENARIO file", kRunUsage);
  scenarios::RunOptions options;
  if (auto s = args.Get("seed")) {
    uint64_t seed = 0;
    if (!ParseSeed(*s, seed)) return UsageError("run", "found --seed '" + *s + "', expected a non-negative integer", kRunUsage);
    options.seed = seed;
  }
  if (auto f = args.Get("fidelity")) {
    if (*f == "fluid") options.fidelity = scenarios::Fidelity::kFluid;
    else if (*f == "request") options.fidelity = scenarios::Fidelity::kRequest;
    else return UsageError("run", "found --fidelity '" + *f + "', expected fluid or request", kRunUsage);
  }
  if (auto u = args.Get("until")) {
    auto d = sim::ParseDuration(*u);
    if (!d.ok() || d->us <= 0) return UsageError("run", "found --until '" + *u + "', expected a duration such as 30m", kRunUsage);
    options.until = *d;
  }
  scenarios::LoadOptions load;
  load.sets = args.GetAll("set");
  auto scenario = scenarios::LoadScenarioFile(args.positionals()[0], load);
  if (!scenario.ok()) {
    PrintErrors(scenario.errors());
    return 2;
  }
  for (const auto& w : scenario->warnings) std::cerr << "warning: " << w << "\n";
  std::string out_dir = args.Get("out").value_or("out/" + scenario->name);

  Progress progress(args.Has("progress") || (isatty(2) && !args.Has("quiet")));
  options.progress = [&](sim::Time now, sim::Time end, uint64_t events) { progress.Update(now, end, events); };
  options.progress_chunk = sim::Duration::FromSeconds(std::max(1.0, scenario->duration.seconds() / 200.0));
  auto t0 = std::chrono::steady_clock::now();
  auto ran = scenarios::RunScenario(*scenario, options);
  if (!ran.ok()) {
    PrintErrors(ran.errors());
    return 2;
  }
  ran->summary.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto written = reports::WriteRunDir(out_dir, ran->summary, ran->world->sim().recorder(), REHEARSAL_VERSION);
  if (!written.ok()) {
    PrintErrors(written.errors());
    return 2;
  }
  const auto& s = ran->summary;
  bool met = reports::AllSlosMet(s);
  std::cout << s.scenario_name << ": seed " << s.seed << ", " << sim::FormatTime(sim::Time::FromMicros(static_cast<int64_t>(std::llround(s.simulated_s * 1e6))))
            << " simulated, " << s.events << " events, digest " << s.digest << "\n";
  for (const auto& r : s.slos)
    std::cout << "  " << (r.met ? "met    " : "MISSED ") << r.name << ": " << r.objective << " (actual "
              << models::slo::FormatActual(r.actual, r.unit) << ")\n";
  if (!s.wallet.invariants_ok) std::cout << "  WALLET INVARIANTS VIOLATED\n";
  std::cout << (met ? "all objectives met" : "an objective was missed") << "; report: " << out_dir << "/report.html\n";
  if (!s.wallet.invariants_ok) return 3;
  return met ? 0 : 1;
}

// ---- validate ---------------------------------------------------------------

namespace {
const char* kValidateUsage =
    "usage: rehearse validate SCENARIO [--set PATH=VALUE]...\n"
    "  Loads and checks the scenario; prints every error as file:line:col.\n"
    "  exit 0: valid; 2: invalid\n";
}  // namespace

int CmdValidate(const std::vector<std::string>& argv_rest) {
  Args args({"set"}, {});
  std::string err;
  if (!args.Parse(argv_rest, err)) return UsageError("validate", err, kValidateUsage);
  if (args.help()) {
    std::cout << kValidateUsage;
    return 0;
  }
  if (args.positionals().size() != 1) return UsageError("validate", "expected exactly one SCENARIO file", kValidateUsage);
  scenarios::LoadOptions load;
  load.sets = args.GetAll("set");
  auto s = scenarios::LoadScenarioFile(args.positionals()[0], load);
  if (!s.ok()) {
    PrintErrors(s.errors());
    return 2;
  }
  for (const auto& w : s->warnings) std::cerr << "warning: " << w << "\n";
  size_t pools = s->cluster.pools.size(), hpas = 0, pdbs = 0;
  for (const auto& svc : s->services) {
    hpas += svc.hpa.enabled ? 1 : 0;
    pdbs += svc.pdb.enabled ? 1 : 0;
  }
  std::cout << s->file << ": ok: '" << s->name << "', " << sim::FormatDuration(s->duration) << ", "
            << s->cluster.zones.size() << " zones, " << pools << " node pools, " << s->services.size() << " services ("
            << hpas << " HPAs, " << pdbs << " PDBs), " << s->traffic.entry_points.size() << " entry points, "
            << (s->wallet.enabled ? std::string("wallet ") + scenarios::ToString(s->wallet.replication) : std::string("no wallet"))
            << ", " << s->faults.size() << " faults, " << s->releases.size() << " releases, " << s->slos.size()
            << " SLOs; input digest " << s->input_digest << "\n";
  return 0;
}

// ---- schema -----------------------------------------------------------------

int CmdSchema(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << "usage: rehearse schema\n  Prints the JSON Schema of the scenario format (scenarios/schema.json).\n";
    return 0;
  }
  if (!args.empty()) return UsageError("schema", "takes no arguments", "usage: rehearse schema\n");
  // Pretty-printed exactly as the checked-in scenarios/schema.json.
  std::cout << nlohmann::json::parse(scenarios::ScenarioJsonSchema()).dump(2) << "\n";
  return 0;
}

// ---- compare ----------------------------------------------------------------

namespace {
const char* kCompareUsage =
    "usage: rehearse compare DIR_A DIR_B\n"
    "  Compares two run directories (their summary.json): SLO verdicts, cost,\n"
    "  per-service latency and errors, wallet RPO/RTO. exit 0; 2 on bad input.\n";

std::optional<nlohmann::json> ReadSummary(const std::string& dir, std::string& error) {
  std::filesystem::path p = std::filesystem::path(dir) / "summary.json";
  std::ifstream in(p);
  if (!in) {
    error = p.string() + ": found no readable file, expected a run directory with summary.json";
    return std::nullopt;
  }
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.value("schema", "") != reports::kSummarySchema) {
      error = p.string() + ": found schema '" + j.value("schema", "") + "', expected " + reports::kSummarySchema;
      return std::nullopt;
    }
    return j;
  } catch (const std::exception& e) {
    error = p.string() + ": found malformed JSON (" + e.what() + "), expected a summary";
    return std::nullopt;
  }
}

double At(const nlohmann::json& j, const std::vector<std::string>& path) {
  const nlohmann::json* cur = &j;
  for (const auto& k : path) {
    if (!cur->is_object() || !cur->contains(k)) return std::nan("");
    cur = &(*cur)[k];
  }
  return cur->is_number() ? cur->get<double>() : std::nan("");
}

void Row(const std::string& name, double a, double b) {
  char buf[256];
  double d = b - a;
  std::string pct = (std::isfinite(a) && a != 0) ? ([&] {
    char p[32];
    std::snprintf(p, sizeof p, "%+.1f%%", 100.0 * d / std::fabs(a));
    return std::string(p);
  })() : std::string("");
  std::snprintf(buf, sizeof buf, "  %-34s %14.6g %14.6g %14.6g %s\n", name.c_str(), a, b, d, pct.c_str());
  std::cout << buf;
}
}  // namespace

int CmdCompare(const std::vector<std::string>& argv_rest) {
  Args args({}, {});
  std::string err;
  if (!args.Parse(argv_rest, err)) return UsageError("compare", err, kCompareUsage);
  if (args.help()) {
    std::cout << kCompareUsage;
    return 0;
  }
  if (args.positionals().size() != 2) return UsageError("compare", "expected two run directories", kCompareUsage);
  auto a = ReadSummary(args.positionals()[0], err);
  if (!a) {
    std::cerr << err << "\n";
    return 2;
  }
  auto b = ReadSummary(args.positionals()[1], err);
  if (!b) {
    std::cerr << err << "\n";
    return 2;
  }
  std::cout << "A: " << args.positionals()[0] << " (" << (*a)["scenario"].value("name", "") << ", seed " << (*a)["seed"] << ", "
            << (*a).value("verdict", "") << ")\n";
  std::cout << "B: " << args.positionals()[1] << " (" << (*b)["scenario"].value("name", "") << ", seed " << (*b)["seed"] << ", "
            << (*b).value("verdict", "") << ")\n";
  char head[256];
  std::snprintf(head, sizeof head, "  %-34s %14s %14s %14s\n", "figure", "A", "B", "B - A");
  std::cout << head;
  for (const auto* k : {"nodes_max", "pods_max", "node_hours", "cost_usd", "spot_interruptions", "evictions", "pending_pod_s"})
    Row(std::string("cluster.") + k, At(*a, {"cluster", k}), At(*b, {"cluster", k}));
  for (const auto* k : {"transfers", "duplicates_rejected", "rpo_transfers", "rpo_s", "rto_s"})
    Row(std::string("wallet.") + k, At(*a, {"wallet", k}), At(*b, {"wallet", k}));
  std::set<std::string> services;
  for (const auto& j : {*a, *b})
    if (j.contains("services"))
      for (auto it = j["services"].begin(); it != j["services"].end(); ++it) services.insert(it.key());
  for (const auto& s : services) {
    for (const auto* k : {"requests", "error_rate", "availability"})
      Row(s + "." + k, At(*a, {"services", s, k}), At(*b, {"services", s, k}));
    for (const auto* k : {"p50", "p99"})
      Row(s + ".latency_ms." + k, At(*a, {"services", s, "latency_ms", k}), At(*b, {"services", s, "latency_ms", k}));
  }
  // SLO verdicts side by side.
  std::map<std::string, std::pair<std::string, std::string>> slos;
  for (const auto& o : (*a)["slos"]) slos[o.value("name", "")].first = o.value("met", false) ? "met" : "MISSED";
  for (const auto& o : (*b)["slos"]) slos[o.value("name", "")].second = o.value("met", false) ? "met" : "MISSED";
  for (const auto& [name, v] : slos) {
    char buf[256];
    std::snprintf(buf, sizeof buf, "  slo %-30s %14s %14s%s\n", name.c_str(), v.first.empty() ? "-" : v.first.c_str(),
                  v.second.empty() ? "-" : v.second.c_str(), v.first != v.second ? "   <- changed" : "");
    std::cout << buf;
  }
  return 0;
}

}  // namespace rehearsal::cli
