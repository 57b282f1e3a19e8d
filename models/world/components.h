#pragma once
// World components that wrap the subsystem facades (ClusterModel,
// TrafficModel, ...) so a World owns them and collects their figures. The
// wrappers hold no logic of their own: each forwards to its facade.
#include <memory>
#include <utility>

#include "models/autoscaling/autoscaling_model.h"
#include "models/disruption/cluster_model.h"
#include "models/traffic/traffic_model.h"
#include "models/world/world.h"

namespace rehearsal::models {

class ClusterComponent final : public Component {
 public:
  explicit ClusterComponent(std::unique_ptr<ClusterModel> model) : model_(std::move(model)) {}
  ClusterModel& model() { return *model_; }
  const ClusterModel& model() const { return *model_; }
  void Summarize(RunSummary& summary) const override {
    model_->Summarize(summary.cluster);
    model_->SummarizeRollouts(summary.rollouts);
  }

 private:
  std::unique_ptr<ClusterModel> model_;
};

class AutoscalingComponent final : public Component {
 public:
  explicit AutoscalingComponent(std::unique_ptr<autoscaling::AutoscalingModel> model)
      : model_(std::move(model)) {}
  autoscaling::AutoscalingModel& model() { return *model_; }

 private:
  std::unique_ptr<autoscaling::AutoscalingModel> model_;
};

class TrafficComponent final : public Component {
 public:
  explicit TrafficComponent(std::unique_ptr<traffic::TrafficModel> model)
      : model_(std::move(model)) {}
  traffic::TrafficModel& model() { return *model_; }
  const traffic::TrafficModel& model() const { return *model_; }
  void Finish() override { model_->Finish(); }
  void Summarize(RunSummary& summary) const override { model_->Summarize(summary.services); }

 private:
  std::unique_ptr<traffic::TrafficModel> model_;
};

// The faults and releases that happened (scheduled by the scenario or
// injected live in a game day), in simulated-time order.
class TimelineComponent final : public Component {
 public:
  void Record(FaultRecord record) { records_.push_back(std::move(record)); }
  const std::vector<FaultRecord>& records() const { return records_; }
  void Summarize(RunSummary& summary) const override {
    summary.faults.insert(summary.faults.end(), records_.begin(), records_.end());
  }

 private:
  std::vector<FaultRecord> records_;
};

}  // namespace rehearsal::models
