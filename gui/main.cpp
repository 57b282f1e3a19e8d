// rehearse-gui: the desktop face of Rehearsal.
//
//   rehearse-gui [SCENARIO]
//   rehearse-gui --screenshot out.png [--run-until 30m] [--tab NAME] [--size WxH] SCENARIO
//
// The headless form runs the scenario to --run-until (default: the end) at
// full speed, renders the window offscreen, saves a PNG and exits: 0 saved,
// 2 bad usage or scenario, 3 the PNG could not be written.
#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QThread>
#include <cstdio>
#include <cstdlib>

#include "gui/widgets/main_window.h"
#include "sim/time.h"

namespace {

int Usage(const QString& msg) {
  std::fprintf(stderr, "rehearse-gui: %s\n", msg.toLocal8Bit().constData());
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // The headless mode must not need a display: pick the offscreen platform
  // before QApplication exists unless the user chose one.
  bool headless = false;
  for (int i = 1; i < argc; ++i)
    if (QByteArray(argv[i]) == "--screenshot" || QByteArray(argv[i]).startsWith("--screenshot=")) headless = true;
  if (headless && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");

  QApplication app(argc, argv);
  QApplication::setApplicationName(QStringLiteral("rehearse-gui"));
  QApplication::setApplicationVersion(QStringLiteral("0.1.0"));
  QCommandLineParser parser;
  parser.setApplicationDescription(QStringLiteral("Rehearsal: watch a scenario run, inject game-day faults, replay."));
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption screenshot(QStringLiteral("screenshot"), QStringLiteral("Render offscreen, save a PNG, exit."),
                                QStringLiteral("out.png"));
  QCommandLineOption run_until(QStringLiteral("run-until"),
                               QStringLiteral("Simulated time to run to before the screenshot (e.g. 30m)."),
                               QStringLiteral("time"));
  QCommandLineOption tab(QStringLiteral("tab"), QStringLiteral("Tab shown: cluster, events, gameday, score, series."),
                         QStringLiteral("name"), QStringLiteral("cluster"));
  QCommandLineOption size(QStringLiteral("size"), QStringLiteral("Window size for the screenshot."),
                          QStringLiteral("WxH"), QStringLiteral("1600x1000"));
  parser.addOptions({screenshot, run_until, tab, size});
  parser.addPositionalArgument(QStringLiteral("scenario"), QStringLiteral("Scenario YAML file."));
  parser.process(app);
  const QStringList args = parser.positionalArguments();
  if (args.size() > 1) return Usage(QStringLiteral("expected at most one scenario file"));

  rehearsal::gui::MainWindow window;
  const QStringList tabs = {"cluster", "events", "gameday", "score", "series"};
  const int tab_index = static_cast<int>(tabs.indexOf(parser.value(tab)));
  if (tab_index < 0) return Usage(QStringLiteral("--tab: expected one of ") + tabs.join(", "));
  window.ShowTab(tab_index);

  if (!parser.isSet(screenshot)) {
    if (!args.isEmpty()) window.OpenScenario(args.front());
    window.resize(1500, 950);
    window.show();
    return app.exec();
  }

  // Headless screenshot.
  if (args.isEmpty()) return Usage(QStringLiteral("--screenshot needs a scenario file"));
  const QStringList wh = parser.value(size).split('x');
  if (wh.size() != 2 || wh[0].toInt() < 200 || wh[1].toInt() < 200) return Usage(QStringLiteral("--size: expected WxH, e.g. 1600x1000"));
  if (!window.OpenScenario(args.front(), /*quiet=*/true)) {
    auto engine = rehearsal::gui::RunEngine::FromFile(args.front().toStdString());
    for (const auto& e : engine.errors()) std::fprintf(stderr, "%s\n", e.ToString().c_str());
    return 2;
  }
  auto* worker = window.worker();
  if (parser.isSet(run_until)) {
    auto d = rehearsal::sim::ParseDuration(parser.value(run_until).toStdString());
    if (!d.ok()) return Usage(QStringLiteral("--run-until: ") + QString::fromStdString(d.error().message));
    worker->SetStopAt(rehearsal::sim::Time::Zero() + d.value());
  }
  worker->SetSpeed(rehearsal::gui::Speed::kMax);
  worker->Play();
  worker->WaitIdle();
  window.resize(wh[0].toInt(), wh[1].toInt());
  window.show();
  window.Poll();
  for (int i = 0; i < 5; ++i) {
    QApplication::processEvents();
    QThread::msleep(20);
  }
  const QString out = parser.value(screenshot);
  if (!window.grab().save(out, "PNG")) {
    std::fprintf(stderr, "rehearse-gui: cannot write %s\n", out.toLocal8Bit().constData());
    return 3;
  }
  std::fprintf(stderr, "rehearse-gui: saved %s\n", out.toLocal8Bit().constData());
  return 0;
}
