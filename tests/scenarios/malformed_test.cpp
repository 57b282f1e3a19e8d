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

#include "scenarios/k8s/k8s_objects.h"
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

// Control characters are not YAML text. yaml-cpp 0.7 never returned on the
// three bytes "\0,r" (found by scenarios/fuzz/loader_fuzz: LoadAll appended
// documents until memory ran out), so `rehearse validate` hung on such a
// file; the loader and the kubectl-object parser now stop at the first one.
TEST(MalformedScenarios, ControlCharactersAreRefusedWithTheirPosition) {
  auto nul = LoadScenarioText(std::string("\0,r", 3), "nul.yaml");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.errors()[0].ToString(), "nul.yaml:1:1: found the control character 0x00, expected YAML text");
  auto bell = LoadScenarioText("name: x\nservices:\n  - name: caf\xc3\xa9\x07\n", "bell.yaml");
  ASSERT_FALSE(bell.ok());
  // Columns count characters: "  - name: café" is 14 of them.
  EXPECT_EQ(bell.errors()[0].ToString(), "bell.yaml:3:15: found the control character 0x07, expected YAML text");
  auto k8s = k8s::ParseK8sText(std::string("\0,r", 3), "objects.yaml");
  ASSERT_FALSE(k8s.ok());
  EXPECT_EQ(k8s.errors()[0].ToString(), "objects.yaml:1:1: found the control character 0x00, expected YAML text");
  // Tabs and CRLF line ends are text.

  auto crlf = LoadScenarioText("name: x\r\n\t\r\n", "crlf.yaml");
  ASSERT_FALSE(crlf.ok());
  EXPECT_EQ(crlf.errors()[0].ToString().find("control character"), std::string::npos);
}

// yaml-cpp 0.7's LoadAll never returned on a document starting with a lone
// "," (upstream #1040; the fuzzer's "\0,r" was this one too): every YAML
// entry point now answers with the position instead of hanging.
TEST(MalformedScenarios, ALoneCommaIsAnErrorNotAHang) {
  for (const std::string text : {",", ",r", "\n\n  ,", "name: x\n---\n,"}) {
    SCOPED_TRACE(text);
    auto r = LoadScenarioText(text, "comma.yaml");
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.errors()[0].ToString().find("comma.yaml:"), std::string::npos);
    EXPECT_FALSE(k8s::ParseK8sText(text, "objects.yaml").ok());
  }
  auto r = LoadScenarioText("\n\n  ,", "comma.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.errors()[0].ToString().rfind("comma.yaml:3:3: found invalid YAML", 0), 0u) << r.errors()[0].ToString();
}

}  // namespace
}  // namespace rehearsal::scenarios
