#include "gui/models/table_models.h"

#include <QColor>
#include <cmath>

#include "gui/engine/replay.h"

namespace rehearsal::gui {
namespace {

QString Q(const std::string& s) { return QString::fromStdString(s); }

QString Number(double v) {
  if (std::isnan(v)) return QString();
  return QString::number(v, 'g', 6);
}

bool SameRecord(const sim::LogRecord& a, const sim::LogRecord& b) {
  return a.t == b.t && a.kind == b.kind && a.object == b.object && a.message == b.message;
}

}  // namespace

// Simulated time to the millisecond for display ("30m24.512s", not
// "30m24.512345s", which the log's narrow column cut to "30m24...."); the
// value role keeps the exact microseconds.
QString TimeText(sim::Time t) {
  const int64_t us = (t - sim::Time::Zero()).us;
  return Q(sim::FormatDuration(sim::Duration{us >= 1000 ? us - us % 1000 : us}));
}

// ---- SnapshotTableModel ----------------------------------------------------

void SnapshotTableModel::SetSnapshot(std::shared_ptr<const Snapshot> s) {
  beginResetModel();
  snap_ = std::move(s);
  endResetModel();
}

int SnapshotTableModel::columnCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(headers_.size());
}

QVariant SnapshotTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (o == Qt::Vertical) return section + 1;
  return section >= 0 && section < static_cast<int>(headers_.size()) ? QString(headers_[section]) : QVariant();
}

bool SnapshotTableModel::InTable(const QModelIndex& index) const {
  return index.isValid() && snap_ && index.row() < rowCount() && index.column() < columnCount();
}

// ---- SeriesTableModel ------------------------------------------------------

SeriesTableModel::SeriesTableModel(size_t max_rows, QObject* parent)
    : SnapshotTableModel({}, parent), max_rows_(max_rows < 2 ? 2 : max_rows) {}

void SeriesTableModel::SetSnapshot(std::shared_ptr<const Snapshot> s) {
  beginResetModel();
  snap_ = std::move(s);
  const size_t n = snap_ ? snap_->rows.size() : 0;
  // Stride so that at most max_rows_ - 1 strided rows remain, plus the last sample.
  stride_ = n <= max_rows_ ? 1 : (n + max_rows_ - 2) / (max_rows_ - 1);
  rows_ = n == 0 ? 0 : (n - 1) / stride_ + 1;
  if (n > 0 && (rows_ - 1) * stride_ != n - 1) ++rows_;  // keep the last sample
  endResetModel();
}

size_t SeriesTableModel::SampleIndex(int row) const {
  RH_ASSERT(row >= 0 && static_cast<size_t>(row) < rows_);
  const size_t n = snap_->rows.size();
  const size_t i = static_cast<size_t>(row) * stride_;
  return i < n ? i : n - 1;
}

int SeriesTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() ? 0 : static_cast<int>(rows_);
}

int SeriesTableModel::columnCount(const QModelIndex& parent) const {
  if (parent.isValid() || !snap_) return 0;
  return static_cast<int>(snap_->series_names.size()) + 1;
}

QVariant SeriesTableModel::data(const QModelIndex& index, int role) const {
  if (!InTable(index)) return {};
  if (role != Qt::DisplayRole && role != kValueRole) return {};
  const SeriesRow& r = snap_->rows[SampleIndex(index.row())];
  const double v = index.column() == 0 ? r.t.seconds() / 60.0
                                       : ValueAt(r, static_cast<size_t>(index.column() - 1));
  if (role == kValueRole) return v;
  return Number(v);
}

QVariant SeriesTableModel::headerData(int section, Qt::Orientation o, int role) const {
  if (role != Qt::DisplayRole) return {};
  if (o == Qt::Vertical) return section + 1;
  if (section == 0) return QStringLiteral("t (min)");
  if (!snap_ || section < 0 || section > static_cast<int>(snap_->series_names.size())) return {};
  return Q(snap_->series_names[static_cast<size_t>(section - 1)]);
}

// ---- EventLogModel -----------------------------------------------------------

void EventLogModel::SetSnapshot(std::shared_ptr<const Snapshot> s) {
  const size_t old_n = snap_ ? snap_->log.size() : 0;
  const size_t new_n = s ? s->log.size() : 0;
  const bool grows = snap_ && s && new_n >= old_n &&
                     (old_n == 0 || (SameRecord(snap_->log[0], s->log[0]) &&
                                     SameRecord(snap_->log[old_n - 1], s->log[old_n - 1])));
  if (grows) {
    if (new_n > old_n) {
      beginInsertRows({}, static_cast<int>(old_n), static_cast<int>(new_n - 1));
      snap_ = std::move(s);
      endInsertRows();
    } else {
      snap_ = std::move(s);
    }
    return;
  }
  beginResetModel();
  snap_ = std::move(s);
  endResetModel();
}

int EventLogModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !snap_ ? 0 : static_cast<int>(snap_->log.size());
}

QVariant EventLogModel::data(const QModelIndex& index, int role) const {
  if (!InTable(index)) return {};
  const sim::LogRecord& r = snap_->log[static_cast<size_t>(index.row())];
  if (role == kValueRole && index.column() == 0) return r.t.seconds();
  // The whole message on hover: the column shows what fits.
  if (role == Qt::ToolTipRole && index.column() == 3) return Q(r.message);
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case 0: return TimeText(r.t);
    case 1: return Q(r.kind);
    case 2: return Q(r.object);
    case 3: return Q(r.message);
  }
  return {};
}

// ---- NodeTableModel ------------------------------------------------------------

int NodeTableModel::rowCount(const QModelIndex& parent) const {
  if (parent.isValid() || !snap_) return 0;
  const ClusterView& c = snap_->cluster;
  return static_cast<int>(c.from_store ? c.nodes.size() : c.pool_counts.size());
}

QVariant NodeTableModel::data(const QModelIndex& index, int role) const {
  if (!InTable(index)) return {};
  if (role != Qt::DisplayRole && role != kValueRole) return {};
  const ClusterView& c = snap_->cluster;
  const size_t row = static_cast<size_t>(index.row());
  if (!c.from_store) {
    const PoolCount& p = c.pool_counts[row];
    switch (index.column()) {
      case 0: return QStringLiteral("(%1 nodes)").arg(p.nodes);
      case 1: return Q(p.pool);
      case 6: return role == kValueRole ? QVariant(static_cast<qlonglong>(p.nodes)) : QVariant();
      default: return QString();
    }
  }
  const NodeView& n = c.nodes[row];
  switch (index.column()) {
    case 0: return Q(n.name);
    case 1: return Q(n.pool);
    case 2: return Q(n.zone);
    case 3: return n.spot ? QStringLiteral("spot") : QStringLiteral("on-demand");
    case 4: {
      QString st = Q(n.state);
      if (n.cordoned) st += QStringLiteral(",SchedulingDisabled");
      if (n.spot_notice) st += QStringLiteral(",SpotNotice");
      return st;
    }
    case 5:
      if (role == kValueRole) return static_cast<qlonglong>(n.cpu_requested_millicores);
      return QStringLiteral("%1m / %2m").arg(n.cpu_requested_millicores).arg(n.cpu_allocatable_millicores);
    case 6: return static_cast<qlonglong>(n.pods.size());
  }
  return {};
}

// ---- InjectionTableModel ---------------------------------------------------------

int InjectionTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !snap_ ? 0 : static_cast<int>(snap_->injections.size());
}

QVariant InjectionTableModel::data(const QModelIndex& index, int role) const {
  if (!InTable(index)) return {};
  if (role != Qt::DisplayRole) return {};
  const InjectionRecord& r = snap_->injections[static_cast<size_t>(index.row())];
  switch (index.column()) {
    case 0: return TimeText(r.t);
    case 1: return Q(FaultYaml(r.fault));
    case 2: return QString(ToString(r.mode));
    case 3: return Q(r.message);
  }
  return {};
}

// ---- ScoreTableModel ---------------------------------------------------------------

int ScoreTableModel::rowCount(const QModelIndex& parent) const {
  return parent.isValid() || !snap_ ? 0 : static_cast<int>(snap_->score.objectives.size());
}

QVariant ScoreTableModel::data(const QModelIndex& index, int role) const {
  if (!InTable(index)) return {};
  const ObjectiveScore& o = snap_->score.objectives[static_cast<size_t>(index.row())];
  if (role == Qt::ForegroundRole && index.column() == 2) {
    if (o.status == ObjectiveScore::Status::kViolated) return QColor(Qt::red);
    if (o.status == ObjectiveScore::Status::kMet) return QColor(Qt::darkGreen);
    return {};
  }
  if (role == kValueRole && index.column() == 4) return o.minutes_out;
  if (role != Qt::DisplayRole) return {};
  switch (index.column()) {
    case 0: return Q(o.name);
    case 1: return Q(o.description);
    case 2:
      switch (o.status) {
        case ObjectiveScore::Status::kMet: return QStringLiteral("met");
        case ObjectiveScore::Status::kViolated: return QStringLiteral("VIOLATED");
        case ObjectiveScore::Status::kNoData: return QStringLiteral("no data");
        case ObjectiveScore::Status::kEndOfRunOnly: return QStringLiteral("judged at the end");
      }
      return {};
    case 3: return Number(o.current);
    case 4: return snap_->score.started ? QString::number(o.minutes_out, 'f', 1) : QString();
  }
  return {};
}

}  // namespace rehearsal::gui
