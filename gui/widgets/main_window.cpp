#include "gui/widgets/main_window.h"

#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QFile>
#include <QFileDialog>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include "gui/engine/chart_groups.h"
#include "gui/models/table_models.h"
#include "gui/widgets/cluster_view.h"
#include "gui/widgets/game_day_panel.h"

namespace rehearsal::gui {

// Event-log filter: a kind (exact, or all) and a text searched in every column.
class EventFilterProxy : public QSortFilterProxyModel {
 public:
  using QSortFilterProxyModel::QSortFilterProxyModel;
  void SetKind(const QString& kind) {
    kind_ = kind;
    invalidateFilter();
  }
  void SetText(const QString& text) {
    text_ = text;
    invalidateFilter();
  }

 protected:
  bool filterAcceptsRow(int row, const QModelIndex& parent) const override {
    const QAbstractItemModel* m = sourceModel();
    if (!kind_.isEmpty() && m->index(row, 1, parent).data().toString() != kind_) return false;
    if (text_.isEmpty()) return true;
    for (int c = 0; c < m->columnCount(parent); ++c)
      if (m->index(row, c, parent).data().toString().contains(text_, Qt::CaseInsensitive)) return true;
    return false;
  }

 private:
  QString kind_;
  QString text_;
};

namespace {
QTableView* MakeTable(QAbstractItemModel* model, QWidget* parent) {
  auto* t = new QTableView(parent);
  t->setModel(model);
  t->horizontalHeader()->setStretchLastSection(true);
  t->verticalHeader()->setDefaultSectionSize(20);
  t->setSelectionBehavior(QAbstractItemView::SelectRows);
  t->setAlternatingRowColors(true);
  return t;
}
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
  BuildUi();
  timer_ = new QTimer(this);
  connect(timer_, &QTimer::timeout, this, [this] { Poll(); });
  timer_->start(100);
}

MainWindow::~MainWindow() {
  timer_->stop();
  charts_.clear();   // disconnect from the models before they go
  worker_.reset();   // joins the run thread
}

void MainWindow::BuildUi() {
  setWindowTitle(QStringLiteral("Rehearsal"));
  series_model_ = new SeriesTableModel(2000, this);
  log_model_ = new EventLogModel(this);
  node_model_ = new NodeTableModel(this);
  score_model_ = new ScoreTableModel(this);

  // Toolbar and menu.
  auto* file = menuBar()->addMenu(QStringLiteral("&File"));
  auto* open = file->addAction(QStringLiteral("&Open scenario…"));
  open->setShortcut(QKeySequence::Open);
  connect(open, &QAction::triggered, this, [this] {
    const QString path = QFileDialog::getOpenFileName(this, QStringLiteral("Open scenario"), QString(),
                                                      QStringLiteral("Scenarios (*.yaml *.yml);;All files (*)"));
    if (!path.isEmpty()) OpenScenario(path);
  });
  auto* save = file->addAction(QStringLiteral("&Save game-day replay…"));
  connect(save, &QAction::triggered, this, [this] { SaveReplay(); });
  file->addSeparator();
  auto* quit = file->addAction(QStringLiteral("&Quit"));
  quit->setShortcut(QKeySequence::Quit);
  connect(quit, &QAction::triggered, this, &QWidget::close);

  auto* bar = addToolBar(QStringLiteral("Run"));
  bar->setMovable(false);
  bar->addAction(open);
  bar->addSeparator();
  run_action_ = bar->addAction(QStringLiteral("Run"));
  pause_action_ = bar->addAction(QStringLiteral("Pause"));
  step_action_ = bar->addAction(QStringLiteral("Step"));
  step_action_->setToolTip(QStringLiteral("Advance one sample interval"));
  connect(run_action_, &QAction::triggered, this, [this] { if (worker_) worker_->Play(); });
  connect(pause_action_, &QAction::triggered, this, [this] { if (worker_) worker_->Pause(); });
  connect(step_action_, &QAction::triggered, this, [this] { if (worker_) worker_->Step(); });
  bar->addWidget(new QLabel(QStringLiteral("  Speed "), this));
  speed_ = new QComboBox(this);
  for (Speed s : {Speed::kX1, Speed::kX10, Speed::kX100, Speed::kMax}) speed_->addItem(ToString(s), static_cast<int>(s));
  speed_->setCurrentIndex(1);
  connect(speed_, &QComboBox::currentIndexChanged, this, [this] {
    if (worker_) worker_->SetSpeed(static_cast<Speed>(speed_->currentData().toInt()));
  });
  bar->addWidget(speed_);
  bar->addSeparator();
  clock_ = new QLabel(QStringLiteral("  no scenario"), this);
  clock_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  bar->addWidget(clock_);

  // Charts (left).
  auto* chart_host = new QWidget(this);
  auto* grid = new QGridLayout(chart_host);
  grid->setContentsMargins(2, 2, 2, 2);
  grid->setSpacing(4);
  const auto groups = GroupSeries({});
  for (size_t i = 0; i < groups.size(); ++i) {
    auto chart = charts::MakeTimeChart(QString::fromStdString(groups[i].title), QString::fromStdString(groups[i].unit),
                                       series_model_, chart_host);
    grid->addWidget(chart->widget(), static_cast<int>(i / 2), static_cast<int>(i % 2));
    charts_.push_back(std::move(chart));
  }
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(chart_host);
  scroll->setWidgetResizable(true);

  // Tabs (right).
  tabs_ = new QTabWidget(this);
  auto* cluster_tab = new QWidget(this);
  auto* cl = new QVBoxLayout(cluster_tab);
  cluster_view_ = new ClusterViewWidget(cluster_tab);
  auto* cluster_scroll = new QScrollArea(cluster_tab);
  cluster_scroll->setWidget(cluster_view_);
  cluster_scroll->setWidgetResizable(true);
  auto* cluster_split = new QSplitter(Qt::Vertical, cluster_tab);
  cluster_split->addWidget(cluster_scroll);
  cluster_split->addWidget(MakeTable(node_model_, cluster_tab));
  cluster_split->setStretchFactor(0, 3);
  cluster_split->setStretchFactor(1, 1);
  cl->addWidget(cluster_split);
  tabs_->addTab(cluster_tab, QStringLiteral("Cluster"));

  auto* events_tab = new QWidget(this);
  auto* el = new QVBoxLayout(events_tab);
  auto* filter_row = new QHBoxLayout();
  log_kind_ = new QComboBox(events_tab);
  log_kind_->addItem(QStringLiteral("all kinds"), QString());
  log_filter_ = new QLineEdit(events_tab);
  log_filter_->setPlaceholderText(QStringLiteral("filter: object, message…"));
  log_filter_->setClearButtonEnabled(true);
  filter_row->addWidget(log_kind_);
  filter_row->addWidget(log_filter_, 1);
  el->addLayout(filter_row);
  log_proxy_ = new EventFilterProxy(this);
  log_proxy_->setSourceModel(log_model_);
  auto* log_table = MakeTable(log_proxy_, events_tab);
  log_table->horizontalHeader()->resizeSection(0, 90);
  log_table->horizontalHeader()->resizeSection(1, 150);
  log_table->horizontalHeader()->resizeSection(2, 180);
  el->addWidget(log_table);
  connect(log_filter_, &QLineEdit::textChanged, this, [this](const QString& t) { log_proxy_->SetText(t); });
  connect(log_kind_, &QComboBox::currentIndexChanged, this,
          [this] { log_proxy_->SetKind(log_kind_->currentData().toString()); });
  tabs_->addTab(events_tab, QStringLiteral("Events"));

  game_day_ = new GameDayPanel(this);
  game_day_->SetOnInject([this](const scenarios::Fault& f) {
    if (worker_) worker_->Inject(f);
  });
  game_day_->SetOnSaveReplay([this] { SaveReplay(); });
  tabs_->addTab(game_day_, QStringLiteral("Game day"));

  auto* score_tab = new QWidget(this);
  auto* sl = new QVBoxLayout(score_tab);
  score_summary_ = new QLabel(QStringLiteral("No fault injected yet: the score starts at the first injection."),
                              score_tab);
  score_summary_->setWordWrap(true);
  QFont big = score_summary_->font();
  big.setPointSizeF(big.pointSizeF() * 1.2);
  score_summary_->setFont(big);
  sl->addWidget(score_summary_);
  // A handful of rows: columns sized to their text (objective names and
  // what they ask were cut to "gaming-api ..." at the default width).
  QTableView* score_table = MakeTable(score_model_, score_tab);
  score_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  score_table->horizontalHeader()->setStretchLastSection(true);
  sl->addWidget(score_table, 1);
  tabs_->addTab(score_tab, QStringLiteral("Score"));

  tabs_->addTab(MakeTable(series_model_, this), QStringLiteral("Series"));

  auto* split = new QSplitter(Qt::Horizontal, this);
  split->addWidget(scroll);
  split->addWidget(tabs_);
  split->setStretchFactor(0, 3);
  split->setStretchFactor(1, 2);
  setCentralWidget(split);
  statusBar()->showMessage(QStringLiteral("Open a scenario (File > Open) to start."));
  UpdateActions();
}

bool MainWindow::OpenScenario(const QString& path, bool quiet) {
  auto engine = RunEngine::FromFile(path.toStdString());
  if (!engine.ok()) {
    QString msg;
    for (const auto& e : engine.errors()) msg += QString::fromStdString(e.ToString()) + "\n";
    statusBar()->showMessage(msg.section('\n', 0, 0));
    if (!quiet) QMessageBox::warning(this, QStringLiteral("Cannot open scenario"), msg);
    return false;
  }
  StartSession(std::move(engine.value()));
  return true;
}

void MainWindow::StartSession(std::unique_ptr<RunEngine> engine) {
  worker_.reset();
  kinds_.clear();
  while (log_kind_->count() > 1) log_kind_->removeItem(1);
  worker_ = std::make_unique<RunWorker>(std::move(engine));
  worker_->SetSpeed(static_cast<Speed>(speed_->currentData().toInt()));
  shown_.reset();
  Poll();
  statusBar()->showMessage(QStringLiteral("Loaded %1 — paused at 0s. Run, step, or inject a fault from the Game day tab.")
                               .arg(QString::fromStdString(shown_->scenario_file)));
}

void MainWindow::Poll() {
  if (!worker_) return;
  auto s = worker_->Latest();
  if (s != shown_) Apply(std::move(s));
  UpdateActions();
}

void MainWindow::ShowTab(int index) { tabs_->setCurrentIndex(index); }

void MainWindow::Apply(std::shared_ptr<const Snapshot> s) {
  if (shown_ && s->now != shown_->now) statusBar()->clearMessage();
  shown_ = s;
  setWindowTitle(QStringLiteral("Rehearsal — %1").arg(QString::fromStdString(s->scenario_name)));
  series_model_->SetSnapshot(s);
  log_model_->SetSnapshot(s);
  node_model_->SetSnapshot(s);
  score_model_->SetSnapshot(s);
  cluster_view_->SetSnapshot(s);
  game_day_->SetSnapshot(s);
  for (size_t i = 0; i < s->log.size(); ++i) {
    const std::string& k = s->log[s->log.size() - 1 - i].kind;  // new kinds are usually recent
    if (kinds_.insert(k).second) log_kind_->addItem(QString::fromStdString(k), QString::fromStdString(k));
    if (i > 2000) break;
  }
  const auto groups = GroupSeries(s->series_names);
  std::vector<double> markers;
  for (const auto& inj : s->injections)
    if (inj.mode != InjectionMode::kRejected) markers.push_back(inj.t.seconds() / 60.0);
  for (size_t i = 0; i < groups.size() && i < charts_.size(); ++i) {
    std::vector<int> cols;
    for (size_t c : groups[i].columns) cols.push_back(static_cast<int>(c) + 1);
    charts_[i]->SetColumns(cols);
    charts_[i]->SetMarkers(markers);
  }
  const double pct = s->end.us > 0 ? 100.0 * static_cast<double>(s->now.us) / static_cast<double>(s->end.us) : 0;
  clock_->setText(QStringLiteral("  t = %1 / %2 (%3%) · %4 events · digest %5%6")
                      .arg(TimeText(s->now), TimeText(s->end))
                      .arg(pct, 0, 'f', 0)
                      .arg(s->events)
                      .arg(s->digest, 16, 16, QChar('0'))
                      .arg(s->finished ? QStringLiteral(" · finished") : QString()));
  if (s->score.started) {
    score_summary_->setText(QStringLiteral("Since the first injection at %1: %2 simulated minute(s) with an SLO out "
                                           "(any objective). Per objective below.")
                                .arg(TimeText(s->score.since))
                                .arg(s->score.minutes_out_any, 0, 'f', 1));
  } else if (s->score.objectives.empty()) {
    score_summary_->setText(QStringLiteral("This scenario has no SLOs: add an 'slos:' list to score a game day."));
  }
}

void MainWindow::UpdateActions() {
  const bool have = worker_ != nullptr;
  const bool playing = have && worker_->playing();
  const bool done = shown_ && shown_->finished;
  run_action_->setEnabled(have && !playing && !done);
  pause_action_->setEnabled(playing);
  step_action_->setEnabled(have && !done);
}

void MainWindow::SaveReplay() {
  if (!shown_ || !shown_->replay_yaml || shown_->replay_yaml->empty()) {
    QMessageBox::information(this, QStringLiteral("Save replay"), QStringLiteral("Nothing to save yet."));
    return;
  }
  const QString path = QFileDialog::getSaveFileName(this, QStringLiteral("Save game-day replay"),
                                                    QStringLiteral("gameday-replay.yaml"),
                                                    QStringLiteral("Scenarios (*.yaml *.yml)"));
  if (path.isEmpty()) return;
  QFile f(path);
  if (!f.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
    QMessageBox::warning(this, QStringLiteral("Save replay"), f.errorString());
    return;
  }
  f.write(QByteArray::fromStdString(*shown_->replay_yaml));
  statusBar()->showMessage(QStringLiteral("Saved %1 — replay it with: rehearse run %1").arg(path));
}

}  // namespace rehearsal::gui
