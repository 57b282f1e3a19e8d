// The HTML report in a real browser: headless Chromium loads report.html and
// must render it (the inline script marks the body) without a JS error.
// Skipped when no Chromium is installed (/usr/bin/chromium).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>

#include "reports/run_report.h"
#include "sim/simulation.h"

namespace rehearsal::reports {
namespace {

namespace fs = std::filesystem;

std::string Browser() {
  for (const char* b : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"})
    if (fs::exists(b)) return b;
  return "";
}

std::string RunCapture(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

TEST(ReportInBrowser, RendersWithoutErrors) {
  std::string browser = Browser();
  if (browser.empty()) GTEST_SKIP() << "no Chromium at /usr/bin/chromium";
  sim::Simulation sim(1);
  auto v = std::make_shared<double>(0);
  sim.recorder().AddSeries("gaming-api.rps", [v] { return *v += 1; });
  sim.recorder().Log(sim::Time::Zero() + sim::Duration::Seconds(5), "FaultInjected", "zone/a", "zone outage");
  sim.RunUntil(sim::Time::Zero() + sim::Duration::Seconds(60));
  models::RunSummary s;
  s.scenario_name = "browser-check";
  s.simulated_s = 60;
  s.slos.push_back({"p99", "p99 <= 250 ms", 100, 250, true, "ms"});
  fs::path dir = fs::path(REHEARSAL_BINARY_DIR) / "test-tmp/reports/browser";
  fs::create_directories(dir);
  fs::path html = dir / "report.html";
  std::ofstream(html) << ReportHtml(s, sim.recorder(), "test");
  std::string cmd = browser + " --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 --dump-dom file://" +
                    html.string() + " 2>" + (dir / "console.txt").string();
  std::string dom = RunCapture(cmd);
  std::ifstream console(dir / "console.txt");
  std::string log((std::istreambuf_iterator<char>(console)), std::istreambuf_iterator<char>());
  EXPECT_NE(dom.find("data-rendered=\"1\""), std::string::npos) << "the inline script did not run";
  EXPECT_NE(dom.find("<svg"), std::string::npos);
  EXPECT_EQ(log.find("Uncaught"), std::string::npos) << log;
}

}  // namespace
}  // namespace rehearsal::reports
