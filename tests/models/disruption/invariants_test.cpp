#include "models/disruption/invariants.h"

#include <gtest/gtest.h>

#include "cluster_testlib.h"

namespace rehearsal::models {
namespace {

TEST(InvariantChecker, FlagsTimeGoingBack) {
  sim::Simulation sim(31);
  WorkloadsConfig wl;
  wl.workloads.push_back(testing::Deployment("api", 2));
  ClusterModel m(sim, testing::SmallCluster(2), wl);
  sim.RunUntil(testing::At(30));
  InvariantChecker check(m);
  check.Check(testing::At(30));
  EXPECT_TRUE(check.violations().empty());
  check.Check(testing::At(20));
  ASSERT_EQ(check.violations().size(), 1u);
  EXPECT_NE(check.violations()[0].find("time went back"), std::string::npos);
}

TEST(InvariantChecker, CleanThroughFaultsAndScaling) {
  sim::Simulation sim(32);
  WorkloadsConfig wl;
  wl.workloads.push_back(testing::Deployment("api", 8, 400));
  PdbSpec pdb;
  pdb.name = "api";
  pdb.workloads = {"api"};
  pdb.max_unavailable = IntOrPercent::Percent(25);
  wl.pdbs.push_back(pdb);
  ClusterModel m(sim, testing::SmallCluster(4, 2), wl);
  InvariantChecker check(m);
  sim.AddObserver([&](const sim::Simulation& s) { check.Check(s.now()); });
  WorkloadId api = m.FindWorkload("api");
  sim.RunUntil(testing::At(60));
  m.Scale(api, 14);
  m.SpotInterrupt(m.PoolNodes(1).front());
  sim.RunUntil(testing::At(120));
  m.FailNode(m.PoolNodes(0).front());
  m.SetTemplateVersion(api, "v2");
  sim.RunUntil(testing::At(600));
  m.Scale(api, 6);
  sim.RunUntil(testing::At(900));
  EXPECT_TRUE(check.violations().empty()) << check.violations().front();
  EXPECT_EQ(m.store().workload(api).ready_replicas, 6);
  EXPECT_EQ(m.pdb_budget_violations(), 0);
}

}  // namespace
}  // namespace rehearsal::models
