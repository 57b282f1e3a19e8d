#pragma once
// The rehearse-gui main window: toolbar (open, run, pause, step, speed),
// live charts (one per ChartGroup), and tabs for the cluster view, the event
// log (filterable), the game-day panel, the score and the raw series table.
//
// Threading: the run lives in a RunWorker (its own thread). A QTimer on the
// UI thread takes the worker's latest snapshot every 100 ms and hands it to
// the table models and widgets; nothing on the UI thread waits for the run.
#include <QMainWindow>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gui/charts/time_chart.h"
#include "gui/engine/run_worker.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QTabWidget;
class QTableView;
class QTimer;

namespace rehearsal::gui {

class ClusterViewWidget;
class EventLogModel;
class EventFilterProxy;
class GameDayPanel;
class NodeTableModel;
class ScoreTableModel;
class SeriesTableModel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(QWidget* parent = nullptr);
  ~MainWindow() override;

  // Loads a scenario file and starts a paused session. Returns false (and
  // shows the loader's errors in the status bar and a dialog unless `quiet`).
  bool OpenScenario(const QString& path, bool quiet = false);
  // Starts a session on an existing engine (tests, headless mode).
  void StartSession(std::unique_ptr<RunEngine> engine);
  RunWorker* worker() { return worker_.get(); }
  // Takes the worker's latest snapshot now (the timer does this every 100 ms).
  void Poll();
  // Shows tab `index` (0 cluster, 1 events, 2 game day, 3 score, 4 series).
  void ShowTab(int index);

 private:
  void BuildUi();
  void Apply(std::shared_ptr<const Snapshot> s);
  void SaveReplay();
  void UpdateActions();

  std::unique_ptr<RunWorker> worker_;
  std::shared_ptr<const Snapshot> shown_;
  QTimer* timer_;
  QLabel* clock_;
  QComboBox* speed_;
  QTabWidget* tabs_;
  SeriesTableModel* series_model_;
  EventLogModel* log_model_;
  EventFilterProxy* log_proxy_;
  QLineEdit* log_filter_;
  QComboBox* log_kind_;
  std::set<std::string> kinds_;
  NodeTableModel* node_model_;
  ScoreTableModel* score_model_;
  QLabel* score_summary_;
  ClusterViewWidget* cluster_view_;
  GameDayPanel* game_day_;
  std::vector<std::unique_ptr<charts::TimeChart>> charts_;
  QAction* run_action_;
  QAction* pause_action_;
  QAction* step_action_;
};

}  // namespace rehearsal::gui
