#pragma once
// Inline SVG charts for the self-contained HTML reports: no scripts, no
// network, deterministic text (same data -> same bytes).
#include <string>
#include <vector>

namespace rehearsal::reports::svg {

struct Series {
  std::string name;
  std::vector<double> x;   // same length as y
  std::vector<double> y;
};

struct Marker {
  double x = 0;
  std::string label;
};

struct LineChartOptions {
  std::string title;
  std::string y_label;
  int width = 760;
  int height = 230;
  bool x_is_time_s = true;     // x axis labelled as h:mm
  size_t max_points = 1500;    // per series; deterministic decimation beyond
};

// A line chart with axes, a legend and vertical markers (faults).
std::string LineChart(const std::vector<Series>& series, const std::vector<Marker>& markers,
                      const LineChartOptions& options);

struct Point {
  double x = 0, y = 0;
  std::string label;
  bool highlight = false;   // drawn filled (Pareto front)
  bool recommended = false; // drawn with a ring and its label
};

// A scatter plot (sweeps: cost against SLO violations).
std::string Scatter(const std::vector<Point>& points, const std::string& title,
                    const std::string& x_label, const std::string& y_label);

// A horizontal timeline of events; `fault` ones are drawn red and taller.
struct TimelineEvent {
  double t = 0;
  std::string label;
  bool fault = false;
};
std::string Timeline(const std::vector<TimelineEvent>& events, double t_end, int width = 760);

// An axis from `lo` to `hi` rounded out to a step of 1, 2, 2.5 or 5 x 10^k
// giving about `target_ticks` intervals: NiceAxis(0, 1262, 4) = {0, 1500, 500}.
struct Axis {
  double lo = 0, hi = 1, step = 1;
};
Axis NiceAxis(double lo, double hi, int target_ticks);

// A tick step for a time span in seconds, from 1 s, 2 s, 5 s, 10 s, 15 s,
// 30 s, 1 min ... 30 min, 1 h, 2 h, 3 h, 6 h, 12 h, 1 d: the smallest giving
// at most about `target_ticks` intervals (90 min, 6 -> 15 min).
double NiceTimeStep(double span_s, int target_ticks);

// Indices kept when drawing `y` with at most ~max_points points: per bucket
// of consecutive samples, the lowest and the highest finite one, in order.
std::vector<size_t> DecimateMinMax(const std::vector<double>& y, size_t max_points);

// Formats a number compactly for axes and tables ("1.2k", "0.25").
std::string Compact(double v);

}  // namespace rehearsal::reports::svg
