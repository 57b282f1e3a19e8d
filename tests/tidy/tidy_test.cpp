// The style check that runs as a test (TigerBeetle's tidy.zig idea): it
// scans the source tree for constructs that break determinism and for
// #includes that break the layer order of ARCHITECTURE.md / docs/CONTRACTS.md.
//
// Banned in sim/, models/, wallet-engine/ (code only; comments and string
// literals are ignored): std::random_device, rand(), srand(), wall clocks
// (std::chrono::system_clock / steady_clock / high_resolution_clock,
// time(nullptr), gettimeofday, clock_gettime), and std::*_distribution.
// A line in wallet-engine/ may read a wall clock if it carries the comment
// `// tidy:allow-wallclock` (the engine's real driver and benchmarks).
//
// Layer order for #include "folder/...": sim/ includes only sim/;
// wallet-engine/ includes no other project folder; models/ never includes
// scenarios/, reports/, cli/, gui/; scenarios/ never reports/, cli/, gui/;
// reports/ never scenarios/, cli/, gui/; only cli/ includes cli/ and only gui/
// includes gui/. "../" includes are rejected everywhere (they dodge the check).
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const char* const kFolders[] = {"sim", "wallet-engine", "models", "scenarios", "reports", "cli",
                                "gui"};

// Replaces comments, string and character literals with spaces, keeping
// newlines, so patterns only ever match code. Handles raw strings R"d(...)d".
std::string StripCommentsAndStrings(const std::string& src) {
  std::string out = src;
  size_t i = 0;
  const size_t n = src.size();
  auto blank = [&out](size_t from, size_t to) {
    for (size_t k = from; k < to && k < out.size(); ++k) {
      if (out[k] != '\n') out[k] = ' ';
    }
  };
  while (i < n) {
    const char c = src[i];
    if (c == '/' && i + 1 < n && src[i + 1] == '/') {
      const size_t end = src.find('\n', i);
      const size_t stop = end == std::string::npos ? n : end;
      blank(i, stop);
      i = stop;
    } else if (c == '/' && i + 1 < n && src[i + 1] == '*') {
      const size_t end = src.find("*/", i + 2);
      const size_t stop = end == std::string::npos ? n : end + 2;
      blank(i, stop);
      i = stop;
    } else if (c == 'R' && i + 1 < n && src[i + 1] == '"' &&
               (i == 0 || !(std::isalnum(static_cast<unsigned char>(src[i - 1])) || src[i - 1] == '_'))) {
      const size_t open = src.find('(', i + 2);
      if (open == std::string::npos) break;
      const std::string delim = ")" + src.substr(i + 2, open - (i + 2)) + "\"";
      const size_t end = src.find(delim, open + 1);
      const size_t stop = end == std::string::npos ? n : end + delim.size();
      blank(i, stop);
      i = stop;
    } else if (c == '"' || c == '\'') {
      // A digit separator (1'000'000) is not a character literal.
      if (c == '\'' && i > 0 && std::isxdigit(static_cast<unsigned char>(src[i - 1]))) {
        ++i;
        continue;
      }
      size_t k = i + 1;
      while (k < n && src[k] != c && src[k] != '\n') k += src[k] == '\\' ? 2 : 1;
      const size_t stop = std::min(n, k + 1);
      blank(i, stop);
      i = stop;
    } else {
      ++i;
    }
  }
  return out;
}

struct Violation {
  std::string where;  // path:line
  std::string what;
};

struct BannedPattern {
  std::regex re;
  std::string why;
  bool wallclock;  // may be allowed by `// tidy:allow-wallclock` in wallet-engine/
};

const std::vector<BannedPattern>& BannedPatterns() {
  static const std::vector<BannedPattern> patterns = {
      {std::regex(R"(\brandom_device\b)"), "std::random_device (use sim::Rng streams)", false},
      {std::regex(R"((^|[^\w.>])rand\s*\()"), "rand() (use sim::Rng streams)", false},
      {std::regex(R"(\bsrand\s*\()"), "srand() (use sim::Rng streams)", false},
      {std::regex(R"(\bstd\s*::\s*\w+_distribution\b)"),
       "std::*_distribution (differs between standard libraries; use sim::Rng)", false},
      {std::regex(R"(\b(system_clock|steady_clock|high_resolution_clock)\b)"),
       "wall-clock read (simulated time comes from sim::Simulation)", true},
      {std::regex(R"(\btime\s*\(\s*(nullptr|NULL|0)\s*\))"), "time(nullptr) wall-clock read", true},
      {std::regex(R"(\bgettimeofday\b)"), "gettimeofday wall-clock read", true},
      {std::regex(R"(\bclock_gettime\b)"), "clock_gettime wall-clock read", true},
  };
  return patterns;
}

// Folders that `folder` must not include (by top-level project folder name).
std::set<std::string> ForbiddenIncludes(const std::string& folder) {
  const std::set<std::string> all(std::begin(kFolders), std::end(kFolders));
  std::set<std::string> forbidden;
  if (folder == "sim") {
    forbidden = all;
    forbidden.erase("sim");
  } else if (folder == "wallet-engine") {
    forbidden = all;
    forbidden.erase("wallet-engine");
  } else if (folder == "models") {
    forbidden = {"scenarios", "reports", "cli", "gui"};
  } else if (folder == "scenarios") {
    forbidden = {"reports", "cli", "gui"};
  } else if (folder == "reports") {
    forbidden = {"scenarios", "cli", "gui"};
  }
  if (folder != "cli") forbidden.insert("cli");
  if (folder != "gui") forbidden.insert("gui");
  return forbidden;
}

// Checks one file's text. `folder` is its top-level folder, `path` is for messages.
std::vector<Violation> CheckSource(const std::string& folder, const std::string& path,
                                   const std::string& text) {
  std::vector<Violation> found;
  const bool check_banned = folder == "sim" || folder == "models" || folder == "wallet-engine";
  const std::string code = StripCommentsAndStrings(text);
  std::istringstream raw_lines(text);
  std::istringstream code_lines(code);
  std::string raw;
  std::string line;
  int number = 0;
  static const std::regex include_re(R"(^\s*#\s*include\s*[<"]([^">]+)[">])");
  const std::set<std::string> forbidden = ForbiddenIncludes(folder);
  while (std::getline(raw_lines, raw) && std::getline(code_lines, line)) {
    ++number;
    const std::string where = path + ":" + std::to_string(number);
    std::smatch m;
    // std::regex is slow: only lines that could match are given to it.
    if (raw.find('#') != std::string::npos && std::regex_search(raw, m, include_re)) {
      const std::string target = m[1].str();
      if (target.find("../") != std::string::npos) {
        found.push_back({where, "relative include \"" + target + "\" (include from the project root)"});
      }
      const size_t slash = target.find('/');
      if (slash != std::string::npos) {
        const std::string top = target.substr(0, slash);
        if (forbidden.count(top) != 0) {
          found.push_back({where, folder + "/ must not include " + top + "/ (\"" + target +
                                      "\"): breaks the layer order"});
        }
      }
      continue;
    }
    if (!check_banned) continue;
    if (line.find("rand") == std::string::npos && line.find("_distribution") == std::string::npos &&
        line.find("clock") == std::string::npos && line.find("time") == std::string::npos) {
      continue;
    }
    const bool allow_wallclock =
        folder == "wallet-engine" && raw.find("// tidy:allow-wallclock") != std::string::npos;
    for (const BannedPattern& p : BannedPatterns()) {
      if (p.wallclock && allow_wallclock) continue;
      if (std::regex_search(line, p.re)) found.push_back({where, p.why});
    }
  }
  return found;
}

bool IsSource(const fs::path& p) {
  const std::string ext = p.extension().string();
  return ext == ".h" || ext == ".hpp" || ext == ".cc" || ext == ".cpp" || ext == ".inc";
}

std::vector<Violation> ScanTree(const fs::path& root) {
  std::vector<Violation> all;
  for (const char* folder : kFolders) {
    const fs::path dir = root / folder;
    if (!fs::exists(dir)) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (entry.is_regular_file() && IsSource(entry.path())) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
      std::ifstream in(file, std::ios::binary);
      std::stringstream buffer;
      buffer << in.rdbuf();
      const std::string rel = fs::relative(file, root).string();
      for (Violation& v : CheckSource(folder, rel, buffer.str())) all.push_back(std::move(v));
    }
  }
  return all;
}

std::string Describe(const std::vector<Violation>& vs) {
  std::string s;
  for (const Violation& v : vs) s += "  " + v.where + ": " + v.what + "\n";
  return s;
}

TEST(Tidy, CheckerFindsEachBannedConstruct) {
  const char* bad[] = {
      "std::random_device rd;",
      "int x = rand();",
      "int x = std::rand();",
      "srand(42);",
      "std::uniform_int_distribution<int> d(0, 5);",
      "std::normal_distribution<> n;",
      "auto t = std::chrono::steady_clock::now();",
      "auto t = std::chrono::system_clock::now();",
      "using C = std::chrono::high_resolution_clock;",
      "auto t = time(nullptr);",
      "gettimeofday(&tv, nullptr);",
      "clock_gettime(CLOCK_MONOTONIC, &ts);",
  };
  for (const char* line : bad) {
    EXPECT_EQ(CheckSource("models", "x.cpp", line).size(), 1u) << line;
    EXPECT_EQ(CheckSource("sim", "x.cpp", line).size(), 1u) << line;
  }
}

TEST(Tidy, CheckerIgnoresCommentsStringsAndLookalikes) {
  const char* fine[] = {
      "// never use std::random_device or rand() here",
      "/* steady_clock */ int x = 1;",
      "const char* s = \"std::normal_distribution\";",
      "int y = operand(3);",
      "double z = rng.Normal(0, 1);  // like std::normal_distribution",
      "DiscreteDistribution d({1, 2});",
      "auto r = R\"(time(nullptr))\";",
      "Time t = sim.now(); Duration elapsed_time(5);",
      "int64_t big = 1'000'000; int q = rand_count;",
  };
  for (const char* line : fine) {
    EXPECT_TRUE(CheckSource("models", "x.cpp", line).empty()) << line;
  }
}

TEST(Tidy, WallclockOptOutOnlyForWalletEngineAndOnlyForClocks) {
  const std::string clock_line =
      "auto t0 = std::chrono::steady_clock::now();  // tidy:allow-wallclock";
  EXPECT_TRUE(CheckSource("wallet-engine", "w.cpp", clock_line).empty());
  EXPECT_EQ(CheckSource("models", "m.cpp", clock_line).size(), 1u);
  EXPECT_EQ(CheckSource("wallet-engine", "w.cpp", "std::random_device rd;  // tidy:allow-wallclock")
                .size(),
            1u);
}

TEST(Tidy, CheckerFindsLayerBreakingIncludes) {
  struct Case {
    const char* folder;
    const char* line;
    bool ok;
  };
  const Case cases[] = {
      {"sim", "#include \"sim/time.h\"", true},
      {"sim", "#include \"models/core/ids.h\"", false},
      {"wallet-engine", "#include \"wallet-engine/ledger.h\"", true},
      {"wallet-engine", "#include \"sim/time.h\"", false},
      {"models", "#include \"sim/simulation.h\"", true},
      {"models", "#include \"wallet-engine/engine.h\"", true},
      {"models", "#include \"scenarios/loader.h\"", false},
      {"models", "#include <reports/summary.h>", false},
      {"scenarios", "#include \"models/world/world.h\"", true},
      {"scenarios", "#include \"reports/html.h\"", false},
      {"reports", "#include \"scenarios/loader.h\"", false},
      {"reports", "#include \"models/core/run_summary.h\"", true},
      {"gui", "#include \"cli/main.h\"", false},
      {"cli", "#include \"gui/window.h\"", false},
      {"gui", "#include \"gui/charts/factory.h\"", true},
      {"models", "#include \"../scenarios/x.h\"", false},
      {"models", "#include <vector>", true},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(CheckSource(c.folder, "f.h", c.line).empty(), c.ok) << c.folder << ": " << c.line;
  }
}

TEST(Tidy, SourceTreeHasNoBannedConstructsOrLayerBreaks) {
  const fs::path root = REHEARSAL_SOURCE_DIR;
  ASSERT_TRUE(fs::exists(root / "sim" / "simulation.h")) << root;
  const std::vector<Violation> found = ScanTree(root);
  EXPECT_TRUE(found.empty()) << found.size() << " violation(s):\n" << Describe(found);
}

}  // namespace
