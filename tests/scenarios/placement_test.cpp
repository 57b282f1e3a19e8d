// Placement rules written in a scenario (pod affinity, anti-affinity,
// topology spread) reach the scheduler with Kubernetes' meaning: checked on
// where the pods really are after the run, against counts that follow from
// the rules alone.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "models/world/components.h"
#include "scenarios/loader.h"
#include "scenarios/run.h"

namespace rehearsal::scenarios {
namespace {

// Four nodes, two per zone, nothing else to schedule around.
const char* kScenario = R"(name: placement
duration: 10m
cluster:
  zones: [eu-west-1a, eu-west-1b]
  pools:
    - {name: general, cpu: "4", memory: 16Gi, min: 4, max: 4}
  autoscaler: {enabled: false}
services:
  - name: one-per-node
    replicas: 6
    resources: {requests: {cpu: 100m, memory: 128Mi}}
    anti_affinity: [{topology: hostname, required: true}]
  - name: spread
    replicas: 6
    resources: {requests: {cpu: 100m, memory: 128Mi}}
    topology_spread: [{topology: zone, max_skew: 1, when_unsatisfiable: DoNotSchedule}]
  - name: solo
    replicas: 1
    resources: {requests: {cpu: 100m, memory: 128Mi}}
  - name: sidecar
    replicas: 3
    resources: {requests: {cpu: 100m, memory: 128Mi}}
    affinity: [{topology: hostname, required: true, services: [solo]}]
)";

struct Placement {
  int pending = 0;
  std::map<models::NodeId, int> per_node;
  std::map<int32_t, int> per_zone;
};

Placement Where(const models::Store& store, const std::string& service) {
  Placement p;
  const models::WorkloadId w = store.FindWorkload(service);
  EXPECT_NE(w, models::kNoId) << service;
  if (w == models::kNoId) return p;
  for (models::PodId id : store.workload(w).pods) {
    const models::Pod& pod = store.pod(id);
    if (pod.node == models::kNoId) {
      ++p.pending;
      continue;
    }
    ++p.per_node[pod.node];
    ++p.per_zone[store.node(pod.node).zone];
  }
  return p;
}

TEST(Placement, AffinityAntiAffinityAndSpreadFromTheScenario) {
  auto s = LoadScenarioText(kScenario, "placement.yaml");
  ASSERT_TRUE(s.ok()) << s.errors().front().ToString();
  auto run = RunScenario(*s, RunOptions{});
  ASSERT_TRUE(run.ok()) << run.errors().front().ToString();
  const auto* cluster = run->world->Find<models::ClusterComponent>();
  ASSERT_NE(cluster, nullptr);
  const models::Store& store = cluster->model().store();

  // Required anti-affinity on the hostname: at most one pod per node, so of
  // six replicas four run (one on each node) and two stay Pending.
  const Placement one = Where(store, "one-per-node");
  EXPECT_EQ(one.per_node.size(), 4u);
  for (const auto& [node, n] : one.per_node) EXPECT_EQ(n, 1) << "node " << node;
  EXPECT_EQ(one.pending, 2);

  // maxSkew 1 over two zones with DoNotSchedule: six pods split 3 + 3.
  const Placement spread = Where(store, "spread");
  EXPECT_EQ(spread.pending, 0);
  ASSERT_EQ(spread.per_zone.size(), 2u);
  for (const auto& [zone, n] : spread.per_zone) EXPECT_EQ(n, 3) << "zone " << zone;

  // Required affinity to `solo` on the hostname: every sidecar on solo's node.
  const Placement solo = Where(store, "solo");
  const Placement sidecar = Where(store, "sidecar");
  ASSERT_EQ(solo.per_node.size(), 1u);
  EXPECT_EQ(sidecar.pending, 0);
  ASSERT_EQ(sidecar.per_node.size(), 1u);
  EXPECT_EQ(sidecar.per_node.begin()->first, solo.per_node.begin()->first);
}

// Preferred anti-affinity never blocks: all six run, spread as far as the
// four nodes allow (no node with more than two).
TEST(Placement, PreferredAntiAffinityOnlyScores) {
  std::string text = kScenario;
  text.replace(text.find("required: true}]\n  - name: spread"), 14, "weight: 100");
  auto s = LoadScenarioText(text, "placement.yaml");
  ASSERT_TRUE(s.ok()) << s.errors().front().ToString();
  auto run = RunScenario(*s, RunOptions{});
  ASSERT_TRUE(run.ok());
  const models::Store& store = run->world->Find<models::ClusterComponent>()->model().store();
  const Placement one = Where(store, "one-per-node");
  EXPECT_EQ(one.pending, 0);
  EXPECT_EQ(one.per_node.size(), 4u);
  for (const auto& [node, n] : one.per_node) EXPECT_LE(n, 2) << "node " << node;
}

}  // namespace
}  // namespace rehearsal::scenarios
