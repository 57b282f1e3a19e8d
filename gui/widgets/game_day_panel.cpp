#include "gui/widgets/game_day_panel.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

#include "gui/models/table_models.h"

namespace rehearsal::gui {
namespace {

using scenarios::FaultType;

const std::vector<FaultType> kTypes = {FaultType::kZoneOutage,        FaultType::kNodeFailure, FaultType::kSpotStorm,
                                       FaultType::kBadRelease,        FaultType::kWalletPrimaryLoss,
                                       FaultType::kDiskFault,         FaultType::kPartition,   FaultType::kPoolUpgrade};

const std::vector<std::pair<const char*, scenarios::DiskFaultMode>> kModes = {
    {"slow-fsync", scenarios::DiskFaultMode::kSlowFsync}, {"fsync-error", scenarios::DiskFaultMode::kFsyncError},
    {"torn-write", scenarios::DiskFaultMode::kTornWrite}, {"lost-write", scenarios::DiskFaultMode::kLostWrite},
    {"bit-flip", scenarios::DiskFaultMode::kBitFlip}, {"full-disk", scenarios::DiskFaultMode::kFullDisk}};

}  // namespace

GameDayPanel::GameDayPanel(QWidget* parent) : QWidget(parent) {
  auto* outer = new QVBoxLayout(this);
  form_ = new QFormLayout();
  type_ = new QComboBox(this);
  for (FaultType t : kTypes) type_->addItem(scenarios::ToString(t), static_cast<int>(t));
  zone_ = new QComboBox(this);
  zone_b_ = new QComboBox(this);
  pool_ = new QComboBox(this);
  count_ = new QSpinBox(this);
  count_->setRange(1, 10000);
  fraction_percent_ = new QSpinBox(this);
  fraction_percent_->setRange(1, 100);
  fraction_percent_->setValue(50);
  fraction_percent_->setSuffix(QStringLiteral(" %"));
  notice_ = new QLineEdit(QStringLiteral("2m"), this);
  service_ = new QComboBox(this);
  version_ = new QLineEdit(QStringLiteral("v2-bad"), this);
  target_ = new QLineEdit(QStringLiteral("wallet-0"), this);
  mode_ = new QComboBox(this);
  for (const auto& m : kModes) mode_->addItem(m.first);
  slow_by_ = new QLineEdit(QStringLiteral("50ms"), this);
  max_unavailable_ = new QLineEdit(QStringLiteral("1"), this);
  duration_ = new QLineEdit(QStringLiteral("10m"), this);
  duration_->setToolTip(QStringLiteral("0s: until the end of the run"));
  form_->addRow(QStringLiteral("Fault"), type_);
  form_->addRow(QStringLiteral("Zone"), zone_);
  form_->addRow(QStringLiteral("Other side"), zone_b_);
  form_->addRow(QStringLiteral("Pool"), pool_);
  form_->addRow(QStringLiteral("Nodes"), count_);
  form_->addRow(QStringLiteral("Share reclaimed"), fraction_percent_);
  form_->addRow(QStringLiteral("Notice"), notice_);
  form_->addRow(QStringLiteral("Service"), service_);
  form_->addRow(QStringLiteral("Version"), version_);
  form_->addRow(QStringLiteral("Target"), target_);
  form_->addRow(QStringLiteral("Disk fault"), mode_);
  form_->addRow(QStringLiteral("Slower by"), slow_by_);
  form_->addRow(QStringLiteral("Max unavailable"), max_unavailable_);
  form_->addRow(QStringLiteral("Duration"), duration_);
  outer->addLayout(form_);

  auto* buttons = new QHBoxLayout();
  auto* inject = new QPushButton(QStringLiteral("Inject now"), this);
  inject->setToolTip(QStringLiteral("Applied at the current simulated time and recorded for the replay"));
  auto* save = new QPushButton(QStringLiteral("Save replay…"), this);
  buttons->addWidget(inject);
  buttons->addWidget(save);
  buttons->addStretch();
  outer->addLayout(buttons);
  status_ = new QLabel(this);
  status_->setWordWrap(true);
  outer->addWidget(status_);

  model_ = new InjectionTableModel(this);
  table_ = new QTableView(this);
  table_->setModel(model_);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  outer->addWidget(new QLabel(QStringLiteral("Injections (simulated time, fault, how it was applied):"), this));
  outer->addWidget(table_, 1);

  connect(type_, &QComboBox::currentIndexChanged, this, [this] {
    UpdateVisibleRows();
    if (snap_) SetSnapshot(snap_);  // spot storms list spot pools only
  });
  connect(mode_, &QComboBox::currentIndexChanged, this, [this] { UpdateVisibleRows(); });
  connect(inject, &QPushButton::clicked, this, [this] {
    auto f = FormFault();
    if (!f.ok()) {
      status_->setText(QString::fromStdString(f.error().ToString()));
      return;
    }
    status_->setText(QStringLiteral("Queued %1 at the next boundary.").arg(scenarios::ToString(f.value().type)));
    if (on_inject_) on_inject_(f.value());
  });
  connect(save, &QPushButton::clicked, this, [this] {
    if (on_save_) on_save_();
  });
  UpdateVisibleRows();
}

void GameDayPanel::SetItems(QComboBox* box, const std::vector<std::string>& items) {
  QStringList list;
  for (const auto& i : items) list << QString::fromStdString(i);
  QStringList current;
  for (int i = 0; i < box->count(); ++i) current << box->itemText(i);
  if (list == current) return;
  const QString keep = box->currentText();
  box->clear();
  box->addItems(list);
  const int idx = box->findText(keep);
  if (idx >= 0) box->setCurrentIndex(idx);
}

void GameDayPanel::SetSnapshot(std::shared_ptr<const Snapshot> s) {
  if (!s) return;
  snap_ = s;
  SetItems(zone_, s->zones);
  SetItems(zone_b_, s->zones);
  if (zone_b_->count() > 1 && zone_b_->currentIndex() == zone_->currentIndex())
    zone_b_->setCurrentIndex((zone_->currentIndex() + 1) % zone_b_->count());
  const auto type = static_cast<FaultType>(type_->currentData().toInt());
  SetItems(pool_, type == FaultType::kSpotStorm ? s->spot_pools : s->pools);
  SetItems(service_, s->services);
  const size_t before = static_cast<size_t>(model_->rowCount());
  model_->SetSnapshot(s);
  if (s->injections.size() != before && !s->injections.empty()) {
    const InjectionRecord& last = s->injections.back();
    status_->setText(QStringLiteral("%1 at %2: %3 — %4")
                         .arg(scenarios::ToString(last.fault.type), TimeText(last.t), ToString(last.mode),
                              QString::fromStdString(last.message)));
    table_->scrollToBottom();
  }
}

void GameDayPanel::SelectType(scenarios::FaultType type) {
  const int idx = type_->findData(static_cast<int>(type));
  if (idx >= 0) type_->setCurrentIndex(idx);
}

void GameDayPanel::UpdateVisibleRows() {
  const auto type = static_cast<FaultType>(type_->currentData().toInt());
  auto show = [this](QWidget* w, bool on) { form_->setRowVisible(w, on); };
  show(zone_, type == FaultType::kZoneOutage || type == FaultType::kPartition);
  show(zone_b_, type == FaultType::kPartition);
  show(pool_, type == FaultType::kNodeFailure || type == FaultType::kSpotStorm || type == FaultType::kPoolUpgrade);
  show(count_, type == FaultType::kNodeFailure);
  show(fraction_percent_, type == FaultType::kSpotStorm);
  show(notice_, type == FaultType::kSpotStorm);
  show(service_, type == FaultType::kBadRelease);
  show(version_, type == FaultType::kBadRelease);
  show(target_, type == FaultType::kDiskFault);
  show(mode_, type == FaultType::kDiskFault);
  show(slow_by_, type == FaultType::kDiskFault && mode_->currentIndex() == 0);
  show(max_unavailable_, type == FaultType::kPoolUpgrade);
}

sim::Result<scenarios::Fault> GameDayPanel::FormFault() const {
  scenarios::Fault f;
  f.type = static_cast<FaultType>(type_->currentData().toInt());
  f.mark = {"game-day panel", 0, 0};
  auto duration = [](QLineEdit* e, const char* what) -> sim::Result<sim::Duration> {
    auto d = sim::ParseDuration(e->text().trimmed().toStdString());
    if (!d.ok()) return sim::Error{{std::string("game-day panel: ") + what, 0, 0}, d.error().message};
    return d.value();
  };
  auto d = duration(duration_, "duration");
  if (!d.ok()) return d.errors();
  f.duration = d.value();
  switch (f.type) {
    case FaultType::kZoneOutage:
      f.zone = zone_->currentText().toStdString();
      break;
    case FaultType::kNodeFailure:
      f.pool = pool_->currentText().toStdString();
      f.count = count_->value();
      break;
    case FaultType::kSpotStorm: {
      f.pool = pool_->currentText().toStdString();
      f.fraction = fraction_percent_->value() / 100.0;
      auto n = duration(notice_, "notice");
      if (!n.ok()) return n.errors();
      f.notice = n.value();
      break;
    }
    case FaultType::kBadRelease:
      f.service = service_->currentText().toStdString();
      f.version = version_->text().trimmed().toStdString();
      break;
    case FaultType::kWalletPrimaryLoss:
      break;
    case FaultType::kDiskFault: {
      f.target = target_->text().trimmed().toStdString();
      f.mode = kModes[static_cast<size_t>(std::max(0, mode_->currentIndex()))].second;
      auto s = duration(slow_by_, "slower by");
      if (!s.ok()) return s.errors();
      f.slow_by = s.value();
      break;
    }
    case FaultType::kPartition:
      f.zones = {zone_->currentText().toStdString(), zone_b_->currentText().toStdString()};
      break;
    case FaultType::kPoolUpgrade: {
      f.pool = pool_->currentText().toStdString();
      QString t = max_unavailable_->text().trimmed();
      f.max_unavailable.percent = t.endsWith('%');
      if (f.max_unavailable.percent) t.chop(1);
      bool ok = false;
      f.max_unavailable.value = t.toLongLong(&ok);
      if (!ok || f.max_unavailable.value < 1)
        return sim::Error{{"game-day panel: max unavailable", 0, 0},
                          "found '" + max_unavailable_->text().toStdString() + "', expected a count or a percentage"};
      break;
    }
  }
  return f;
}

}  // namespace rehearsal::gui
