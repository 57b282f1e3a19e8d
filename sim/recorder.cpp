#include "sim/recorder.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "sim/assert.h"

namespace rehearsal::sim {

// A series added after rows were taken gets NaN in the earlier rows, so every
// row always has one value per series.
void Recorder::AddSeries(const std::string& name, Sampler sampler) {
  RH_ASSERT(sampler != nullptr);
  RH_ASSERT(std::find(names_.begin(), names_.end(), name) == names_.end());
  names_.push_back(name);
  samplers_.push_back(std::move(sampler));
  for (std::vector<double>& row : rows_) row.push_back(std::numeric_limits<double>::quiet_NaN());
}

// Rows are taken only once a series exists (an empty recorder stays empty);
// times are strictly increasing.
void Recorder::Sample(Time t) {
  if (samplers_.empty()) return;
  RH_ASSERT(times_.empty() || times_.back() < t);
  std::vector<double> row;
  row.reserve(samplers_.size());
  for (const Sampler& sampler : samplers_) row.push_back(sampler());
  times_.push_back(t);
  rows_.push_back(std::move(row));
}

void Recorder::Log(Time t, std::string kind, std::string object, std::string message) {
  log_.push_back(LogRecord{t, std::move(kind), std::move(object), std::move(message)});
}

}  // namespace rehearsal::sim
