#pragma once
// Qt table models over the latest Snapshot (model/view, as in the Qt Charts
// `modeldata` example): each holds a shared pointer to an immutable snapshot
// and answers data() from it, so the UI thread never touches the running
// world. SetSnapshot() is called on the UI thread with the worker's latest
// snapshot; the models emit resets (or row insertions for the growing event
// log) so views and charts follow.
//
// Roles: Qt::DisplayRole is text for tables; kValueRole is the raw number
// (double, NaN = no data) that charts read.
#include <QAbstractTableModel>
#include <memory>
#include <vector>

#include "gui/engine/snapshot.h"

namespace rehearsal::gui {

inline constexpr int kValueRole = Qt::UserRole + 1;

// What every table here shares: the latest snapshot (swapped with a model
// reset unless a subclass does better) and fixed column headers.
class SnapshotTableModel : public QAbstractTableModel {
 public:
  virtual void SetSnapshot(std::shared_ptr<const Snapshot> s);
  const Snapshot* snapshot() const { return snap_.get(); }
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

 protected:
  SnapshotTableModel(std::vector<const char*> headers, QObject* parent)
      : QAbstractTableModel(parent), headers_(std::move(headers)) {}
  // False for an index outside the table or without a snapshot.
  bool InTable(const QModelIndex& index) const;
  std::shared_ptr<const Snapshot> snap_;

 private:
  std::vector<const char*> headers_;
};

// Recorded time series: column 0 is the sample time in minutes, column j + 1
// the series series_names[j]. At most `max_rows` rows are shown: with more
// samples the model strides over them (every k-th sample, always keeping the
// last), so charts stay cheap on long runs; the snapshot keeps every sample.
class SeriesTableModel : public SnapshotTableModel {
  Q_OBJECT
 public:
  explicit SeriesTableModel(size_t max_rows = 2000, QObject* parent = nullptr);
  void SetSnapshot(std::shared_ptr<const Snapshot> s) override;
  // Sample index behind a model row. REQUIRES: row < rowCount().
  size_t SampleIndex(int row) const;

  int rowCount(const QModelIndex& parent = {}) const override;
  int columnCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
  QVariant headerData(int section, Qt::Orientation o, int role = Qt::DisplayRole) const override;

 private:
  size_t max_rows_;
  size_t stride_ = 1;
  size_t rows_ = 0;
};

// The event log: time, kind, object, message. Grows by row insertion while
// the log only grows; resets when it was rebuilt (a replayed injection).
class EventLogModel : public SnapshotTableModel {
  Q_OBJECT
 public:
  explicit EventLogModel(QObject* parent = nullptr)
      : SnapshotTableModel({"t", "kind", "object", "message"}, parent) {}
  void SetSnapshot(std::shared_ptr<const Snapshot> s) override;
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

// Live nodes: name, pool, zone, capacity type, state, CPU requested /
// allocatable (millicores), pods. Falls back to one row per pool (count only)
// when the store is not readable.
class NodeTableModel : public SnapshotTableModel {
  Q_OBJECT
 public:
  explicit NodeTableModel(QObject* parent = nullptr)
      : SnapshotTableModel({"node", "pool", "zone", "capacity", "state", "cpu requested", "pods"}, parent) {}
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

// Live injections: time, fault (as its YAML), how it was applied, outcome.
class InjectionTableModel : public SnapshotTableModel {
  Q_OBJECT
 public:
  explicit InjectionTableModel(QObject* parent = nullptr)
      : SnapshotTableModel({"t", "fault", "applied", "outcome"}, parent) {}
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

// The score: objective, what it asks, status now, current value, minutes out
// of SLO since the first injection.
class ScoreTableModel : public SnapshotTableModel {
  Q_OBJECT
 public:
  explicit ScoreTableModel(QObject* parent = nullptr)
      : SnapshotTableModel({"objective", "asks", "now", "value", "min out of SLO"}, parent) {}
  int rowCount(const QModelIndex& parent = {}) const override;
  QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
};

// "12m30s" style text for a simulated time.
QString TimeText(sim::Time t);

}  // namespace rehearsal::gui
