#include "synthetic_world_testlib.h"

#include <cmath>
#include <fstream>
#include <sstream>

namespace rehearsal::gui::testing {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

SyntheticPlatform::SyntheticPlatform(models::World& world, const scenarios::Scenario& scenario)
    : world_(world), scenario_(scenario), rng_(world.sim().Stream("gui-test/synthetic")) {
  auto& rec = world_.sim().recorder();
  rec.AddSeries("gaming-api.rps", [this] { return rps_; });
  rec.AddSeries("gaming-api.errors_per_s", [this] { return errors_; });
  rec.AddSeries("gaming-api.latency_p99_ms", [this] { return latency_ms_; });
  rec.AddSeries("gaming-api.replicas", [this] { return replicas_; });
  rec.AddSeries("gaming-api.hpa_desired", [this] { return desired_; });
  rec.AddSeries("cluster.nodes.general", [this] { return std::ceil(replicas_ / 4.0) + 2; });
  rec.AddSeries("cluster.pods_pending", [this] { return pending_; });
  rec.AddSeries("wallet.lag_ops", [this] { return lag_ops_; });
  rec.AddSeries("cluster.cost_usd_per_h", [this] { return (std::ceil(replicas_ / 4.0) + 2) * 0.384; });
  tick_ = world_.sim().RegisterKind("synthetic.tick");
  world_.sim().ScheduleIn(sim::Duration::Millis(700), tick_, 0, [this] { Tick(); });
}

void SyntheticPlatform::Tick() {
  auto& sim = world_.sim();
  const bool degraded = sim.now() < degraded_until_;
  rps_ = 400 + rng_.Normal(0, 20);
  latency_ms_ = (40 + rng_.Exponential(1.0 / 20)) * (degraded ? 8 : 1);
  errors_ = degraded ? rps_ * 0.02 : rps_ * 0.0001;
  lag_ops_ = degraded ? lag_ops_ + static_cast<double>(rng_.Poisson(30)) : lag_ops_ * 0.5;
  desired_ = static_cast<int>(std::ceil(rps_ / (degraded ? 40 : 100)));
  const int before = replicas_;
  if (replicas_ < desired_) ++replicas_;
  if (replicas_ > desired_) --replicas_;
  pending_ = desired_ > replicas_ ? desired_ - replicas_ : 0;
  if (replicas_ != before)
    sim.recorder().Log(sim.now(), "ScalingReplicaSet", "deployment/gaming-api",
                       "Scaled " + std::string(replicas_ > before ? "up" : "down") + " replica set gaming-api-v1 to " +
                           std::to_string(replicas_));
  sim.MixDigest(static_cast<uint64_t>(replicas_) * 1000003ULL + static_cast<uint64_t>(lag_ops_));
  if (!late_series_added_ && sim.now() >= sim::Time::Zero() + sim::Duration::Minutes(5)) {
    late_series_added_ = true;  // exercises the recorder's NaN back-fill
    sim.recorder().AddSeries("gaming-api.late_ms", [this] { return latency_ms_ / 2; });
  }
  // Irregular tick (0.5 .. 1.5 s) so boundaries fall between events.
  sim.ScheduleIn(sim::Duration::Micros(500000 + static_cast<int64_t>(rng_.Below(1000000))), tick_, 0,
                 [this] { Tick(); });
}

void SyntheticPlatform::ApplyFault(const scenarios::Fault& fault) {
  auto& sim = world_.sim();
  ++faults_applied_;
  degraded_until_ = fault.duration.us > 0 ? sim.now() + fault.duration : sim::Time::Max();
  sim.MixDigest(sim::StableHash(scenarios::ToString(fault.type)));
  sim.recorder().Log(sim.now(), "FaultInjected", scenarios::ToString(fault.type), "synthetic platform degraded");
}

sim::Result<std::unique_ptr<models::World>> BuildSyntheticWorld(const scenarios::Scenario& s, bool schedule_faults) {
  auto world = std::make_unique<models::World>(s.seed, s.duration, s.sample_interval);
  auto& platform = world->Emplace<SyntheticPlatform>(*world, s);
  if (schedule_faults) {
    auto kind = world->sim().RegisterKind("fault");
    for (size_t i = 0; i < s.faults.size(); ++i) {
      // The platform keeps its own copy of the scenario, which outlives the events.
      world->sim().Schedule(sim::Time::Zero() + s.faults[i].at, kind, i,
                            [p = &platform, i] { p->ApplyFault(p->scenario().faults[i]); });
    }
  }
  return world;
}

EngineHooks SyntheticHooks(bool schedule_faults) {
  EngineHooks h;
  h.build_world = [schedule_faults](const scenarios::Scenario& s) { return BuildSyntheticWorld(s, schedule_faults); };
  h.inject = [](models::World& w, const scenarios::Fault& f) -> sim::Result<bool> {
    w.Find<SyntheticPlatform>()->ApplyFault(f);
    return true;
  };
  return h;
}

}  // namespace rehearsal::gui::testing
