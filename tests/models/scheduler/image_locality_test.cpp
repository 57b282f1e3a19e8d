// ImageLocality (spec 6.3; kube-scheduler plugins/imagelocality, weight 1):
// the formula as a table, image-name normalisation, then its effect on
// placement.
#include <gtest/gtest.h>

#include "models/scheduler/scheduler.h"

namespace rehearsal::models {
namespace {

constexpr int64_t kMiB = 1024 * 1024;

TEST(ImageLocality, ScoreTable) {
  struct Case {
    int64_t size_bytes, nodes_with, total_nodes, containers, want;
  };
  const Case cases[] = {
      {500 * kMiB, 3, 10, 1, 12},    // 157286400 B scaled: (150 - 23) x 100 / 977 MiB
      {500 * kMiB, 10, 10, 1, 48},   // on every node: (500 - 23) x 100 / 977
      {20 * kMiB, 10, 10, 1, 0},     // below the 23 MiB floor
      {2000 * kMiB, 10, 10, 1, 100}, // clamped at 1000 MiB per container
      {2000 * kMiB, 10, 10, 2, 100}, // 2 containers: max 2000 MiB -> exactly 100
      {1000 * kMiB, 10, 10, 2, 49},  // (1000 - 23) x 100 / (2000 - 23) = 49.4
      {1000 * kMiB, 1, 100, 1, 0},   // rare image: 10 MiB after spread scaling
  };
  for (const Case& c : cases) {
    const int64_t scaled = ScaledImageScore(c.size_bytes, c.nodes_with, c.total_nodes);
    EXPECT_EQ(ImageLocalityScore(scaled, c.containers), c.want)
        << c.size_bytes / kMiB << " MiB on " << c.nodes_with << "/" << c.total_nodes << " x"
        << c.containers;
  }
  EXPECT_EQ(ScaledImageScore(500 * kMiB, 3, 10), 157286400);
}

TEST(ImageLocality, NamesAreNormalisedAsKubeScheduler) {
  EXPECT_EQ(NormalizedImageName("nginx"), "nginx:latest");
  EXPECT_EQ(NormalizedImageName("nginx:1.25"), "nginx:1.25");
  EXPECT_EQ(NormalizedImageName("registry:5000/app"), "registry:5000/app:latest");
  EXPECT_EQ(NormalizedImageName("registry:5000/app:v2"), "registry:5000/app:v2");
}

TEST(ImageLocality, NodesThatPulledTheImageWinOtherwiseEqualScores) {
  // 4 identical empty nodes, no default spread (so only resources, balance
  // and images differ). A "warm" pod pins to general-2 and pulls a 900 MiB
  // image there; the next pod with the same image goes to that node: its
  // ImageLocality is (int64(900 MiB x 1/4) - 23 MiB) x 100 / 977 MiB = 20,
  // far more than the 1-2 points of LeastAllocated it loses.
  sim::Simulation sim(3);
  ClusterConfig c;
  NodePoolConfig p;
  p.name = "general";
  p.cpu_millicores = 16000;
  p.memory_bytes = 64LL << 30;
  c.pools.push_back(p);
  c.zones = {"a"};
  c.scheduler.default_spread_constraints = false;
  Store store(c);
  Scheduler scheduler(sim, store, c.scheduler);
  for (int i = 0; i < 4; ++i) {
    Node& n = store.AddNode(0, 0, sim.now());
    n.state = NodeState::kReady;
    store.Notify(ObjectKind::kNode, n.id);
  }
  PodTemplate warm;
  warm.node_selector = {{kLabelHostname, "general-2"}};
  warm.images = {{"casino/api:7", 900 * kMiB}};
  WorkloadSpec ws;
  ws.name = "warm";
  ws.pod = warm;
  WorkloadId w1 = store.AddWorkload(ws, 0, false);
  PodId first = store.CreatePod(w1, kNoId, 0, -1, sim.now()).id;
  sim.RunUntil(sim.now() + sim::Duration::Seconds(1));
  const NodeId image_node = store.pod(first).node;
  ASSERT_NE(image_node, kNoId);
  EXPECT_EQ(store.node(image_node).name, "general-2");
  ASSERT_EQ(store.node(image_node).images.size(), 1u);
  EXPECT_EQ(store.image_node_count(store.node(image_node).images[0]), 1);
  PodTemplate api;
  api.images = {{"casino/api:7", 900 * kMiB}};
  ws.name = "api";
  ws.pod = api;
  WorkloadId w2 = store.AddWorkload(ws, 0, false);
  PodId second = store.CreatePod(w2, kNoId, 0, -1, sim.now()).id;
  sim.RunUntil(sim.now() + sim::Duration::Seconds(1));
  EXPECT_EQ(store.pod(second).node, image_node);
  // Without images the same pod is placed by LeastAllocated: never on the
  // fuller image node.
  PodTemplate plain;
  ws.name = "plain";
  ws.pod = plain;
  WorkloadId w3 = store.AddWorkload(ws, 0, false);
  PodId third = store.CreatePod(w3, kNoId, 0, -1, sim.now()).id;
  sim.RunUntil(sim.now() + sim::Duration::Seconds(1));
  EXPECT_NE(store.pod(third).node, image_node);
}

}  // namespace
}  // namespace rehearsal::models
