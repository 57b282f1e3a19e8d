#include "models/autoscaling/vpa_recommender.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {

int HistogramOptions::NumBuckets() const {
  return static_cast<int>(
             std::ceil(std::log(max_value * (ratio - 1) / first_bucket_size + 1) /
                       std::log(ratio))) +
         1;
}

int HistogramOptions::FindBucket(double value) const {
  if (value < first_bucket_size) return 0;
  int bucket =
      static_cast<int>(std::log(value * (ratio - 1) / first_bucket_size + 1) / std::log(ratio));
  // Guard against rounding in log(): move to the bucket whose range holds value.
  while (bucket > 0 && BucketStart(bucket) > value) --bucket;
  while (bucket + 1 < NumBuckets() && BucketStart(bucket + 1) <= value) ++bucket;
  return std::min(bucket, NumBuckets() - 1);
}

double HistogramOptions::BucketStart(int bucket) const {
  return first_bucket_size * (std::pow(ratio, bucket) - 1) / (ratio - 1);
}

HistogramOptions VpaCpuHistogramOptions() { return {1000.0, 0.01, 1.05}; }
HistogramOptions VpaMemoryHistogramOptions() { return {1e12, 1e7, 1.05}; }

DecayingHistogram::DecayingHistogram(HistogramOptions options, sim::Duration half_life)
    : options_(options), half_life_(half_life),
      weights_(static_cast<size_t>(options.NumBuckets()), 0.0) {
  RH_ASSERT(half_life.us > 0);
}

double DecayingHistogram::DecayFactor(sim::Time at) {
  // Keep exponents bounded: move the reference forward (rescaling every
  // weight) once a sample is more than 100 half-lives past it.
  double exponent = static_cast<double>((at - reference_).us) / static_cast<double>(half_life_.us);
  if (exponent > 100.0) {
    sim::Time new_ref = sim::Time{at.us - (at.us % half_life_.us)};
    double shift = static_cast<double>((new_ref - reference_).us) /
                   static_cast<double>(half_life_.us);
    double scale = std::exp2(-shift);
    for (auto& w : weights_) w *= scale;
    total_weight_ *= scale;
    reference_ = new_ref;
    exponent = static_cast<double>((at - reference_).us) / static_cast<double>(half_life_.us);
  }
  return std::exp2(exponent);
}

void DecayingHistogram::AddSample(double value, double weight, sim::Time at) {
  RH_ASSERT(weight >= 0);
  double w = weight * DecayFactor(at);
  weights_[static_cast<size_t>(options_.FindBucket(value))] += w;
  total_weight_ += w;
}

void DecayingHistogram::SubtractSample(double value, double weight, sim::Time at) {
  double w = weight * DecayFactor(at);
  size_t b = static_cast<size_t>(options_.FindBucket(value));
  double removed = std::min(w, weights_[b]);
  weights_[b] -= removed;
  total_weight_ = std::max(0.0, total_weight_ - removed);
}

double DecayingHistogram::Percentile(double p) const {
  RH_ASSERT(p >= 0 && p <= 1);
  if (empty()) return 0;
  double threshold = p * total_weight_;
  double partial = 0;
  int first_nonempty = -1;
  int last_nonempty = 0;
  for (size_t i = 0; i < weights_.size(); ++i) {
    if (weights_[i] <= 0) continue;
    if (first_nonempty < 0) first_nonempty = static_cast<int>(i);
    last_nonempty = static_cast<int>(i);
  }
  int bucket = std::max(first_nonempty, 0);
  for (; bucket < last_nonempty; ++bucket) {
    partial += weights_[static_cast<size_t>(bucket)];
    if (partial >= threshold) break;
  }
  if (bucket < options_.NumBuckets() - 1) return options_.BucketStart(bucket + 1);
  return options_.BucketStart(bucket);
}

ContainerUsageAggregate::ContainerUsageAggregate(const VpaParams& params)
    : params_(params),
      cpu_(VpaCpuHistogramOptions(), params.half_life),
      memory_(VpaMemoryHistogramOptions(), params.half_life) {}

void ContainerUsageAggregate::Touch(sim::Time at) {
  if (!any_) {
    first_ = at;
    any_ = true;
  }
  RH_ASSERT(at >= last_);
  last_ = at;
}

void ContainerUsageAggregate::AddCpuSample(sim::Time at, double cpu_cores, double weight) {
  Touch(at);
  ++samples_;
  // Upstream floors the weight at 0.1 so tiny requests still count.
  cpu_.AddSample(cpu_cores, std::max(weight, 0.1), at);
}

void ContainerUsageAggregate::AddMemorySample(sim::Time at, double memory_bytes) {
  Touch(at);
  // One histogram entry per aggregation interval: that interval's peak,
  // stamped with the interval end (replaced while the peak grows).
  if (!window_open_ || at >= window_end_) {
    int64_t interval = params_.memory_aggregation_interval.us;
    window_end_ = sim::Time{(at.us / interval + 1) * interval};
    memory_peak_ = 0;
    window_open_ = true;
  }
  if (memory_bytes > memory_peak_) {
    if (memory_peak_ > 0) memory_.SubtractSample(memory_peak_, 1.0, window_end_);
    memory_.AddSample(memory_bytes, 1.0, window_end_);
    memory_peak_ = memory_bytes;
  }
}

double VpaConfidence(const ContainerUsageAggregate& agg) {
  double span_days = static_cast<double>((agg.last_sample() - agg.first_sample()).us) /
                     static_cast<double>(sim::Duration::Hours(24).us);
  double samples_days = static_cast<double>(agg.samples()) / (60.0 * 24.0);
  return std::min(span_days, samples_days);
}

VpaRecommendation Recommend(const ContainerUsageAggregate& agg, const VpaParams& params,
                            int containers_in_pod) {
  RH_ASSERT(containers_in_pod >= 1);
  VpaRecommendation r;
  double margin = 1.0 + params.margin_fraction;
  auto estimate = [&](double p) {
    return ResourceAmounts{agg.cpu().Percentile(p) * 1000.0 * margin,
                           agg.memory().Percentile(p) * margin};
  };
  r.target = estimate(params.target_percentile);
  r.lower_bound = estimate(params.lower_percentile);
  r.upper_bound = estimate(params.upper_percentile);
  double c = VpaConfidence(agg);
  r.confidence = c;
  double upper_mult = c > 0 ? (1.0 + 1.0 / c) : std::numeric_limits<double>::infinity();
  double lower_mult = c > 0 ? std::pow(1.0 + 0.001 / c, -2.0) : 0.0;
  // 0 x inf stays 0 (nothing observed), not NaN.
  auto scale = [](double* v, double mult) {
    if (*v > 0) *v *= mult;
  };
  scale(&r.upper_bound.cpu_millicores, upper_mult);
  scale(&r.upper_bound.memory_bytes, upper_mult);
  scale(&r.lower_bound.cpu_millicores, lower_mult);
  scale(&r.lower_bound.memory_bytes, lower_mult);
  double cpu_min = static_cast<double>(params.pod_min_cpu_millicores) / containers_in_pod;
  double mem_min = static_cast<double>(params.pod_min_memory_bytes) / containers_in_pod;
  for (ResourceAmounts* a : {&r.target, &r.lower_bound, &r.upper_bound}) {
    a->cpu_millicores = std::max(a->cpu_millicores, cpu_min);
    a->memory_bytes = std::max(a->memory_bytes, mem_min);
  }
  return r;
}

bool VpaShouldEvict(const VpaRecommendation& rec, double cpu_request_millicores,
                    double memory_request_bytes) {
  return cpu_request_millicores < rec.lower_bound.cpu_millicores ||
         cpu_request_millicores > rec.upper_bound.cpu_millicores ||
         memory_request_bytes < rec.lower_bound.memory_bytes ||
         memory_request_bytes > rec.upper_bound.memory_bytes;
}

}  // namespace rehearsal::models::autoscaling
