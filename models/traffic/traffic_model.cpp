#include "models/traffic/traffic_model.h"

#include "models/traffic/fluid_engine.h"
#include "models/traffic/load_profile.h"
#include "models/traffic/network_baseline.h"
#include "models/traffic/service_time.h"
#include "sim/assert.h"

namespace rehearsal::models::traffic {
namespace {

sim::Errors ValidateSessions(const TrafficConfig& config, const CallGraph& graph) {
  sim::Errors errors;
  std::vector<int> seen(static_cast<size_t>(graph.service_count), 0);
  for (const SessionProfile& s : config.sessions) {
    const int i = graph.Find(s.service);
    if (i < 0 || i >= graph.service_count) {
      errors.push_back({{}, "session '" + s.name + "': unknown service '" + s.service + "'"});
      continue;
    }
    if (++seen[i] > 1) {
      errors.push_back({{}, "session '" + s.name + "': service '" + s.service +
                                "' already carries a session profile"});
    }
    if (s.capacity_per_pod < 1 || s.mean_duration.us <= 0) {
      errors.push_back({{}, "session '" + s.name + "': capacity and duration must be positive"});
    }
  }
  for (const EntryPoint& e : config.entry_points) {
    if (e.arrival != ArrivalProcess::kMmpp) continue;
    const double p = e.mmpp.mean_high.seconds() /
                     (e.mmpp.mean_high.seconds() + e.mmpp.mean_low.seconds());
    if (!(p * e.mmpp.high_multiplier <= 1.0)) {
      errors.push_back({{}, "entry point '" + e.name +
                                "': MMPP high_multiplier too large for the burst share"});
    }
  }
  if (config.tick.us <= 0 || config.usage_interval.us <= 0) {
    errors.push_back({{}, "traffic tick and usage_interval must be positive"});
  }
  return errors;
}

}  // namespace

sim::Result<std::unique_ptr<TrafficModel>> TrafficModel::Create(sim::Simulation& sim,
                                                                UsageBoard& usage,
                                                                TrafficConfig config) {
  auto graph = BuildCallGraph(config);
  if (!graph.ok()) return graph.errors();
  sim::Errors errors = ValidateSessions(config, *graph);
  if (!errors.empty()) return errors;
  return std::make_unique<TrafficModel>(sim, usage, std::move(config));
}

TrafficModel::TrafficModel(sim::Simulation& sim, UsageBoard& usage, TrafficConfig config)
    : TrafficModel(sim, usage, config, config.fidelity) {}

TrafficModel::TrafficModel(sim::Simulation& sim, UsageBoard& usage, TrafficConfig config,
                           Fidelity fidelity)
    : sim_(sim), usage_(usage), config_(std::move(config)), fidelity_(fidelity) {
  auto graph = BuildCallGraph(config_);
  RH_ASSERT(graph.ok());
  graph_ = std::move(graph).value();
  RH_ASSERT(ValidateSessions(config_, graph_).empty());
  const auto n = static_cast<size_t>(graph_.node_count());
  node_slis_.resize(n);
  entry_slis_.resize(config_.entry_points.size());
  session_stats_.resize(config_.sessions.size());
  node_figures_.resize(n);
  entry_figures_.resize(config_.entry_points.size());
  predicted_busy_worker_us_.assign(n, 0.0);
  unit_rates_.assign(n, std::vector<double>(config_.entry_points.size(), 0.0));
  for (size_t e = 0; e < config_.entry_points.size(); ++e) {
    std::vector<double> unit(config_.entry_points.size(), 0.0);
    unit[e] = 1.0;
    const NetworkBaseline b = SolveBaseline(config_, graph_, unit);
    for (size_t j = 0; j < n; ++j) unit_rates_[j][e] = b.arrival_rps[j];
  }
  predicted_window_.assign(n, 0.0);
  if (fidelity_ == Fidelity::kRequest) {
    engine_ = std::make_unique<RequestEngine>(sim_, config_, graph_, node_slis_, entry_slis_,
                                              session_stats_);
  } else {
    engine_ = std::make_unique<FluidEngine>(sim_, config_, graph_, node_slis_, entry_slis_,
                                            session_stats_);
  }
  usage_kind_ = sim_.RegisterKind("traffic.usage");
}

TrafficModel::~TrafficModel() = default;

void TrafficModel::Start() {
  RH_ASSERT(!started_);
  started_ = true;
  last_close_ = sim_.now();
  last_usage_ = sim_.now();
  engine_->Start();
  UsageTick();
  sim::Recorder& rec = sim_.recorder();
  auto figure = [this](bool entry, size_t i, double WindowFigures::*field) {
    return [this, entry, i, field] {
      if (sim_.now() > last_close_) CloseWindows();
      return (entry ? entry_figures_[i] : node_figures_[i]).*field;
    };
  };
  // The series contract (docs/CONTRACTS.md): <name>.errors_per_s beside
  // .rps is what SLO windows, burn-rate alerts, reports and the GUI read.
  for (size_t i = 0; i < graph_.names.size(); ++i) {
    const std::string& name = graph_.names[i];
    rec.AddSeries(name + ".rps", figure(false, i, &WindowFigures::rps));
    rec.AddSeries(name + ".latency_p99_ms", figure(false, i, &WindowFigures::latency_p99_ms));
    rec.AddSeries(name + ".error_rate", figure(false, i, &WindowFigures::error_rate));
    rec.AddSeries(name + ".errors_per_s", figure(false, i, &WindowFigures::errors_per_s));
    rec.AddSeries(name + ".latency_p50_ms", figure(false, i, &WindowFigures::latency_p50_ms));
    if (static_cast<int>(i) < graph_.service_count) {
      rec.AddSeries(name + ".utilization", figure(false, i, &WindowFigures::utilization));
      rec.AddSeries(name + ".predicted_utilization", [this, i] {
        if (sim_.now() > last_close_) CloseWindows();
        return predicted_window_[i];
      });
    }
  }
  for (size_t e = 0; e < config_.entry_points.size(); ++e) {
    const std::string prefix = "entry." + config_.entry_points[e].name;
    rec.AddSeries(prefix + ".rps", figure(true, e, &WindowFigures::rps));
    rec.AddSeries(prefix + ".latency_p99_ms", figure(true, e, &WindowFigures::latency_p99_ms));
    rec.AddSeries(prefix + ".error_rate", figure(true, e, &WindowFigures::error_rate));
    rec.AddSeries(prefix + ".errors_per_s", figure(true, e, &WindowFigures::errors_per_s));
    rec.AddSeries(prefix + ".latency_p50_ms", figure(true, e, &WindowFigures::latency_p50_ms));
  }
  for (size_t s = 0; s < config_.sessions.size(); ++s) {
    const std::string prefix = "session." + config_.sessions[s].name;
    rec.AddSeries(prefix + ".active", [this, s] { return session_stats_[s].active; });
    rec.AddSeries(prefix + ".refused",
                  [this, s] { return static_cast<double>(session_stats_[s].refused); });
    rec.AddSeries(prefix + ".degraded", [this, s] {
      const SessionStats& st = session_stats_[s];
      return st.session_s > 0 ? st.degraded_session_s / st.session_s : 0.0;
    });
  }
}

void TrafficModel::UsageTick() {
  const sim::Time now = sim_.now();
  if (now > last_usage_) engine_->WriteUsage(usage_, now - last_usage_);
  last_usage_ = now;
  sim_.ScheduleIn(config_.usage_interval, usage_kind_, 0, [this] { UsageTick(); });
}

std::vector<double> TrafficModel::EntryRates(sim::Time t) const {
  std::vector<double> rates;
  rates.reserve(config_.entry_points.size());
  for (const EntryPoint& e : config_.entry_points) rates.push_back(RateAt(e.load, t));
  return rates;
}

std::vector<double> TrafficModel::BaselineRates(sim::Time t) const {
  const std::vector<double> entry = EntryRates(t);
  std::vector<double> out(unit_rates_.size(), 0.0);
  for (size_t j = 0; j < out.size(); ++j) {
    for (size_t e = 0; e < entry.size(); ++e) out[j] += unit_rates_[j][e] * entry[e];
  }
  return out;
}

void TrafficModel::CloseWindows() {
  const sim::Time now = sim_.now();
  const sim::Duration length = now - last_close_;
  engine_->AccumulateBusy();
  // Predicted busy worker-time: baseline rate at the window's midpoint times
  // the mean worker time of a request (CPU x version 1.0 + base latency).
  const std::vector<double> rates = BaselineRates(last_close_ + length / 2);
  for (int j = 0; j < graph_.node_count(); ++j) {
    Sli& sli = node_slis_[j];
    if (j < graph_.service_count) {
      const ServiceProfile& sp = config_.services[j];
      const double s = ServiceTime(sp.cpu_per_request).mean_s() + sp.base_latency.seconds();
      const double busy = rates[j] * s * static_cast<double>(length.us);
      predicted_busy_worker_us_[j] += busy;
      predicted_window_[j] =
          sli.window_capacity_worker_us > 0 ? busy / sli.window_capacity_worker_us : 0.0;
    }
    node_figures_[j] = CloseWindow(sli, length);
  }
  for (size_t e = 0; e < entry_slis_.size(); ++e) {
    entry_figures_[e] = CloseWindow(entry_slis_[e], length);
  }
  last_close_ = now;
}

void TrafficModel::Finish() {
  if (sim_.now() > last_close_ || !started_) {
    CloseWindows();
  } else {
    engine_->AccumulateBusy();
    for (auto& s : node_slis_) CloseWindow(s, sim::Duration{0});
    for (auto& s : entry_slis_) CloseWindow(s, sim::Duration{0});
  }
}

void TrafficModel::OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                                    sim::Time now) {
  engine_->OnEndpointChange(endpoint, change, now);
}

double TrafficModel::ArrivalRate(const std::string& node, sim::Time t) const {
  const int i = graph_.Find(node);
  RH_ASSERT(i >= 0);
  return BaselineRates(t)[i];
}

double TrafficModel::EntryArrivalRate(const std::string& entry, sim::Time t) const {
  for (const EntryPoint& e : config_.entry_points) {
    if (e.name == entry) return RateAt(e.load, t);
  }
  RH_ASSERT(false);
  return 0;
}

double TrafficModel::MeasuredArrivalRate(const std::string& node) const {
  const int i = graph_.Find(node);
  RH_ASSERT(i >= 0);
  return engine_->MeasuredArrivalRate(i);
}

int TrafficModel::RoutableEndpoints(const std::string& service) const {
  const int i = graph_.Find(service);
  RH_ASSERT(i >= 0 && i < graph_.service_count);
  return engine_->RoutableEndpoints(i);
}

void TrafficModel::Summarize(std::map<std::string, ServiceSummary>& out) const {
  for (int j = 0; j < graph_.node_count(); ++j) {
    ServiceSummary s = traffic::Summarize(node_slis_[j]);
    if (node_slis_[j].capacity_worker_us > 0) {
      s.predicted_utilization = predicted_busy_worker_us_[j] / node_slis_[j].capacity_worker_us;
    }
    out[graph_.names[j]] = s;
  }
  for (size_t e = 0; e < entry_slis_.size(); ++e) {
    out["entry/" + config_.entry_points[e].name] = traffic::Summarize(entry_slis_[e]);
  }
}

void TrafficModel::Summarize(RunSummary& summary) const {
  Summarize(summary.services);
  summary.fidelity = fidelity_ == Fidelity::kRequest ? "request" : "fluid";
}

const Sli& TrafficModel::NodeSli(const std::string& node) const {
  const int i = graph_.Find(node);
  RH_ASSERT(i >= 0);
  return node_slis_[i];
}

const Sli& TrafficModel::EntrySli(const std::string& entry) const {
  for (size_t e = 0; e < config_.entry_points.size(); ++e) {
    if (config_.entry_points[e].name == entry) return entry_slis_[e];
  }
  RH_ASSERT(false);
  return entry_slis_.front();
}

const SessionStats& TrafficModel::Sessions(const std::string& name) const {
  for (size_t s = 0; s < config_.sessions.size(); ++s) {
    if (config_.sessions[s].name == name) return session_stats_[s];
  }
  RH_ASSERT(false);
  return session_stats_.front();
}

}  // namespace rehearsal::models::traffic
