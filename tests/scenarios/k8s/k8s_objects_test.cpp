// Parsing Kubernetes values and objects as kubectl prints them.
#include "scenarios/k8s/k8s_objects.h"

#include <gtest/gtest.h>

#include "scenarios/k8s/quantity.h"

namespace rehearsal::scenarios::k8s {
namespace {

TEST(Quantity, MilliValueRoundsUpLikeKubernetes) {
  struct Case {
    const char* text;
    int64_t milli;
  };
  for (const Case& c : std::vector<Case>{{"250m", 250},
                                         {"2", 2000},
                                         {"0.5", 500},
                                         {"1.5", 1500},
                                         {"12345678n", 13},  // 12.345678m rounded up
                                         {"640000000n", 640},
                                         {"100u", 1},         // 0.1m rounded up
                                         {"1Ki", 1024000},
                                         {"512Mi", 536870912000LL},
                                         {"402432Ki", 412090368000LL},
                                         {"1G", 1000000000000LL},
                                         {"2k", 2000000},
                                         {"1e3", 1000000},
                                         {"1.5e-3", 2},       // 1.5m rounded up
                                         {"0", 0}}) {
    auto v = ParseQuantityMilli(c.text);
    ASSERT_TRUE(v.has_value()) << c.text;
    EXPECT_EQ(*v, c.milli) << c.text;
  }
  for (const char* bad : {"", "m", "1x", "abc", "1.2.3", "5 m"})
    EXPECT_FALSE(ParseQuantityMilli(bad).has_value()) << bad;
  EXPECT_EQ(FormatMilli(250), "250m");
  EXPECT_EQ(FormatMilli(3000), "3");
}

TEST(Time, Rfc3339AndGoDurations) {
  EXPECT_EQ(ParseRfc3339Micros("1970-01-01T00:00:01Z"), 1000000);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-01T12:00:00Z"), int64_t{1714564800} * 1000000);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-01T14:00:00+02:00"), int64_t{1714564800} * 1000000);
  EXPECT_EQ(ParseRfc3339Micros("2024-05-01T12:00:00.25Z"), int64_t{1714564800} * 1000000 + 250000);
  EXPECT_FALSE(ParseRfc3339Micros("2024-05-01 12:00").has_value());
  EXPECT_FALSE(ParseRfc3339Micros("2024-13-01T12:00:00Z").has_value());
  EXPECT_EQ(FormatRfc3339(int64_t{1714564800} * 1000000), "2024-05-01T12:00:00Z");
  EXPECT_EQ(ParseGoDurationMicros("15s"), 15000000);
  EXPECT_EQ(ParseGoDurationMicros("15.032s"), 15032000);
  EXPECT_EQ(ParseGoDurationMicros("1m0s"), 60000000);
  EXPECT_EQ(ParseGoDurationMicros("1h2m3.5s"), 3723500000LL);
  EXPECT_EQ(ParseGoDurationMicros("500ms"), 500000);
  EXPECT_FALSE(ParseGoDurationMicros("15").has_value());
  EXPECT_FALSE(ParseGoDurationMicros("s").has_value());
}

TEST(K8sObjects, ParsesMultiDocumentYamlAndLists) {
  const char* text = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      priorityClassName: high
      containers:
      - name: app
        resources: {requests: {cpu: 250m}, limits: {cpu: "1", memory: 1Gi}}
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: settings}
)";
  auto r = ParseK8sText(text, "m.yaml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_EQ(r->size(), 3u);
  const auto& d = std::get<K8sWorkload>((*r)[0].body);
  EXPECT_EQ(d.replicas, 3);
  EXPECT_EQ(d.priority_class, "high");
  ASSERT_EQ(d.containers.size(), 1u);
  EXPECT_EQ(d.containers[0].cpu_request_milli, 250);
  EXPECT_EQ(d.containers[0].memory_request_milli, (int64_t{1} << 30) * 1000);  // from the limit
  EXPECT_EQ((*r)[0].meta.namespace_, "shop");
  EXPECT_EQ((*r)[0].mark.line, 1);
  EXPECT_EQ(std::get<K8sPriorityClass>((*r)[1].body).value, 1000);
  EXPECT_EQ((*r)[2].kind, "ConfigMap");  // other kinds pass through untyped
  EXPECT_TRUE(std::holds_alternative<K8sOther>((*r)[2].body));
}

TEST(K8sObjects, ParsesHpaBehaviorAndRejectsV1) {
  const char* text = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 10
  behavior:
    scaleDown:
      stabilizationWindowSeconds: 60
      selectPolicy: Min
      tolerance: 50m
      policies:
      - {type: Pods, value: 1, periodSeconds: 30}
)";
  auto r = ParseK8sText(text, "h.yaml");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  const auto& h = std::get<K8sHpa>((*r)[0].body);
  EXPECT_EQ(h.config.min_replicas, 1);  // API default
  EXPECT_TRUE(h.config.metrics.empty());
  ASSERT_TRUE(h.config.behavior.has_value());
  const auto& down = h.config.behavior->scale_down;
  EXPECT_EQ(down.stabilization_window_seconds, 60);
  EXPECT_EQ(down.select_policy, models::autoscaling::SelectPolicy::kMin);
  EXPECT_DOUBLE_EQ(*down.tolerance, 0.05);
  ASSERT_TRUE(down.policies.has_value());
  EXPECT_EQ(down.policies->at(0).period_seconds, 30);
  EXPECT_FALSE(h.config.behavior->scale_up.policies.has_value());

  auto v1 = ParseK8sText(R"(apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec: {scaleTargetRef: {kind: Deployment, name: web}, maxReplicas: 3}
)",
                         "v1.yaml");
  ASSERT_FALSE(v1.ok());
  EXPECT_NE(v1.error().ToString().find("v1.yaml:1:13: HorizontalPodAutoscaler web .apiVersion"),
            std::string::npos)
      << v1.error().ToString();
}

TEST(K8sObjects, ReportsEveryErrorWithItsPlace) {
  auto r = ParseK8sText(R"(apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: pdb}
spec:
  minAvailable: 50
  maxUnavailable: lots
  selector: {matchLabels: {app: web}}
)",
                        "p.yaml");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.errors().size(), 2u);
  EXPECT_EQ(r.errors()[0].ToString(),
            "p.yaml:6:19: PodDisruptionBudget pdb .spec.maxUnavailable: found 'lots', expected a "
            "non-negative integer or a percentage like 25%");
  EXPECT_NE(r.errors()[1].message.find("exactly one of minAvailable or maxUnavailable"),
            std::string::npos);
  auto broken = ParseK8sText("{\"kind\": \"Pod\", ", "b.json");
  ASSERT_FALSE(broken.ok());
  EXPECT_NE(broken.error().ToString().find("b.json:"), std::string::npos);
}

TEST(K8sObjects, SelectorsMatchLikeKubernetes) {
  LabelSelector s;
  s.match_labels = {{"app", "web"}};
  s.match_expressions = {{"tier", SelectorOp::kIn, {"a", "b"}}, {"canary", SelectorOp::kDoesNotExist, {}}};
  EXPECT_TRUE(s.Matches({{"app", "web"}, {"tier", "b"}}));
  EXPECT_FALSE(s.Matches({{"app", "web"}, {"tier", "c"}}));
  EXPECT_FALSE(s.Matches({{"app", "web"}, {"tier", "a"}, {"canary", "1"}}));
  EXPECT_TRUE(LabelSelector{}.Matches({{"x", "y"}}));
  EXPECT_EQ(s.ToString(), "app=web,tier in (a,b),!canary");
}

}  // namespace
}  // namespace rehearsal::scenarios::k8s
