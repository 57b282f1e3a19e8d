#pragma once
// The cluster autoscaler's scale-down simulation (spec 7.2, upstream
// simulator.FindNodesToRemove): can every pod of a node be re-placed on the
// other Ready nodes? Each pod, in order, goes to the first other node that
// passes the scheduler's filters for it, in the scheduler's order (spec 6):
// node selector / required node affinity (node labels), NoSchedule /
// NoExecute taints against the pod's tolerations, the pod's volume zone,
// resources (counting pods already re-placed in the same simulation), then
// required pod anti-affinity (the pod's terms and, symmetrically, other pods'
// terms against it), required pod affinity and hard (DoNotSchedule) topology
// spread. A pod with no such node keeps the node; the reason names the pod
// and the per-filter node counts, as kube-scheduler's FailedScheduling
// message does ("0/4 nodes are available: 3 node(s) had untolerated taint,
// 1 Insufficient cpu.").
//
// The label and taint matching are the cluster library's own matchers
// (LabelSelector, NodeSelectorTerm, Toleration) and the counts the store
// keeps for the scheduler (pods of a workload / pod class per node and zone),
// so the CA and the scheduler agree. Limits: a zone-level term with an
// explicit selector matches workloads by their current template's labels;
// the upstream "first pod of an affinity group" exception is not modelled.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/cluster/store.h"
#include "models/scheduler/scheduler.h"

namespace rehearsal::models::autoscaling {

class MoveCheck {
 public:
  // `targets`: the nodes pods may move to (Ready, schedulable, no spot
  // notice), in the order the simulation tries them.
  MoveCheck(const Store& store, std::vector<NodeId> targets);

  // Starts the simulation of draining `node` (forgets any earlier one).
  void Begin(NodeId node);
  // Places one pod of that node on the first target that passes every
  // filter and keeps it there for the rest of the simulation. "" when
  // placed, else the diagnosis ("0/3 nodes are available: 3 node(s) had
  // untolerated taint.").
  std::string Place(PodId pod);
  // The first filter that rejects moving `pod` to `target` in the current
  // simulation, or kNone (tests, diagnostics).
  FilterReason Check(PodId pod, NodeId target);

 private:
  struct Free {
    int64_t cpu = 0, mem = 0;
    int32_t pods = 0;
  };
  FilterReason CheckAt(const Pod& pod, size_t k);
  bool Matches(const LabelSelector& s, const Pod& p) const;
  // Live pods the selector matches in a domain, in the simulated state.
  int32_t CountOnNode(const LabelSelector& s, NodeId n) const;
  int32_t CountInZone(const LabelSelector& s, int32_t zone);
  const std::vector<WorkloadId>& WorkloadsMatching(const LabelSelector& s);
  bool TermViolated(const Pod& pod, const PodAffinityTerm& term, const Node& target, bool anti);
  bool SymmetricAntiAffinityViolated(const Pod& pod, const Node& target) const;
  bool SpreadViolated(const Pod& pod, const TopologySpreadConstraint& c, const Node& target);

  const Store& store_;
  std::vector<NodeId> targets_;
  std::vector<Free> free_;                       // aligned with targets_
  std::vector<uint8_t> zone_has_target_;         // by zone
  std::map<std::string, std::vector<WorkloadId>> workloads_by_selector_;
  // The current simulation.
  NodeId source_ = kNoId;
  std::map<size_t, Free> taken_;                 // target index -> resources placed there
  struct Moved {
    const Pod* pod;
    NodeId to;
  };
  std::vector<Moved> moved_;
};

}  // namespace rehearsal::models::autoscaling
