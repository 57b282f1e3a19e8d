#include "models/disruption/cluster_model.h"

#include <gtest/gtest.h>

#include <set>

#include "cluster_testlib.h"
#include "models/cluster/store.h"

namespace rehearsal::models {
namespace {

using testing::At;
using testing::Deployment;
using testing::SmallCluster;

TEST(ClusterModel, DeploymentComesUpAndEndpointsFollowPropagationDelay) {
  sim::Simulation sim(1);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 6));
  ClusterModel m(sim, SmallCluster(3), wl);
  testing::EndpointLog log;
  m.AddEndpointListener(&log);
  sim.RunUntil(At(60));
  WorkloadId api = m.FindWorkload("api");
  const Workload& w = m.store().workload(api);
  EXPECT_EQ(w.ready_replicas, 6);
  EXPECT_EQ(w.available_replicas, 6);
  ASSERT_EQ(log.Count(EndpointChange::kReady), 6);
  for (const auto& e : log.entries) {
    const Pod& p = m.store().pod(e.pod);
    EXPECT_EQ(e.t, p.ready_since + sim::Duration::Seconds(1));  // default propagation 1 s
    EXPECT_EQ(p.started_at, p.scheduled_at + sim::Duration::Seconds(5));
  }
  // Default spread: two per zone.
  for (int z = 0; z < 3; ++z) EXPECT_EQ(m.store().CountInZone(api, z), 2);
  ClusterSummary s;
  m.Summarize(s);
  EXPECT_EQ(s.nodes_max, 3);
  EXPECT_EQ(s.pods_max, 6);
  EXPECT_NEAR(s.node_hours, 3 * 60 / 3600.0, 1e-9);
  EXPECT_NEAR(s.cost_usd, s.node_hours * 0.384, 1e-9);
}

TEST(ClusterModel, RollingUpdateStaysWithinSurgeAndUnavailability) {
  // 10 replicas at 25 %/25 %: at most 13 pods, at least 8 available (spec 2.2).
  sim::Simulation sim(2);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 10));
  wl.workloads.back().pod.readiness_probe.enabled = true;
  wl.workloads.back().pod.warmup = DurationDistribution::Fixed(sim::Duration::Seconds(12));
  ClusterModel m(sim, SmallCluster(6), wl);
  InvariantChecker check(m, /*check_rollout_availability=*/true);
  sim.AddObserver([&](const sim::Simulation& s) { check.Check(s.now()); });
  sim.RunUntil(At(120));
  WorkloadId api = m.FindWorkload("api");
  ASSERT_EQ(m.store().workload(api).available_replicas, 10);
  m.SetTemplateVersion(api, "v2");
  sim.RunUntil(At(1200));
  const Workload& w = m.store().workload(api);
  EXPECT_TRUE(w.rollout.complete);
  EXPECT_FALSE(w.rollout.deadline_exceeded);
  EXPECT_EQ(w.updated_replicas, 10);
  for (PodId p : w.pods) EXPECT_EQ(m.store().pod(p).tmpl->version, "v2");
  EXPECT_LE(check.max_active(api), 13);
  EXPECT_GE(check.max_active(api), 12);  // the surge is used
  EXPECT_GE(check.min_available_during_rollout(api), 8);
  EXPECT_TRUE(check.violations().empty()) << check.violations().front();
  std::vector<RolloutRecord> rollouts;
  m.SummarizeRollouts(rollouts);
  ASSERT_EQ(rollouts.size(), 1u);
  EXPECT_EQ(rollouts[0].outcome, "complete");
  EXPECT_GT(rollouts[0].finished_s, rollouts[0].started_s);
}

TEST(ClusterModel, RecreateNeverOverlapsVersions) {
  sim::Simulation sim(3);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("reports", 4));
  wl.workloads.back().strategy.type = DeploymentStrategyType::kRecreate;
  ClusterModel m(sim, SmallCluster(3), wl);
  WorkloadId w = m.FindWorkload("reports");
  bool overlap = false;
  sim.AddObserver([&](const sim::Simulation&) {
    std::set<std::string> versions;
    for (PodId p : m.store().workload(w).pods) versions.insert(m.store().pod(p).tmpl->version);
    overlap = overlap || versions.size() > 1;
  });
  sim.RunUntil(At(60));
  m.SetTemplateVersion(w, "v2");
  sim.RunUntil(At(300));
  EXPECT_FALSE(overlap);
  EXPECT_EQ(m.store().workload(w).ready_replicas, 4);
  EXPECT_EQ(m.store().workload(w).updated_replicas, 4);
}

TEST(ClusterModel, ScaleMidRolloutIsProportional) {
  sim::Simulation sim(4);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 10, 200));
  wl.workloads.back().pod.readiness_probe.enabled = true;
  wl.workloads.back().pod.warmup = DurationDistribution::Fixed(sim::Duration::Seconds(30));
  ClusterModel m(sim, SmallCluster(8), wl);
  sim.RunUntil(At(120));
  WorkloadId api = m.FindWorkload("api");
  m.SetTemplateVersion(api, "v2");
  sim.RunUntil(At(125));
  m.Scale(api, 20);
  sim.RunUntil(At(126));
  int32_t total = 0;
  for (ReplicaSetId rs : m.store().workload(api).replica_sets)
    total += m.store().replica_set(rs).spec_replicas;
  EXPECT_EQ(total, 25);  // 20 + surge 5, spread over both ReplicaSets
  sim.RunUntil(At(1800));
  EXPECT_EQ(m.store().workload(api).available_replicas, 20);
  EXPECT_EQ(m.store().workload(api).updated_replicas, 20);
}

TEST(ClusterModel, EvictionRespectsPdb) {
  sim::Simulation sim(5);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("wallet", 10, 200));
  PdbSpec pdb;
  pdb.name = "wallet-pdb";
  pdb.workloads = {"wallet"};
  pdb.min_available = IntOrPercent::Percent(80);
  wl.pdbs.push_back(pdb);
  wl.workloads.push_back(Deployment("kyc", 3, 200));
  PdbSpec strict;
  strict.name = "kyc-pdb";
  strict.workloads = {"kyc"};
  strict.min_available = IntOrPercent::Int(3);
  wl.pdbs.push_back(strict);
  ClusterModel m(sim, SmallCluster(4), wl);
  sim.RunUntil(At(60));
  std::vector<PodId> wallet(m.store().workload(m.FindWorkload("wallet")).pods.begin(),
                            m.store().workload(m.FindWorkload("wallet")).pods.end());
  // minAvailable 80 % of 10 -> 2 disruptions allowed; the third is refused (429).
  EXPECT_EQ(m.Evict(wallet[0]), EvictionResult::kEvicted);
  EXPECT_EQ(m.Evict(wallet[1]), EvictionResult::kEvicted);
  EXPECT_EQ(m.Evict(wallet[2]), EvictionResult::kTooManyRequests);
  EXPECT_EQ(m.Evict(wallet[0]), EvictionResult::kAlreadyDeleting);
  PodId kyc0 = *m.store().workload(m.FindWorkload("kyc")).pods.begin();
  EXPECT_EQ(m.Evict(kyc0), EvictionResult::kTooManyRequests);  // no budget at all
  EXPECT_EQ(m.pdb_budget_violations(), 0);
  // Replacements become Ready: budget is back.
  sim.RunUntil(At(120));
  EXPECT_EQ(m.Evict(wallet[2]), EvictionResult::kEvicted);
}

TEST(ClusterModel, DrainEvictsRespectingPdbAndFinishes) {
  sim::Simulation sim(6);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 6, 300));
  PdbSpec pdb;
  pdb.name = "api";
  pdb.workloads = {"api"};
  pdb.max_unavailable = IntOrPercent::Int(1);
  wl.pdbs.push_back(pdb);
  ClusterModel m(sim, SmallCluster(3), wl);
  InvariantChecker check(m);
  sim.AddObserver([&](const sim::Simulation& s) { check.Check(s.now()); });
  sim.RunUntil(At(60));
  NodeId node = m.store().live_nodes().front();
  ASSERT_EQ(m.store().node(node).pods.size(), 2u);
  std::optional<DrainOutcome> outcome;
  sim::Time done_at;
  m.Drain(node, DrainOptions{}, [&](DrainOutcome o) {
    outcome = o;
    done_at = sim.now();
  });
  sim.RunUntil(At(300));
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(*outcome, DrainOutcome::kDrained);
  EXPECT_TRUE(m.store().node(node).pods.empty());
  EXPECT_TRUE(m.store().node(node).unschedulable);
  // The second eviction waited for the first replacement (5 s start) at least.
  EXPECT_GT(done_at, At(65));
  EXPECT_EQ(m.store().workload(m.FindWorkload("api")).ready_replicas, 6);
  EXPECT_TRUE(check.violations().empty()) << check.violations().front();
}

TEST(ClusterModel, NodeFailureTimeline) {
  // Node lost at t -> NotReady at t + 50 s -> pods evicted at t + 350 s ->
  // replacements scheduled elsewhere; the old pods stay Terminating.
  sim::Simulation sim(7);
  WorkloadsConfig wl;
  wl.workloads.push_back(Deployment("api", 3, 500));
  ClusterModel m(sim, SmallCluster(4), wl);
  testing::EndpointLog log;
  m.AddEndpointListener(&log);
  sim.RunUntil(At(100));
  WorkloadId api = m.FindWorkload("api");
  NodeId victim = kNoId;
  for (NodeId n : m.store().live_nodes())
    if (!m.store().node(n).pods.empty()) victim = n;
  ASSERT_NE(victim, kNoId);
  std::vector<PodId> lost(m.store().node(victim).pods.begin(), m.store().node(victim).pods.end());
  m.FailNode(victim);
  EXPECT_GE(log.Count(EndpointChange::kKilled), 1);  // containers died with the node
  sim.RunUntil(At(150) - sim::Duration::Micros(1));
  EXPECT_EQ(m.store().node(victim).state, NodeState::kReady);
  EXPECT_TRUE(m.store().pod(lost[0]).ready);  // the API has not noticed yet
  sim.RunUntil(At(150));
  EXPECT_EQ(m.store().node(victim).state, NodeState::kNotReady);
  EXPECT_FALSE(m.store().pod(lost[0]).ready);
  EXPECT_FALSE(m.store().pod(lost[0]).deleting);
  sim.RunUntil(At(450) - sim::Duration::Micros(1));
  EXPECT_FALSE(m.store().pod(lost[0]).deleting);
  sim.RunUntil(At(450));
  EXPECT_TRUE(m.store().pod(lost[0]).deleting);
  EXPECT_TRUE(m.store().pod(lost[0]).evicted);
  sim.RunUntil(At(480));
  EXPECT_TRUE(m.store().pod(lost[0]).alive);  // Terminating until the node returns
  EXPECT_EQ(testing::ReadyPods(m.store(), api), 3);
  for (PodId p : m.store().workload(api).pods) {
    const Pod& pod = m.store().pod(p);
    if (pod.Active()) {
      EXPECT_NE(pod.node, victim);
    }
  }
  m.RecoverNode(victim);
  EXPECT_FALSE(m.store().pod(lost[0]).alive);
  EXPECT_EQ(m.evictions(), static_cast<int64_t>(lost.size()));
}

TEST(ClusterModel, SpotReclaimGivesExactlyTheProviderNotice) {
  for (CloudProvider provider : {CloudProvider::kAws, CloudProvider::kGcp}) {
    sim::Simulation sim(8);
    WorkloadsConfig wl;
    wl.workloads.push_back(Deployment("api", 4, 500));
    ClusterModel m(sim, SmallCluster(2, 2, provider), wl);
    testing::EndpointLog log;
    m.AddEndpointListener(&log);
    sim.RunUntil(At(60));
    NodeId spot = m.PoolNodes(1).front();
    m.SpotInterrupt(spot);
    sim::Duration notice = SpotNotice(provider);
    sim.RunUntil(At(60) + notice - sim::Duration::Micros(1));
    EXPECT_TRUE(m.store().node(spot).alive());
    EXPECT_TRUE(m.store().node(spot).spot_notice);
    sim.RunUntil(At(60) + notice);
    EXPECT_FALSE(m.store().node(spot).alive());
    EXPECT_EQ(m.store().node(spot).terminated_at, At(60) + notice);
    EXPECT_EQ(m.spot_interruptions(), 1);
    sim.RunUntil(At(600));
    EXPECT_EQ(testing::ReadyPods(m.store(), m.FindWorkload("api")), 4);
  }
}

TEST(ClusterModel, SpotStormTakesAFractionAndBlocksRefill) {
  sim::Simulation sim(9);
  WorkloadsConfig wl;
  ClusterModel m(sim, SmallCluster(1, 10), wl);
  sim.RunUntil(At(10));
  m.SpotStorm(1, 0.5);
  EXPECT_EQ(m.spot_interruptions(), 5);
  EXPECT_EQ(m.AddNodes(1, 3), 0);  // capacity shortage
  sim.RunUntil(At(200));
  EXPECT_EQ(m.PoolNodes(1).size(), 5u);
  sim.RunUntil(At(10) + sim::Duration::Minutes(31));
  EXPECT_EQ(m.AddNodes(1, 3), 3);
}

TEST(ClusterModel, ZoneOutageKeepsStatefulPodsInTheirZone) {
  sim::Simulation sim(10);
  WorkloadsConfig wl;
  WorkloadSpec db = Deployment("db", 3, 500);
  db.kind = WorkloadKind::kStatefulSet;
  db.pod.topology_spread.push_back({1, kLabelZone, true, 1});
  wl.workloads.push_back(db);
  ClusterModel m(sim, SmallCluster(6), wl);
  sim.RunUntil(At(120));
  WorkloadId w = m.FindWorkload("db");
  ASSERT_EQ(m.store().workload(w).ready_replicas, 3);
  m.ZoneOutage("z1", sim::Duration::Minutes(20));
  sim.RunUntil(At(120) + sim::Duration::Minutes(15));
  // The pod of z1 cannot move: its identity is held by the Terminating pod.
  EXPECT_EQ(testing::ReadyPods(m.store(), w), 2);
  sim.RunUntil(At(120) + sim::Duration::Minutes(25));
  EXPECT_EQ(testing::ReadyPods(m.store(), w), 3);
  for (PodId p : m.store().workload(w).pods) {
    const Pod& pod = m.store().pod(p);
    EXPECT_EQ(m.store().node(pod.node).zone, pod.zone_pin);
  }
}

TEST(ClusterModel, StatefulSetOrderedReadyAndDescendingUpdate) {
  sim::Simulation sim(11);
  WorkloadsConfig wl;
  WorkloadSpec db = Deployment("pg", 3, 500);
  db.kind = WorkloadKind::kStatefulSet;
  wl.workloads.push_back(db);
  ClusterModel m(sim, SmallCluster(3), wl);
  std::vector<std::pair<int32_t, sim::Time>> created;
  m.Watch([&](const WatchEvent& e) {
    if (e.kind == ObjectKind::kPod && e.type == WatchEventType::kAdded)
      created.push_back({m.store().pod(e.id).ordinal, sim.now()});
  });
  sim.RunUntil(At(60));
  ASSERT_EQ(created.size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(created[static_cast<size_t>(i)].first, i);
  // Each ordinal waits for the previous one to be Running and Ready (5 s start).
  EXPECT_GE(created[1].second, created[0].second + sim::Duration::Seconds(5));
  EXPECT_GE(created[2].second, created[1].second + sim::Duration::Seconds(5));
  created.clear();
  m.SetTemplateVersion(m.FindWorkload("pg"), "v2");
  sim.RunUntil(At(300));
  ASSERT_EQ(created.size(), 3u);
  EXPECT_EQ(created[0].first, 2);
  EXPECT_EQ(created[1].first, 1);
  EXPECT_EQ(created[2].first, 0);
  EXPECT_EQ(m.store().workload(m.FindWorkload("pg")).updated_replicas, 3);
}

TEST(ClusterModel, JobRunsToCompletionAndCronJobRepeats) {
  sim::Simulation sim(12);
  WorkloadsConfig wl;
  WorkloadSpec job = Deployment("etl", 0, 500);
  job.kind = WorkloadKind::kJob;
  job.job.completions = 4;
  job.job.parallelism = 2;
  job.job.run_time = DurationDistribution::Fixed(sim::Duration::Seconds(60));
  wl.workloads.push_back(job);
  WorkloadSpec cron = job;
  cron.name = "report";
  cron.kind = WorkloadKind::kCronJob;
  cron.job.completions = 1;
  cron.job.parallelism = 1;
  cron.cron.every = sim::Duration::Minutes(10);
  wl.workloads.push_back(cron);
  ClusterModel m(sim, SmallCluster(2), wl);
  sim.RunUntil(At(3590));
  const Workload& etl = m.store().workload(m.FindWorkload("etl"));
  EXPECT_TRUE(etl.job_done);
  EXPECT_TRUE(etl.pods.empty());
  EXPECT_EQ(m.store().workload(m.FindWorkload("report")).job_runs, 6);  // t = 0, 10, ..., 50 min
}

TEST(ClusterModel, LivenessFailureCrashLoopsWithBackoff) {
  sim::Simulation sim(13);
  WorkloadsConfig wl;
  WorkloadSpec bad = Deployment("bad", 1, 200);
  bad.pod.never_healthy = true;
  bad.pod.readiness_probe.enabled = true;
  bad.pod.liveness_probe.enabled = true;  // fails at 0, 10, 20 s after start
  wl.workloads.push_back(bad);
  ClusterModel m(sim, SmallCluster(1), wl);
  sim.RunUntil(At(600));
  PodId p = *m.store().workload(m.FindWorkload("bad")).pods.begin();
  // Container cycles: start 5 s, killed 20 s later, back-off 10, 20, 40, 80, 160 s...
  // Restart k happens at 5 + 20k + sum of back-offs before it.
  EXPECT_EQ(m.store().pod(p).restarts, 6);
  EXPECT_FALSE(m.store().pod(p).ready);
}

TEST(ClusterModel, OomKillWhenUsageExceedsLimit) {
  sim::Simulation sim(14);
  UsageBoard usage;
  WorkloadsConfig wl;
  WorkloadSpec api = Deployment("api", 1, 200);
  api.pod.memory_limit_bytes = 1LL << 30;
  wl.workloads.push_back(api);
  ClusterModel m(sim, SmallCluster(1), wl, &usage);
  testing::EndpointLog log;
  m.AddEndpointListener(&log);
  sim.RunUntil(At(30));
  PodId p = *m.store().workload(m.FindWorkload("api")).pods.begin();
  PodUsage u;
  u.memory_bytes = 2.0 * (1LL << 30);
  usage.Set(p, u);
  sim.RunUntil(At(41));
  EXPECT_EQ(m.store().pod(p).restarts, 1);
  EXPECT_EQ(log.Count(EndpointChange::kKilled), 1);
}

TEST(ClusterModel, SameSeedSameDigest) {
  auto run = [](uint64_t seed) {
    sim::Simulation sim(seed);
    WorkloadsConfig wl;
    WorkloadSpec api = Deployment("api", 12, 300);
    api.pod.start = DurationDistribution::Uniform(sim::Duration::Seconds(3), sim::Duration::Seconds(20));
    wl.workloads.push_back(api);
    ClusterConfig c = SmallCluster(5, 3);
    c.pools[1].spot_interruptions_per_node_hour = 0.5;
    ClusterModel m(sim, c, wl);
    sim.RunUntil(At(600));
    m.SetTemplateVersion(m.FindWorkload("api"), "v2");
    sim.RunUntil(At(7200));
    return sim.digest();
  };
  uint64_t a = run(99);
  EXPECT_EQ(a, run(99));
  EXPECT_NE(a, run(100));
}

}  // namespace
}  // namespace rehearsal::models
