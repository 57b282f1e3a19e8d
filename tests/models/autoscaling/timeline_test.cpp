// Timeline tests: the autoscalers in a simulated cluster (ClusterModel),
// against the timings shared/spec/kubernetes.md sections 1 and 7 give.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "models/autoscaling/autoscaling_model.h"
#include "models/disruption/cluster_model.h"

namespace rehearsal::models::autoscaling {
namespace {

sim::Time At(int64_t seconds) { return sim::Time::Zero() + sim::Duration::Seconds(seconds); }

ClusterConfig Cluster(int32_t nodes, int64_t cpu_millicores = 4000, int32_t size_min = 0,
                      int32_t size_max = 100,
                      sim::Duration provisioning = sim::Duration::Seconds(120)) {
  ClusterConfig c;
  c.zones = {"z1", "z2", "z3"};
  NodePoolConfig pool;
  pool.name = "general";
  pool.cpu_millicores = cpu_millicores;
  pool.memory_bytes = 16LL << 30;
  pool.size_initial = nodes;
  pool.size_min = size_min;
  pool.size_max = size_max;
  pool.provisioning = DurationDistribution::Fixed(provisioning);
  c.pools.push_back(pool);
  return c;
}

WorkloadSpec Deployment(const std::string& name, int32_t replicas, int64_t cpu_millicores = 500) {
  WorkloadSpec w;
  w.name = name;
  w.replicas = replicas;
  w.pod.cpu_request_millicores = cpu_millicores;
  w.pod.memory_request_bytes = 512LL << 20;
  w.pod.start = DurationDistribution::Fixed(sim::Duration::Seconds(5));
  w.pod.warmup = DurationDistribution::Fixed(sim::Duration{});
  w.pod.shutdown = DurationDistribution::Fixed(sim::Duration::Seconds(2));
  return w;
}

int32_t SpecReplicas(const ClusterModel& m, const std::string& name) {
  return m.store().workload(m.FindWorkload(name)).spec.replicas;
}

// Prints the event log when REHEARSAL_DUMP_LOG is set (debugging aid).
void MaybeDump(const sim::Simulation& sim) {
  if (std::getenv("REHEARSAL_DUMP_LOG") == nullptr) return;
  for (const auto& r : sim.recorder().log())
    std::printf("%10.3fs %-18s %-24s %s\n", r.t.seconds(), r.kind.c_str(), r.object.c_str(),
                r.message.c_str());
}

bool LogHas(const sim::Simulation& sim, const std::string& kind, const std::string& text) {
  MaybeDump(sim);
  for (const auto& r : sim.recorder().log())
    if (r.kind == kind && r.message.find(text) != std::string::npos) return true;
  return false;
}

// Load step 1000m -> 6000m total on a 500m-request workload with a 50 %
// target and scale-up policy Pods 2 / 60 s: the first scale-up follows within
// one tick + scrape + sync (<= 5 + 15 + 15 s), the count never grows by more
// than 2 in any 60 s, and it settles at 22: at 22 pods U = floor(6000 /
// 11000 x 100) = 54 %, r = 1.08, within the 0.1 tolerance (at 20 pods 60 %
// still scaled). The drop back to 1000m waits out the 300 s scale-down
// stabilization (the last 22-recommendation must leave the window), then goes
// straight to ceil(0.18 x 22) = 4 (Percent 100 allows it).
TEST(HpaTimeline, LoadStepScalesWithinPolicyAndDropWaitsOutStabilization) {
  sim::Simulation sim(7);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("web", 4));
  ClusterModel cluster(sim, Cluster(8), wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.verify_incremental = true;  // every cached result recomputed and checked
  HpaConfig hpa;
  hpa.name = "web";
  hpa.target = "web";
  hpa.min_replicas = 2;
  hpa.max_replicas = 40;
  hpa.metrics = {DefaultCpuMetric()};
  hpa.metrics[0].target_utilization_percent = 50;
  HpaBehavior behavior;
  behavior.scale_up.policies = std::vector<ScalingPolicy>{{ScalingPolicyType::kPods, 2, 60}};
  hpa.behavior = behavior;
  cfg.hpas = {hpa};
  SyntheticLoadConfig load;
  load.workload = "web";
  // 1000m over 4 pods = 50 %: steady. 6000m from 10 min, 1000m from 30 min.
  load.steps = {{sim::Duration{}, 1000, 0}, {sim::Duration::Minutes(10), 6000, 0},
                {sim::Duration::Minutes(30), 1000, 0}};
  cfg.synthetic_load = {load};
  AutoscalingModel model(sim, cluster, usage, cfg);

  std::map<int64_t, int32_t> replicas_at;  // second -> spec.replicas
  for (int64_t t = 1; t <= 45 * 60; ++t) {
    sim.RunUntil(At(t));
    replicas_at[t] = SpecReplicas(cluster, "web");
  }
  // Steady before the step.
  EXPECT_EQ(replicas_at[600], 4);
  // First scale-up within 35 s of the step, by exactly the policy's 2 pods.
  int64_t first_up = -1;
  for (int64_t t = 600; t <= 700 && first_up < 0; ++t)
    if (replicas_at[t] > 4) first_up = t;
  ASSERT_GT(first_up, 0);
  EXPECT_LE(first_up, 600 + 35);
  EXPECT_EQ(replicas_at[first_up], 6);
  // Never faster than 2 pods per 60 s.
  for (int64_t t = 61; t <= 45 * 60; ++t)
    EXPECT_LE(replicas_at[t] - replicas_at[t - 60], 2) << "at t=" << t;
  // Settles at 22 well before the drop.
  EXPECT_EQ(replicas_at[29 * 60], 22);
  // Drop at 30 min: held for the 300 s window (from the drop being seen),
  // then the minimum that the metrics justify.
  // The drop is seen at a sync s0 in (30:00, 30:35]; the last 22 was
  // recommended at s0 - 15 s and leaves the window at s0 + 285 s.
  EXPECT_EQ(replicas_at[30 * 60 + 280], 22);
  int64_t first_down = -1;
  for (int64_t t = 30 * 60; t <= 45 * 60 && first_down < 0; ++t)
    if (replicas_at[t] < 22) first_down = t;
  ASSERT_GT(first_down, 0);
  EXPECT_GE(first_down, 30 * 60 + 285);
  EXPECT_LE(first_down, 30 * 60 + 35 + 285 + 1);
  // 1000m over 22 pods x 500m = 9 %: r = 0.18, ceil(0.18 x 22) = 4.
  EXPECT_EQ(replicas_at[first_down], 4);
  ASSERT_NE(model.hpa(), nullptr);
  EXPECT_TRUE(LogHas(sim, "HPA", "limited to 6 by scale-up policy 2 pods/60s"))
      << model.hpa()->hpas()[0].last_message;
}

// The incremental tallies (HpaController::Work) against the full
// computation at every sync (verify_incremental asserts they agree) while
// everything that moves a pod's class happens: three metrics (CPU and memory
// utilization, a Pods metric), pods that start unready (readiness probe,
// 20 s warm-up) inside the CPU initialization period, a rolling release,
// a failed node whose pods are replaced, load steps both ways. After the
// first scrape every sync is incremental or reused, never a full pass.
TEST(HpaTimeline, IncrementalTalliesAgreeWithFullComputationThroughChurn) {
  sim::Simulation sim(23);
  WorkloadsConfig wl;
  WorkloadSpec web = Deployment("web", 4);
  web.pod.readiness_probe.enabled = true;
  web.pod.readiness_probe.period = sim::Duration::Seconds(5);
  web.pod.warmup = DurationDistribution::Fixed(sim::Duration::Seconds(20));
  wl.workloads.push_back(web);
  ClusterModel cluster(sim, Cluster(4), wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.verify_incremental = true;
  HpaConfig hpa;
  hpa.name = "web";
  hpa.target = "web";
  hpa.min_replicas = 2;
  hpa.max_replicas = 12;
  MetricSpec cpu = DefaultCpuMetric();
  cpu.target_utilization_percent = 50;
  MetricSpec memory = DefaultCpuMetric();
  memory.name = "memory";
  memory.target_utilization_percent = 90;
  MetricSpec rps;
  rps.type = MetricSourceType::kPods;
  rps.name = "rps";
  rps.target_type = MetricTargetType::kAverageValue;
  rps.target_milli = 10000;  // 10 requests/s per pod
  hpa.metrics = {cpu, memory, rps};
  cfg.hpas = {hpa};
  SyntheticLoadConfig load;
  load.workload = "web";
  load.steps = {{sim::Duration{}, 1000, 20},
                {sim::Duration::Minutes(5), 3000, 20},
                {sim::Duration::Minutes(12), 1000, 90},
                {sim::Duration::Minutes(22), 500, 10}};
  load.tick = sim::Duration::Seconds(20);
  cfg.synthetic_load = {load};
  AutoscalingModel model(sim, cluster, usage, cfg);
  sim.RunUntil(At(8 * 60));
  cluster.SetTemplateVersion(cluster.FindWorkload("web"), "v2");
  sim.RunUntil(At(16 * 60));
  cluster.FailNode(cluster.store().live_nodes().front());
  sim.RunUntil(At(40 * 60));
  ASSERT_NE(model.hpa(), nullptr);
  const HpaState& h = model.hpa()->hpas()[0];
  EXPECT_GT(h.scale_ups, 0);
  EXPECT_GT(h.scale_downs, 0);
  EXPECT_GT(model.hpa()->computed_syncs(), 100);
  // Only the syncs before the first scrape (15 s) classify every pod.
  EXPECT_LE(model.hpa()->full_syncs(), 1);
}

// 4 pods of 1500m on one 4000m node: 2 fit, 2 pend. The CA adds one node at
// its first scan (10 s); the node is Ready after the 120 s provisioning
// delay, and only then do the pending pods run.
TEST(CaTimeline, UnschedulablePodsGetANodeAfterTheProvisioningDelay) {
  sim::Simulation sim(11);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("batch", 4, 1500));
  ClusterModel cluster(sim, Cluster(1), wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.verify_incremental = true;  // every cached result recomputed and checked
  cfg.cluster_autoscaler.enabled = true;
  AutoscalingModel model(sim, cluster, usage, cfg);
  WorkloadId batch = cluster.FindWorkload("batch");
  sim.RunUntil(At(9));
  EXPECT_EQ(cluster.store().live_nodes().size(), 1u);
  sim.RunUntil(At(125));
  EXPECT_EQ(cluster.store().live_nodes().size(), 2u);  // one provisioning
  EXPECT_EQ(cluster.store().workload(batch).ready_pods, 2);
  sim.RunUntil(At(200));
  EXPECT_EQ(cluster.store().workload(batch).ready_pods, 4);
  EXPECT_EQ(model.cluster_autoscaler()->stats().nodes_added, 1);
  EXPECT_TRUE(LogHas(sim, "ClusterAutoscaler", "+1 node(s) in general"));
}

// Three 4000m nodes, 2 pods of 500m: every node is below 50 %. After 10 min
// unneeded the CA removes nodes (empty ones in bulk, the others drained one at
// a time) down to the pool minimum of 1.
TEST(CaTimeline, IdleNodesAreRemovedAfterTheUnneededTime) {
  sim::Simulation sim(13);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("web", 2));
  ClusterModel cluster(sim, Cluster(3, 4000, /*size_min=*/1), wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.verify_incremental = true;  // every cached result recomputed and checked
  cfg.cluster_autoscaler.enabled = true;
  AutoscalingModel model(sim, cluster, usage, cfg);
  sim.RunUntil(At(9 * 60));
  EXPECT_EQ(cluster.store().live_nodes().size(), 3u);
  sim.RunUntil(At(40 * 60));
  EXPECT_EQ(cluster.store().live_nodes().size(), 1u);
  EXPECT_EQ(cluster.store().workload(cluster.FindWorkload("web")).ready_pods, 2);
  EXPECT_GE(model.cluster_autoscaler()->stats().nodes_removed, 2);
}

// The same, but a PDB (minAvailable 2 of 2) allows no disruption: nodes
// hosting web pods are kept, with the reason logged; an empty node still goes.
TEST(CaTimeline, PdbBlocksScaleDownAndTheReasonIsLogged) {
  sim::Simulation sim(17);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("web", 2));
  PdbSpec pdb;
  pdb.name = "web";
  pdb.workloads = {"web"};
  pdb.min_available = IntOrPercent::Int(2);
  wl.pdbs.push_back(pdb);
  ClusterModel cluster(sim, Cluster(3, 4000, /*size_min=*/1), wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.verify_incremental = true;  // every cached result recomputed and checked
  cfg.cluster_autoscaler.enabled = true;
  AutoscalingModel model(sim, cluster, usage, cfg);
  sim.RunUntil(At(40 * 60));
  std::set<NodeId> hosting;
  for (PodId p : cluster.store().workload(cluster.FindWorkload("web")).pods)
    hosting.insert(cluster.store().pod(p).node);
  EXPECT_EQ(cluster.store().live_nodes().size(), hosting.size());
  EXPECT_EQ(cluster.store().workload(cluster.FindWorkload("web")).ready_pods, 2);
  EXPECT_TRUE(LogHas(sim, "ClusterAutoscaler", "PodDisruptionBudget allows no disruption"));
  EXPECT_FALSE(model.cluster_autoscaler()->kept_reasons().empty());
}

TEST(MetricsPipeline, SyntheticDemandSteps) {
  SyntheticLoadConfig c;
  c.steps = {{sim::Duration{}, 1000, 10}, {sim::Duration::Minutes(10), 4000, 40}};
  EXPECT_DOUBLE_EQ(SyntheticCpuDemand(c, At(300)), 1000);
  EXPECT_DOUBLE_EQ(SyntheticCpuDemand(c, At(600)), 4000);
  EXPECT_DOUBLE_EQ(SyntheticRpsDemand(c, At(601)), 40);
  c.diurnal_amplitude = 0.5;
  c.peak_at = sim::Duration::Hours(21);
  EXPECT_NEAR(SyntheticCpuDemand(c, At(21 * 3600)), 6000, 1e-6);  // peak: x1.5
  EXPECT_NEAR(SyntheticCpuDemand(c, At(9 * 3600)), 2000, 1e-6);   // trough: x0.5
}

}  // namespace
}  // namespace rehearsal::models::autoscaling

namespace rehearsal::models::autoscaling {
namespace {

// 2 pods requesting 1000m use 100m each. The upper bound is about
// 115m x (1 + 1/c) with c = history in days: 1495m at 2 h (no eviction),
// 690m at 6 h (c = 0.25), so by then the Recreate updater has evicted through
// the eviction API; with a PDB allowing no disruption every eviction is
// refused (429) and no pod goes.
struct VpaRun {
  int64_t evictions = 0;
  double target_cpu_m = 0;
  bool refused_logged = false;
};

VpaRun RunVpa(bool with_pdb) {
  sim::Simulation sim(23);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 2, 1000));
  if (with_pdb) {
    PdbSpec pdb;
    pdb.name = "api";
    pdb.workloads = {"api"};
    pdb.min_available = IntOrPercent::Int(2);
    wl.pdbs.push_back(pdb);
  }
  ClusterModel cluster(sim, Cluster(2), wl);
  UsageBoard usage;
  AutoscalingConfig cfg;
  cfg.verify_incremental = true;  // every cached result recomputed and checked
  SyntheticLoadConfig load;
  load.workload = "api";
  load.steps = {{sim::Duration{}, 200, 0}};
  load.tick = sim::Duration::Seconds(30);
  cfg.synthetic_load = {load};
  VpaConfig vpa;
  vpa.workload = "api";
  vpa.mode = VpaUpdateMode::kRecreate;
  cfg.vpas = {vpa};
  AutoscalingModel model(sim, cluster, usage, cfg);
  sim.RunUntil(At(2 * 3600));
  VpaRun r;
  EXPECT_EQ(model.vpa()->evictions(), 0);
  sim.RunUntil(At(6 * 3600));
  r.evictions = model.vpa()->evictions();
  r.target_cpu_m = model.vpa()->recommendation(0).target.cpu_millicores;
  r.refused_logged = LogHas(sim, "VPA", "eviction 429-too-many-requests");
  return r;
}

TEST(VpaTimeline, RecreateEvictsThroughTheEvictionApi) {
  VpaRun free_run = RunVpa(false);
  EXPECT_GT(free_run.evictions, 0);
  // Target: the end of the histogram bucket holding 100m, +15 %.
  HistogramOptions o = VpaCpuHistogramOptions();
  EXPECT_NEAR(free_run.target_cpu_m, o.BucketStart(o.FindBucket(0.1) + 1) * 1000 * 1.15, 1e-6);
  EXPECT_GT(free_run.target_cpu_m, 115.0);
  VpaRun blocked = RunVpa(true);
  EXPECT_EQ(blocked.evictions, 0);
  EXPECT_TRUE(blocked.refused_logged);
}

}  // namespace
}  // namespace rehearsal::models::autoscaling
