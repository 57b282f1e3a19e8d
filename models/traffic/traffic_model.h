#pragma once
// TrafficModel: the facade models/world wires up. It turns a TrafficConfig
// into load on the cluster's ready endpoints at the chosen fidelity, writes
// per-pod usage to the UsageBoard for the metrics pipeline (HPA/VPA), keeps
// SLIs per service and per entry point, registers recorder series and fills
// the run summary.
//
//   TrafficModel traffic(sim, usage, config);   // asserts the config is valid
//   cluster.AddListener(&traffic);              // the cluster announces endpoints
//   traffic.Start();
//   sim.RunUntil(end);
//   traffic.Finish();                           // closes the last SLI window
//   traffic.Summarize(summary.services);
//
// Recorder series (one column each, sampled at the recorder's interval):
//   <service>.rps, <service>.latency_p99_ms, <service>.error_rate,
//   <service>.utilization, <service>.predicted_utilization,
//   entry.<name>.rps, entry.<name>.latency_p99_ms, entry.<name>.error_rate,
//   session.<name>.active, session.<name>.refused, session.<name>.degraded.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "models/core/endpoints.h"
#include "models/core/run_summary.h"
#include "models/core/usage_board.h"
#include "models/traffic/call_graph.h"
#include "models/traffic/engine.h"
#include "models/traffic/request_engine.h"
#include "models/traffic/sli.h"
#include "models/traffic/traffic_config.h"
#include "sim/result.h"
#include "sim/simulation.h"

namespace rehearsal::models::traffic {

class TrafficModel final : public EndpointListener {
 public:
  // Validates the config (every problem at once). Prefer this for user input.
  static sim::Result<std::unique_ptr<TrafficModel>> Create(sim::Simulation& sim,
                                                           UsageBoard& usage,
                                                           TrafficConfig config);
  // REQUIRES: BuildCallGraph(config).ok(). Fidelity from config.fidelity.
  TrafficModel(sim::Simulation& sim, UsageBoard& usage, TrafficConfig config);
  TrafficModel(sim::Simulation& sim, UsageBoard& usage, TrafficConfig config, Fidelity fidelity);
  ~TrafficModel() override;
  TrafficModel(const TrafficModel&) = delete;
  TrafficModel& operator=(const TrafficModel&) = delete;

  // Starts arrivals (or the fluid ticks), the periodic usage writes and the
  // recorder series. Call once, before running.
  void Start();
  // Closes the open SLI windows (call at the end of the run, before Summarize).
  void Finish();

  void OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                        sim::Time now) override;

  // Predicted attempts per second at a service (or external) at time t: the
  // no-fault Jackson baseline for the entry rates at t (fan-out and retries
  // included). For the wallet-in-the-loop. REQUIRES: the name exists.
  double ArrivalRate(const std::string& node, sim::Time t) const;
  // The offered rate of an entry point at t. REQUIRES: the name exists.
  double EntryArrivalRate(const std::string& entry, sim::Time t) const;
  // Attempts per second measured at a node over the last usage window.
  double MeasuredArrivalRate(const std::string& node) const;

  // Whole-run figures: one ServiceSummary per service and external (by
  // name) and per entry point ("entry/<name>"), with the analytic predicted
  // utilization beside the observed one.
  void Summarize(std::map<std::string, ServiceSummary>& out) const;
  // The same into a run summary (services), plus its fidelity name.
  void Summarize(RunSummary& summary) const;

  const Sli& NodeSli(const std::string& node) const;
  const Sli& EntrySli(const std::string& entry) const;
  const SessionStats& Sessions(const std::string& name) const;
  const CallGraph& graph() const { return graph_; }
  const TrafficConfig& config() const { return config_; }
  Fidelity fidelity() const { return fidelity_; }
  uint64_t hops() const { return engine_->hops(); }
  int RoutableEndpoints(const std::string& service) const;

 private:
  struct Figures {
    sim::Time closed_at;
    WindowFigures f;
  };
  void CloseWindows();
  void UsageTick();
  std::vector<double> EntryRates(sim::Time t) const;

  sim::Simulation& sim_;
  UsageBoard& usage_;
  TrafficConfig config_;
  Fidelity fidelity_;
  CallGraph graph_;
  std::vector<Sli> node_slis_;
  std::vector<Sli> entry_slis_;
  std::vector<SessionStats> session_stats_;
  std::vector<WindowFigures> node_figures_;
  std::vector<WindowFigures> entry_figures_;
  // Baseline attempts/s at each node per 1 rps at each entry point: the
  // no-fault traffic equations are linear in the entry rates, so they are
  // solved once (node x entry).
  std::vector<std::vector<double>> unit_rates_;
  std::vector<double> BaselineRates(sim::Time t) const;
  std::vector<double> predicted_busy_worker_us_;
  std::vector<double> predicted_window_;
  sim::Time last_close_;
  sim::Time last_usage_;
  std::unique_ptr<Engine> engine_;
  sim::EventKind usage_kind_;
  bool started_ = false;
};

}  // namespace rehearsal::models::traffic
