// Table models under QAbstractItemModelTester (fatal on any model-contract
// violation), fed with snapshots from a running synthetic session, plus the
// chart grouping and a headless render of the whole window.
#include <gtest/gtest.h>

#include <QAbstractItemModelTester>
#include <QImage>
#include <QRegularExpression>
#include <QSignalSpy>
#include <cmath>

#include "gui/engine/chart_groups.h"
#include "gui/engine/cluster_adapter.h"
#include "gui/models/table_models.h"
#include "gui/widgets/main_window.h"
#include "synthetic_world_testlib.h"

namespace rehearsal::gui {
namespace {

using testing::kScenarioPath;
using testing::SyntheticHooks;

std::unique_ptr<RunEngine> MakeEngine() {
  auto e = RunEngine::FromFile(kScenarioPath, SyntheticHooks(true));
  EXPECT_TRUE(e.ok());
  return std::move(e.value());
}

sim::Time At(sim::Duration d) { return sim::Time::Zero() + d; }

TEST(TableModels, PassTheModelTesterAcrossUpdates) {
  SeriesTableModel series(50);
  EventLogModel log;
  NodeTableModel nodes;
  InjectionTableModel injections;
  ScoreTableModel score;
  QAbstractItemModelTester t1(&series, QAbstractItemModelTester::FailureReportingMode::Fatal);
  QAbstractItemModelTester t2(&log, QAbstractItemModelTester::FailureReportingMode::Fatal);
  QAbstractItemModelTester t3(&nodes, QAbstractItemModelTester::FailureReportingMode::Fatal);
  QAbstractItemModelTester t4(&injections, QAbstractItemModelTester::FailureReportingMode::Fatal);
  QAbstractItemModelTester t5(&score, QAbstractItemModelTester::FailureReportingMode::Fatal);
  auto e = MakeEngine();
  scenarios::Fault f;
  f.type = scenarios::FaultType::kZoneOutage;
  f.zone = "zone-b";
  f.duration = sim::Duration::Minutes(3);
  for (int minute = 0; minute <= 20; minute += 2) {
    e->AdvanceTo(At(sim::Duration::Minutes(minute)));
    if (minute == 6) e->Inject(f);  // rebuild: the log model must reset, not insert
    auto s = e->Publish();
    series.SetSnapshot(s);
    log.SetSnapshot(s);
    nodes.SetSnapshot(s);
    injections.SetSnapshot(s);
    score.SetSnapshot(s);
    EXPECT_EQ(log.rowCount(), static_cast<int>(s->log.size()));
    EXPECT_EQ(series.columnCount(), static_cast<int>(s->series_names.size()) + (s->series_names.empty() ? 0 : 1));
  }
  EXPECT_EQ(injections.rowCount(), 1);
  EXPECT_EQ(injections.index(0, 0).data().toString(), QStringLiteral("6m"));
  EXPECT_EQ(score.rowCount(), 2);
  EXPECT_EQ(score.index(0, 0).data().toString(), QStringLiteral("api-latency"));
  EXPECT_GT(score.index(0, 4).data(kValueRole).toDouble(), 0.0);  // the outage hurt p99 (8x latency)
}

TEST(SeriesTableModel, StridesLongRunsButKeepsTheLastSample) {
  auto e = MakeEngine();
  e->AdvanceTo(e->end());
  auto s = e->Publish();
  ASSERT_EQ(s->rows.size(), 121u);  // 0 .. 20 min every 10 s
  SeriesTableModel m(50);
  m.SetSnapshot(s);
  EXPECT_LE(m.rowCount(), 50);
  EXPECT_GE(m.rowCount(), 40);
  EXPECT_EQ(m.SampleIndex(m.rowCount() - 1), 120u);
  EXPECT_DOUBLE_EQ(m.index(m.rowCount() - 1, 0).data(kValueRole).toDouble(), 20.0);  // minutes
  EXPECT_EQ(m.headerData(1, Qt::Horizontal).toString(), QString::fromStdString(s->series_names[0]));
  // The series added at 5 min has no data before it: NaN for charts, empty text for tables.
  const int late = static_cast<int>(s->series_names.size());  // last column
  EXPECT_EQ(m.headerData(late, Qt::Horizontal).toString(), QStringLiteral("gaming-api.late_ms"));
  EXPECT_TRUE(std::isnan(m.index(0, late).data(kValueRole).toDouble()));
  EXPECT_TRUE(m.index(0, late).data().toString().isEmpty());
  EXPECT_FALSE(std::isnan(m.index(m.rowCount() - 1, late).data(kValueRole).toDouble()));
  SeriesTableModel all(1000);
  all.SetSnapshot(s);
  EXPECT_EQ(all.rowCount(), 121);
}

TEST(EventLogModel, InsertsRowsWhileTheLogOnlyGrows) {
  auto e = MakeEngine();
  EventLogModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
  e->AdvanceTo(At(sim::Duration::Minutes(2)));
  m.SetSnapshot(e->Publish());
  QSignalSpy inserted(&m, &QAbstractItemModel::rowsInserted);
  QSignalSpy reset(&m, &QAbstractItemModel::modelReset);
  e->AdvanceTo(At(sim::Duration::Minutes(8)));
  m.SetSnapshot(e->Publish());
  EXPECT_EQ(inserted.count(), 1);
  EXPECT_EQ(reset.count(), 0);
  EXPECT_EQ(m.index(0, 1).data().toString(), QStringLiteral("ScalingReplicaSet"));
}

TEST(EventLogModel, TimesShowMillisecondsAndMessagesHaveTheirWholeTextOnHover) {
  auto e = MakeEngine();
  EventLogModel m;
  e->AdvanceTo(At(sim::Duration::Minutes(8)));
  m.SetSnapshot(e->Publish());
  ASSERT_GT(m.rowCount(), 0);
  const QRegularExpression finer_than_ms(QStringLiteral("\\.[0-9]{4,}"));
  int finer_values = 0;
  for (int r = 0; r < m.rowCount(); ++r) {
    const QString t = m.index(r, 0).data().toString();
    EXPECT_FALSE(finer_than_ms.match(t).hasMatch()) << t.toStdString();
    // Sorting and filtering read the exact value, not the rounded text.
    EXPECT_GE(m.index(r, 0).data(kValueRole).toDouble(), 0.0);
    EXPECT_EQ(m.index(r, 3).data(Qt::ToolTipRole).toString(), m.index(r, 3).data().toString());
    const double us = std::round(m.index(r, 0).data(kValueRole).toDouble() * 1e6);
    finer_values += std::fmod(us, 1000.0) != 0 ? 1 : 0;
  }
  EXPECT_GT(finer_values, 0) << "no event time below the millisecond: the check above proves nothing";
}

TEST(NodeTableModel, ShowsPoolCountsWhenTheStoreIsNotReadable) {
  auto e = MakeEngine();  // the synthetic world has no ClusterModel
  e->AdvanceTo(At(sim::Duration::Minutes(1)));
  auto s = e->Publish();
  ASSERT_FALSE(s->cluster.from_store);
  ASSERT_EQ(s->cluster.pool_counts.size(), 1u);
  EXPECT_EQ(s->cluster.pool_counts[0].pool, "general");
  NodeTableModel m;
  QAbstractItemModelTester tester(&m, QAbstractItemModelTester::FailureReportingMode::Fatal);
  m.SetSnapshot(s);
  EXPECT_EQ(m.rowCount(), 1);
  EXPECT_EQ(m.index(0, 1).data().toString(), QStringLiteral("general"));
}

TEST(ClusterAdapter, ReadsNodesAndPodsFromTheStore) {
  models::ClusterConfig cfg;
  cfg.zones = {"zone-a", "zone-b"};
  models::NodePoolConfig general;
  general.name = "general";
  models::NodePoolConfig spot;
  spot.name = "spot";
  spot.capacity_type = models::CapacityType::kSpot;
  cfg.pools = {general, spot};
  models::Store store(cfg);
  models::Node& n1 = store.AddNode(0, 0, sim::Time::Zero());
  n1.state = models::NodeState::kReady;
  models::Node& n2 = store.AddNode(1, 1, sim::Time::Zero());
  n2.spot_notice = true;
  models::WorkloadSpec w;
  w.name = "gaming-api";
  const models::WorkloadId wid = store.AddWorkload(w, 0, false);
  const models::PodId bound = store.CreatePod(wid, models::kNoId, 0, -1, sim::Time::Zero()).id;
  store.CreatePod(wid, models::kNoId, 0, -1, sim::Time::Zero());  // stays Pending
  store.Bind(bound, n1.id, sim::Time::Zero());
  const ClusterView v = ReadClusterFromStore(store);
  ASSERT_TRUE(v.from_store);
  ASSERT_EQ(v.nodes.size(), 2u);
  EXPECT_EQ(v.nodes[0].pool, "general");
  EXPECT_EQ(v.nodes[0].zone, "zone-a");
  EXPECT_EQ(v.nodes[0].state, "Ready");
  EXPECT_FALSE(v.nodes[0].spot);
  ASSERT_EQ(v.nodes[0].pods.size(), 1u);
  EXPECT_EQ(v.nodes[0].pods[0].workload, "gaming-api");
  EXPECT_EQ(v.nodes[0].pods[0].cpu_request_millicores, 100);
  EXPECT_TRUE(v.nodes[1].spot);
  EXPECT_TRUE(v.nodes[1].spot_notice);
  EXPECT_EQ(v.nodes[1].state, "Provisioning");
  ASSERT_EQ(v.pending.size(), 1u);
  EXPECT_EQ(v.pending[0].phase, "Pending");
}

TEST(ChartGroups, GroupsByNamePatternInAFixedOrder) {
  const std::vector<std::string> names = {"wallet.lag_ops",         "gaming-api.rps",        "cluster.nodes.spot",
                                          "gaming-api.replicas",    "cluster.pods_pending",  "cashier.rps",
                                          "gaming-api.hpa_desired", "cluster.cost_usd_per_h", "gaming-api.latency_p99_ms",
                                          "cluster.nodes.general",  "misc.thing"};
  const auto g = GroupSeries(names);
  ASSERT_EQ(g.size(), 8u);
  auto titles = [&](size_t i) {
    std::vector<std::string> out;
    for (size_t c : g[i].columns) out.push_back(names[c]);
    return out;
  };
  EXPECT_EQ(g[0].title, "Traffic");
  EXPECT_EQ(titles(0), (std::vector<std::string>{"cashier.rps", "gaming-api.rps"}));
  EXPECT_TRUE(titles(1).empty());
  EXPECT_EQ(titles(2), (std::vector<std::string>{"gaming-api.latency_p99_ms"}));
  EXPECT_EQ(titles(3), (std::vector<std::string>{"gaming-api.hpa_desired", "gaming-api.replicas"}));
  EXPECT_EQ(titles(4), (std::vector<std::string>{"cluster.nodes.general", "cluster.nodes.spot"}));
  EXPECT_EQ(titles(5), (std::vector<std::string>{"cluster.pods_pending"}));
  EXPECT_EQ(titles(6), (std::vector<std::string>{"wallet.lag_ops"}));
  EXPECT_EQ(titles(7), (std::vector<std::string>{"cluster.cost_usd_per_h"}));
}

TEST(MainWindow, RendersASessionHeadless) {
  MainWindow w;
  w.StartSession(MakeEngine());
  w.worker()->SetSpeed(Speed::kMax);
  w.worker()->SetStopAt(At(sim::Duration::Minutes(10)));
  w.worker()->Play();
  w.worker()->WaitIdle();
  w.resize(1400, 900);
  w.show();
  w.Poll();
  for (int tab = 0; tab < 5; ++tab) {
    w.ShowTab(tab);
    const QImage img = w.grab().toImage();
    ASSERT_EQ(img.width(), 1400);
    // Not a blank window: many distinct colours (charts, tiles, text).
    QSet<QRgb> colours;
    for (int y = 0; y < img.height(); y += 7)
      for (int x = 0; x < img.width(); x += 7) colours.insert(img.pixel(x, y));
    EXPECT_GT(colours.size(), 20) << "tab " << tab;
  }
  EXPECT_EQ(w.worker()->Latest()->now, At(sim::Duration::Minutes(10)));
}

}  // namespace
}  // namespace rehearsal::gui
