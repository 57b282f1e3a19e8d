#include "models/autoscaling/ca_calculator.h"

#include <algorithm>
#include <numeric>
#include <regex>

#include "sim/assert.h"

namespace rehearsal::models::autoscaling {
namespace {

struct OpenNode {
  int64_t cpu_free = 0;
  int64_t memory_free = 0;
  int32_t pods_free = 0;
};

template <typename Key>
std::vector<size_t> KeepBest(const std::vector<size_t>& candidates, Key key) {
  std::vector<size_t> best;
  bool have = false;
  decltype(key(size_t{0})) best_key{};
  for (size_t i : candidates) {
    auto k = key(i);
    if (!have || k < best_key) {
      best = {i};
      best_key = k;
      have = true;
    } else if (k == best_key) {
      best.push_back(i);
    }
  }
  return best;
}

}  // namespace

BinpackResult EstimateBinpacking(const NodeTemplate& node, const std::vector<CaPodRequest>& pods,
                                 int32_t max_new_nodes) {
  RH_ASSERT(max_new_nodes >= 0);
  BinpackResult result;
  OpenNode empty{node.cpu_millicores - node.daemonset_cpu_millicores,
                 node.memory_bytes - node.daemonset_memory_bytes,
                 node.pods_max - node.daemonset_pods};
  // Largest first by the sum of the two fractions (binpacking estimator order).
  std::vector<size_t> order(pods.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto score = [&](size_t i) {
    double cpu = node.cpu_millicores > 0 ? static_cast<double>(pods[i].cpu_millicores) /
                                               static_cast<double>(node.cpu_millicores)
                                         : 0.0;
    double mem = node.memory_bytes > 0 ? static_cast<double>(pods[i].memory_bytes) /
                                             static_cast<double>(node.memory_bytes)
                                       : 0.0;
    return cpu + mem;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return score(a) > score(b); });
  auto fits = [](const OpenNode& n, const CaPodRequest& p) {
    return n.pods_free >= 1 && n.cpu_free >= p.cpu_millicores && n.memory_free >= p.memory_bytes;
  };
  std::vector<OpenNode> open;
  for (size_t i : order) {
    const CaPodRequest& pod = pods[i];
    OpenNode* target = nullptr;
    for (auto& n : open) {
      if (fits(n, pod)) {
        target = &n;
        break;
      }
    }
    if (target == nullptr) {
      if (!fits(empty, pod) || static_cast<int32_t>(open.size()) >= max_new_nodes) {
        result.unschedulable.push_back(i);
        continue;
      }
      open.push_back(empty);
      target = &open.back();
    }
    target->cpu_free -= pod.cpu_millicores;
    target->memory_free -= pod.memory_bytes;
    target->pods_free -= 1;
    result.scheduled.push_back(i);
    result.cpu_requested_millicores += pod.cpu_millicores;
    result.memory_requested_bytes += pod.memory_bytes;
  }
  result.node_count = static_cast<int32_t>(open.size());
  std::sort(result.unschedulable.begin(), result.unschedulable.end());
  return result;
}

const char* ExpanderKindName(ExpanderKind kind) {
  switch (kind) {
    case ExpanderKind::kRandom: return "random";
    case ExpanderKind::kMostPods: return "most-pods";
    case ExpanderKind::kLeastWaste: return "least-waste";
    case ExpanderKind::kLeastNodes: return "least-nodes";
    case ExpanderKind::kPrice: return "price";
    case ExpanderKind::kPriority: return "priority";
  }
  return "?";
}

std::optional<ExpanderKind> ParseExpanderKind(const std::string& name) {
  for (ExpanderKind k : {ExpanderKind::kRandom, ExpanderKind::kMostPods, ExpanderKind::kLeastWaste,
                         ExpanderKind::kLeastNodes, ExpanderKind::kPrice, ExpanderKind::kPriority})
    if (name == ExpanderKindName(k)) return k;
  return std::nullopt;
}

double CpuWasteFraction(const ExpansionOption& o) {
  double avail = static_cast<double>(o.node_cpu_millicores) * o.node_count;
  if (avail <= 0) return 1.0;
  return (avail - static_cast<double>(o.cpu_requested_millicores)) / avail;
}

double MemoryWasteFraction(const ExpansionOption& o) {
  double avail = static_cast<double>(o.node_memory_bytes) * o.node_count;
  if (avail <= 0) return 1.0;
  return (avail - static_cast<double>(o.memory_requested_bytes)) / avail;
}

std::vector<size_t> ApplyExpander(ExpanderKind kind, const std::vector<ExpansionOption>& options,
                                  const std::vector<size_t>& candidates,
                                  const PriorityExpanderConfig& priorities) {
  switch (kind) {
    case ExpanderKind::kRandom: return candidates;
    case ExpanderKind::kMostPods:
      return KeepBest(candidates, [&](size_t i) { return -options[i].pods_scheduled; });
    case ExpanderKind::kLeastNodes:
      return KeepBest(candidates, [&](size_t i) { return options[i].node_count; });
    case ExpanderKind::kLeastWaste:
      return KeepBest(candidates, [&](size_t i) {
        return std::pair<double, double>(CpuWasteFraction(options[i]),
                                         MemoryWasteFraction(options[i]));
      });
    case ExpanderKind::kPrice:
      return KeepBest(candidates, [&](size_t i) {
        return options[i].price_per_node_hour * options[i].node_count;
      });
    case ExpanderKind::kPriority: {
      // Highest priority first; the first priority with any match wins.
      for (auto it = priorities.rbegin(); it != priorities.rend(); ++it) {
        std::vector<size_t> matched;
        for (size_t i : candidates) {
          for (const auto& pattern : it->second) {
            if (std::regex_search(options[i].group, std::regex(pattern))) {
              matched.push_back(i);
              break;
            }
          }
        }
        if (!matched.empty()) return matched;
      }
      return candidates;
    }
  }
  return candidates;
}

std::vector<size_t> ApplyExpanderChain(const std::vector<ExpanderKind>& chain,
                                       const std::vector<ExpansionOption>& options,
                                       const PriorityExpanderConfig& priorities) {
  std::vector<size_t> candidates(options.size());
  std::iota(candidates.begin(), candidates.end(), size_t{0});
  for (ExpanderKind kind : chain) {
    if (candidates.size() <= 1) break;
    candidates = ApplyExpander(kind, options, candidates, priorities);
  }
  return candidates;
}

const char* ScaleDownBlockerName(ScaleDownBlocker b) {
  switch (b) {
    case ScaleDownBlocker::kNone: return "none";
    case ScaleDownBlocker::kSafeToEvictFalse: return "pod annotated safe-to-evict=false";
    case ScaleDownBlocker::kPdb: return "PodDisruptionBudget allows no disruption";
    case ScaleDownBlocker::kKubeSystem: return "kube-system pod without a PDB";
    case ScaleDownBlocker::kNotReplicated: return "pod has no controller";
    case ScaleDownBlocker::kLocalStorage: return "pod uses local storage";
    case ScaleDownBlocker::kNoPlaceToGo: return "pod cannot be placed on another node";
  }
  return "?";
}

ScaleDownBlocker PodBlocksScaleDown(const CaPodFacts& pod) {
  if (pod.daemonset || pod.mirror) return ScaleDownBlocker::kNone;
  if (pod.safe_to_evict && !*pod.safe_to_evict) return ScaleDownBlocker::kSafeToEvictFalse;
  if (pod.has_pdb && !pod.pdb_allows_disruption) return ScaleDownBlocker::kPdb;
  bool safe = pod.safe_to_evict && *pod.safe_to_evict;
  if (!safe) {
    if (pod.kube_system && !pod.has_pdb) return ScaleDownBlocker::kKubeSystem;
    if (!pod.has_controller) return ScaleDownBlocker::kNotReplicated;
    if (pod.local_storage) return ScaleDownBlocker::kLocalStorage;
  }
  return ScaleDownBlocker::kNone;
}

}  // namespace rehearsal::models::autoscaling
