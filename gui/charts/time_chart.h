#pragma once
// The only interface the rest of the GUI has to charts. Every Qt Charts type
// stays in gui/charts/*.cpp: Qt Charts is deprecated from Qt 6.10 in favour of
// Qt Graphs, and moving over should touch this folder only.
//
// A TimeChart is one more view on a table model (SeriesTableModel): column 0
// is the x value (minutes), the listed columns are lines read through
// kValueRole (NaN = a gap). It follows the model's reset/insert/dataChanged
// signals and rescales its axes itself.
#include <QString>
#include <memory>
#include <vector>

class QAbstractItemModel;
class QWidget;

namespace rehearsal::gui::charts {

class TimeChart {
 public:
  virtual ~TimeChart() = default;
  // The widget to place in a layout (owned by the caller's widget tree once parented).
  virtual QWidget* widget() = 0;
  // Which model columns to draw (labels come from the model's header).
  virtual void SetColumns(const std::vector<int>& columns) = 0;
  // Vertical marker lines (e.g. fault injections), x in minutes.
  virtual void SetMarkers(const std::vector<double>& x_minutes) = 0;
};

// REQUIRES: model outlives the chart.
std::unique_ptr<TimeChart> MakeTimeChart(const QString& title, const QString& unit, QAbstractItemModel* model,
                                         QWidget* parent = nullptr);

}  // namespace rehearsal::gui::charts
