// `rehearse explain hpa|pdb` on hand-written kubectl-style fixtures
// (tests/scenarios/k8s/fixtures/). Expected numbers are worked out by hand in
// each test from shared/spec/kubernetes.md 1.3-1.8 and 4.2.
#include "scenarios/k8s/explain.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <sstream>

namespace rehearsal::scenarios {
namespace {

std::string Fixture(const std::string& name) {
  return std::string(REHEARSAL_SOURCE_DIR) + "/tests/scenarios/k8s/fixtures/" + name;
}

struct Outcome {
  int code = 0;
  std::string out, err;
};

Outcome Explain(std::vector<std::string> args) {
  std::ostringstream out, err;
  Outcome r;
  r.code = RunExplain(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::vector<std::string> HpaArgs(const std::string& hpa) {
  return {"hpa",       "--hpa",  Fixture(hpa),          "--target", Fixture("deployment.json"),
          "--pods",    Fixture("pods.json"), "--metrics", Fixture("podmetrics.json")};
}

// CPU usage 600m + 620m + 640m (printed as 640000000n) + 660m = 2520m over
// 4 x 500m requests: U = floor(126) = 126 %, r = 126 / 50 = 2.52. The Pending
// pod is ignored and, because r > 1, counted as 0: 2520 / 2500 = 100 %,
// r' = 2.0, ceil(2.0 x 5) = 10.
TEST(ExplainHpa, BehaviorPathLimitsTheScaleUp) {
  std::vector<std::string> args = HpaArgs("hpa_behavior.yaml");
  args.push_back("--json");
  Outcome r = Explain(args);
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node j = YAML::Load(r.out);
  EXPECT_EQ(j["currentReplicas"].as<int>(), 4);
  ASSERT_EQ(j["metrics"].size(), 1u);
  EXPECT_EQ(j["metrics"][0]["type"].as<std::string>(), "Resource");
  EXPECT_EQ(j["metrics"][0]["name"].as<std::string>(), "cpu");
  EXPECT_EQ(j["metrics"][0]["currentUtilization"].as<int>(), 126);
  EXPECT_EQ(j["metrics"][0]["readyPods"].as<int>(), 4);
  EXPECT_EQ(j["metrics"][0]["ignoredPods"].as<int>(), 1);
  EXPECT_EQ(j["metrics"][0]["proposedReplicas"].as<int>(), 10);
  // The only scale-up policy is Pods 2 per 60 s: limit 4 + 2 = 6.
  EXPECT_EQ(j["normalization"]["limitReason"].as<std::string>(), "ScaleUpLimit");
  EXPECT_EQ(j["desiredReplicas"].as<int>(), 6);
  EXPECT_EQ(j["now"].as<std::string>(), "2024-05-01T11:59:50Z");  // latest sample
}

TEST(ExplainHpa, LegacyPathDoublesAtMost) {
  Outcome r = Explain(HpaArgs("hpa_legacy.json"));
  ASSERT_EQ(r.code, 0) << r.err;
  // No behavior: scaleUpLimit = max(2 x 4, 4) = 8.
  EXPECT_NE(r.out.find("126% of requests"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("proposal: 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("desired replicas: 8 (scale up from 4)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ScaleUpLimit"), std::string::npos);
  EXPECT_NE(r.out.find("assumptions:"), std::string::npos);
}

// 4 pods at 100m of 500m: U = 20 %, r = 0.4, ceil(0.4 x 4) = 2 (the Pending
// pod is ignored; no fill-in on a scale-down). Steady history: 2 at once.
// A freshly started controller remembers 4 for 5 minutes: held at 4.
TEST(ExplainHpa, FreshHistoryHoldsAScaleDown) {
  std::vector<std::string> args = {"hpa",     "--hpa",  Fixture("hpa_legacy.json"),
                                   "--target", Fixture("deployment.json"), "--pods",
                                   Fixture("pods.json"), "--metrics",
                                   Fixture("podmetrics_low.json"), "--json"};
  Outcome steady = Explain(args);
  ASSERT_EQ(steady.code, 0) << steady.err;
  YAML::Node j = YAML::Load(steady.out);
  EXPECT_EQ(j["metrics"][0]["proposedReplicas"].as<int>(), 2);
  EXPECT_EQ(j["desiredReplicas"].as<int>(), 2);
  args.insert(args.end(), {"--history", "fresh"});
  Outcome fresh = Explain(args);
  ASSERT_EQ(fresh.code, 0) << fresh.err;
  YAML::Node f = YAML::Load(fresh.out);
  EXPECT_EQ(f["desiredReplicas"].as<int>(), 4);
  EXPECT_EQ(f["normalization"]["stabilizationReason"].as<std::string>(), "ScaleDownStabilized");
}

// Pods metric: 4 pods at 150 vs 100 (r = 1.5); the Pending pod counts 0:
// 600 / 5 = 120, r' = 1.2, ceil(6) = 6. External: 140 + 100 = 240 against 30
// per replica over status.replicas 5: r = 1.6 -> ceil(240 / 30) = 8. The
// Object metric has no value: invalid, but the others scale up, so the
// scale-up goes ahead at max(6, 8) = 8 (legacy limit 8).
TEST(ExplainHpa, MultipleMetricsTakeTheMaximum) {
  std::vector<std::string> args = HpaArgs("hpa_multi.yaml");
  args.insert(args.end(), {"--custom-metrics", Fixture("custom_metrics.json"), "--custom-metrics",
                           Fixture("external_metrics.json"), "--json"});
  Outcome r = Explain(args);
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node j = YAML::Load(r.out);
  ASSERT_EQ(j["metrics"].size(), 3u);
  EXPECT_EQ(j["metrics"][0]["type"].as<std::string>(), "Pods");
  EXPECT_EQ(j["metrics"][0]["proposedReplicas"].as<int>(), 6);
  EXPECT_EQ(j["metrics"][1]["type"].as<std::string>(), "External");
  EXPECT_EQ(j["metrics"][1]["proposedReplicas"].as<int>(), 8);
  EXPECT_EQ(j["metrics"][1]["currentValue"].as<std::string>(), "48");
  EXPECT_EQ(j["metrics"][2]["type"].as<std::string>(), "Object");
  EXPECT_TRUE(j["metrics"][2]["proposedReplicas"].IsNull());
  EXPECT_FALSE(j["metrics"][2]["valid"].as<bool>());
  EXPECT_EQ(j["desiredReplicas"].as<int>(), 8);
}

TEST(ExplainHpa, WithoutCustomMetricsAllInvalidMeansNoScaling) {
  Outcome r = Explain(HpaArgs("hpa_multi.yaml"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("no scaling this sync"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("desired replicas: 4 (no change)"), std::string::npos) << r.out;
}

TEST(ExplainHpa, WrongKindIsAnErrorNamingTheFile) {
  Outcome r = Explain({"hpa", "--hpa", Fixture("deployment.json"), "--target",
                   Fixture("deployment.json"), "--pods", Fixture("pods.json"), "--metrics",
                   Fixture("podmetrics.json")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("deployment.json:1:1: .kind: found Deployment"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("expected HorizontalPodAutoscaler for --hpa"), std::string::npos) << r.err;
}

TEST(ExplainHpa, MissingFieldsAreReportedWithLineAndColumn) {
  Outcome r = Explain(HpaArgs("hpa_missing_max.yaml"));
  EXPECT_EQ(r.code, 2);
  // The spec mapping starts at its first key (line 7, column 3).
  EXPECT_NE(r.err.find("hpa_missing_max.yaml:7:3: HorizontalPodAutoscaler gaming-api "
                       ".spec.maxReplicas: missing"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(".spec.metrics[0].resource.target.averageUtilization: missing"),
            std::string::npos)
      << r.err;
}

TEST(ExplainHpa, PodsOutsideTheSelectorAreRejected) {
  Outcome r = Explain({"hpa", "--hpa", Fixture("hpa_legacy.json"), "--target",
                   Fixture("deployment.json"), "--pods", Fixture("pods_mixed.json"), "--metrics",
                   Fixture("podmetrics.json")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("pod casino/payments-5d6f7-abcde does not match the selector of "
                       "Deployment/gaming-api (app=gaming-api)"),
            std::string::npos)
      << r.err;
}

TEST(ExplainHpa, UsageErrors) {
  EXPECT_EQ(Explain({}).code, 2);
  EXPECT_EQ(Explain({"hpa", "--hpa", Fixture("hpa_legacy.json")}).code, 2);
  EXPECT_EQ(Explain({"frobnicate"}).code, 2);
  EXPECT_EQ(Explain({"--help"}).code, 0);
  Outcome bad_now = Explain([] {
    auto a = HpaArgs("hpa_legacy.json");
    a.insert(a.end(), {"--now", "yesterday"});
    return a;
  }());
  EXPECT_EQ(bad_now.code, 2);
  Outcome missing_file = Explain({"hpa", "--hpa", Fixture("nope.yaml"), "--target",
                              Fixture("deployment.json"), "--pods", Fixture("pods.json"),
                              "--metrics", Fixture("podmetrics.json")});
  EXPECT_EQ(missing_file.code, 2);
  EXPECT_NE(missing_file.err.find("nope.yaml: cannot read the file"), std::string::npos);
}

// 5 pods match app=gaming-api (4 Ready, 1 Pending); their controller
// ReplicaSet/gaming-api-7c9d8f belongs to Deployment gaming-api (4 replicas):
// maxUnavailable 30 % of 4 = ceil(1.2) = 2 -> desiredHealthy 2; 4 healthy -> 2 allowed.
TEST(ExplainPdb, MaxUnavailablePercentOfTheDeploymentScale) {
  Outcome r = Explain({"pdb", "--pdb", Fixture("pdb_max_unavailable.yaml"), "--pods",
                   Fixture("pods.json"), "--workload", Fixture("deployment.json"), "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  YAML::Node j = YAML::Load(r.out);
  EXPECT_EQ(j["expectedPods"].as<int>(), 4);
  EXPECT_EQ(j["desiredHealthy"].as<int>(), 2);
  EXPECT_EQ(j["currentHealthy"].as<int>(), 4);
  EXPECT_EQ(j["disruptionsAllowed"].as<int>(), 2);
  EXPECT_EQ(j["controllers"]["ReplicaSet/gaming-api-7c9d8f"].as<int>(), 4);
}

TEST(ExplainPdb, MinAvailableIntCountsMatchingPods) {
  // minAvailable 4: expectedPods = 5 matching pods, 4 healthy -> 0 allowed.
  Outcome r = Explain({"pdb", "--pdb", Fixture("pdb_min_available_int.yaml"), "--pods",
                   Fixture("pods.json")});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("disruptionsAllowed: 0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("expectedPods: 5"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("currentHealthy: 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("desiredHealthy: 4"), std::string::npos) << r.out;
}

TEST(ExplainPdb, MissingWorkloadIsAnError) {
  Outcome r = Explain({"pdb", "--pdb", Fixture("pdb_max_unavailable.yaml"), "--pods",
                   Fixture("pods.json")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("is controlled by ReplicaSet/gaming-api-7c9d8f, which no --workload file holds"),
            std::string::npos)
      << r.err;
}

TEST(ExplainPdb, PodsOutsideTheSelectorAreRejected) {
  Outcome r = Explain({"pdb", "--pdb", Fixture("pdb_max_unavailable.yaml"), "--pods",
                   Fixture("pods_mixed.json"), "--workload", Fixture("deployment.json")});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("payments-5d6f7-abcde does not match the selector"), std::string::npos);
}

}  // namespace
}  // namespace rehearsal::scenarios
