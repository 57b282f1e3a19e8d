// Qt Charts implementation of charts::TimeChart (the only Qt Charts user).
#include "gui/charts/time_chart.h"

#include <QAbstractItemModel>
#include <QChart>
#include <QChartView>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "gui/models/table_models.h"

namespace rehearsal::gui::charts {
namespace {

// A tableau-like palette: distinguishable, stable by line index.
const QColor kPalette[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                           QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75),
                           QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                           QColor(23, 190, 207)};

class QtTimeChart : public TimeChart {
 public:
  QtTimeChart(const QString& title, const QString& unit, QAbstractItemModel* model, QWidget* parent)
      : model_(model) {
    chart_ = new QChart();
    chart_->setTitle(title);
    chart_->legend()->setAlignment(Qt::AlignBottom);
    chart_->setMargins(QMargins(4, 4, 4, 4));
    x_ = new QValueAxis();
    x_->setTitleText(QStringLiteral("simulated minutes"));
    x_->setLabelFormat(QStringLiteral("%.0f"));
    y_ = new QValueAxis();
    y_->setTitleText(unit);
    y_->setLabelFormat(QStringLiteral("%.4g"));
    chart_->addAxis(x_, Qt::AlignBottom);
    chart_->addAxis(y_, Qt::AlignLeft);
    view_ = new QChartView(chart_, parent);
    view_->setRenderHint(QPainter::Antialiasing);
    view_->setMinimumSize(320, 220);
    auto refresh = [this] { Refresh(); };
    conns_.push_back(QObject::connect(model_, &QAbstractItemModel::modelReset, refresh));
    conns_.push_back(QObject::connect(model_, &QAbstractItemModel::rowsInserted, refresh));
    conns_.push_back(QObject::connect(model_, &QAbstractItemModel::dataChanged, refresh));
  }
  ~QtTimeChart() override {
    for (auto& c : conns_) QObject::disconnect(c);
  }

  QWidget* widget() override { return view_; }

  void SetColumns(const std::vector<int>& columns) override {
    if (columns == columns_) return;
    columns_ = columns;
    for (auto* s : lines_) {
      chart_->removeSeries(s);
      delete s;
    }
    lines_.clear();
    for (size_t i = 0; i < columns_.size(); ++i) {
      auto* s = new QLineSeries();
      s->setName(model_->headerData(columns_[i], Qt::Horizontal).toString());
      QPen pen(kPalette[i % std::size(kPalette)]);
      pen.setWidthF(1.6);
      s->setPen(pen);
      chart_->addSeries(s);
      s->attachAxis(x_);
      s->attachAxis(y_);
      lines_.push_back(s);
    }
    // Up to three names fit in a row under the plot; more would be cut to
    // "gami..." there, so they go in a column on the right, whole (a long
    // name is still elided to fit: its tooltip has it in full).
    chart_->legend()->setAlignment(lines_.size() > 3 ? Qt::AlignRight : Qt::AlignBottom);
    chart_->legend()->setShowToolTips(true);
    chart_->legend()->setVisible(!lines_.empty() && lines_.size() <= 12);
    Refresh();
  }

  void SetMarkers(const std::vector<double>& x_minutes) override {
    if (x_minutes == markers_x_) return;
    markers_x_ = x_minutes;
    for (auto* m : markers_) {
      chart_->removeSeries(m);
      delete m;
    }
    markers_.clear();
    for (size_t k = 0; k < markers_x_.size(); ++k) {
      auto* m = new QLineSeries();
      m->setName(QString());
      QPen pen(QColor(200, 0, 0));
      pen.setStyle(Qt::DashLine);
      pen.setWidthF(1.2);
      m->setPen(pen);
      chart_->addSeries(m);
      m->attachAxis(x_);
      m->attachAxis(y_);
      markers_.push_back(m);
    }
    // Hide the marker entries from the legend.
    for (auto* m : markers_)
      for (auto* marker : chart_->legend()->markers(m)) marker->setVisible(false);
    Refresh();
  }

 private:
  void Refresh() {
    const int rows = model_->rowCount();
    double x_min = 0, x_max = 1, y_min = 0, y_max = 1;
    bool any = false;
    if (rows > 0) {
      x_min = model_->index(0, 0).data(kValueRole).toDouble();
      x_max = model_->index(rows - 1, 0).data(kValueRole).toDouble();
    }
    for (size_t i = 0; i < lines_.size(); ++i) {
      QList<QPointF> pts;
      pts.reserve(rows);
      const int col = columns_[i];
      if (col < model_->columnCount()) {
        for (int r = 0; r < rows; ++r) {
          const double y = model_->index(r, col).data(kValueRole).toDouble();
          if (std::isnan(y)) continue;
          const double x = model_->index(r, 0).data(kValueRole).toDouble();
          pts.append(QPointF(x, y));
          if (!any) {
            y_min = y_max = y;
            any = true;
          }
          y_min = std::min(y_min, y);
          y_max = std::max(y_max, y);
        }
      }
      lines_[i]->replace(pts);
    }
    if (!any) {
      y_min = 0;
      y_max = 1;
    }
    // Start the y axis at 0 for non-negative data (counts, rates, costs), with 8% headroom.
    if (y_min > 0) y_min = 0;
    if (y_max <= y_min) y_max = y_min + 1;
    y_max += (y_max - y_min) * 0.08;
    if (x_max <= x_min) x_max = x_min + 1;
    x_->setRange(x_min, x_max);
    y_->setRange(y_min, y_max);
    y_->applyNiceNumbers();
    for (size_t i = 0; i < markers_.size(); ++i) {
      QList<QPointF> pts{QPointF(markers_x_[i], y_->min()), QPointF(markers_x_[i], y_->max())};
      markers_[i]->replace(pts);
    }
  }

  QAbstractItemModel* model_;
  QChart* chart_;
  QChartView* view_;
  QValueAxis* x_;
  QValueAxis* y_;
  std::vector<int> columns_;
  std::vector<QLineSeries*> lines_;
  std::vector<double> markers_x_;
  std::vector<QLineSeries*> markers_;
  std::vector<QMetaObject::Connection> conns_;
};

}  // namespace

std::unique_ptr<TimeChart> MakeTimeChart(const QString& title, const QString& unit, QAbstractItemModel* model,
                                         QWidget* parent) {
  return std::make_unique<QtTimeChart>(title, unit, model, parent);
}

}  // namespace rehearsal::gui::charts
