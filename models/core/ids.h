#pragma once
// Stable integer ids for model objects. Ids are assigned in creation order,
// which is deterministic; containers keyed by id iterate in a stable order.
#include <cstdint>

namespace rehearsal::models {

using PodId = uint64_t;
using NodeId = uint64_t;
using WorkloadId = uint64_t;
inline constexpr uint64_t kNoId = 0;  // ids start at 1

}  // namespace rehearsal::models
