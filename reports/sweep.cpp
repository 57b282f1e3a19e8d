#include "reports/sweep.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "reports/run_report.h"
#include "reports/svg.h"

namespace rehearsal::reports {

using Json = nlohmann::ordered_json;

Figures FiguresOf(const models::RunSummary& s) {
  Figures f;
  f.cost_usd = s.cluster.cost_usd;
  for (const auto& r : s.slos) f.slos_missed += r.met ? 0 : 1;
  uint64_t req = 0, err = 0;
  for (const auto& [name, svc] : s.services) {
    req += svc.requests;
    err += svc.errors;
    f.p99_ms_worst = std::max(f.p99_ms_worst, svc.latency_ms.p99);
  }
  f.error_rate = req == 0 ? 0 : static_cast<double>(err) / static_cast<double>(req);
  f.rpo_transfers = static_cast<double>(s.wallet.rpo_transfers);
  f.rto_s = s.wallet.rto_s;
  f.nodes_max = static_cast<double>(s.cluster.nodes_max);
  f.pending_pod_s = s.cluster.pending_pod_s;
  f.events = static_cast<double>(s.events);
  f.digest = s.digest;
  return f;
}

const std::vector<std::string>& FigureNames() {
  static const std::vector<std::string> kNames = {"cost_usd", "slos_missed", "error_rate", "p99_ms_worst", "rpo_transfers",
                                                  "rto_s", "nodes_max", "pending_pod_s", "events"};
  return kNames;
}

double FigureValue(const Figures& f, size_t i) {
  switch (i) {
    case 0: return f.cost_usd;
    case 1: return f.slos_missed;
    case 2: return f.error_rate;
    case 3: return f.p99_ms_worst;
    case 4: return f.rpo_transfers;
    case 5: return f.rto_s;
    case 6: return f.nodes_max;
    case 7: return f.pending_pod_s;
    case 8: return f.events;
  }
  return 0;
}

namespace {
void SetFigure(Figures& f, size_t i, double v) {
  switch (i) {
    case 0: f.cost_usd = v; break;
    case 1: f.slos_missed = v; break;
    case 2: f.error_rate = v; break;
    case 3: f.p99_ms_worst = v; break;
    case 4: f.rpo_transfers = v; break;
    case 5: f.rto_s = v; break;
    case 6: f.nodes_max = v; break;
    case 7: f.pending_pod_s = v; break;
    case 8: f.events = v; break;
  }
}

// Two-sided 95% Student t quantiles t(0.975, df) for df = 1..30.
const double kT975[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                        2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                        2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};

std::string Fmt(double v) {
  if (!std::isfinite(v)) return "";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

Json FiguresJson(const Figures& f) {
  Json j;
  for (size_t i = 0; i < FigureNames().size(); ++i) {
    double v = FigureValue(f, i);
    j[FigureNames()[i]] = std::isfinite(v) ? Json(v) : Json(nullptr);
  }
  j["digest"] = f.digest;
  return j;
}

Json AxesJson(const std::vector<SweepAxis>& axes) {
  Json a = Json::array();
  for (const auto& ax : axes) a.push_back({{"path", ax.path}, {"values", ax.values}});
  return a;
}

std::string PointLabel(const SweepResult& r, const PointResult& p) {
  std::string s;
  for (size_t i = 0; i < r.axes.size(); ++i) s += (i ? ", " : "") + r.axes[i].path + "=" + p.values[i];
  return s;
}
}  // namespace

std::vector<std::vector<std::string>> GridPoints(const std::vector<SweepAxis>& axes) {
  std::vector<std::vector<std::string>> out = {{}};
  for (const auto& ax : axes) {
    std::vector<std::vector<std::string>> next;
    for (const auto& prefix : out)
      for (const auto& v : ax.values) {
        auto p = prefix;
        p.push_back(v);
        next.push_back(p);
      }
    out = next;
  }
  return out;
}

Stat Summarize(const std::vector<double>& values) {
  Stat s;
  if (values.empty()) return s;
  double sum = 0;
  for (double v : values) sum += v;
  s.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return s;
  double ss = 0;
  for (double v : values) ss += (v - s.mean) * (v - s.mean);
  double sd = std::sqrt(ss / static_cast<double>(values.size() - 1));
  size_t df = values.size() - 1;
  double t = df <= 30 ? kT975[df - 1] : 1.96;
  s.ci95 = t * sd / std::sqrt(static_cast<double>(values.size()));
  return s;
}

void Aggregate(SweepResult& r) {
  const size_t nf = FigureNames().size();
  for (auto& p : r.points) {
    p.stats.assign(nf, {});
    for (size_t i = 0; i < nf; ++i) {
      std::vector<double> v;
      for (const auto& run : p.runs) v.push_back(FigureValue(run, i));
      p.stats[i] = Summarize(v);
    }
    p.pareto = p.recommended = false;
  }
  // Pareto front on (mean cost, mean SLOs missed), both minimised.
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& a = r.points[i].stats;
    bool dominated = false;
    for (size_t j = 0; j < r.points.size() && !dominated; ++j) {
      if (i == j) continue;
      const auto& b = r.points[j].stats;
      bool le = b[0].mean <= a[0].mean && b[1].mean <= a[1].mean;
      bool lt = b[0].mean < a[0].mean || b[1].mean < a[1].mean;
      dominated = le && lt;
    }
    r.points[i].pareto = !dominated;
  }
  r.recommended = -1;
  for (size_t i = 0; i < r.points.size(); ++i) {
    const auto& s = r.points[i].stats;
    if (r.recommended < 0) {
      r.recommended = static_cast<int>(i);
      continue;
    }
    const auto& best = r.points[static_cast<size_t>(r.recommended)].stats;
    // Fewer misses first (0 means every seed met every objective), then cost;
    // ties keep the earlier grid point.
    if (s[1].mean < best[1].mean || (s[1].mean == best[1].mean && s[0].mean < best[0].mean))
      r.recommended = static_cast<int>(i);
  }
  if (r.recommended >= 0) r.points[static_cast<size_t>(r.recommended)].recommended = true;
}

std::string SweepCsv(const SweepResult& r) {
  std::string out;
  for (const auto& ax : r.axes) out += CsvField(ax.path) + ",";
  out += "seeds";
  for (const auto& n : FigureNames()) out += "," + n + "_mean," + n + "_ci95";
  out += ",pareto,recommended\n";
  for (const auto& p : r.points) {
    for (const auto& v : p.values) out += CsvField(v) + ",";
    out += std::to_string(p.runs.size());
    for (const auto& s : p.stats) out += "," + Fmt(s.mean) + "," + Fmt(s.ci95);
    out += std::string(",") + (p.pareto ? "1" : "0") + "," + (p.recommended ? "1" : "0") + "\n";
  }
  return out;
}

std::string SweepJson(const SweepResult& r) {
  Json j;
  j["schema"] = "rehearsal.sweep/v1";
  j["scenario"] = r.scenario_name;
  j["axes"] = AxesJson(r.axes);
  Json points = Json::array();
  for (const auto& p : r.points) {
    Json pj;
    pj["values"] = p.values;
    Json stats;
    for (size_t i = 0; i < p.stats.size(); ++i) stats[FigureNames()[i]] = {{"mean", p.stats[i].mean}, {"ci95", p.stats[i].ci95}};
    pj["stats"] = stats;
    Json runs = Json::array();
    for (size_t k = 0; k < p.runs.size(); ++k) {
      Json rj = FiguresJson(p.runs[k]);
      rj["seed"] = k < p.seeds.size() ? p.seeds[k] : 0;
      runs.push_back(rj);
    }
    pj["runs"] = runs;
    pj["pareto"] = p.pareto;
    pj["recommended"] = p.recommended;
    points.push_back(pj);
  }
  j["points"] = points;
  j["recommended"] = r.recommended;
  return j.dump(2) + "\n";
}

std::string SweepHtml(const SweepResult& r, const std::string& version) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                  HtmlEscape("Rehearsal sweep: " + r.scenario_name) +
                  "</title><style>body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:1100px}"
                  "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px}th{background:#f4f4f4}"
                  "tr.rec td{background:#fff3e0;font-weight:600}.xl{font-size:10px;text-anchor:middle;fill:#555}"
                  ".yl{font-size:10px;text-anchor:end;fill:#555}.yt{font-size:10px;text-anchor:middle}.ct{font-size:13px;font-weight:600}"
                  ".lg{font-size:11px}.grid{stroke:#eee}.pt{fill:#bbb;stroke:#666}.pf{fill:#0072B2}"
                  ".rec{fill:none;stroke:#D55E00;stroke-width:2}.pareto{stroke:#0072B2;stroke-dasharray:3 3}</style></head><body>\n";
  h += "<h1>Sweep: " + HtmlEscape(r.scenario_name) + "</h1>\n<p>" + std::to_string(r.points.size()) + " points &middot; rehearsal " +
       HtmlEscape(version) + "</p>\n";
  if (r.recommended >= 0) {
    const auto& p = r.points[static_cast<size_t>(r.recommended)];
    h += "<p id=\"recommended\"><b>Recommended:</b> " + HtmlEscape(PointLabel(r, p)) + " &mdash; mean cost $" +
         svg::Compact(p.stats[0].mean) + ", mean SLOs missed " + svg::Compact(p.stats[1].mean) + "</p>\n";
  }
  std::vector<svg::Point> pts;
  for (const auto& p : r.points)
    pts.push_back({p.stats[0].mean, p.stats[1].mean, PointLabel(r, p), p.pareto, p.recommended});
  h += svg::Scatter(pts, "Cost against SLO violations (filled: Pareto front)", "mean cost per run (USD)",
                    "mean SLOs missed per run") + "\n";
  h += "<table id=\"points\"><tr>";
  for (const auto& ax : r.axes) h += "<th>" + HtmlEscape(ax.path) + "</th>";
  h += "<th>seeds</th><th>cost USD</th><th>SLOs missed</th><th>error rate</th><th>worst p99 ms</th><th>Pareto</th></tr>\n";
  for (const auto& p : r.points) {
    h += std::string("<tr") + (p.recommended ? " class=\"rec\"" : "") + ">";
    for (const auto& v : p.values) h += "<td>" + HtmlEscape(v) + "</td>";
    auto ms = [&](size_t i) { return svg::Compact(p.stats[i].mean) + " &plusmn; " + svg::Compact(p.stats[i].ci95); };
    h += "<td>" + std::to_string(p.runs.size()) + "</td><td>" + ms(0) + "</td><td>" + ms(1) + "</td><td>" + ms(2) +
         "</td><td>" + ms(3) + "</td><td>" + (p.pareto ? "yes" : "") + "</td></tr>\n";
  }
  h += "</table>\n</body></html>\n";
  return h;
}

std::string ShardJson(const std::string& scenario_name, const std::vector<SweepAxis>& axes, size_t seeds,
                      const std::vector<RunRecord>& records) {
  Json j;
  j["schema"] = "rehearsal.sweep-shard/v1";
  j["scenario"] = scenario_name;
  j["axes"] = AxesJson(axes);
  j["seeds"] = seeds;
  Json runs = Json::array();
  for (const auto& rr : records) {
    Json rj = {{"point", rr.point}, {"seed_index", rr.seed_index}, {"seed", rr.seed}};
    rj["figures"] = FiguresJson(rr.figures);
    runs.push_back(rj);
  }
  j["runs"] = runs;
  return j.dump(1) + "\n";
}

sim::Result<Shard> ParseShardJson(const std::string& text, const std::string& file) {
  try {
    Json j = Json::parse(text);
    if (j.value("schema", "") != "rehearsal.sweep-shard/v1")
      return sim::Error{{file, 0, 0}, "found no \"schema\": \"rehearsal.sweep-shard/v1\", expected a sweep shard file"};
    Shard s;
    s.scenario_name = j.at("scenario").get<std::string>();
    s.seeds = j.at("seeds").get<size_t>();
    for (const auto& a : j.at("axes")) s.axes.push_back({a.at("path").get<std::string>(), a.at("values").get<std::vector<std::string>>()});
    for (const auto& rj : j.at("runs")) {
      RunRecord rr;
      rr.point = rj.at("point").get<size_t>();
      rr.seed_index = rj.at("seed_index").get<size_t>();
      rr.seed = rj.at("seed").get<uint64_t>();
      const auto& f = rj.at("figures");
      for (size_t i = 0; i < FigureNames().size(); ++i) {
        const auto& v = f.at(FigureNames()[i]);
        SetFigure(rr.figures, i, v.is_null() ? std::nan("") : v.get<double>());
      }
      rr.figures.digest = f.at("digest").get<std::string>();
      s.records.push_back(rr);
    }
    return s;
  } catch (const std::exception& e) {
    return sim::Error{{file, 0, 0}, std::string("found malformed JSON (") + e.what() + "), expected a sweep shard file"};
  }
}

sim::Result<SweepResult> MergeShards(const std::vector<Shard>& shards) {
  if (shards.empty()) return sim::Error{{"", 0, 0}, "found no shards, expected at least one shard file"};
  SweepResult r;
  r.scenario_name = shards[0].scenario_name;
  r.axes = shards[0].axes;
  const size_t seeds = shards[0].seeds;
  auto grid = GridPoints(r.axes);
  std::vector<std::vector<bool>> have(grid.size(), std::vector<bool>(seeds, false));
  r.points.resize(grid.size());
  for (size_t i = 0; i < grid.size(); ++i) {
    r.points[i].values = grid[i];
    r.points[i].runs.resize(seeds);
    r.points[i].seeds.resize(seeds);
  }
  for (const auto& s : shards) {
    bool same_axes = s.axes.size() == r.axes.size();
    for (size_t i = 0; same_axes && i < s.axes.size(); ++i)
      same_axes = s.axes[i].path == r.axes[i].path && s.axes[i].values == r.axes[i].values;
    if (s.scenario_name != r.scenario_name || s.seeds != seeds || !same_axes)
      return sim::Error{{"", 0, 0}, "found shards of different sweeps, expected the same scenario, --vary and --seeds"};
    for (const auto& rr : s.records) {
      if (rr.point >= grid.size() || rr.seed_index >= seeds)
        return sim::Error{{"", 0, 0}, "found a run outside the grid, expected point < " + std::to_string(grid.size())};
      have[rr.point][rr.seed_index] = true;
      r.points[rr.point].runs[rr.seed_index] = rr.figures;
      r.points[rr.point].seeds[rr.seed_index] = rr.seed;
    }
  }
  size_t missing = 0;
  for (const auto& row : have) for (bool b : row) missing += b ? 0 : 1;
  if (missing > 0)
    return sim::Error{{"", 0, 0}, "found " + std::to_string(missing) + " runs missing, expected every shard of the sweep"};
  Aggregate(r);
  return r;
}

}  // namespace rehearsal::reports
