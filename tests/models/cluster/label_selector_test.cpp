// Label selectors with the Kubernetes semantics (apimachinery
// labels.Selector, as used by PDBs, pod (anti-)affinity and topology spread),
// and the store's compiled fast path (pod classes, per-class counts).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models/cluster/store.h"

namespace rehearsal::models {
namespace {

using Labels = std::map<std::string, std::string>;

LabelRequirement Req(std::string key, LabelOperator op, std::vector<std::string> values = {}) {
  return {std::move(key), op, std::move(values)};
}

struct MatchCase {
  const char* name;
  LabelSelector selector;
  Labels labels;
  bool matches;
};

TEST(LabelSelector, MatchesAsKubernetesDoes) {
  const Labels api{{"app", "api"}, {"tier", "stable"}};
  const MatchCase cases[] = {
      {"empty selector matches everything", {}, api, true},
      {"empty selector matches an unlabelled pod", {}, {}, true},
      {"matchLabels equal", {{{"app", "api"}}, {}}, api, true},
      {"matchLabels other value", {{{"app", "web"}}, {}}, api, false},
      {"matchLabels missing key", {{{"zone", "a"}}, {}}, api, false},
      {"matchLabels all pairs (AND)", {{{"app", "api"}, {"tier", "canary"}}, {}}, api, false},
      {"In one of the values", {{}, {Req("tier", LabelOperator::kIn, {"canary", "stable"})}}, api, true},
      {"In none of the values", {{}, {Req("tier", LabelOperator::kIn, {"canary"})}}, api, false},
      {"In on a missing key", {{}, {Req("team", LabelOperator::kIn, {"x"})}}, api, false},
      {"NotIn other value", {{}, {Req("tier", LabelOperator::kNotIn, {"canary"})}}, api, true},
      {"NotIn listed value", {{}, {Req("tier", LabelOperator::kNotIn, {"stable"})}}, api, false},
      {"NotIn on a missing key matches", {{}, {Req("team", LabelOperator::kNotIn, {"x"})}}, api, true},
      {"Exists present", {{}, {Req("tier", LabelOperator::kExists)}}, api, true},
      {"Exists absent", {{}, {Req("team", LabelOperator::kExists)}}, api, false},
      {"DoesNotExist absent", {{}, {Req("team", LabelOperator::kDoesNotExist)}}, api, true},
      {"DoesNotExist present", {{}, {Req("tier", LabelOperator::kDoesNotExist)}}, api, false},
      {"matchLabels AND expressions",
       {{{"app", "api"}}, {Req("tier", LabelOperator::kNotIn, {"canary"})}}, api, true},
      {"one failing expression fails all",
       {{{"app", "api"}},
        {Req("tier", LabelOperator::kExists), Req("tier", LabelOperator::kIn, {"canary"})}},
       api, false},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(c.selector.Matches(c.labels), c.matches) << c.name;
    EXPECT_EQ(c.selector.Validate(), "") << c.name;
  }
}

TEST(LabelSelector, ValidationFollowsTheApiServer) {
  struct Case {
    LabelSelector selector;
    bool valid;
  };
  const Case cases[] = {
      {{{}, {Req("a", LabelOperator::kIn)}}, false},                 // In needs values
      {{{}, {Req("a", LabelOperator::kNotIn)}}, false},              // NotIn needs values
      {{{}, {Req("a", LabelOperator::kExists, {"x"})}}, false},      // Exists takes none
      {{{}, {Req("a", LabelOperator::kDoesNotExist, {"x"})}}, false},
      {{{}, {Req("", LabelOperator::kExists)}}, false},              // empty key
      {{{{"", "x"}}, {}}, false},
      {{{}, {Req("a", LabelOperator::kIn, {"x"})}}, true},
      {{{{"a", ""}}, {}}, true},  // an empty value is a valid label value
  };
  for (const Case& c : cases) EXPECT_EQ(c.selector.Validate().empty(), c.valid) << c.selector.Key();
}

TEST(LabelSelector, KeyIsCanonical) {
  LabelSelector a{{}, {Req("t", LabelOperator::kIn, {"b", "a"}), Req("x", LabelOperator::kExists)}};
  LabelSelector b{{}, {Req("x", LabelOperator::kExists), Req("t", LabelOperator::kIn, {"a", "b"})}};
  EXPECT_EQ(a.Key(), b.Key());
  LabelSelector c{{}, {Req("t", LabelOperator::kNotIn, {"a", "b"}), Req("x", LabelOperator::kExists)}};
  EXPECT_NE(a.Key(), c.Key());
}

ClusterConfig OneZone() {
  ClusterConfig c;
  c.zones = {"a", "b"};
  NodePoolConfig p;
  p.name = "general";
  c.pools.push_back(p);
  return c;
}

WorkloadSpec Spec(const std::string& name, Labels labels) {
  WorkloadSpec s;
  s.name = name;
  s.pod.labels = std::move(labels);
  return s;
}

TEST(StoreSelectors, PodsCarryTemplateLabelsPlusWorkloadAndApp) {
  Store store(OneZone());
  WorkloadId api = store.AddWorkload(Spec("api", {{"tier", "stable"}}), 0, false);
  WorkloadId web = store.AddWorkload(Spec("web", {{"app", "frontend"}}), 0, false);
  const Pod& p = store.CreatePod(api, kNoId, 0, -1, sim::Time::Zero());
  const Labels& l = store.pod_class(p.pod_class).labels;
  EXPECT_EQ(l.at("tier"), "stable");
  EXPECT_EQ(l.at(kLabelApp), "api");
  EXPECT_EQ(l.at(kLabelWorkload), "api");
  const Pod& q = store.CreatePod(web, kNoId, 0, -1, sim::Time::Zero());
  EXPECT_EQ(store.pod_class(q.pod_class).labels.at(kLabelApp), "frontend");  // template wins
  EXPECT_EQ(store.pod_class(q.pod_class).labels.at(kLabelWorkload), "web");
  // Pods of one (workload, revision) share a class.
  EXPECT_EQ(store.CreatePod(api, kNoId, 0, -1, sim::Time::Zero()).pod_class, p.pod_class);
}

TEST(StoreSelectors, CompiledSelectorsCountMatchingPodsPerNodeAndZone) {
  Store store(OneZone());
  Node& n1 = store.AddNode(0, 0, sim::Time::Zero());
  Node& n2 = store.AddNode(0, 1, sim::Time::Zero());
  WorkloadId api = store.AddWorkload(Spec("api", {{"team", "pay"}}), 0, false);
  WorkloadId web = store.AddWorkload(Spec("web", {{"team", "pay"}, {"tier", "edge"}}), 0, false);
  WorkloadId etl = store.AddWorkload(Spec("etl", {}), 0, false);
  SelectorId pay = store.CompileSelector({{{"team", "pay"}}, {}});
  SelectorId not_edge = store.CompileSelector({{}, {Req("tier", LabelOperator::kNotIn, {"edge"})}});
  EXPECT_EQ(store.CompileSelector({{{"team", "pay"}}, {}}), pay);  // interned
  auto bind = [&](WorkloadId w, NodeId n) {
    PodId id = store.CreatePod(w, kNoId, 0, -1, sim::Time::Zero()).id;
    store.Bind(id, n, sim::Time::Zero());
    return id;
  };
  bind(api, n1.id);
  bind(web, n1.id);
  PodId web2 = bind(web, n2.id);
  bind(etl, n2.id);
  EXPECT_EQ(store.CountMatchingOnNode(pay, n1.id), 2);
  EXPECT_EQ(store.CountMatchingOnNode(pay, n2.id), 1);
  EXPECT_EQ(store.CountMatchingInZone(pay, 1), 1);
  EXPECT_EQ(store.CountMatchingOnNode(not_edge, n1.id), 1);  // api (no tier label)
  EXPECT_EQ(store.CountMatchingOnNode(not_edge, n2.id), 1);  // etl
  // A deleting pod no longer counts (as the scheduler's snapshot).
  store.MarkDeleting(web2, sim::Time::Zero());
  EXPECT_EQ(store.CountMatchingOnNode(pay, n2.id), 0);
  // A workload added after the selector was compiled is matched too.
  WorkloadId late = store.AddWorkload(Spec("late", {{"team", "pay"}}), 0, false);
  bind(late, n2.id);
  EXPECT_EQ(store.CountMatchingOnNode(pay, n2.id), 1);
}

TEST(StoreSelectors, PdbSelectorPicksPodsByLabelsAcrossWorkloads) {
  Store store(OneZone());
  WorkloadId a = store.AddWorkload(Spec("a", {{"pdb", "core"}}), 0, false);
  WorkloadId b = store.AddWorkload(Spec("b", {{"pdb", "core"}}), 0, false);
  WorkloadId c = store.AddWorkload(Spec("c", {}), 0, false);
  PdbSpec spec;
  spec.name = "core";
  spec.selector = LabelSelector{{{"pdb", "core"}}, {}};
  spec.min_available = IntOrPercent::Int(1);
  PdbId id = store.AddPdb(spec);
  EXPECT_EQ(store.pdbs()[id - 1].selects, (std::vector<WorkloadId>{a, b}));
  EXPECT_EQ(store.PdbsForWorkload(a), std::vector<PdbId>{id});
  EXPECT_TRUE(store.PdbsForWorkload(c).empty());
  PodId pa = store.CreatePod(a, kNoId, 0, -1, sim::Time::Zero()).id;
  PodId pc = store.CreatePod(c, kNoId, 0, -1, sim::Time::Zero()).id;
  EXPECT_EQ(store.PdbsForPod(pa), std::vector<PdbId>{id});
  EXPECT_TRUE(store.PdbsForPod(pc).empty());
  // The shorthand: workload names.
  PdbSpec named;
  named.name = "c";
  named.workloads = {"c"};
  PdbId id2 = store.AddPdb(named);
  EXPECT_EQ(store.PdbsForPod(pc), std::vector<PdbId>{id2});
  // An empty selector {} selects every pod (policy/v1).
  PdbSpec all;
  all.name = "all";
  all.selector = LabelSelector{};
  PdbId id3 = store.AddPdb(all);
  EXPECT_EQ(store.PdbsForPod(pa), (std::vector<PdbId>{id, id3}));
  EXPECT_EQ(store.PdbsForPod(pc), (std::vector<PdbId>{id2, id3}));
}

TEST(StoreSelectors, SymmetricAntiAffinityByLabels) {
  Store store(OneZone());
  // "cache" pods refuse to share a node with anything labelled tier=batch.
  WorkloadSpec cache = Spec("cache", {});
  PodAffinityTerm term;
  term.selector = LabelSelector{{{"tier", "batch"}}, {}};
  term.topology_key = kLabelHostname;
  cache.pod.pod_anti_affinity_required.push_back(term);
  WorkloadId wc = store.AddWorkload(cache, 0, false);
  WorkloadId etl = store.AddWorkload(Spec("etl", {{"tier", "batch"}}), 0, false);
  WorkloadId api = store.AddWorkload(Spec("api", {}), 0, false);
  PodClassId cache_class = store.ClassOf(wc, 0);
  const auto& against_etl = store.AntiAffinityAgainstClass(store.ClassOf(etl, 0));
  ASSERT_EQ(against_etl.size(), 1u);
  EXPECT_EQ(against_etl[0].first, cache_class);
  EXPECT_EQ(against_etl[0].second, kLabelHostname);
  EXPECT_TRUE(store.AntiAffinityAgainstClass(store.ClassOf(api, 0)).empty());
}

}  // namespace
}  // namespace rehearsal::models
