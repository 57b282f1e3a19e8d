#pragma once
// The workloads of a scenario as plain data: what scenarios/ fills and
// ClusterModel consumes. The individual specs are declared beside the object
// store (models/cluster/workload_spec.h) because the store holds them.
#include <vector>

#include "models/cluster/workload_spec.h"

namespace rehearsal::models {

struct WorkloadsConfig {
  std::vector<WorkloadSpec> workloads;
  std::vector<PdbSpec> pdbs;
  std::vector<PriorityClassSpec> priority_classes;
};

}  // namespace rehearsal::models
