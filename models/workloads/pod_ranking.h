#pragma once
// The ReplicaSet scale-down ranking (spec 2.8, ActivePodsWithRanks with
// LogarithmicScaleDown): which pods are deleted first. Pure: plain structs in,
// a strict weak order out.
#include <cmath>
#include <cstdint>

#include "models/core/ids.h"
#include "sim/time.h"

namespace rehearsal::models {

struct PodRankInput {
  PodId id = kNoId;
  bool assigned = false;      // has a node
  int32_t phase_rank = 0;     // Pending 0 < Unknown 1 < Running 2
  bool ready = false;
  int32_t deletion_cost = 0;  // controller.kubernetes.io/pod-deletion-cost
  int32_t related_on_node = 0;  // active sibling pods on the same node
  sim::Time ready_since = sim::Time::Max();
  int32_t restarts = 0;
  sim::Time created_at{};
  // Optional: LogBucket(now, ready_since / created_at) precomputed by
  // PrecomputeBuckets, so a sort does not take logarithms in its comparator.
  int64_t ready_bucket = INT64_MIN;
  int64_t created_bucket = INT64_MIN;
};

// floor(log2(seconds since t)); -1 when t is not in the past. With
// LogarithmicScaleDown, durations in the same bucket compare equal: 5 h and
// 8 h both give 14, 2 h gives 12.
inline int64_t LogBucket(sim::Time now, sim::Time t) {
  if (t >= now) return -1;
  int64_t s = (now - t).us / 1000000;
  if (s <= 0) return -1;
  return static_cast<int64_t>(std::floor(std::log2(static_cast<double>(s))));
}

inline void PrecomputeBuckets(PodRankInput& p, sim::Time now) {
  p.ready_bucket = LogBucket(now, p.ready_since);
  p.created_bucket = LogBucket(now, p.created_at);
}

// True when `a` should be deleted before `b`.
inline bool DeleteBefore(const PodRankInput& a, const PodRankInput& b, sim::Time now) {
  if (a.assigned != b.assigned) return !a.assigned;                  // 1. unassigned first
  if (a.phase_rank != b.phase_rank) return a.phase_rank < b.phase_rank;  // 2. Pending < Unknown < Running
  if (a.ready != b.ready) return !a.ready;                           // 3. not ready first
  if (a.deletion_cost != b.deletion_cost) return a.deletion_cost < b.deletion_cost;  // 4.
  if (a.related_on_node != b.related_on_node) return a.related_on_node > b.related_on_node;  // 5.
  if (a.ready && b.ready) {                                          // 6. ready for less time
    int64_t ba = a.ready_bucket != INT64_MIN ? a.ready_bucket : LogBucket(now, a.ready_since);
    int64_t bb = b.ready_bucket != INT64_MIN ? b.ready_bucket : LogBucket(now, b.ready_since);
    if (ba != bb) return ba < bb;
  }
  if (a.restarts != b.restarts) return a.restarts > b.restarts;     // 7. more restarts first
  int64_t ca = a.created_bucket != INT64_MIN ? a.created_bucket : LogBucket(now, a.created_at);
  int64_t cb = b.created_bucket != INT64_MIN ? b.created_bucket : LogBucket(now, b.created_at);
  if (ca != cb) return ca < cb;                                      // 8. newer first
  return a.id > b.id;                                                // stable: newer id first
}

}  // namespace rehearsal::models
