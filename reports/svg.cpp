#include "reports/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/run_report.h"

namespace rehearsal::reports::svg {
namespace {

// Colour-blind-friendly palette (Okabe-Ito).
const char* kColors[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
                         "#D55E00", "#F0E442", "#000000"};

std::string F(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// "45 min", "1:30 h"; with ticks under a minute apart, "1:30 min" (m:ss).
std::string TimeLabel(double s, double step_s = 60) {
  long long total = static_cast<long long>(std::llround(s));
  char buf[32];
  if (total >= 3600) std::snprintf(buf, sizeof buf, "%lld:%02lld h", total / 3600, (total / 60) % 60);
  else if (step_s < 60) std::snprintf(buf, sizeof buf, "%lld:%02lld min", total / 60, total % 60);
  else std::snprintf(buf, sizeof buf, "%lld min", total / 60);
  return buf;
}

// The first multiple of `step` at or above `v` (tolerant of rounding: 2.9999999 -> 3).
double CeilTo(double v, double step) { return std::ceil(v / step - 1e-9) * step; }
double FloorTo(double v, double step) { return std::floor(v / step + 1e-9) * step; }

}  // namespace

Axis NiceAxis(double lo, double hi, int target_ticks) {
  if (!(hi > lo)) hi = lo + 1;
  const double raw = (hi - lo) / std::max(1, target_ticks);
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double norm = raw / mag;
  const double nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 2.5 ? 2.5 : norm <= 5 ? 5 : 10;
  const double step = nice * mag;
  return {FloorTo(lo, step), CeilTo(hi, step), step};
}

double NiceTimeStep(double span_s, int target_ticks) {
  static const double kSteps[] = {1,    2,    5,    10,    15,    30,    60,    120,    300,
                                  600,  900,  1800, 3600,  7200,  10800, 21600, 43200, 86400};
  const double want = span_s / std::max(1, target_ticks);
  for (double st : kSteps)
    if (st >= want) return st;
  return 86400 * std::ceil(want / 86400);
}

std::vector<size_t> DecimateMinMax(const std::vector<double>& y, size_t max_points) {
  std::vector<size_t> keep;
  const size_t n = y.size();
  const size_t bucket = std::max<size_t>(1, (2 * n + max_points - 1) / std::max<size_t>(2, max_points));
  for (size_t b = 0; b < n; b += bucket) {
    const size_t e = std::min(n, b + bucket);
    size_t lo = e, hi = e;
    for (size_t i = b; i < e; ++i) {
      if (!std::isfinite(y[i])) continue;
      if (lo == e || y[i] < y[lo]) lo = i;
      if (hi == e || y[i] > y[hi]) hi = i;
    }
    if (lo == e) continue;
    keep.push_back(std::min(lo, hi));
    if (hi != lo) keep.push_back(std::max(lo, hi));
  }
  return keep;
}

std::string Compact(double v) {
  char buf[32];
  double a = std::fabs(v);
  if (!std::isfinite(v)) return v > 0 ? "inf" : (v < 0 ? "-inf" : "n/a");
  if (a >= 1e9) std::snprintf(buf, sizeof buf, "%.3gG", v / 1e9);
  else if (a >= 1e6) std::snprintf(buf, sizeof buf, "%.3gM", v / 1e6);
  else if (a >= 1e4) std::snprintf(buf, sizeof buf, "%.3gk", v / 1e3);
  else std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

std::string LineChart(const std::vector<Series>& series, const std::vector<Marker>& markers,
                      const LineChartOptions& o) {
  // The legend sits in rows between the title and the plot, so it never
  // covers a line: up to four entries a row, fewer when the longest name
  // (~6 px a character at the legend's 10 px) would run into the next.
  // The right margin leaves room for the last x label.
  const double left = 60, right = 28, bottom = 34;
  const double pw = o.width - left - right;
  size_t longest = 1;
  for (const auto& s : series) longest = std::max(longest, s.name.size());
  const size_t legend_cols =
      std::clamp<size_t>(static_cast<size_t>(pw / (24 + 6.0 * static_cast<double>(longest))), 1, 4);
  const size_t legend_rows = (series.size() + legend_cols - 1) / legend_cols;
  const double top = 26 + 13.0 * static_cast<double>(legend_rows);
  const double ph = o.height - top - bottom;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool any = false;
  for (const auto& s : series)
    for (size_t i = 0; i < s.x.size(); ++i) {
      if (!std::isfinite(s.y[i])) continue;
      if (!any) { x0 = x1 = s.x[i]; y0 = std::min(0.0, s.y[i]); y1 = s.y[i]; any = true; }
      x0 = std::min(x0, s.x[i]); x1 = std::max(x1, s.x[i]);
      y0 = std::min(y0, s.y[i]); y1 = std::max(y1, s.y[i]);
    }
  if (x1 <= x0) x1 = x0 + 1;
  // A time axis starts on a tick (the first sample is one interval in).
  const double time_step = o.x_is_time_s ? NiceTimeStep(x1 - x0, 6) : 0;
  if (o.x_is_time_s) x0 = FloorTo(x0, time_step);
  // Round y to a 1-2-2.5-5 step: ticks read 0, 500, 1000, not 315.4.
  const Axis ya = NiceAxis(y0, y1 + (y1 - y0) * 0.02, 4);
  y0 = ya.lo;
  y1 = ya.hi;
  auto X = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return top + ph - (y - y0) / (y1 - y0) * ph; };

  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" +
                    std::to_string(o.width) + "\" height=\"" + std::to_string(o.height) +
                    "\" viewBox=\"0 0 " + std::to_string(o.width) + " " + std::to_string(o.height) +
                    "\" role=\"img\"><title>" + HtmlEscape(o.title) + "</title>";
  out += "<text x=\"" + F(left) + "\" y=\"16\" class=\"ct\">" + HtmlEscape(o.title) + "</text>";
  for (double v = y0; v <= y1 + ya.step * 1e-6; v += ya.step) {
    const double tick = std::fabs(v) < ya.step * 1e-9 ? 0.0 : v;  // no "-0"
    out += "<line x1=\"" + F(left) + "\" x2=\"" + F(left + pw) + "\" y1=\"" + F(Y(tick)) + "\" y2=\"" +
           F(Y(tick)) + "\" class=\"grid\"/><text x=\"" + F(left - 4) + "\" y=\"" + F(Y(tick) + 4) +
           "\" class=\"yl\">" + Compact(tick) + "</text>";
  }
  if (o.x_is_time_s) {
    // Whole minutes, quarter hours, hours...: about six ticks.
    for (double v = x0; v <= x1 + time_step * 1e-9; v += time_step)
      out += "<text x=\"" + F(X(v)) + "\" y=\"" + F(top + ph + 16) + "\" class=\"xl\">" +
             TimeLabel(v, time_step) + "</text>";
  } else {
    const Axis xa = NiceAxis(x0, x1, 6);
    for (double v = CeilTo(x0, xa.step); v <= x1 + xa.step * 1e-9; v += xa.step)
      out += "<text x=\"" + F(X(v)) + "\" y=\"" + F(top + ph + 16) + "\" class=\"xl\">" + Compact(v) + "</text>";
  }
  if (!o.y_label.empty())
    out += "<text x=\"12\" y=\"" + F(top + ph / 2) + "\" class=\"yt\" transform=\"rotate(-90 12 " +
           F(top + ph / 2) + ")\">" + HtmlEscape(o.y_label) + "</text>";
  for (const auto& m : markers) {
    if (m.x < x0 || m.x > x1) continue;
    out += "<line x1=\"" + F(X(m.x)) + "\" x2=\"" + F(X(m.x)) + "\" y1=\"" + F(top) + "\" y2=\"" + F(top + ph) +
           "\" class=\"fault\"><title>" + HtmlEscape(m.label) + "</title></line>";
  }
  for (size_t si = 0; si < series.size(); ++si) {
    const auto& s = series[si];
    const char* color = kColors[si % (sizeof kColors / sizeof kColors[0])];
    // Each bucket keeps its lowest and highest sample, so a one-sample
    // spike (an error burst at a fault) survives the decimation.
    std::string pts;
    for (size_t i : DecimateMinMax(s.y, o.max_points)) pts += F(X(s.x[i])) + "," + F(Y(s.y[i])) + " ";
    out += "<polyline fill=\"none\" stroke=\"" + std::string(color) + "\" stroke-width=\"1.5\" points=\"" + pts +
           "\"><title>" + HtmlEscape(s.name) + "</title></polyline>";
    double lx = left + static_cast<double>(si % legend_cols) * (pw / static_cast<double>(legend_cols));
    double ly = 30 + static_cast<double>(si / legend_cols) * 13;
    out += "<rect x=\"" + F(lx) + "\" y=\"" + F(ly - 4) + "\" width=\"10\" height=\"3\" fill=\"" + color +
           "\"/><text x=\"" + F(lx + 14) + "\" y=\"" + F(ly) + "\" class=\"lg\">" + HtmlEscape(s.name) + "</text>";
  }
  if (!any)
    out += "<text x=\"" + F(left + pw / 2) + "\" y=\"" + F(top + ph / 2) + "\" class=\"xl\">no data</text>";
  return out + "</svg>";
}

std::string Scatter(const std::vector<Point>& points, const std::string& title, const std::string& x_label,
                    const std::string& y_label) {
  const int width = 760, height = 320;
  const double left = 64, right = 16, top = 28, bottom = 40;
  const double pw = width - left - right, ph = height - top - bottom;
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  for (size_t i = 0; i < points.size(); ++i) {
    if (i == 0) { x0 = x1 = points[i].x; y1 = points[i].y; }
    x0 = std::min(x0, points[i].x); x1 = std::max(x1, points[i].x);
    y1 = std::max(y1, points[i].y);
  }
  double pad = (x1 - x0) * 0.08 + 1e-9;
  x0 -= pad; x1 += pad;
  if (x1 <= x0) x1 = x0 + 1;
  y1 = y1 <= 0 ? 1 : y1 * 1.1;
  auto X = [&](double x) { return left + (x - x0) / (x1 - x0) * pw; };
  auto Y = [&](double y) { return top + ph - (y - y0) / (y1 - y0) * ph; };
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"760\" height=\"320\" "
                    "viewBox=\"0 0 760 320\" role=\"img\"><title>" + HtmlEscape(title) + "</title>";
  out += "<text x=\"" + F(left) + "\" y=\"16\" class=\"ct\">" + HtmlEscape(title) + "</text>";
  for (int i = 0; i <= 4; ++i) {
    double v = y0 + (y1 - y0) * i / 4.0, xv = x0 + (x1 - x0) * i / 4.0;
    out += "<line x1=\"" + F(left) + "\" x2=\"" + F(left + pw) + "\" y1=\"" + F(Y(v)) + "\" y2=\"" + F(Y(v)) +
           "\" class=\"grid\"/><text x=\"" + F(left - 4) + "\" y=\"" + F(Y(v) + 4) + "\" class=\"yl\">" +
           Compact(v) + "</text><text x=\"" + F(X(xv)) + "\" y=\"" + F(top + ph + 16) + "\" class=\"xl\">" +
           Compact(xv) + "</text>";
  }
  out += "<text x=\"" + F(left + pw / 2) + "\" y=\"" + F(height - 4) + "\" class=\"xl\">" + HtmlEscape(x_label) + "</text>";
  out += "<text x=\"12\" y=\"" + F(top + ph / 2) + "\" class=\"yt\" transform=\"rotate(-90 12 " + F(top + ph / 2) +
         ")\">" + HtmlEscape(y_label) + "</text>";
  // The Pareto front as a step line through the highlighted points, by x.
  std::vector<Point> front;
  for (const auto& p : points) if (p.highlight) front.push_back(p);
  std::sort(front.begin(), front.end(), [](const Point& a, const Point& b) { return a.x < b.x; });
  if (front.size() > 1) {
    std::string pts;
    for (const auto& p : front) pts += F(X(p.x)) + "," + F(Y(p.y)) + " ";
    out += "<polyline fill=\"none\" class=\"pareto\" points=\"" + pts + "\"/>";
  }
  for (const auto& p : points) {
    out += "<circle cx=\"" + F(X(p.x)) + "\" cy=\"" + F(Y(p.y)) + "\" r=\"5\" class=\"" +
           (p.highlight ? "pf" : "pt") + "\"><title>" + HtmlEscape(p.label) + "</title></circle>";
    if (p.recommended)
      out += "<circle cx=\"" + F(X(p.x)) + "\" cy=\"" + F(Y(p.y)) + "\" r=\"10\" class=\"rec\"/><text x=\"" +
             F(X(p.x) + 12) + "\" y=\"" + F(Y(p.y) - 8) + "\" class=\"lg\">recommended: " + HtmlEscape(p.label) + "</text>";
  }
  return out + "</svg>";
}

std::string Timeline(const std::vector<TimelineEvent>& events, double t_end, int width) {
  const double left = 10, right = 10, pw = width - left - right;
  if (t_end <= 0) t_end = 1;
  std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"" + std::to_string(width) +
                    "\" height=\"70\" viewBox=\"0 0 " + std::to_string(width) + " 70\" role=\"img\"><title>event timeline</title>";
  out += "<line x1=\"" + F(left) + "\" x2=\"" + F(left + pw) + "\" y1=\"40\" y2=\"40\" class=\"axis\"/>";
  for (int i = 0; i <= 6; ++i) {
    double v = t_end * i / 6.0;
    out += "<text x=\"" + F(left + pw * i / 6.0) + "\" y=\"62\" class=\"xl\">" + TimeLabel(v) + "</text>";
  }
  for (const auto& e : events) {
    double x = left + std::clamp(e.t / t_end, 0.0, 1.0) * pw;
    out += "<line x1=\"" + F(x) + "\" x2=\"" + F(x) + "\" y1=\"" + (e.fault ? "12" : "30") + "\" y2=\"40\" class=\"" +
           (e.fault ? "fault" : "ev") + "\"><title>" + HtmlEscape(e.label) + "</title></line>";
  }
  return out + "</svg>";
}

}  // namespace rehearsal::reports::svg
