// The fluid fidelity: against closed forms, and against the request fidelity
// on the same scenarios (steady state and across a peak).
#include <cmath>
#include <cstdio>

#include <gtest/gtest.h>

#include "models/traffic/fluid_engine.h"
#include "models/traffic/queueing.h"
#include "scenario_util.h"

namespace rehearsal::models::traffic {
namespace {

using testing::Entry;
using testing::Harness;
using testing::Service;
using Kind = LatencyDistribution::Kind;

TEST(FluidMath, NormalAndGammaQuantiles) {
  EXPECT_NEAR(NormalQuantile(0.975), 1.959964, 1e-6);
  EXPECT_NEAR(NormalQuantile(0.5), 0.0, 1e-9);
  EXPECT_NEAR(NormalQuantile(0.01), -2.326348, 1e-6);
  // Exponential (mean 1, var 1): Wilson-Hilferty within 1.5% of -ln(1-q).
  EXPECT_NEAR(GammaQuantile(1, 1, 0.95), std::log(20.0), 0.015 * std::log(20.0));
  EXPECT_NEAR(GammaQuantile(1, 1, 0.99), std::log(100.0), 0.01 * std::log(100.0));
  EXPECT_NEAR(GammaTail(1, 1, std::log(20.0)), 0.05, 0.002);
  EXPECT_DOUBLE_EQ(GammaQuantile(2, 0, 0.99), 2.0);
}

ServiceSummary RunOne(TrafficConfig cfg, Fidelity f, double seconds, const char* node,
                      bool entry = false) {
  Harness h(cfg, f, 77);
  h.cluster->AddReady(cfg.services[0].name, 1);
  h.model->Start();
  h.RunFor(sim::Duration::FromSeconds(seconds));
  h.model->Finish();
  return Summarize(entry ? h.model->EntrySli(node) : h.model->NodeSli(node));
}

TEST(FluidFidelity, Mm1MatchesClosedForm) {
  TrafficConfig cfg;
  cfg.services = {Service("s", 1, 10)};
  cfg.entry_points.push_back(Entry("load", "s", 80));
  const ServiceSummary s = RunOne(cfg, Fidelity::kFluid, 600, "s");
  // 601 ticks: the tick at t = 600 s covers [600, 601).
  EXPECT_NEAR(static_cast<double>(s.requests), 48080, 1);
  EXPECT_NEAR(s.latency_ms.mean, 50.0, 0.02 * 50);
  EXPECT_NEAR(s.latency_ms.p95, 149.787, 0.03 * 149.787);
  EXPECT_NEAR(s.latency_ms.p99, 230.259, 0.03 * 230.259);
  EXPECT_EQ(s.errors, 0u);
}

TEST(FluidFidelity, BoundedQueueBlocksAsMmck) {
  TrafficConfig cfg;
  cfg.services = {Service("s", 2, 10)};
  cfg.services[0].queue_capacity = 8;  // K = 10
  cfg.entry_points.push_back(Entry("load", "s", 180));
  const ServiceSummary fluid = RunOne(cfg, Fidelity::kFluid, 600, "s");
  EXPECT_NEAR(fluid.error_rate, 0.054807, 0.001);
  const ServiceSummary req = RunOne(cfg, Fidelity::kRequest, 3000, "s");
  EXPECT_NEAR(req.error_rate, fluid.error_rate, 0.01);
  EXPECT_EQ(fluid.errors_by_cause.at("overload"), fluid.errors);
}

TEST(FluidFidelity, OverloadBuildsABacklog) {
  TrafficConfig cfg;
  cfg.services = {Service("s", 1, 10)};
  cfg.entry_points.push_back(Entry("load", "s", 150));  // capacity 100/s
  Harness h(cfg, Fidelity::kFluid);
  h.cluster->AddReady("s", 1);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(10));
  auto* fluid = static_cast<const FluidEngine*>(nullptr);
  (void)fluid;
  h.model->Finish();
  const double early = Summarize(h.model->NodeSli("s")).latency_ms.mean;
  h.RunFor(sim::Duration::Seconds(50));
  h.model->Finish();
  const double later = Summarize(h.model->NodeSli("s")).latency_ms.p99;
  // After 60 s the backlog is ~3000 requests = 30 s of work.
  EXPECT_GT(later, 20000);
  EXPECT_LT(early, later);
}

// The cross-check scenario: three tiers, several pods each, a bad-ish
// release on the wallet retried by the api.
TrafficConfig CrossCheck(double rps) {
  TrafficConfig cfg;
  cfg.services = {Service("ingress", 4, 5), Service("api", 2, 20), Service("wallet", 4, 8)};
  cfg.services[1].cpu_per_request = {Kind::kLogNormal, 20, 0.8};
  cfg.services[2].versions["v1"].error_fraction = 0.02;
  cfg.services[2].retry.attempts = 2;
  cfg.edges = {{"ingress", "api", 1.0, CallMode::kSync, ""},
               {"api", "wallet", 1.0, CallMode::kSync, ""}};
  cfg.entry_points.push_back(Entry("web", "ingress", rps));
  return cfg;
}

struct Pair {
  std::map<std::string, ServiceSummary> request, fluid;
};

Pair RunBoth(const TrafficConfig& cfg, double seconds) {
  Pair out;
  for (Fidelity f : {Fidelity::kRequest, Fidelity::kFluid}) {
    Harness h(cfg, f, 123);
    h.cluster->AddReady("ingress", 2);
    h.cluster->AddReady("api", 3);
    h.cluster->AddReady("wallet", 2);
    h.model->Start();
    h.RunFor(sim::Duration::FromSeconds(seconds));
    h.model->Finish();
    h.model->Summarize(f == Fidelity::kRequest ? out.request : out.fluid);
  }
  return out;
}

void ExpectClose(const Pair& p) {
  for (const char* name : {"ingress", "api", "wallet", "entry/web"}) {
    const ServiceSummary& r = p.request.at(name);
    const ServiceSummary& f = p.fluid.at(name);
    std::printf("%-9s mean %.2f/%.2f ms  p95 %.2f/%.2f ms  err %.4f/%.4f  util %.3f/%.3f\n", name,
                r.latency_ms.mean, f.latency_ms.mean, r.latency_ms.p95, f.latency_ms.p95,
                r.error_rate, f.error_rate, r.observed_utilization, f.observed_utilization);
    EXPECT_NEAR(f.latency_ms.mean, r.latency_ms.mean, 0.10 * r.latency_ms.mean) << name;
    EXPECT_NEAR(f.latency_ms.p95, r.latency_ms.p95, 0.10 * r.latency_ms.p95) << name;
    EXPECT_NEAR(f.error_rate, r.error_rate, 0.01) << name;
    EXPECT_NEAR(static_cast<double>(f.requests), static_cast<double>(r.requests),
                0.02 * static_cast<double>(r.requests))
        << name;
  }
}

TEST(FluidVsRequest, SteadyStateLatencyAndErrorsAgree) {
  const Pair p = RunBoth(CrossCheck(150), 2000);
  ExpectClose(p);
  // The analytic baseline's predicted utilization sits beside the observed.
  const ServiceSummary& api = p.request.at("api");
  EXPECT_NEAR(api.predicted_utilization, api.observed_utilization, 0.03);
}

TEST(FluidVsRequest, AcrossAPeakLatencyAndErrorsAgree) {
  TrafficConfig cfg = CrossCheck(100);
  Peak peak;
  peak.start = sim::Time::Zero() + sim::Duration::Seconds(300);
  peak.ramp = sim::Duration::Seconds(120);
  peak.hold = sim::Duration::Seconds(600);
  peak.decay = sim::Duration::Seconds(120);
  peak.multiplier = 2.0;
  cfg.entry_points[0].load.peaks.push_back(peak);
  ExpectClose(RunBoth(cfg, 1500));
}

}  // namespace
}  // namespace rehearsal::models::traffic

namespace rehearsal::models::traffic {
namespace {

TEST(FluidFidelity, SessionsRefuseJoinsAsErlangB) {
  TrafficConfig cfg;
  cfg.services = {testing::Service("stream", 4, 1)};
  SessionProfile sp;
  sp.name = "live-dealer";
  sp.service = "stream";
  sp.arrivals.base_rps = 0.5;
  sp.mean_duration = sim::Duration::Seconds(60);
  sp.capacity_per_pod = 10;
  cfg.sessions.push_back(sp);
  testing::Harness h(cfg, Fidelity::kFluid);
  h.cluster->AddReady("stream", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(3600));
  const SessionStats& st = h.model->Sessions("live-dealer");
  EXPECT_NEAR(static_cast<double>(st.joins), 1800, 1);
  EXPECT_NEAR(static_cast<double>(st.refused) / static_cast<double>(st.joins), ErlangB(20, 30),
              0.01);
  // Carried load a (1 - B) sessions on 20 slots.
  EXPECT_NEAR(st.active, 30 * (1 - ErlangB(20, 30)), 0.5);
}

TEST(FluidFidelity, UsageBoardAndArrivalRates) {
  TrafficConfig cfg;
  cfg.services = {testing::Service("api", 8, 10), testing::Service("wallet", 8, 5)};
  cfg.edges = {{"api", "wallet", 2.0, CallMode::kSync, ""}};
  cfg.entry_points.push_back(testing::Entry("web", "api", 100));
  testing::Harness h(cfg, Fidelity::kFluid);
  const PodId first = h.cluster->AddReady("api", 2);
  h.cluster->AddReady("wallet", 2);
  h.model->Start();
  h.RunFor(sim::Duration::Seconds(31));
  const PodUsage* u = h.board.Get(first);
  ASSERT_NE(u, nullptr);
  EXPECT_NEAR(u->cpu_millicores, 500, 1);  // 50 rps x 10 ms
  EXPECT_NEAR(u->requests_per_s, 50, 0.01);
  EXPECT_NEAR(h.model->MeasuredArrivalRate("wallet"), 200, 0.01);
  EXPECT_NEAR(h.model->ArrivalRate("wallet", h.sim.now()), 200, 1e-9);
  EXPECT_NEAR(h.model->EntryArrivalRate("web", h.sim.now()), 100, 1e-12);
}

}  // namespace
}  // namespace rehearsal::models::traffic

namespace rehearsal::models::traffic {
namespace {

TEST(FluidVsRequest, AvailabilityCountsSlowRequests) {
  TrafficConfig cfg;
  cfg.services = {testing::Service("s", 1, 10)};
  cfg.entry_points.push_back(testing::Entry("load", "s", 50));
  cfg.availability_latency_threshold = sim::Duration::Millis(60);
  RunSummary fluid, request;
  for (Fidelity f : {Fidelity::kFluid, Fidelity::kRequest}) {
    testing::Harness h(cfg, f, 3);
    h.cluster->AddReady("s", 1);
    h.model->Start();
    h.RunFor(sim::Duration::Seconds(2000));
    h.model->Finish();
    h.model->Summarize(f == Fidelity::kFluid ? fluid : request);
  }
  // M/M/1 at rho 0.5: P(T > 60 ms) = exp(-50 * 0.06) = 0.0498.
  EXPECT_NEAR(request.services.at("s").availability, 1 - 0.0498, 0.005);
  EXPECT_NEAR(fluid.services.at("s").availability, 1 - 0.0498, 0.005);
  EXPECT_EQ(fluid.fidelity, "fluid");
  EXPECT_EQ(request.fidelity, "request");
}

}  // namespace
}  // namespace rehearsal::models::traffic
