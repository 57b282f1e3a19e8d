#include "gui/widgets/cluster_view.h"

#include <QPainter>
#include <QPaintEvent>
#include <algorithm>

#include "sim/random.h"

namespace rehearsal::gui {
namespace {

constexpr int kTileW = 168;
constexpr int kHeaderH = 46;
constexpr int kPod = 9;
constexpr int kPodGap = 2;
constexpr int kGap = 8;
constexpr int kPodsPerRow = (kTileW - 8) / (kPod + kPodGap);

// A stable colour per workload name (FNV-1a of the name, never std::hash).
QColor WorkloadColor(const std::string& workload) {
  const uint64_t h = sim::StableHash(workload);
  return QColor::fromHsv(static_cast<int>(h % 360), 150 + static_cast<int>((h >> 16) % 80),
                         170 + static_cast<int>((h >> 32) % 60));
}

int TileHeight(size_t pods) {
  const int rows = std::max(1, static_cast<int>((pods + kPodsPerRow - 1) / kPodsPerRow));
  return kHeaderH + rows * (kPod + kPodGap) + 6;
}

QColor StateColor(const NodeView& n) {
  if (n.state == "NotReady") return QColor(200, 40, 40);
  if (n.state == "Provisioning") return QColor(150, 150, 150);
  if (n.spot_notice || n.cordoned) return QColor(230, 140, 0);
  return QColor(40, 150, 60);
}

struct Tile {
  QString title;
  QString line1;
  QString line2;
  QColor border;
  QColor fill;
  const std::vector<PodView>* pods = nullptr;
  double cpu_ratio = -1;  // requested / allocatable, <0 = unknown
};

std::vector<Tile> MakeTiles(const Snapshot& s) {
  std::vector<Tile> tiles;
  const ClusterView& c = s.cluster;
  if (!c.from_store) {
    for (const auto& p : c.pool_counts) {
      Tile t;
      t.title = QString::fromStdString(p.pool);
      t.line1 = QStringLiteral("%1 node(s)").arg(p.nodes);
      t.line2 = QStringLiteral("(object store not readable)");
      t.border = QColor(120, 120, 120);
      t.fill = QColor(245, 245, 245);
      tiles.push_back(t);
    }
    return tiles;
  }
  for (const auto& n : c.nodes) {
    Tile t;
    t.title = QString::fromStdString(n.name);
    t.line1 = QStringLiteral("%1 · %2 · %3")
                  .arg(QString::fromStdString(n.pool), QString::fromStdString(n.zone),
                       n.spot ? QStringLiteral("spot") : QStringLiteral("on-demand"));
    t.line2 = QString::fromStdString(n.state) + (n.spot_notice ? QStringLiteral(" · spot notice") : QString()) +
              (n.cordoned ? QStringLiteral(" · cordoned") : QString());
    t.border = StateColor(n);
    t.fill = n.spot ? QColor(255, 250, 238) : QColor(246, 250, 255);
    t.pods = &n.pods;
    if (n.cpu_allocatable_millicores > 0)
      t.cpu_ratio = static_cast<double>(n.cpu_requested_millicores) / static_cast<double>(n.cpu_allocatable_millicores);
    tiles.push_back(t);
  }
  if (!c.pending.empty()) {
    Tile t;
    t.title = QStringLiteral("Pending");
    t.line1 = QStringLiteral("%1 unscheduled pod(s)").arg(c.pending.size());
    t.border = QColor(200, 40, 40);
    t.fill = QColor(255, 240, 240);
    t.pods = &c.pending;
    tiles.push_back(t);
  }
  return tiles;
}

// Lays tiles out in rows; returns each tile's rectangle.
std::vector<QRect> Layout(const std::vector<Tile>& tiles, int width) {
  std::vector<QRect> rects;
  const int per_row = std::max(1, (width - kGap) / (kTileW + kGap));
  int y = kGap;
  for (size_t i = 0; i < tiles.size(); i += static_cast<size_t>(per_row)) {
    int row_h = 0;
    for (size_t j = i; j < std::min(tiles.size(), i + static_cast<size_t>(per_row)); ++j)
      row_h = std::max(row_h, TileHeight(tiles[j].pods ? tiles[j].pods->size() : 0));
    for (size_t j = i; j < std::min(tiles.size(), i + static_cast<size_t>(per_row)); ++j) {
      const int x = kGap + static_cast<int>(j - i) * (kTileW + kGap);
      rects.emplace_back(x, y, kTileW, row_h);
    }
    y += row_h + kGap;
  }
  return rects;
}

}  // namespace

ClusterViewWidget::ClusterViewWidget(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  setMinimumHeight(120);
}

void ClusterViewWidget::SetSnapshot(std::shared_ptr<const Snapshot> s) {
  snap_ = std::move(s);
  const int h = heightForWidth(width());
  if (h != minimumHeight()) setMinimumHeight(h);
  update();
}

int ClusterViewWidget::heightForWidth(int width) const {
  if (!snap_) return 120;
  auto tiles = MakeTiles(*snap_);
  auto rects = Layout(tiles, width);
  int h = 120;
  for (const auto& r : rects) h = std::max(h, r.bottom() + kGap);
  return h;
}

void ClusterViewWidget::paintEvent(QPaintEvent* /*event*/) {
  QPainter p(this);
  p.fillRect(rect(), palette().color(QPalette::Base));
  if (!snap_) {
    p.drawText(rect(), Qt::AlignCenter, QStringLiteral("No scenario loaded"));
    return;
  }
  auto tiles = MakeTiles(*snap_);
  if (tiles.empty()) {
    p.drawText(rect(), Qt::AlignCenter, QStringLiteral("No nodes (the cluster model publishes none yet)"));
    return;
  }
  auto rects = Layout(tiles, width());
  QFont small = font();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
  QFont bold = font();
  bold.setBold(true);
  for (size_t i = 0; i < tiles.size(); ++i) {
    const Tile& t = tiles[i];
    const QRect& r = rects[i];
    p.setPen(QPen(t.border, 2));
    p.setBrush(t.fill);
    p.drawRoundedRect(r.adjusted(1, 1, -1, -1), 5, 5);
    p.setPen(Qt::black);
    p.setFont(bold);
    p.drawText(QRect(r.x() + 6, r.y() + 3, r.width() - 12, 14), Qt::AlignLeft | Qt::AlignVCenter, t.title);
    p.setFont(small);
    p.drawText(QRect(r.x() + 6, r.y() + 17, r.width() - 12, 12), Qt::AlignLeft | Qt::AlignVCenter, t.line1);
    p.drawText(QRect(r.x() + 6, r.y() + 29, r.width() - 12, 12), Qt::AlignLeft | Qt::AlignVCenter, t.line2);
    if (t.cpu_ratio >= 0) {  // CPU requested bar
      const QRect bar(r.x() + 6, r.y() + kHeaderH - 5, r.width() - 12, 3);
      p.fillRect(bar, QColor(220, 220, 220));
      p.fillRect(QRect(bar.x(), bar.y(), static_cast<int>(bar.width() * std::min(1.0, t.cpu_ratio)), bar.height()),
                 t.cpu_ratio > 0.9 ? QColor(200, 60, 40) : QColor(60, 120, 200));
    }
    if (!t.pods) continue;
    for (size_t k = 0; k < t.pods->size(); ++k) {
      const PodView& pod = (*t.pods)[k];
      const int col = static_cast<int>(k % kPodsPerRow), row = static_cast<int>(k / kPodsPerRow);
      const QRect pr(r.x() + 5 + col * (kPod + kPodGap), r.y() + kHeaderH + row * (kPod + kPodGap), kPod, kPod);
      QColor c = WorkloadColor(pod.workload);
      if (!pod.ready) c = c.lighter(150);
      p.setPen(pod.deleting ? QPen(Qt::black, 1, Qt::DotLine) : QPen(c.darker(140), 1));
      p.setBrush(pod.deleting ? QBrush(c, Qt::Dense4Pattern) : QBrush(c));
      p.drawRect(pr);
    }
  }
}

}  // namespace rehearsal::gui
