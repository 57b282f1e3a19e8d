#pragma once
// The game-day panel: builds a scenarios::Fault of any type the YAML can
// schedule (zone outage, node failure, spot storm, bad release, wallet
// primary loss, disk fault, partition, pool upgrade) from a form and hands it
// to a callback (the main window queues it on the run worker). It lists every
// injection with its simulated time and outcome, and saves the replay file.
#include <QWidget>
#include <functional>
#include <memory>

#include "gui/engine/snapshot.h"

class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QSpinBox;
class QTableView;

namespace rehearsal::gui {

class InjectionTableModel;

class GameDayPanel : public QWidget {
  Q_OBJECT
 public:
  explicit GameDayPanel(QWidget* parent = nullptr);
  void SetOnInject(std::function<void(const scenarios::Fault&)> f) { on_inject_ = std::move(f); }
  void SetOnSaveReplay(std::function<void()> f) { on_save_ = std::move(f); }
  void SetSnapshot(std::shared_ptr<const Snapshot> s);

  // The fault the form describes, or an error text (bad duration, ...).
  sim::Result<scenarios::Fault> FormFault() const;
  // Selects a fault type in the form (for tests and scripted demos).
  void SelectType(scenarios::FaultType type);

 private:
  void UpdateVisibleRows();
  static void SetItems(QComboBox* box, const std::vector<std::string>& items);

  std::function<void(const scenarios::Fault&)> on_inject_;
  std::function<void()> on_save_;
  QFormLayout* form_;
  QComboBox* type_;
  QComboBox* zone_;
  QComboBox* zone_b_;
  QComboBox* pool_;
  QSpinBox* count_;
  QSpinBox* fraction_percent_;
  QLineEdit* notice_;
  QComboBox* service_;
  QLineEdit* version_;
  QLineEdit* target_;
  QComboBox* mode_;
  QLineEdit* slow_by_;
  QLineEdit* max_unavailable_;
  QLineEdit* duration_;
  QLabel* status_;
  InjectionTableModel* model_;
  QTableView* table_;
  std::shared_ptr<const Snapshot> snap_;
};

}  // namespace rehearsal::gui
