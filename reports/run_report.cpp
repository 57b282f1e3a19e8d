#include "reports/run_report.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "models/slo/slo.h"
#include "reports/svg.h"
#include "sim/random.h"

namespace rehearsal::reports {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

namespace {

// Rounds to `decimals` places so outputs carry no float noise; non-finite
// numbers (an unfinished rollout's duration) become null.
Json Round(double v, int decimals = 6) {
  if (!std::isfinite(v)) return nullptr;
  double p = std::pow(10.0, decimals);
  return std::round(v * p) / p;
}

std::string Fmt(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

}  // namespace

bool AllSlosMet(const models::RunSummary& s) {
  for (const auto& r : s.slos) if (!r.met) return false;
  return true;
}

std::string SummaryJson(const models::RunSummary& s, const std::string& version) {
  Json j;
  j["schema"] = kSummarySchema;
  j["scenario"] = {{"name", s.scenario_name}, {"file", s.scenario_file}, {"input_digest", s.input_digest}};
  j["seed"] = s.seed;
  j["version"] = version;
  j["fidelity"] = s.fidelity;
  j["simulated_s"] = Round(s.simulated_s);
  j["simulated_us"] = static_cast<int64_t>(std::llround(s.simulated_s * 1e6));
  j["wall_s"] = Round(s.wall_s, 3);
  j["events"] = s.events;
  j["digest"] = s.digest;
  j["verdict"] = AllSlosMet(s) ? "met" : "missed";
  Json slos = Json::array();
  for (const auto& r : s.slos)
    slos.push_back({{"name", r.name}, {"objective", r.objective}, {"actual", Round(r.actual)},
                    {"target", Round(r.target)}, {"unit", r.unit}, {"met", r.met}});
  j["slos"] = slos;
  Json services = Json::object();
  for (const auto& [name, v] : s.services) {
    Json causes = Json::object();
    for (const auto& [cause, n] : v.errors_by_cause) causes[cause] = n;
    services[name] = {{"requests", v.requests},
                      {"errors", v.errors},
                      {"error_rate", Round(v.error_rate, 9)},
                      {"latency_ms",
                       {{"p50", Round(v.latency_ms.p50, 3)}, {"p95", Round(v.latency_ms.p95, 3)},
                        {"p99", Round(v.latency_ms.p99, 3)}, {"mean", Round(v.latency_ms.mean, 3)}}},
                      {"availability", Round(v.availability, 9)},
                      {"errors_by_cause", causes},
                      {"replicas_min", v.replicas_min},
                      {"replicas_max", v.replicas_max},
                      {"predicted_utilization", Round(v.predicted_utilization)},
                      {"observed_utilization", Round(v.observed_utilization)}};
  }
  j["services"] = services;
  const auto& c = s.cluster;
  Json by_pool = Json::object();
  for (const auto& [pool, h] : c.node_hours_by_pool) by_pool[pool] = Round(h);
  j["cluster"] = {{"nodes_max", c.nodes_max},
                  {"pods_max", c.pods_max},
                  {"node_hours", Round(c.node_hours)},
                  {"node_hours_by_pool", by_pool},
                  {"cost_usd", Round(c.cost_usd, 2)},
                  {"cost_cents", static_cast<int64_t>(std::llround(c.cost_usd * 100))},
                  {"spot_interruptions", c.spot_interruptions},
                  {"evictions", c.evictions},
                  {"pending_pod_s", Round(c.pending_pod_s, 3)}};
  const auto& w = s.wallet;
  Json failovers = Json::array();
  for (const auto& f : w.failovers)
    failovers.push_back({{"t_s", Round(f.t_s)}, {"cause", f.cause}, {"rpo_transfers", f.rpo_transfers},
                         {"rpo_amount_minor", f.rpo_amount_minor}, {"rpo_s", Round(f.rpo_s)},
                         {"rto_s", Round(f.rto_s)}, {"detection_s", Round(f.detection_s)},
                         {"election_s", Round(f.election_s)}, {"catchup_s", Round(f.catchup_s)},
                         {"reroute_s", Round(f.reroute_s)}, {"bets_refused", f.bets_refused},
                         {"bets_rolled_back", f.bets_rolled_back}});
  j["wallet"] = {{"enabled", w.enabled},
                 {"replication", w.replication},
                 {"transfers", w.transfers},
                 {"duplicates_rejected", w.duplicates_rejected},
                 {"duplicate_payouts", w.duplicate_payouts},
                 {"bets_refused", w.bets_refused},
                 {"rollbacks", w.rollbacks},
                 {"rpo_transfers", w.rpo_transfers},
                 {"rpo_s", Round(w.rpo_s)},
                 {"rto_s", Round(w.rto_s)},
                 {"invariants_ok", w.invariants_ok},
                 {"invariant_violations", w.invariant_violations},
                 {"sampling", w.sampling},
                 {"failovers", failovers},
                 {"snapshots", w.snapshots},
                 {"archives", w.archives},
                 {"archive_rpo_s", Round(w.archive_rpo_s)},
                 {"restore_s", Round(w.restore_s)},
                 {"disk_faults", w.disk_faults},
                 {"engine_restarts", w.engine_restarts},
                 {"state_hash", w.state_hash}};
  Json faults = Json::array();
  for (const auto& f : s.faults)
    faults.push_back({{"t_s", Round(f.t_s)}, {"kind", f.kind}, {"target", f.target}, {"detail", f.detail}});
  j["faults"] = faults;
  Json rollouts = Json::array();
  for (const auto& r : s.rollouts)
    rollouts.push_back({{"workload", r.workload}, {"strategy", r.strategy}, {"started_s", Round(r.started_s)},
                        {"finished_s", r.finished_s < 0 ? Json(nullptr) : Round(r.finished_s)},
                        {"outcome", r.outcome}});
  j["rollouts"] = rollouts;
  return j.dump(2) + "\n";
}

std::string TimeseriesCsv(const sim::Recorder& r) {
  std::string out = "time_s";
  for (const auto& n : r.series_names()) out += "," + n;
  out += "\n";
  const auto& times = r.sample_times();
  const auto& rows = r.rows();
  for (size_t i = 0; i < times.size(); ++i) {
    out += Fmt(times[i].seconds());
    for (double v : rows[i]) out += "," + (std::isfinite(v) ? Fmt(v) : std::string());
    out += "\n";
  }
  return out;
}

namespace {
std::vector<const sim::LogRecord*> SortedLog(const sim::Recorder& r) {
  std::vector<const sim::LogRecord*> log;
  for (const auto& e : r.log()) log.push_back(&e);
  std::stable_sort(log.begin(), log.end(), [](const sim::LogRecord* a, const sim::LogRecord* b) { return a->t < b->t; });
  return log;
}
}  // namespace

std::string EventsJsonl(const sim::Recorder& r) {
  std::string out;
  for (const auto* e : SortedLog(r)) {
    Json j;
    j["t_s"] = e->t.seconds();
    j["kind"] = e->kind;
    j["object"] = e->object;
    j["message"] = e->message;
    out += j.dump() + "\n";
  }
  return out;
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

bool EndsWith(const std::string& s, const std::string& suf) {
  return s.size() >= suf.size() && s.compare(s.size() - suf.size(), suf.size(), suf) == 0;
}
bool Has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

bool IsFaultKind(const std::string& kind) {
  return Has(kind, "Fault") || Has(kind, "Outage") || Has(kind, "SpotInterruption") || Has(kind, "Partition") ||
         Has(kind, "NodeNotReady") || Has(kind, "Failover") || Has(kind, "PrimaryLost");
}

// Charts, in order, and how a series is routed to one (first match wins).
struct ChartDef {
  const char* title;
  const char* y_label;
  bool (*match)(const std::string&);
};

const ChartDef kCharts[] = {
    {"Traffic per service", "requests/s",
     [](const std::string& n) { return EndsWith(n, ".rps") || EndsWith(n, ".requests_per_s"); }},
    {"Errors per service", "errors/s", [](const std::string& n) { return EndsWith(n, ".errors_per_s"); }},
    {"Latency p99 per service", "ms", [](const std::string& n) { return EndsWith(n, ".latency_p99_ms"); }},
    {"Latency p50/p95 per service", "ms",
     [](const std::string& n) { return Has(n, ".latency_") && EndsWith(n, "_ms"); }},
    {"Replicas against HPA desired", "pods",
     [](const std::string& n) {
       return EndsWith(n, ".replicas") || EndsWith(n, ".ready_replicas") || Has(n, "hpa_desired") ||
              EndsWith(n, ".desired_replicas");
     }},
    {"Nodes by pool and capacity type", "nodes",
     [](const std::string& n) { return Has(n, "nodes") && !Has(n, "cost"); }},
    {"Pending pods", "pods", [](const std::string& n) { return Has(n, "pending"); }},
    {"Cost", "USD", [](const std::string& n) { return Has(n, "cost"); }},
    {"Wallet replication lag and failovers", "",
     [](const std::string& n) { return n.rfind("wallet", 0) == 0; }},
    {"CPU utilization", "ratio", [](const std::string& n) { return Has(n, "cpu") || Has(n, "utilization"); }},
};

std::string Css() {
  return "body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;"
         "color:#222}h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd}"
         "table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
         "th{background:#f4f4f4}.met{color:#08752e;font-weight:600}.missed{color:#b00020;font-weight:600}"
         ".chart{display:block;margin:10px 0;background:#fff}.ct{font-size:13px;font-weight:600}"
         ".xl{font-size:10px;text-anchor:middle;fill:#555}.yl{font-size:10px;text-anchor:end;fill:#555}"
         ".yt{font-size:10px;text-anchor:middle;fill:#555}.lg{font-size:10px;fill:#333}"
         ".grid{stroke:#eee}.axis{stroke:#999}.fault{stroke:#b00020;stroke-width:1.5;stroke-dasharray:4 2}"
         ".ev{stroke:#0072B2}.pt{fill:#bbb;stroke:#666}.pf{fill:#0072B2}.rec{fill:none;stroke:#D55E00;stroke-width:2}"
         ".pareto{stroke:#0072B2;stroke-dasharray:3 3}tr.faultrow td{background:#fdecee}"
         ".meta{color:#555}code{background:#f4f4f4;padding:0 3px}";
}

std::string Cell(const std::string& s) { return "<td>" + HtmlEscape(s) + "</td>"; }

}  // namespace

std::string ReportHtml(const models::RunSummary& s, const sim::Recorder& r, const std::string& version) {
  const bool met = AllSlosMet(s);
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" +
                  HtmlEscape("Rehearsal: " + s.scenario_name) + "</title><style>" + Css() + "</style></head><body>\n";
  h += "<h1>" + HtmlEscape(s.scenario_name) + " <span class=\"" + (met ? "met\">all objectives met" : "missed\">objective missed") +
       "</span></h1>\n";
  char meta[512];
  std::snprintf(meta, sizeof meta,
                "seed %llu &middot; %s fidelity &middot; %s simulated &middot; %llu events &middot; digest <code>%s</code> "
                "&middot; input <code>%s</code> &middot; rehearsal %s",
                static_cast<unsigned long long>(s.seed), HtmlEscape(s.fidelity).c_str(),
                HtmlEscape(svg::Compact(s.simulated_s) + " s").c_str(), static_cast<unsigned long long>(s.events),
                HtmlEscape(s.digest).c_str(), HtmlEscape(s.input_digest).c_str(), HtmlEscape(version).c_str());
  h += std::string("<p class=\"meta\">") + meta + "<br>" + HtmlEscape(s.scenario_file) + "</p>\n";

  // SLO table.
  h += "<h2>Objectives</h2>\n";
  if (s.slos.empty()) {
    h += "<p>No objectives declared.</p>\n";
  } else {
    h += "<table id=\"slos\"><tr><th>SLO</th><th>objective</th><th>actual</th><th>verdict</th></tr>\n";
    for (const auto& o : s.slos)
      h += "<tr>" + Cell(o.name) + Cell(o.objective) + Cell(models::slo::FormatActual(o.actual, o.unit)) +
           "<td class=\"" + (o.met ? "met\">met" : "missed\">missed") + "</td></tr>\n";
    h += "</table>\n";
  }

  // Fault markers: summary faults, else fault-like events.
  std::vector<svg::Marker> markers;
  for (const auto& f : s.faults) markers.push_back({f.t_s, f.kind + " " + f.target});
  auto log = SortedLog(r);
  if (markers.empty())
    for (const auto* e : log)
      if (IsFaultKind(e->kind)) markers.push_back({e->t.seconds(), e->kind + " " + e->object});

  // Charts from whatever series exist, routed by name pattern.
  h += "<h2>Charts</h2>\n";
  const auto& names = r.series_names();
  std::vector<double> xs;
  for (const auto& t : r.sample_times()) xs.push_back(t.seconds());
  std::vector<int> chart_of(names.size(), -1);
  for (size_t i = 0; i < names.size(); ++i)
    for (size_t c = 0; c < sizeof kCharts / sizeof kCharts[0]; ++c)
      if (chart_of[i] < 0 && kCharts[c].match(names[i])) chart_of[i] = static_cast<int>(c);
  auto column = [&](size_t i) {
    svg::Series ser{names[i], xs, {}};
    for (const auto& row : r.rows()) ser.y.push_back(row[i]);
    return ser;
  };
  int charts = 0;
  for (size_t c = 0; c < sizeof kCharts / sizeof kCharts[0]; ++c) {
    std::vector<svg::Series> ss;
    for (size_t i = 0; i < names.size(); ++i)
      if (chart_of[i] == static_cast<int>(c)) ss.push_back(column(i));
    if (ss.empty()) continue;
    // Many services: one chart per 8 series keeps the legend readable.
    for (size_t b = 0; b < ss.size(); b += 8) {
      std::vector<svg::Series> part(ss.begin() + static_cast<long>(b),
                                    ss.begin() + static_cast<long>(std::min(ss.size(), b + 8)));
      h += svg::LineChart(part, markers, {kCharts[c].title, kCharts[c].y_label}) + "\n";
      ++charts;
    }
  }
  // Anything unmatched: grouped by metric (the part after the first dot).
  std::map<std::string, std::vector<size_t>> other;
  for (size_t i = 0; i < names.size(); ++i)
    if (chart_of[i] < 0) {
      size_t dot = names[i].find('.');
      other[dot == std::string::npos ? names[i] : names[i].substr(dot + 1)].push_back(i);
    }
  for (const auto& [metric, cols] : other) {
    std::vector<svg::Series> ss;
    for (size_t i : cols) ss.push_back(column(i));
    for (size_t b = 0; b < ss.size(); b += 8) {
      std::vector<svg::Series> part(ss.begin() + static_cast<long>(b),
                                    ss.begin() + static_cast<long>(std::min(ss.size(), b + 8)));
      h += svg::LineChart(part, markers, {metric, ""}) + "\n";
      ++charts;
    }
  }
  if (charts == 0) h += "<p>No time series were recorded.</p>\n";

  // Per-service table.
  h += "<h2>Services</h2>\n";
  if (s.services.empty()) {
    h += "<p>No service figures.</p>\n";
  } else {
    h += "<table id=\"services\"><tr><th>service</th><th>requests</th><th>errors</th><th>error rate</th><th>p50 ms</th>"
         "<th>p95 ms</th><th>p99 ms</th><th>availability</th><th>replicas</th></tr>\n";
    for (const auto& [name, v] : s.services)
      h += "<tr>" + Cell(name) + Cell(std::to_string(v.requests)) + Cell(std::to_string(v.errors)) +
           Cell(svg::Compact(v.error_rate * 100) + "%") + Cell(svg::Compact(v.latency_ms.p50)) +
           Cell(svg::Compact(v.latency_ms.p95)) + Cell(svg::Compact(v.latency_ms.p99)) +
           Cell(svg::Compact(v.availability * 100) + "%") +
           Cell(std::to_string(v.replicas_min) + "–" + std::to_string(v.replicas_max)) + "</tr>\n";
    h += "</table>\n";
  }
  const auto& c = s.cluster;
  h += "<h2>Cluster</h2>\n<table id=\"cluster\"><tr><th>nodes max</th><th>pods max</th><th>node-hours</th><th>cost</th>"
       "<th>spot interruptions</th><th>evictions</th><th>pending pod-s</th></tr><tr>" +
       Cell(std::to_string(c.nodes_max)) + Cell(std::to_string(c.pods_max)) + Cell(svg::Compact(c.node_hours)) +
       Cell("$" + svg::Compact(c.cost_usd)) + Cell(std::to_string(c.spot_interruptions)) +
       Cell(std::to_string(c.evictions)) + Cell(svg::Compact(c.pending_pod_s)) + "</tr></table>\n";
  const auto& w = s.wallet;
  if (w.enabled) {
    h += "<h2>Wallet</h2>\n<table id=\"wallet\"><tr><th>replication</th><th>transfers</th><th>duplicates rejected</th>"
         "<th>duplicate payouts</th><th>RPO transfers</th><th>RPO s</th><th>RTO s</th><th>invariants</th></tr><tr>" +
         Cell(w.replication) + Cell(std::to_string(w.transfers)) + Cell(std::to_string(w.duplicates_rejected)) +
         Cell(std::to_string(w.duplicate_payouts)) + Cell(std::to_string(w.rpo_transfers)) +
         Cell(svg::Compact(w.rpo_s)) + Cell(svg::Compact(w.rto_s)) +
         "<td class=\"" + (w.invariants_ok ? "met\">ok" : "missed\">VIOLATED") + "</td></tr></table>\n";
    h += "<p>Sampling: " + HtmlEscape(w.sampling) + ". Backups: " + std::to_string(w.snapshots) + " base backups, " +
         std::to_string(w.archives) + " log archives (restore RPO " + svg::Compact(w.archive_rpo_s) +
         " s, restore time " + svg::Compact(w.restore_s) + " s); disk faults " + std::to_string(w.disk_faults) +
         ", engine restarts " + std::to_string(w.engine_restarts) + ".</p>\n";
    if (!w.failovers.empty()) {
      h += "<table id=\"failovers\"><tr><th>at</th><th>cause</th><th>RPO transfers</th><th>RPO amount</th>"
           "<th>RTO s</th><th>detection</th><th>election</th><th>catch-up</th><th>re-route</th>"
           "<th>bets refused</th><th>bets rolled back</th></tr>\n";
      for (const auto& f : w.failovers)
        h += "<tr>" + Cell(svg::Compact(f.t_s) + " s") + Cell(f.cause) + Cell(std::to_string(f.rpo_transfers)) +
             Cell(std::to_string(f.rpo_amount_minor)) + Cell(svg::Compact(f.rto_s)) +
             Cell(svg::Compact(f.detection_s)) + Cell(svg::Compact(f.election_s)) +
             Cell(svg::Compact(f.catchup_s)) + Cell(svg::Compact(f.reroute_s)) +
             Cell(std::to_string(f.bets_refused)) + Cell(std::to_string(f.bets_rolled_back)) + "</tr>\n";
      h += "</table>\n";
    }
  }
  if (!s.rollouts.empty()) {
    h += "<h2>Rollouts</h2>\n<table id=\"rollouts\"><tr><th>workload</th><th>strategy</th><th>started</th><th>finished</th><th>outcome</th></tr>\n";
    for (const auto& ro : s.rollouts)
      h += "<tr>" + Cell(ro.workload) + Cell(ro.strategy) + Cell(svg::Compact(ro.started_s) + " s") +
           Cell(ro.finished_s < 0 ? "-" : svg::Compact(ro.finished_s) + " s") + Cell(ro.outcome) + "</tr>\n";
    h += "</table>\n";
  }

  // Event timeline with faults marked, then the log itself.
  h += "<h2>Timeline</h2>\n";
  std::vector<svg::TimelineEvent> tl;
  for (const auto* e : log) tl.push_back({e->t.seconds(), e->kind + " " + e->object + ": " + e->message, IsFaultKind(e->kind)});
  for (const auto& f : s.faults) tl.push_back({f.t_s, "fault " + f.kind + " " + f.target + " " + f.detail, true});
  h += svg::Timeline(tl, s.simulated_s) + "\n";
  h += "<p><label><input type=\"checkbox\" id=\"faultsonly\"> faults only</label> &middot; " +
       std::to_string(log.size()) + " events</p>\n<table id=\"events\"><tr><th>t</th><th>kind</th><th>object</th><th>message</th></tr>\n";
  const size_t kMaxRows = 2000;
  for (size_t i = 0; i < log.size() && i < kMaxRows; ++i) {
    const auto* e = log[i];
    bool fault = IsFaultKind(e->kind);
    h += std::string("<tr") + (fault ? " class=\"faultrow\"" : "") + ">" + Cell(sim::FormatTime(e->t)) + Cell(e->kind) +
         Cell(e->object) + Cell(e->message) + "</tr>\n";
  }
  h += "</table>\n";
  if (log.size() > kMaxRows)
    h += "<p>" + std::to_string(log.size() - kMaxRows) + " more events in events.jsonl.</p>\n";
  // The only script: the "faults only" filter. The page reads fine without it.
  h += "<script>\n(function(){var cb=document.getElementById('faultsonly');if(!cb)return;"
       "cb.addEventListener('change',function(){var rows=document.querySelectorAll('#events tr');"
       "for(var i=1;i<rows.length;i++){rows[i].style.display=(cb.checked&&!rows[i].classList.contains('faultrow'))?'none':'';}});"
       "document.body.setAttribute('data-rendered','1');})();\n</script>\n";
  h += "</body></html>\n";
  return h;
}

sim::Result<bool> WriteFilesAtomically(const std::string& dir,
                                       const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  fs::path target = fs::path(dir);
  if (target.filename().empty()) target = target.parent_path();
  fs::path parent = target.parent_path();
  if (parent.empty()) parent = ".";
  fs::create_directories(parent, ec);
  if (ec) return sim::Error{{parent.string(), 0, 0}, "found an unwritable directory (" + ec.message() + "), expected to create it"};
  // A unique temp name next to the target, so the final rename stays on one filesystem.
  uint64_t tag = sim::StableHash(target.string());
  for (const auto& [name, content] : files) tag = (tag ^ sim::StableHash(content)) * 1099511628211ULL;
  fs::path tmp = parent / (target.filename().string() + ".tmp-" + std::to_string(tag % 1000000007ULL));
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp, ec);
  if (ec) return sim::Error{{tmp.string(), 0, 0}, "found an unwritable directory (" + ec.message() + "), expected to create it"};
  for (const auto& [name, content] : files) {
    std::ofstream out(tmp / name, std::ios::binary);
    out << content;
    out.close();
    if (!out) {
      fs::remove_all(tmp, ec);
      return sim::Error{{(tmp / name).string(), 0, 0}, "found a write error, expected to write the file"};
    }
  }
  fs::path old = parent / (target.filename().string() + ".old-" + std::to_string(tag % 1000000007ULL));
  if (fs::exists(target, ec)) {
    fs::remove_all(old, ec);
    fs::rename(target, old, ec);
    if (ec) {
      fs::remove_all(tmp, ec);
      return sim::Error{{target.string(), 0, 0}, "found an existing output that cannot be replaced, expected a writable path"};
    }
  }
  fs::rename(tmp, target, ec);
  if (ec) return sim::Error{{target.string(), 0, 0}, "found a rename error (" + ec.message() + "), expected to publish the output"};
  fs::remove_all(old, ec);
  return true;
}

sim::Result<bool> WriteRunDir(const std::string& dir, const models::RunSummary& summary, const sim::Recorder& recorder,
                              const std::string& version) {
  return WriteFilesAtomically(dir, {{"summary.json", SummaryJson(summary, version)},
                                    {"timeseries.csv", TimeseriesCsv(recorder)},
                                    {"events.jsonl", EventsJsonl(recorder)},
                                    {"report.html", ReportHtml(summary, recorder, version)}});
}

}  // namespace rehearsal::reports
