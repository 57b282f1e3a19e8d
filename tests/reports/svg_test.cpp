// The report's inline SVG charts: readable axes (1-2-2.5-5 steps, whole
// time units), a legend that never covers the plot, and decimation that
// keeps a one-sample spike.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "reports/svg.h"

namespace rehearsal::reports::svg {
namespace {

TEST(NiceAxis, RoundsOutToAOneTwoFiveStep) {
  const Axis a = NiceAxis(0, 1262, 4);
  EXPECT_DOUBLE_EQ(a.lo, 0);
  EXPECT_DOUBLE_EQ(a.step, 500);
  EXPECT_DOUBLE_EQ(a.hi, 1500);
  const Axis b = NiceAxis(0, 0.0014, 4);  // an error ratio
  EXPECT_NEAR(b.step, 0.0005, 1e-15);
  EXPECT_NEAR(b.hi, 0.0015, 1e-15);
  const Axis c = NiceAxis(-3, 7, 4);  // 10 / 4 = 2.5
  EXPECT_DOUBLE_EQ(c.step, 2.5);
  EXPECT_DOUBLE_EQ(c.lo, -5);
  EXPECT_DOUBLE_EQ(c.hi, 7.5);
  const Axis d = NiceAxis(0, 3, 3);  // exactly on a step: no extra tick
  EXPECT_DOUBLE_EQ(d.hi, 3);
  const Axis flat = NiceAxis(5, 5, 4);  // a constant series still gets a span
  EXPECT_GT(flat.hi, flat.lo);
}

TEST(NiceTimeStep, WholeTimeUnits) {
  EXPECT_DOUBLE_EQ(NiceTimeStep(5400, 6), 900);      // 90 min -> 15 min
  EXPECT_DOUBLE_EQ(NiceTimeStep(86400, 6), 21600);   // a day -> 6 h
  EXPECT_DOUBLE_EQ(NiceTimeStep(14400, 6), 3600);    // 4 h -> 1 h
  EXPECT_DOUBLE_EQ(NiceTimeStep(50, 6), 10);         // 50 s -> 10 s
  EXPECT_DOUBLE_EQ(NiceTimeStep(7 * 86400, 6), 2 * 86400);
}

TEST(DecimateMinMax, KeepsAOneSampleSpikeAndBoundsThePoints) {
  std::vector<double> y(86'400 / 10, 1.0);  // a day at 10 s
  y[3'217] = 250;                           // one bad sample
  y[5'000] = -4;
  const std::vector<size_t> keep = DecimateMinMax(y, 1500);
  EXPECT_LE(keep.size(), 1500u);
  EXPECT_NE(std::find(keep.begin(), keep.end(), 3'217u), keep.end());
  EXPECT_NE(std::find(keep.begin(), keep.end(), 5'000u), keep.end());
  EXPECT_TRUE(std::is_sorted(keep.begin(), keep.end()));
  // Short series are drawn whole; non-finite samples are skipped.
  std::vector<double> s = {1, NAN, 3};
  EXPECT_EQ(DecimateMinMax(s, 1500), (std::vector<size_t>{0, 2}));
}

// y coordinate of every element matching `pattern` (its first capture).
std::vector<double> Ys(const std::string& svg, const std::string& pattern) {
  std::vector<double> out;
  const std::regex re(pattern);
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
    out.push_back(std::stod((*it)[1].str()));
  return out;
}

TEST(LineChart, LegendSitsAboveThePlotAndTicksAreRound) {
  std::vector<Series> series;
  for (int k = 0; k < 6; ++k) {  // two legend rows
    Series s;
    s.name = "service-" + std::to_string(k) + ".rps";
    for (int i = 1; i <= 540; ++i) {  // the first sample is one interval in
      s.x.push_back(i * 10.0);
      s.y.push_back(200.0 * k + (i == 180 ? 1262 - 200.0 * k : 0));
    }
    series.push_back(std::move(s));
  }
  LineChartOptions o;
  o.title = "Traffic";
  const std::string svg = LineChart(series, {{1800, "zone outage"}}, o);
  const std::vector<double> grid = Ys(svg, "<line x1=\"[0-9.]+\" x2=\"[0-9.]+\" y1=\"([0-9.]+)\"[^>]*class=\"grid\"");
  const std::vector<double> legend = Ys(svg, "<text x=\"[0-9.]+\" y=\"([0-9.]+)\" class=\"lg\"");
  ASSERT_EQ(legend.size(), 6u);
  ASSERT_FALSE(grid.empty());
  const double plot_top = *std::min_element(grid.begin(), grid.end());
  for (double ly : legend) EXPECT_LT(ly, plot_top) << "a legend entry inside the plot";
  // y ticks 0, 500, 1000, 1500; x ticks every 15 min from 0 over 90 min.
  std::vector<std::string> y_labels, x_labels;
  const std::regex yl("class=\"yl\">([^<]*)<"), xl("class=\"xl\">([^<]*)<");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), yl); it != std::sregex_iterator(); ++it)
    y_labels.push_back((*it)[1].str());
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), xl); it != std::sregex_iterator(); ++it)
    x_labels.push_back((*it)[1].str());
  EXPECT_EQ(y_labels, (std::vector<std::string>{"0", "500", "1000", "1500"}));
  EXPECT_EQ(x_labels, (std::vector<std::string>{"0 min", "15 min", "30 min", "45 min", "1:00 h", "1:15 h",
                                                "1:30 h"}));
}

TEST(LineChart, LongNamesTakeFewerLegendColumnsSoEntriesDoNotOverlap) {
  std::vector<Series> series;
  for (int k = 0; k < 8; ++k) {
    Series s;
    s.name = "provider-bridge-" + std::to_string(k) + ".latency_p99_ms";  // 32 characters
    s.x = {0, 60};
    s.y = {1, 2};
    series.push_back(std::move(s));
  }
  const std::string svg = LineChart(series, {}, LineChartOptions{});
  const std::regex re("<text x=\"([0-9.]+)\" y=\"([0-9.]+)\" class=\"lg\">([^<]*)<");
  std::vector<std::tuple<double, double, size_t>> entries;  // y, x, name length
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), re); it != std::sregex_iterator(); ++it)
    entries.emplace_back(std::stod((*it)[2].str()), std::stod((*it)[1].str()), (*it)[3].str().size());
  ASSERT_EQ(entries.size(), 8u);
  std::sort(entries.begin(), entries.end());
  for (size_t i = 1; i < entries.size(); ++i) {
    const auto& [y0, x0, n0] = entries[i - 1];
    const auto& [y1, x1, n1] = entries[i];
    if (y0 != y1) continue;  // next row
    EXPECT_GE(x1 - x0, 6.0 * static_cast<double>(n0)) << "legend entries overlap on a row";
  }
}

}  // namespace
}  // namespace rehearsal::reports::svg
