#include "gui/engine/run_engine.h"

#include <fstream>
#include <sstream>

#include "gui/engine/replay.h"
#include "gui/engine/score.h"
#include "scenarios/bind.h"
#include "scenarios/loader.h"

namespace rehearsal::gui {
namespace {

constexpr const char* kFaultLogKind = "FaultInjected";

size_t CountFaultLogsAt(const models::World& world, sim::Time t) {
  size_t n = 0;
  for (const auto& r : world.sim().recorder().log())
    if (r.t == t && r.kind == kFaultLogKind) ++n;
  return n;
}

std::string LastFaultLogAt(const models::World& world, sim::Time t) {
  std::string msg;
  for (const auto& r : world.sim().recorder().log())
    if (r.t == t && r.kind == kFaultLogKind) msg = r.object + ": " + r.message;
  return msg;
}

std::string JoinErrors(const sim::Errors& errors) {
  std::string s;
  for (const auto& e : errors) s += (s.empty() ? "" : "\n") + e.ToString();
  return s;
}

EngineHooks WithDefaults(EngineHooks h) {
  if (!h.build_world) {
    h.build_world = [](const scenarios::Scenario& s) { return scenarios::BuildWorld(s); };
  }
  if (!h.inject) h.inject = [](models::World& w, const scenarios::Fault& f) { return scenarios::InjectFault(w, f); };
  if (!h.locate_store) h.locate_store = DefaultStoreLocator;
  return h;
}

}  // namespace

RunEngine::RunEngine(std::string text, std::string file, scenarios::Scenario scenario, EngineHooks hooks,
                     std::unique_ptr<models::World> world)
    : original_text_(std::move(text)),
      file_(std::move(file)),
      original_(scenario),
      scenario_(std::move(scenario)),
      hooks_(std::move(hooks)),
      world_(std::move(world)) {}

sim::Result<std::unique_ptr<RunEngine>> RunEngine::FromText(const std::string& text, const std::string& file,
                                                            EngineHooks hooks) {
  auto loaded = scenarios::LoadScenarioText(text, file);
  if (!loaded.ok()) return loaded.errors();
  hooks = WithDefaults(std::move(hooks));
  auto world = hooks.build_world(loaded.value());
  if (!world.ok()) return world.errors();
  return std::unique_ptr<RunEngine>(
      new RunEngine(text, file, std::move(loaded.value()), std::move(hooks), std::move(world.value())));
}

sim::Result<std::unique_ptr<RunEngine>> RunEngine::FromFile(const std::string& path, EngineHooks hooks) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Error{{path, 0, 0}, "found no readable file, expected a scenario YAML file"};
  std::stringstream buf;
  buf << in.rdbuf();
  return FromText(buf.str(), path, std::move(hooks));
}

sim::Time RunEngine::now() const { return world_->sim().now(); }

void RunEngine::AdvanceTo(sim::Time t) {
  RH_ASSERT(t >= now());
  world_->RunUntil(t);
}

const InjectionRecord& RunEngine::Inject(scenarios::Fault fault) {
  const sim::Time t = now();
  fault.at = t - sim::Time::Zero();
  InjectionRecord rec;
  rec.t = t;
  rec.fault = fault;
  auto reject = [&](std::string why) -> const InjectionRecord& {
    rec.mode = InjectionMode::kRejected;
    rec.message = std::move(why);
    injections_.push_back(rec);
    return injections_.back();
  };
  if (finished()) return reject("the run has ended");

  // The loader judges the fault exactly as `rehearse run` will judge the replay file.
  std::vector<scenarios::Fault> faults = live_faults_;
  faults.push_back(fault);
  auto text = MakeReplayYaml(original_text_, file_, faults);
  if (!text.ok()) return reject(JoinErrors(text.errors()));
  auto candidate = scenarios::LoadScenarioText(text.value(), file_);
  if (!candidate.ok()) return reject(JoinErrors(candidate.errors()));

  if (rebuild_works_) {
    auto rebuilt = hooks_.build_world(candidate.value());
    if (!rebuilt.ok()) return reject(JoinErrors(rebuilt.errors()));
    std::unique_ptr<models::World> next = std::move(rebuilt.value());
    next->RunUntil(t);
    if (CountFaultLogsAt(*next, t) > CountFaultLogsAt(*world_, t)) {
      rec.mode = InjectionMode::kReplayedFromStart;
      rec.message = LastFaultLogAt(*next, t);
      world_ = std::move(next);
      scenario_ = std::move(candidate.value());
      live_faults_ = std::move(faults);
      rows_.Clear();
      log_.Clear();
      replay_yaml_.reset();
      injections_.push_back(rec);
      return injections_.back();
    }
    rebuild_works_ = false;  // the binder ignores scheduled faults: never pay the re-run again
  }

  auto direct = hooks_.inject(*world_, fault);
  if (!direct.ok()) return reject(JoinErrors(direct.errors()));
  rec.mode = InjectionMode::kDirect;
  rec.message = "applied to the running world; the binder does not schedule scenario faults, so a replay may differ";
  scenario_ = std::move(candidate.value());
  live_faults_ = std::move(faults);
  replay_yaml_.reset();
  injections_.push_back(rec);
  return injections_.back();
}

sim::Result<std::string> RunEngine::ReplayYaml() const {
  return MakeReplayYaml(original_text_, file_, live_faults_);
}

void RunEngine::Ingest() {
  const sim::Recorder& rec = world_->sim().recorder();
  const auto& times = rec.sample_times();
  const auto& rows = rec.rows();
  for (size_t i = rows_.size(); i < rows.size(); ++i) rows_.Append(SeriesRow{times[i], rows[i]});
  const auto& log = rec.log();
  for (size_t i = log_.size(); i < log.size(); ++i) log_.Append(log[i]);
}

std::shared_ptr<const Snapshot> RunEngine::Publish() {
  Ingest();
  auto s = std::make_shared<Snapshot>();
  const sim::Simulation& sim = world_->sim();
  s->sequence = ++sequence_;
  s->scenario_name = original_.name;
  s->scenario_file = file_;
  s->now = sim.now();
  s->end = world_->end_time();
  s->sample_interval = scenario_.sample_interval;
  s->events = sim.events_executed();
  s->digest = sim.digest();
  s->finished = world_->finished();
  s->series_names = sim.recorder().series_names();
  s->rows = rows_.Freeze();
  s->log = log_.Freeze();
  if (const models::Store* store = hooks_.locate_store(*world_)) {
    s->cluster = ReadClusterFromStore(*store);
  } else {
    s->cluster = ReadClusterFromSeries(s->series_names, s->rows.empty() ? nullptr : &s->rows.back());
  }
  s->injections = injections_;
  std::optional<sim::Time> since;
  for (const auto& inj : injections_)
    if (inj.mode != InjectionMode::kRejected) {
      since = inj.t;
      break;
    }
  s->score = ComputeScore(original_.slos, s->series_names, s->rows, since);
  s->zones = original_.cluster.zones;
  for (const auto& p : original_.cluster.pools) {
    s->pools.push_back(p.name);
    if (p.capacity_type == scenarios::CapacityType::kSpot) s->spot_pools.push_back(p.name);
  }
  for (const auto& svc : original_.services) s->services.push_back(svc.name);
  s->wallet_enabled = original_.wallet.enabled;
  if (!replay_yaml_) {
    auto text = ReplayYaml();
    replay_yaml_ = std::make_shared<const std::string>(text.ok() ? text.value() : std::string());
  }
  s->replay_yaml = replay_yaml_;
  return s;
}

}  // namespace rehearsal::gui
