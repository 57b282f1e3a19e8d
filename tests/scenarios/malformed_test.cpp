// Tests as data: every tests/scenarios/malformed/*.yaml is a broken scenario
// whose first lines say what the loader must answer:
//   # expect: 7:16: found 'lots', expected a CPU quantity such as 500m, 2 or 1.5
// Each expectation must appear in one of the errors ("file:" + expectation).
// All errors of a file come at once, so a file can expect several.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "scenarios/loader.h"

namespace rehearsal::scenarios {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> Cases() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(fs::path(REHEARSAL_SOURCE_DIR) / "tests/scenarios/malformed"))
    if (e.path().extension() == ".yaml") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> Expectations(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) {
    const std::string tag = "# expect: ";
    if (line.rfind(tag, 0) == 0) out.push_back(line.substr(tag.size()));
  }
  return out;
}

TEST(MalformedScenarios, ThereAreAtLeastThirty) { EXPECT_GE(Cases().size(), 30u); }

TEST(MalformedScenarios, EachFailsWithItsExpectedMessages) {
  for (const auto& path : Cases()) {
    SCOPED_TRACE(path.filename().string());
    auto expects = Expectations(path);
    ASSERT_FALSE(expects.empty()) << "a malformed case needs '# expect: ...' lines";
    auto r = LoadScenarioFile(path.string());
    ASSERT_FALSE(r.ok()) << "loaded without error";
    std::string all;
    for (const auto& e : r.errors()) all += "  " + e.ToString() + "\n";
    for (const auto& want : expects) {
      bool found = false;
      for (const auto& e : r.errors()) {
        std::string s = e.ToString();
        // Positioned expectations are anchored after the file name.
        if (s.find(want) != std::string::npos &&
            (!std::isdigit(static_cast<unsigned char>(want[0])) || s.find(path.string() + ":" + want) == 0))
          found = true;
      }
      EXPECT_TRUE(found) << "expected: " << want << "\ngot:\n" << all;
    }
  }
}

}  // namespace
}  // namespace rehearsal::scenarios
