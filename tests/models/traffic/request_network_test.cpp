// Request fidelity: networks against the Jackson traffic equations, retry
// amplification, and the resilience and cluster-facing behaviours.
#include <gtest/gtest.h>

#include "models/traffic/network_baseline.h"
#include "models/traffic/queueing.h"
#include "scenario_util.h"

namespace rehearsal::models::traffic {
namespace {

using testing::Entry;
using testing::Harness;
using testing::Service;
using Kind = LatencyDistribution::Kind;

TrafficConfig ThreeTier() {
  TrafficConfig cfg;
  cfg.services = {Service("ingress", 8, 2), Service("api", 8, 10), Service("wallet", 8, 5)};
  cfg.services[2].versions["v1"].error_fraction = 0.1;
  cfg.services[2].retry.attempts = 3;
  ExternalDependency psp;
  psp.name = "psp";
  psp.latency = {Kind::kExponential, 20, 1};
  psp.error_fraction = 0.5;
  psp.retry.attempts = 3;
  cfg.externals.push_back(psp);
  cfg.edges = {{"ingress", "api", 1.0, CallMode::kSync, ""},
               {"api", "wallet", 1.5, CallMode::kSync, ""},
               {"api", "psp", 0.3, CallMode::kSync, ""}};
  cfg.entry_points.push_back(Entry("web", "ingress", 200));
  return cfg;
}

TEST(RequestNetwork, ThreeTierArrivalRatesMatchTrafficEquations) {
  TrafficConfig cfg = ThreeTier();
  Harness h(cfg, Fidelity::kRequest, 42);
  h.cluster->AddReady("ingress", 2);
  h.cluster->AddReady("api", 3);
  h.cluster->AddReady("wallet", 2);
  h.model->Start();
  const double seconds = 1000;
  h.RunFor(sim::Duration::FromSeconds(seconds));
  h.model->Finish();
  const CallGraph& g = h.model->graph();
  std::vector<double> err(static_cast<size_t>(g.node_count()), 0.0);
  err[g.Find("wallet")] = 0.1;
  err[g.Find("psp")] = 0.5;
  const NetworkBaseline b = SolveBaseline(cfg, g, {200.0}, err);
  for (const char* name : {"ingress", "api", "wallet", "psp"}) {
    const double observed = static_cast<double>(h.model->NodeSli(name).requests) / seconds;
    const double expected = b.arrival_rps[g.Find(name)];
    EXPECT_NEAR(observed, expected, 0.02 * expected) << name;
  }
  // The amplification is real: wallet sees more than 1.5 x api, psp more than 0.3 x.
  EXPECT_GT(b.arrival_rps[g.Find("wallet")], 1.5 * 200 * 1.05);
  // End-to-end success matches the baseline's attempt success at ingress.
  const Sli& web = h.model->EntrySli("web");
  const double ok = static_cast<double>(web.ok) / static_cast<double>(web.requests);
  EXPECT_NEAR(ok, b.attempt_success[g.Find("ingress")], 0.01);
}

TEST(RequestNetwork, RetriesAgainstAHalfFailingDependencyGive175TimesTheCalls) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 16, 1)};
  ExternalDependency psp;
  psp.name = "psp";
  psp.latency = {Kind::kConstant, 5, 0};
  psp.error_fraction = 0.5;
  psp.retry.attempts = 3;
  cfg.externals.push_back(psp);
  cfg.edges = {{"api", "psp", 1.0, CallMode::kSync, ""}};
  cfg.entry_points.push_back(Entry("web", "api", 500));
  Harness h(cfg, Fidelity::kRequest, 3);
  h.cluster->AddReady("api", 1);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(200));
  h.model->Finish();
  const double api = static_cast<double>(h.model->NodeSli("api").requests);
  const double calls = static_cast<double>(h.model->NodeSli("psp").requests);
  EXPECT_NEAR(calls / api, 1.75, 0.02 * 1.75);
  const Sli& web = h.model->EntrySli("web");
  EXPECT_NEAR(static_cast<double>(web.error_count()) / static_cast<double>(web.requests), 0.125,
              0.01);
  EXPECT_EQ(web.errors[static_cast<int>(ErrorCause::kDependency)], web.error_count());
}

TEST(RequestNetwork, KilledPodFailsInFlightAndStopsReceivingAfterPropagation) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 4, 200, Kind::kConstant)};
  cfg.services[0].endpoint_propagation_delay = sim::Duration::Millis(500);
  cfg.entry_points.push_back(Entry("web", "api", 20));
  Harness h(cfg);
  const PodId first = h.cluster->AddReady("api", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(10));
  EXPECT_EQ(h.model->RoutableEndpoints("api"), 2);
  h.cluster->Change(first, "api", EndpointChange::kKilled);
  h.RunFor(sim::Duration::Seconds(10));
  EXPECT_EQ(h.model->RoutableEndpoints("api"), 1);
  h.model->Finish();
  const Sli& api = h.model->NodeSli("api");
  const uint64_t killed = api.errors[static_cast<int>(ErrorCause::kKilled)];
  // About 2 in flight on the pod when it died, plus ~5 routed to it during the
  // 0.5 s propagation window (connection refused).
  EXPECT_GE(killed, 2u);
  EXPECT_LE(killed, 16u);
  // The only other errors: the first 0.5 s, before the endpoints propagated.
  const uint64_t unrouted = api.errors[static_cast<int>(ErrorCause::kNoEndpoint)];
  EXPECT_LE(unrouted, 20u);
  EXPECT_EQ(api.error_count(), killed + unrouted);
  EXPECT_EQ(h.board.Get(first), nullptr);  // a dead pod's usage is erased
}

TEST(RequestNetwork, TerminatingPodFinishesInFlightWork) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 4, 200, Kind::kConstant)};
  cfg.entry_points.push_back(Entry("web", "api", 20));
  Harness h(cfg);
  const PodId first = h.cluster->AddReady("api", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(10));
  h.cluster->Change(first, "api", EndpointChange::kTerminating);
  h.RunFor(sim::Duration::Seconds(10));
  h.model->Finish();
  EXPECT_EQ(h.model->NodeSli("api").error_count(), 0u);
  EXPECT_EQ(h.model->RoutableEndpoints("api"), 1);
}

TEST(RequestNetwork, NoReadyEndpointFailsFast) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 4, 10)};
  cfg.entry_points.push_back(Entry("web", "api", 50));
  Harness h(cfg);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(10));
  h.model->Finish();
  const Sli& api = h.model->NodeSli("api");
  EXPECT_GT(api.requests, 300u);
  EXPECT_EQ(api.errors[static_cast<int>(ErrorCause::kNoEndpoint)], api.requests);
}

TEST(RequestNetwork, TimeoutsDetachAndRetry) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 64, 100, Kind::kConstant)};
  cfg.services[0].timeout = sim::Duration::Millis(50);
  cfg.services[0].retry.attempts = 2;
  cfg.entry_points.push_back(Entry("web", "api", 20));
  Harness h(cfg);
  h.cluster->AddReady("api", 1);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(50));
  h.model->Finish();
  const Sli& web = h.model->EntrySli("web");
  const Sli& api = h.model->NodeSli("api");
  EXPECT_EQ(web.ok, 0u);
  EXPECT_EQ(web.errors[static_cast<int>(ErrorCause::kTimeout)], web.requests);
  // Two attempts per request, each a timeout at the api.
  EXPECT_NEAR(static_cast<double>(api.requests), 2.0 * static_cast<double>(web.requests), 4);
  EXPECT_EQ(api.errors[static_cast<int>(ErrorCause::kTimeout)], api.requests);
}

TEST(RequestNetwork, TokenBucketShedsTheExcess) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 16, 1)};
  cfg.services[0].rate_limit = {50, 10};
  cfg.entry_points.push_back(Entry("web", "api", 100));
  Harness h(cfg);
  h.cluster->AddReady("api", 1);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(200));
  h.model->Finish();
  const Sli& api = h.model->NodeSli("api");
  EXPECT_NEAR(static_cast<double>(api.ok) / 200.0, 50.0, 1.0);
  EXPECT_EQ(api.errors[static_cast<int>(ErrorCause::kRateLimited)], api.error_count());
}

TEST(RequestNetwork, OutlierEjectionRemovesABadReleaseFromRotation) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 16, 1)};
  cfg.services[0].versions["v2"].error_fraction = 1.0;
  cfg.services[0].outlier.enabled = true;
  cfg.services[0].outlier.max_ejection_percent = 50;
  cfg.services[0].outlier.base_ejection = sim::Duration::Seconds(300);
  cfg.entry_points.push_back(Entry("web", "api", 100));
  Harness h(cfg);
  h.cluster->AddReady("api", 1, "v1");
  h.cluster->AddReady("api", 1, "v2");
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(100));
  h.model->Finish();
  const Sli& api = h.model->NodeSli("api");
  // Without ejection half of 10,000 requests would fail; with it, ~5.
  EXPECT_LE(api.errors[static_cast<int>(ErrorCause::kRelease)], 20u);
  EXPECT_GE(api.errors[static_cast<int>(ErrorCause::kRelease)], 5u);
  EXPECT_EQ(h.model->RoutableEndpoints("api"), 1);
}

TEST(RequestNetwork, CfsThrottlingInflatesLatency) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 1, 80, Kind::kConstant)};
  cfg.entry_points.push_back(Entry("web", "api", 0.5));
  Harness h(cfg);
  h.cluster->AddReady("api", 1, "v1", 500);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(2000));
  h.model->Finish();
  // 80 ms of CPU under a 0.5-core quota: 50 ms run, 50 ms throttled, 30 ms.
  const ServiceSummary s = Summarize(h.model->NodeSli("api"));
  EXPECT_NEAR(s.latency_ms.p50, 130, 2);
}

TEST(RequestNetwork, WarmUpSlowsANewPod) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 8, 10, Kind::kConstant)};
  cfg.services[0].warmup = sim::Duration::Seconds(100);
  cfg.services[0].warmup_capacity_fraction = 0.5;
  cfg.entry_points.push_back(Entry("web", "api", 10));
  Harness h(cfg);
  h.cluster->AddReady("api", 1);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(1));
  h.model->Finish();
  EXPECT_NEAR(Summarize(h.model->NodeSli("api")).latency_ms.mean, 20, 0.5);
}

TEST(RequestNetwork, UsageBoardGetsCpuAndRequestsPerPod) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 8, 10)};
  cfg.entry_points.push_back(Entry("web", "api", 100));
  cfg.usage_interval = sim::Duration::Seconds(60);
  Harness h(cfg);
  const PodId first = h.cluster->AddReady("api", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(61));
  for (PodId p = first; p < first + 2; ++p) {
    const PodUsage* u = h.board.Get(p);
    ASSERT_NE(u, nullptr);
    EXPECT_NEAR(u->cpu_millicores, 500, 50);  // 50 rps x 10 ms
    EXPECT_NEAR(u->requests_per_s, 50, 5);
    EXPECT_GE(u->memory_bytes, 256.0 * 1024 * 1024);
  }
}

TEST(RequestNetwork, AsyncQueueConsumersAndQueueLengthMetric) {
  TrafficConfig cfg;
  cfg.services = {Service("api", 8, 1), Service("bonus", 1, 30)};
  cfg.services[1].consumes_queue = "bonus-events";
  cfg.edges = {{"api", "bonus", 1.0, CallMode::kAsync, "bonus-events"}};
  cfg.entry_points.push_back(Entry("web", "api", 50));
  cfg.usage_interval = sim::Duration::Seconds(5);
  Harness h(cfg);
  h.cluster->AddReady("api", 1);
  h.cluster->AddReady("bonus", 1);  // 33 msg/s capacity < 50/s: the queue grows
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(60));
  const double* len = h.board.GetExternal("queue/bonus-events.length");
  ASSERT_NE(len, nullptr);
  EXPECT_GT(*len, 500);  // ~ (50 - 33) x 60
  // The caller does not wait for the consumer: api latency stays ~ 1 ms.
  h.model->Finish();
  EXPECT_LT(Summarize(h.model->EntrySli("web")).latency_ms.mean, 10);
}

TEST(RequestNetwork, LiveDealerSessionsRefuseJoinsAsErlangB) {
  TrafficConfig cfg;
  cfg.services = {Service("stream", 4, 1)};
  SessionProfile sp;
  sp.name = "live-dealer";
  sp.service = "stream";
  sp.arrivals.base_rps = 1.0;
  sp.mean_duration = sim::Duration::Seconds(60);
  sp.capacity_per_pod = 10;
  cfg.sessions.push_back(sp);
  Harness h(cfg, Fidelity::kRequest, 5);
  h.cluster->AddReady("stream", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(30000));
  const SessionStats& st = h.model->Sessions("live-dealer");
  const double refused = static_cast<double>(st.refused) / static_cast<double>(st.joins);
  EXPECT_NEAR(refused, ErlangB(20, 60), 0.03 * ErlangB(20, 60));
  EXPECT_GT(st.degraded_session_s, 0.5 * st.session_s);  // nearly always > 90% full
}

TEST(RequestNetwork, SameSeedSameRunDifferentSeedDifferentRun) {
  auto run = [](uint64_t seed) {
    Harness h(ThreeTier(), Fidelity::kRequest, seed);
    h.cluster->AddReady("ingress", 2);
    h.cluster->AddReady("api", 3);
    h.cluster->AddReady("wallet", 2);
    h.model->Start();
    h.RunFor(sim::Duration::Seconds(30));
    h.model->Finish();
    return std::pair{h.sim.digest(), h.model->NodeSli("psp").requests};
  };
  EXPECT_EQ(run(9), run(9));
  EXPECT_NE(run(9).first, run(10).first);
}

}  // namespace
}  // namespace rehearsal::models::traffic
