// `rehearse sweep` and `rehearse sweep-merge`: a grid of scenario variants x
// seeds. Every run is single-threaded and independent; runs go to --jobs
// threads, to --shard I/N slices (batch array jobs) and, when built with MPI
// and launched by mpirun, to ranks (rank 0 gathers and writes). Results are
// stored by (point, seed) index, so the files are identical whatever the split.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>
#include <tuple>

#include "cli/commands.h"
#include "reports/run_report.h"
#include "reports/sweep.h"
#include "scenarios/loader.h"
#include "scenarios/run.h"

#ifdef REHEARSAL_WITH_MPI
#include <mpi.h>
#endif

namespace rehearsal::cli {
namespace {

namespace fs = std::filesystem;

const char* kSweepUsage =
    "usage: rehearse sweep SCENARIO --vary PATH=V1,V2,... [--vary ...] [--seeds N] [--jobs J]\n"
    "                      --out DIR [--shard I/N] [--set PATH=VALUE]...\n"
    "  Runs every combination of the --vary values, each with N seeds (seed, seed+1, ...),\n"
    "  on J threads. Writes DIR/sweep.csv, sweep.json and report.html; with --shard I/N\n"
    "  runs only slice I of N and writes DIR/shard-I-of-N.json (merge with sweep-merge).\n"
    "  Under mpirun (when built with MPI) ranks share the runs and rank 0 writes.\n"
    "  exit 0: some point met every objective on every seed; 1: none did; 2: bad input\n";

const char* kMergeUsage =
    "usage: rehearse sweep-merge --out DIR SHARD_FILE_OR_DIR...\n"
    "  Merges shard-*.json files of one sharded sweep into DIR/sweep.csv, sweep.json,\n"
    "  report.html. exit as for sweep.\n";

void PrintErrors(const sim::Errors& errors) {
  for (const auto& e : errors) std::cerr << e.ToString() << "\n";
}

bool ParseCount(const std::string& s, size_t& out, size_t min, size_t max) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) if (c < '0' || c > '9') return false;
  out = std::stoul(s);
  return out >= min && out <= max;
}

struct MpiWorld {
  int rank = 0;
  int size = 1;
  bool active = false;
};

MpiWorld StartMpi(int argc, char** argv) {
  MpiWorld w;
#ifdef REHEARSAL_WITH_MPI
  // Only when launched by a process manager: a plain `rehearse sweep` never
  // touches MPI.
  if (std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") || std::getenv("PMIX_RANK")) {
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size);
    w.active = true;
  }
#else
  (void)argc;
  (void)argv;
#endif
  return w;
}

void StopMpi(const MpiWorld& w) {
#ifdef REHEARSAL_WITH_MPI
  if (w.active) MPI_Finalize();
#else
  (void)w;
#endif
}

// Gathers every rank's shard text on rank 0.
std::vector<std::string> GatherShards(const MpiWorld& w, const std::string& mine) {
#ifdef REHEARSAL_WITH_MPI
  if (w.active && w.size > 1) {
    int len = static_cast<int>(mine.size());
    std::vector<int> lens(static_cast<size_t>(w.size));
    MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
    std::vector<int> displs(static_cast<size_t>(w.size), 0);
    int total = 0;
    for (size_t i = 0; i < lens.size(); ++i) {
      displs[i] = total;
      total += lens[i];
    }
    std::string all(static_cast<size_t>(w.rank == 0 ? total : 0), '\0');
    MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
    std::vector<std::string> out;
    if (w.rank == 0)
      for (size_t i = 0; i < lens.size(); ++i)
        out.push_back(all.substr(static_cast<size_t>(displs[i]), static_cast<size_t>(lens[i])));
    return out;
  }
#else
  (void)w;
#endif
  return {mine};
}

int Finish(const reports::SweepResult& r, const std::string& out_dir) {
  auto written = reports::WriteFilesAtomically(out_dir, {{"sweep.csv", reports::SweepCsv(r)},
                                                         {"sweep.json", reports::SweepJson(r)},
                                                         {"report.html", reports::SweepHtml(r, REHEARSAL_VERSION)}});
  if (!written.ok()) {
    PrintErrors(written.errors());
    return 2;
  }
  std::cout << r.points.size() << " points written to " << out_dir << "/sweep.csv\n";
  if (r.recommended < 0) return 1;
  const auto& p = r.points[static_cast<size_t>(r.recommended)];
  std::cout << "recommended:";
  for (size_t i = 0; i < r.axes.size(); ++i) std::cout << " " << r.axes[i].path << "=" << p.values[i];
  std::cout << " (mean cost $" << p.stats[0].mean << ", mean SLOs missed " << p.stats[1].mean << ")\n";
  return p.stats[1].mean == 0 ? 0 : 1;
}

}  // namespace

int CmdSweep(const std::vector<std::string>& argv_rest, int argc, char** argv) {
  Args args({"vary", "seeds", "jobs", "out", "shard", "set"}, {});
  std::string err;
  if (!args.Parse(argv_rest, err)) return UsageError("sweep", err, kSweepUsage);
  if (args.help()) {
    std::cout << kSweepUsage;
    return 0;
  }
  if (args.positionals().size() != 1) return UsageError("sweep", "expected exactly one SCENARIO file", kSweepUsage);
  if (!args.Get("out")) return UsageError("sweep", "expected --out DIR", kSweepUsage);
  size_t seeds = 1, jobs = 1, shard_i = 1, shard_n = 1;
  if (auto s = args.Get("seeds"); s && !ParseCount(*s, seeds, 1, 10000))
    return UsageError("sweep", "found --seeds '" + *s + "', expected a count from 1", kSweepUsage);
  if (auto s = args.Get("jobs"); s && !ParseCount(*s, jobs, 1, 1024))
    return UsageError("sweep", "found --jobs '" + *s + "', expected a count from 1", kSweepUsage);
  if (auto s = args.Get("shard")) {
    size_t slash = s->find('/');
    if (slash == std::string::npos || !ParseCount(s->substr(0, slash), shard_i, 1, 100000) ||
        !ParseCount(s->substr(slash + 1), shard_n, 1, 100000) || shard_i > shard_n)
      return UsageError("sweep", "found --shard '" + *s + "', expected I/N with 1 <= I <= N", kSweepUsage);
  }
  std::vector<reports::SweepAxis> axes;
  for (const auto& v : args.GetAll("vary")) {
    size_t eq = v.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 >= v.size())
      return UsageError("sweep", "found --vary '" + v + "', expected PATH=V1,V2,...", kSweepUsage);
    reports::SweepAxis ax{v.substr(0, eq), {}};
    std::stringstream ss(v.substr(eq + 1));
    for (std::string item; std::getline(ss, item, ',');) {
      if (item.empty()) return UsageError("sweep", "found an empty value in --vary '" + v + "'", kSweepUsage);
      ax.values.push_back(item);
    }
    axes.push_back(ax);
  }
  const std::string file = args.positionals()[0];
  const auto base_sets = args.GetAll("set");

  // Load and validate every point before running anything: a bad value is
  // exit 2 with nothing written.
  auto grid = reports::GridPoints(axes);
  std::vector<scenarios::Scenario> points;
  bool bad = false;
  for (const auto& values : grid) {
    scenarios::LoadOptions load;
    load.sets = base_sets;
    for (size_t i = 0; i < axes.size(); ++i) load.sets.push_back(axes[i].path + "=" + values[i]);
    auto s = scenarios::LoadScenarioFile(file, load);
    if (!s.ok()) {
      PrintErrors(s.errors());
      bad = true;
      continue;
    }
    points.push_back(std::move(s.value()));
  }
  if (bad) return 2;

  MpiWorld mpi = StartMpi(argc, argv);
  // The runs of this shard and rank, by global index point * seeds + k.
  std::vector<size_t> mine;
  size_t in_shard = 0;
  for (size_t r = 0; r < grid.size() * seeds; ++r) {
    if (r % shard_n != shard_i - 1) continue;
    if (in_shard++ % static_cast<size_t>(mpi.size) == static_cast<size_t>(mpi.rank)) mine.push_back(r);
  }
  std::vector<reports::RunRecord> records(mine.size());
  std::atomic<size_t> next{0};
  std::mutex err_mu;
  sim::Errors run_errors;
  auto worker = [&] {
    for (size_t i = next++; i < mine.size(); i = next++) {
      size_t r = mine[i], p = r / seeds, k = r % seeds;
      scenarios::RunOptions opt;
      opt.seed = points[p].seed + k;
      auto ran = scenarios::RunScenario(points[p], opt);
      if (!ran.ok()) {
        std::lock_guard<std::mutex> lock(err_mu);
        for (const auto& e : ran.errors()) run_errors.push_back(e);
        continue;
      }
      records[i] = {p, k, *opt.seed, reports::FiguresOf(ran->summary)};
    }
  };
  std::vector<std::thread> threads;
  for (size_t j = 1; j < std::min(jobs, std::max<size_t>(1, mine.size())); ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  if (!run_errors.empty()) {
    PrintErrors(run_errors);
    StopMpi(mpi);
    return 2;
  }

  const std::string name = points.empty() ? std::string() : points[0].name;
  std::string shard_text = reports::ShardJson(name, axes, seeds, records);
  std::vector<std::string> gathered = GatherShards(mpi, shard_text);
  int rc = 0;
  if (mpi.rank == 0) {
    if (shard_n > 1) {
      // One file per shard in DIR, written via a temp file and a rename.
      fs::path dir(*args.Get("out"));
      std::error_code ec;
      fs::create_directories(dir, ec);
      std::vector<reports::RunRecord> all;
      for (const auto& text : gathered) {
        auto sh = reports::ParseShardJson(text, "rank");
        if (sh.ok()) all.insert(all.end(), sh->records.begin(), sh->records.end());
      }
      std::sort(all.begin(), all.end(), [](const reports::RunRecord& a, const reports::RunRecord& b) {
        return std::tie(a.point, a.seed_index) < std::tie(b.point, b.seed_index);
      });
      fs::path final_path = dir / ("shard-" + std::to_string(shard_i) + "-of-" + std::to_string(shard_n) + ".json");
      fs::path tmp = final_path;
      tmp += ".tmp";
      {
        std::ofstream out(tmp, std::ios::binary);
        out << reports::ShardJson(name, axes, seeds, all);
        if (!out) {
          std::cerr << tmp.string() << ": found a write error, expected to write the shard\n";
          StopMpi(mpi);
          return 2;
        }
      }
      fs::rename(tmp, final_path, ec);
      if (ec) {
        std::cerr << final_path.string() << ": found a rename error, expected to publish the shard\n";
        rc = 2;
      } else {
        std::cout << all.size() << " runs written to " << final_path.string() << "\n";
      }
    } else {
      std::vector<reports::Shard> shards;
      for (const auto& text : gathered) {
        auto sh = reports::ParseShardJson(text, "rank");
        if (!sh.ok()) {
          PrintErrors(sh.errors());
          StopMpi(mpi);
          return 3;
        }
        shards.push_back(sh.value());
      }
      auto merged = reports::MergeShards(shards);
      if (!merged.ok()) {
        PrintErrors(merged.errors());
        StopMpi(mpi);
        return 3;
      }
      rc = Finish(merged.value(), *args.Get("out"));
    }
  }
  StopMpi(mpi);
  return rc;
}

int CmdSweepMerge(const std::vector<std::string>& argv_rest) {
  Args args({"out"}, {});
  std::string err;
  if (!args.Parse(argv_rest, err)) return UsageError("sweep-merge", err, kMergeUsage);
  if (args.help()) {
    std::cout << kMergeUsage;
    return 0;
  }
  if (!args.Get("out") || args.positionals().empty())
    return UsageError("sweep-merge", "expected --out DIR and at least one shard file or directory", kMergeUsage);
  std::vector<std::string> files;
  for (const auto& p : args.positionals()) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (const auto& e : fs::directory_iterator(p, ec)) {
        std::string n = e.path().filename().string();
        if (n.rfind("shard-", 0) == 0 && e.path().extension() == ".json") found.push_back(e.path().string());
      }
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else {
      files.push_back(p);
    }
  }
  std::vector<reports::Shard> shards;
  bool bad = false;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    if (!in) {
      std::cerr << f << ": found no readable file, expected a shard file\n";
      bad = true;
      continue;
    }
    std::stringstream buf;
    buf << in.rdbuf();
    auto sh = reports::ParseShardJson(buf.str(), f);
    if (!sh.ok()) {
      PrintErrors(sh.errors());
      bad = true;
      continue;
    }
    shards.push_back(sh.value());
  }
  if (bad) return 2;
  auto merged = reports::MergeShards(shards);
  if (!merged.ok()) {
    PrintErrors(merged.errors());
    return 2;
  }
  return Finish(merged.value(), *args.Get("out"));
}

}  // namespace rehearsal::cli
