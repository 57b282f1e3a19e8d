#pragma once
// The recorder: time series sampled at a fixed simulated interval, named
// histograms, and the structured event log ("Scaled up replica set
// gaming-api-v2 to 7"). Models write to it; reports and the GUI read it.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/histogram.h"
#include "sim/time.h"

namespace rehearsal::sim {

// One line of the event log.
struct LogRecord {
  Time t;
  std::string kind;     // "ScalingReplicaSet", "SpotInterruption", "HPA", ...
  std::string object;   // "deployment/gaming-api", "node/pool-a-12"
  std::string message;  // human-readable, Kubernetes-style
};

class Recorder {
 public:
  // A metric column: its sampler is called at every sample time.
  using Sampler = std::function<double()>;
  // Adds a column "service.metric". REQUIRES: the name is new.
  void AddSeries(const std::string& name, Sampler sampler);
  // Takes one row at time t (the simulation calls this every interval).
  void Sample(Time t);
  Duration sample_interval() const { return interval_; }
  void set_sample_interval(Duration d) { interval_ = d; }

  const std::vector<std::string>& series_names() const { return names_; }
  const std::vector<Time>& sample_times() const { return times_; }
  // rows()[i][j]: value of series j at sample_times()[i].
  const std::vector<std::vector<double>>& rows() const { return rows_; }

  Histogram& histogram(const std::string& name) { return histograms_[name]; }
  const std::map<std::string, Histogram>& histograms() const { return histograms_; }

  void Log(Time t, std::string kind, std::string object, std::string message);
  const std::vector<LogRecord>& log() const { return log_; }

 private:
  Duration interval_ = Duration::Seconds(10);
  std::vector<std::string> names_;
  std::vector<Sampler> samplers_;
  std::vector<Time> times_;
  std::vector<std::vector<double>> rows_;
  std::map<std::string, Histogram> histograms_;
  std::vector<LogRecord> log_;
};

}  // namespace rehearsal::sim
