// PDBs select pods by label selector (spec 4.1/4.2): pods of several
// workloads under one budget, expectedPods from every owning controller, and
// the eviction API's "more than one PDB" refusal when selectors overlap.
#include <gtest/gtest.h>

#include <vector>

#include "cluster_testlib.h"
#include "models/cluster/store.h"
#include "models/disruption/cluster_model.h"

namespace rehearsal::models {
namespace {

using testing::At;
using testing::Deployment;
using testing::SmallCluster;

std::vector<PodId> PodsOf(const ClusterModel& m, const char* name) {
  const auto& pods = m.store().workload(m.FindWorkload(name)).pods;
  return {pods.begin(), pods.end()};
}

TEST(PdbSelector, OneBudgetAcrossWorkloadsSharingALabel) {
  sim::Simulation sim(9);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("wallet", 6, 200));
  wl.workloads.back().pod.labels = {{"tier", "money"}};
  wl.workloads.push_back(Deployment("ledger", 4, 200));
  wl.workloads.back().pod.labels = {{"tier", "money"}};
  wl.workloads.push_back(Deployment("web", 4, 200));
  PdbSpec pdb;
  pdb.name = "money";
  pdb.selector = LabelSelector{{{"tier", "money"}}, {}};
  pdb.max_unavailable = IntOrPercent::Percent(30);
  wl.pdbs.push_back(pdb);
  ClusterModel m(sim, SmallCluster(4), wl);
  sim.RunUntil(At(60));
  // expectedPods = 6 + 4 (both Deployments' scale); maxUnavailable 30 % of
  // 10 rounds up to 3 -> desiredHealthy 7, 10 healthy -> 3 disruptions.
  const Pdb& status = m.store().pdbs()[0];
  EXPECT_EQ(status.expected_pods, 10);
  EXPECT_EQ(status.desired_healthy, 7);
  EXPECT_EQ(status.disruptions_allowed, 3);
  auto wallet = PodsOf(m, "wallet");
  auto ledger = PodsOf(m, "ledger");
  EXPECT_EQ(m.Evict(wallet[0]), EvictionResult::kEvicted);
  EXPECT_EQ(m.Evict(ledger[0]), EvictionResult::kEvicted);
  EXPECT_EQ(m.Evict(ledger[1]), EvictionResult::kEvicted);
  EXPECT_EQ(m.Evict(wallet[1]), EvictionResult::kTooManyRequests);  // budget shared
  // web carries no tier label: no PDB, deleted without a check.
  EXPECT_EQ(m.Evict(PodsOf(m, "web")[0]), EvictionResult::kDeletedWithoutCheck);
  EXPECT_EQ(m.pdb_budget_violations(), 0);
}

TEST(PdbSelector, OverlappingSelectorsRefuseWith500) {
  sim::Simulation sim(10);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 4, 200));
  wl.workloads.back().pod.labels = {{"team", "core"}, {"tier", "edge"}};
  PdbSpec by_team;
  by_team.name = "team";
  by_team.selector = LabelSelector{{{"team", "core"}}, {}};
  by_team.max_unavailable = IntOrPercent::Int(1);
  PdbSpec by_tier;
  by_tier.name = "tier";
  by_tier.selector = LabelSelector{{}, {{"tier", LabelOperator::kIn, {"edge", "mid"}}}};
  by_tier.max_unavailable = IntOrPercent::Int(1);
  wl.pdbs = {by_team, by_tier};
  ClusterModel m(sim, SmallCluster(2), wl);
  sim.RunUntil(At(60));
  EXPECT_EQ(m.Evict(PodsOf(m, "api")[0]), EvictionResult::kMultiplePdbs);
}

TEST(PdbSelector, ExpressionSelectsSomeWorkloadsOnly) {
  // tier NotIn (batch): the batch workload is outside the budget; pods
  // without a tier label are inside (NotIn matches a missing key).
  sim::Simulation sim(11);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 3, 200));
  wl.workloads.push_back(Deployment("etl", 3, 200));
  wl.workloads.back().pod.labels = {{"tier", "batch"}};
  PdbSpec pdb;
  pdb.name = "not-batch";
  pdb.selector = LabelSelector{{}, {{"tier", LabelOperator::kNotIn, {"batch"}}}};
  pdb.min_available = IntOrPercent::Int(3);
  wl.pdbs.push_back(pdb);
  ClusterModel m(sim, SmallCluster(3), wl);
  sim.RunUntil(At(60));
  EXPECT_EQ(m.Evict(PodsOf(m, "api")[0]), EvictionResult::kTooManyRequests);
  EXPECT_EQ(m.Evict(PodsOf(m, "etl")[0]), EvictionResult::kDeletedWithoutCheck);
}

}  // namespace
}  // namespace rehearsal::models
