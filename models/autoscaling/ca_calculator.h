#pragma once
// Cluster-autoscaler calculators (shared/spec/kubernetes.md section 7), pure:
// the binpacking estimator onto a node group's template node, the expanders,
// scale-down utilization and the per-pod scale-down blockers. The controller
// (cluster_autoscaler.h) owns the timers and applies the results.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehearsal::models::autoscaling {

// What a pending pod asks for.
struct CaPodRequest {
  std::string name;
  int64_t cpu_millicores = 0;
  int64_t memory_bytes = 0;
};

// A node group's template node (7.1 step 2): allocatable, max pods, and what
// the DaemonSet pods take on every new node.
struct NodeTemplate {
  std::string group;
  int64_t cpu_millicores = 0;
  int64_t memory_bytes = 0;
  int32_t pods_max = 110;
  int64_t daemonset_cpu_millicores = 0;
  int64_t daemonset_memory_bytes = 0;
  int32_t daemonset_pods = 0;
  double price_per_node_hour = 0;
};

struct BinpackResult {
  int32_t node_count = 0;
  std::vector<size_t> scheduled;      // indices into the pods, in placement order
  std::vector<size_t> unschedulable;  // do not fit an empty template, or max nodes reached
  int64_t cpu_requested_millicores = 0;   // Σ of the scheduled pods
  int64_t memory_requested_bytes = 0;
};

// The binpacking estimator: pods sorted by cpu/allocatable + mem/allocatable
// (largest first, ties by input order), each placed first-fit onto the new
// nodes opened so far, a new node opened when none fits, up to max_new_nodes.
// Worked example: template 4000m / 16 GiB, six pods of 1500m / 1 GiB -> two
// per node (3000m), three nodes.
// REQUIRES: max_new_nodes >= 0.
BinpackResult EstimateBinpacking(const NodeTemplate& node, const std::vector<CaPodRequest>& pods,
                                 int32_t max_new_nodes);

// One candidate scale-up, as the expanders see it.
struct ExpansionOption {
  std::string group;
  int32_t node_count = 0;
  int32_t pods_scheduled = 0;
  int64_t cpu_requested_millicores = 0;
  int64_t memory_requested_bytes = 0;
  int64_t node_cpu_millicores = 0;     // allocatable of one template node
  int64_t node_memory_bytes = 0;
  double price_per_node_hour = 0;
};

enum class ExpanderKind { kRandom, kMostPods, kLeastWaste, kLeastNodes, kPrice, kPriority };
const char* ExpanderKindName(ExpanderKind kind);
// "least-waste" -> kLeastWaste etc.; nullopt for an unknown name.
std::optional<ExpanderKind> ParseExpanderKind(const std::string& name);

// The priority expander's ConfigMap: priority -> regexes matched against group names.
using PriorityExpanderConfig = std::map<int32_t, std::vector<std::string>>;

// Idle fraction of the new capacity: (allocatable x n - requested) / (allocatable x n).
double CpuWasteFraction(const ExpansionOption& o);
double MemoryWasteFraction(const ExpansionOption& o);

// Filters `candidates` (indices into options) to the best ones by one expander
// (7.1 step 3); kRandom keeps them all (the caller draws among what remains).
// least-waste: least idle CPU fraction after scale-up, ties broken by idle
// memory. Worked example: 3 pods of 1000m on 4-core nodes (1 node, 25 % idle)
// beat 8-core nodes (1 node, 62.5 % idle).
// most-pods: most pods scheduled. least-nodes: fewest nodes. price: lowest
// cost of the new nodes per hour. priority: groups matching the highest
// priority's regexes (none matching: all candidates stay).
std::vector<size_t> ApplyExpander(ExpanderKind kind, const std::vector<ExpansionOption>& options,
                                  const std::vector<size_t>& candidates,
                                  const PriorityExpanderConfig& priorities);

// A comma list of expanders applied in order ("priority,least-waste"); the
// remaining ties are returned for a random pick.
std::vector<size_t> ApplyExpanderChain(const std::vector<ExpanderKind>& chain,
                                       const std::vector<ExpansionOption>& options,
                                       const PriorityExpanderConfig& priorities);

// Scale-down utilization (7.2): max(Σcpu requests / allocatable cpu,
// Σmem requests / allocatable mem). Worked example: 1500m of 4000m and
// 10 GiB of 16 GiB -> max(0.375, 0.625) = 0.625, not below 0.5: needed.
struct NodeUtilization {
  double cpu = 0;
  double memory = 0;
  double max = 0;
};
// Inline: the scale-down pass evaluates it for every node at every scan.
inline NodeUtilization ComputeNodeUtilization(int64_t cpu_requested_millicores,
                                              int64_t memory_requested_bytes,
                                              int64_t cpu_allocatable_millicores,
                                              int64_t memory_allocatable_bytes) {
  NodeUtilization u;
  if (cpu_allocatable_millicores > 0)
    u.cpu = static_cast<double>(cpu_requested_millicores) /
            static_cast<double>(cpu_allocatable_millicores);
  if (memory_allocatable_bytes > 0)
    u.memory = static_cast<double>(memory_requested_bytes) /
               static_cast<double>(memory_allocatable_bytes);
  u.max = u.cpu > u.memory ? u.cpu : u.memory;
  return u;
}

// Facts about a pod on a scale-down candidate node (7.2 blockers).
struct CaPodFacts {
  std::string name;
  bool daemonset = false;          // DaemonSet and mirror pods are not moved
  bool mirror = false;
  bool has_controller = true;
  bool kube_system = false;        // kube-system and not DaemonSet / mirror
  bool has_pdb = false;            // covered by some PDB
  bool pdb_allows_disruption = true;  // that PDB currently allows >= 1 disruption
  bool local_storage = false;      // hostPath / emptyDir not in memory
  std::optional<bool> safe_to_evict;  // cluster-autoscaler.kubernetes.io/safe-to-evict
};

enum class ScaleDownBlocker {
  kNone,
  kSafeToEvictFalse,   // annotated safe-to-evict: "false"
  kPdb,                // its PDB allows 0 disruptions
  kKubeSystem,         // kube-system pod without a PDB
  kNotReplicated,      // no controller
  kLocalStorage,       // local storage
  kNoPlaceToGo,        // cannot be re-placed elsewhere (decided by the caller's simulation)
};
const char* ScaleDownBlockerName(ScaleDownBlocker b);

// Whether this pod keeps its node (7.2). safe-to-evict "true" overrides the
// controller-less, local-storage and kube-system rules, never a PDB.
ScaleDownBlocker PodBlocksScaleDown(const CaPodFacts& pod);

}  // namespace rehearsal::models::autoscaling
