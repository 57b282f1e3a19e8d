#pragma once
// ClusterView widget: nodes as tiles (pool, zone, state, CPU requested vs
// allocatable), pods as small squares inside them coloured by workload, and a
// "Pending" tile for unbound pods. It paints the snapshot's plain ClusterView;
// when the cluster store is not readable it shows one tile per pool with the
// node count from the series.
#include <QWidget>
#include <memory>

#include "gui/engine/snapshot.h"

namespace rehearsal::gui {

class ClusterViewWidget : public QWidget {
  Q_OBJECT
 public:
  explicit ClusterViewWidget(QWidget* parent = nullptr);
  void SetSnapshot(std::shared_ptr<const Snapshot> s);
  QSize sizeHint() const override { return {640, 480}; }
  bool hasHeightForWidth() const override { return true; }
  int heightForWidth(int width) const override;

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  std::shared_ptr<const Snapshot> snap_;
};

}  // namespace rehearsal::gui
