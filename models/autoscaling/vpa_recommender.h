#pragma once
// The VPA recommender's arithmetic (shared/spec/kubernetes.md section 10):
// decaying histograms with buckets growing by 5 %, percentiles 0.5 / 0.9 /
// 0.95, a +15 % margin, confidence multipliers on the bounds and per-pod
// minimums of 25 mCPU and 250 MiB. Pure: samples carry their time; no clock.
#include <cstdint>
#include <string>
#include <vector>

#include "sim/time.h"

namespace rehearsal::models::autoscaling {

// Exponential buckets: bucket b starts at first x (ratio^b - 1) / (ratio - 1).
// Worked example (CPU: first 0.01 core, ratio 1.05): bucket 0 = [0, 0.01),
// bucket 1 = [0.01, 0.0205), bucket 2 = [0.0205, 0.031525).
struct HistogramOptions {
  double max_value = 1000.0;
  double first_bucket_size = 0.01;
  double ratio = 1.05;

  int NumBuckets() const;
  int FindBucket(double value) const;
  double BucketStart(int bucket) const;
};

// CPU in cores: up to 1000 cores, first bucket 0.01 core (10m).
HistogramOptions VpaCpuHistogramOptions();
// Memory in bytes: up to 1 TB, first bucket 10 MB.
HistogramOptions VpaMemoryHistogramOptions();

// A histogram whose sample weights halve every half-life: a sample at time t
// weighs w x 2^((t - reference) / halfLife), so recent samples dominate.
// Worked example (half-life 24 h): a sample one day old weighs half a fresh one.
class DecayingHistogram {
 public:
  DecayingHistogram(HistogramOptions options, sim::Duration half_life);

  // REQUIRES: weight >= 0.
  void AddSample(double value, double weight, sim::Time at);
  // Removes a sample added earlier with the same value, weight and time.
  void SubtractSample(double value, double weight, sim::Time at);
  // The end of the first bucket whose cumulative weight reaches p x total
  // (the start of the last bucket if it is the last one); 0 when empty.
  // REQUIRES: 0 <= p <= 1.
  double Percentile(double p) const;
  bool empty() const { return total_weight_ <= 0; }
  double total_weight() const { return total_weight_; }

 private:
  double DecayFactor(sim::Time at);
  HistogramOptions options_;
  sim::Duration half_life_;
  sim::Time reference_;
  std::vector<double> weights_;
  double total_weight_ = 0;
};

// The recommender's parameters (spec 10 defaults).
struct VpaParams {
  double target_percentile = 0.90;
  double lower_percentile = 0.50;
  double upper_percentile = 0.95;
  double margin_fraction = 0.15;
  int64_t pod_min_cpu_millicores = 25;
  int64_t pod_min_memory_bytes = 250LL << 20;
  sim::Duration half_life = sim::Duration::Hours(24);
  sim::Duration memory_aggregation_interval = sim::Duration::Hours(24);
};

// Per-container usage history: CPU samples (weighted, typically by the
// request) and memory peaks per aggregation interval.
class ContainerUsageAggregate {
 public:
  explicit ContainerUsageAggregate(const VpaParams& params = {});

  // REQUIRES: samples arrive in non-decreasing time.
  void AddCpuSample(sim::Time at, double cpu_cores, double weight);
  void AddMemorySample(sim::Time at, double memory_bytes);

  const DecayingHistogram& cpu() const { return cpu_; }
  const DecayingHistogram& memory() const { return memory_; }
  int64_t samples() const { return samples_; }
  sim::Time first_sample() const { return first_; }
  sim::Time last_sample() const { return last_; }

 private:
  void Touch(sim::Time at);
  VpaParams params_;
  DecayingHistogram cpu_;
  DecayingHistogram memory_;
  int64_t samples_ = 0;
  sim::Time first_;
  sim::Time last_;
  bool any_ = false;
  sim::Time window_end_;
  double memory_peak_ = 0;
  bool window_open_ = false;
};

// Confidence c = min(history span in days, samples / 1440) (one sample a
// minute = 1 per day). Worked example: 12 h of minutely samples -> 0.5.
double VpaConfidence(const ContainerUsageAggregate& agg);

struct ResourceAmounts {
  double cpu_millicores = 0;
  double memory_bytes = 0;
};

struct VpaRecommendation {
  ResourceAmounts target;
  ResourceAmounts lower_bound;
  ResourceAmounts upper_bound;  // +inf with no history
  double confidence = 0;
};

// Percentile -> x(1 + margin) -> confidence multipliers (upper x (1 + 1/c),
// lower x (1 + 0.001/c)^-2) -> per-container minimums (pod minimum / containers).
// Worked example: CPU p90 at 0.5 core, a day of history (c = 1): target
// 575m, upper bound p95 x 1.15 x 2.
// REQUIRES: containers_in_pod >= 1.
VpaRecommendation Recommend(const ContainerUsageAggregate& agg, const VpaParams& params,
                            int containers_in_pod);

// The updater's test (Recreate / Auto): evict when the current request lies
// outside [lowerBound, upperBound] for either resource.
bool VpaShouldEvict(const VpaRecommendation& rec, double cpu_request_millicores,
                    double memory_request_bytes);

}  // namespace rehearsal::models::autoscaling
