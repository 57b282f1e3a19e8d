#pragma once
// Pure calculators for kube-scheduler's filters and scores (spec 6.2, 6.3).
// Integer arithmetic where upstream uses it. No clock, no RNG, no store.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "models/cluster/cluster_config.h"
#include "sim/assert.h"

namespace rehearsal::models {

inline constexpr int64_t kMaxNodeScore = 100;

// Score plugin weights of the default profile (spec 6.1).
struct ScoreWeights {
  int64_t taint_toleration = 3;
  int64_t node_affinity = 2;
  int64_t resources_fit = 1;
  int64_t topology_spread = 2;
  int64_t inter_pod_affinity = 2;
  int64_t balanced_allocation = 1;
  int64_t image_locality = 1;
};

// percentageOfNodesToScore, adaptive (spec 6.1): below 100 nodes every node;
// else p = max(5, 50 - N/125) percent, and at least 100 nodes.
// Worked example: 5000 nodes -> p = 10 -> stop after 500 feasible nodes;
// 1000 nodes -> p = 42 -> 420; 20000 nodes -> p = 5 -> 1000.
inline int64_t NumFeasibleNodesToFind(int64_t nodes, int32_t percentage) {
  constexpr int64_t kMinFeasible = 100;
  if (nodes < kMinFeasible) return nodes;
  int64_t p = percentage;
  if (p <= 0) p = std::max<int64_t>(5, 50 - nodes / 125);
  if (p >= 100) return nodes;
  int64_t n = nodes * p / 100;
  return std::max(n, kMinFeasible);
}

// LeastAllocated for one resource: (alloc - req) * 100 / alloc, 0 when req > alloc.
// Worked example: 4000m allocatable, 1000m requested -> 75.
inline int64_t LeastAllocatedScore(int64_t requested, int64_t allocatable) {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return (allocatable - requested) * kMaxNodeScore / allocatable;
}

// MostAllocated for one resource: req * 100 / alloc, req capped at alloc.
inline int64_t MostAllocatedScore(int64_t requested, int64_t allocatable) {
  if (allocatable <= 0) return 0;
  return std::min(requested, allocatable) * kMaxNodeScore / allocatable;
}

// NodeResourcesFit over cpu and memory with weights 1:1 (integer mean).
// Worked example (LeastAllocated): cpu 3000/4000 -> 25, mem 2Gi/8Gi -> 75 -> 50.
inline int64_t ResourcesFitScore(ScoringStrategy strategy, int64_t cpu_req, int64_t cpu_alloc,
                                 int64_t mem_req, int64_t mem_alloc) {
  if (strategy == ScoringStrategy::kMostAllocated)
    return (MostAllocatedScore(cpu_req, cpu_alloc) + MostAllocatedScore(mem_req, mem_alloc)) / 2;
  return (LeastAllocatedScore(cpu_req, cpu_alloc) + LeastAllocatedScore(mem_req, mem_alloc)) / 2;
}

// BalancedAllocation with two resources: std = |f_cpu - f_mem| / 2,
// score = (1 - std) * 100 (spec 6.3), fractions capped at 1.
// Worked example: cpu 50 %, mem 10 % -> std 0.2 -> 80.
inline int64_t BalancedAllocationScore(int64_t cpu_req, int64_t cpu_alloc, int64_t mem_req,
                                       int64_t mem_alloc) {
  double fc = cpu_alloc > 0 ? std::min(1.0, static_cast<double>(cpu_req) / static_cast<double>(cpu_alloc)) : 1.0;
  double fm = mem_alloc > 0 ? std::min(1.0, static_cast<double>(mem_req) / static_cast<double>(mem_alloc)) : 1.0;
  double sd = std::fabs(fc - fm) / 2;
  return static_cast<int64_t>((1 - sd) * static_cast<double>(kMaxNodeScore));
}

// PodTopologySpread normalizing weight of a constraint: ln(domains + 2).
inline double TopologyNormalizingWeight(int64_t domains) {
  return std::log(static_cast<double>(domains + 2));
}

// One constraint's contribution to a node's raw spread score:
// cnt * ln(domains + 2) + (maxSkew - 1). The sum over constraints is rounded.
// Worked example: 3 matching pods on the node, 500 candidate nodes, maxSkew 3
// -> 3 * ln(502) + 2 = 20.66.
inline double TopologyRawScore(int64_t matching, double weight, int32_t max_skew) {
  return static_cast<double>(matching) * weight + static_cast<double>(max_skew - 1);
}

// Normalized spread score: 100 * (max + min - raw) / max; every node 100 when max = 0.
// Worked example: raws {2, 5, 8} -> {100, 62, 25}.
inline int64_t TopologyNormalizedScore(int64_t raw, int64_t min_raw, int64_t max_raw) {
  if (max_raw == 0) return kMaxNodeScore;
  return kMaxNodeScore * (max_raw + min_raw - raw) / max_raw;
}

// Min-max normalization used by InterPodAffinity: 100 * (raw - min) / (max - min), 0 when flat.
inline int64_t MinMaxNormalizedScore(int64_t raw, int64_t min_raw, int64_t max_raw) {
  if (max_raw == min_raw) return 0;
  return kMaxNodeScore * (raw - min_raw) / (max_raw - min_raw);
}

// TaintToleration: 100 - 100 * count / maxCount (100 everywhere when maxCount = 0).
inline int64_t TaintTolerationScore(int64_t intolerable, int64_t max_intolerable) {
  if (max_intolerable == 0) return kMaxNodeScore;
  return kMaxNodeScore - kMaxNodeScore * intolerable / max_intolerable;
}

// NodeAffinity: 100 * s / max (0 when max = 0).
inline int64_t NodeAffinityScore(int64_t sum, int64_t max_sum) {
  if (max_sum == 0) return 0;
  return kMaxNodeScore * sum / max_sum;
}

// ImageLocality (spec 6.3; kube-scheduler plugins/imagelocality): each of
// the pod's images already on the node adds size x (nodes with the image /
// all nodes), the "spread" scaling that keeps pods from piling onto the few
// nodes holding a rare image. The sum is clamped to [23 MiB, 1000 MiB x
// containers] and mapped linearly onto 0..100 (integer division); there is no
// normalisation step. Worked example: one container, a 500 MiB image on 3 of
// 10 nodes: int64(524288000 x 0.3) = 157286400 bytes; (157286400 - 23 MiB) x
// 100 / (1000 MiB - 23 MiB) = 12 on those nodes, 0 elsewhere.
inline constexpr int64_t kImageMinThresholdBytes = 23LL * 1024 * 1024;
inline constexpr int64_t kImageMaxContainerThresholdBytes = 1000LL * 1024 * 1024;

inline int64_t ScaledImageScore(int64_t size_bytes, int64_t nodes_with_image, int64_t total_nodes) {
  const double spread = static_cast<double>(nodes_with_image) / static_cast<double>(total_nodes);
  return static_cast<int64_t>(static_cast<double>(size_bytes) * spread);
}

inline int64_t ImageLocalityScore(int64_t sum_scaled_bytes, int64_t containers) {
  const int64_t max_threshold = kImageMaxContainerThresholdBytes * containers;
  const int64_t sum = std::clamp(sum_scaled_bytes, kImageMinThresholdBytes, max_threshold);
  return kMaxNodeScore * (sum - kImageMinThresholdBytes) / (max_threshold - kImageMinThresholdBytes);
}

// PodTopologySpread filter for one DoNotSchedule constraint (spec 6.2):
// (matching in the node's domain + selfMatchNum) - global min <= maxSkew,
// selfMatchNum = 1 when the incoming pod matches the constraint's selector
// (always, for the own-workload default), else 0 (kube-scheduler
// podtopologyspread/filtering.go). When fewer eligible domains than minDomains
// exist, the global min counts as 0.
// Worked example: zones {a: 3, b: 2, c: 2}, maxSkew 1 -> a: 4 - 2 = 2 > 1 fails; b passes.
// A pod that does not match its own selector: a: 3 + 0 - 2 = 1 passes.
inline bool TopologySpreadFits(int64_t in_domain, int64_t global_min, int64_t domains,
                               int32_t min_domains, int32_t max_skew, bool self_match = true) {
  int64_t m = domains < min_domains ? 0 : global_min;
  return in_domain + (self_match ? 1 : 0) - m <= max_skew;
}

}  // namespace rehearsal::models
