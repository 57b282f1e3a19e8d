#include "models/workloads/pod_ranking.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace rehearsal::models {
namespace {

const sim::Time kNow = sim::Time::Zero() + sim::Duration::Hours(100);
sim::Time Ago(sim::Duration d) { return kNow - d; }

PodRankInput Running(PodId id) {
  PodRankInput p;
  p.id = id;
  p.assigned = true;
  p.phase_rank = 2;
  p.ready = true;
  p.ready_since = Ago(sim::Duration::Hours(10));
  p.created_at = Ago(sim::Duration::Hours(10));
  return p;
}

TEST(PodRanking, CriteriaInOrder) {
  struct Case { const char* what; PodRankInput first, second; };
  std::vector<Case> cases;
  {
    PodRankInput a = Running(1), b = Running(2);
    a.assigned = false;
    a.phase_rank = 0;
    a.ready = false;
    cases.push_back({"unassigned first", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.phase_rank = 0;
    a.ready = false;
    cases.push_back({"pending before running", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.phase_rank = 1;
    cases.push_back({"unknown before running", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.ready = false;
    cases.push_back({"not ready first", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    b.deletion_cost = 10;
    cases.push_back({"lower deletion cost first", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.related_on_node = 3;
    b.related_on_node = 1;
    cases.push_back({"more co-located siblings first", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.ready_since = Ago(sim::Duration::Hours(2));
    b.ready_since = Ago(sim::Duration::Hours(5));
    cases.push_back({"ready 2h before ready 5h", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.restarts = 4;
    cases.push_back({"more restarts first", a, b});
  }
  {
    PodRankInput a = Running(1), b = Running(2);
    a.created_at = Ago(sim::Duration::Minutes(5));
    cases.push_back({"newer first", a, b});
  }
  for (const auto& c : cases) {
    EXPECT_TRUE(DeleteBefore(c.first, c.second, kNow)) << c.what;
    EXPECT_FALSE(DeleteBefore(c.second, c.first, kNow)) << c.what;
  }
}

TEST(PodRanking, LogarithmicScaleDownBuckets) {
  // 5 h and 8 h since ready are the same bucket: the restart count decides.
  PodRankInput a = Running(1), b = Running(2);
  a.ready_since = Ago(sim::Duration::Hours(5));
  b.ready_since = Ago(sim::Duration::Hours(8));
  b.restarts = 1;
  EXPECT_TRUE(DeleteBefore(b, a, kNow));
  EXPECT_EQ(LogBucket(kNow, Ago(sim::Duration::Hours(5))), 14);
  EXPECT_EQ(LogBucket(kNow, Ago(sim::Duration::Hours(8))), 14);
  EXPECT_EQ(LogBucket(kNow, Ago(sim::Duration::Hours(2))), 12);
}

TEST(PodRanking, SortIsAStrictWeakOrder) {
  std::vector<PodRankInput> pods;
  for (PodId i = 1; i <= 40; ++i) {
    PodRankInput p = Running(i);
    p.ready = i % 3 != 0;
    p.related_on_node = static_cast<int32_t>(i % 4);
    p.restarts = static_cast<int32_t>(i % 5);
    pods.push_back(p);
  }
  std::sort(pods.begin(), pods.end(),
            [](const PodRankInput& a, const PodRankInput& b) { return DeleteBefore(a, b, kNow); });
  for (size_t i = 1; i < pods.size(); ++i) EXPECT_FALSE(DeleteBefore(pods[i], pods[i - 1], kNow));
  EXPECT_FALSE(pods.front().ready);
}

}  // namespace
}  // namespace rehearsal::models

namespace rehearsal::models {
namespace {

TEST(PodRanking, PrecomputedBucketsGiveTheSameOrder) {
  std::vector<PodRankInput> plain;
  for (PodId i = 1; i <= 60; ++i) {
    PodRankInput p = Running(i);
    p.ready_since = Ago(sim::Duration::Seconds(static_cast<int64_t>(i * i * 37 % 50000)));
    p.created_at = Ago(sim::Duration::Seconds(static_cast<int64_t>(i * 7919 % 90000 + 60)));
    p.restarts = static_cast<int32_t>(i % 3);
    plain.push_back(p);
  }
  std::vector<PodRankInput> pre = plain;
  for (auto& p : pre) PrecomputeBuckets(p, kNow);
  auto cmp = [](const PodRankInput& a, const PodRankInput& b) { return DeleteBefore(a, b, kNow); };
  std::sort(plain.begin(), plain.end(), cmp);
  std::sort(pre.begin(), pre.end(), cmp);
  for (size_t i = 0; i < plain.size(); ++i) EXPECT_EQ(plain[i].id, pre[i].id);
}

}  // namespace
}  // namespace rehearsal::models
