// The wallet in the loop (issue 7 figures). The rest of the simulation is
// stood in for by the traffic model (fluid fidelity) of an evening-peak-like
// casino platform (edge -> gaming-api -> wallet, bonus-worker -> wallet,
// 400 rps off-peak to 1,800 rps at 21:00 at the edge, kick-off bump at
// 20:45), because bench/ cannot link scenarios/ to build the bound World.
// The wallet's bet rate follows the traffic model's arrival rate at the
// wallet service / 2.3 wallet calls per round (as scenarios/bind.cpp binds it).
//
//   PeakHour/<with_wallet>/<minutes>: from 20:30 (sim time), every bet
//     through the engines (sampling 1/1, 200,000 players); 0 = the same run
//     without the wallet. Wallet share of wall time = 1 - without / with.
//     PeakHour/1/5 is the short version (the full hour: ~100 s CPU, ~10 GB).
//   Day/<with_wallet>: 24 h at sampling 1/100. Goal: with <= 1.2 x without.
//   held_MiB: the wallet's simulated storage at the end (bounded by the
//   snapshot schedule, issue 7).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "models/core/usage_board.h"
#include "models/traffic/traffic_model.h"
#include "models/wallet/wallet_loop.h"
#include "sim/simulation.h"

namespace rt = rehearsal::models::traffic;
namespace rm = rehearsal::models;
namespace rw = rehearsal::models::wallet;
namespace rs = rehearsal::sim;

namespace {

rt::ServiceProfile Svc(const std::string& name, int workers, double cpu_ms) {
  rt::ServiceProfile s;
  s.name = name;
  s.workers_per_pod = workers;
  s.cpu_per_request = {rt::LatencyDistribution::Kind::kExponential, cpu_ms, 1.0};
  s.endpoint_propagation_delay = rs::Duration{0};
  return s;
}

rt::TrafficConfig Platform() {
  rt::TrafficConfig cfg;
  cfg.services = {Svc("edge", 64, 1), Svc("gaming-api", 32, 8), Svc("wallet", 64, 3),
                  Svc("bonus-worker", 16, 6)};
  cfg.edges = {{"edge", "gaming-api", 1.0, rt::CallMode::kSync, ""},
               {"gaming-api", "wallet", 0.8, rt::CallMode::kSync, ""},
               {"gaming-api", "bonus-worker", 0.2, rt::CallMode::kSync, ""},
               {"bonus-worker", "wallet", 0.5, rt::CallMode::kSync, ""}};
  rt::EntryPoint players;
  players.name = "players";
  players.target_service = "edge";
  players.load.base_rps = 1800;
  // Hour of day -> share of the 21:00 peak (evening-peak.yaml's curve).
  players.load.hourly_shape = {0.15, 0.1, 0.08, 0.08, 0.08, 0.1, 0.12, 0.15, 0.2, 0.25, 0.3, 0.35,
                               0.4, 0.4, 0.4, 0.4, 0.45, 0.5, 0.6, 0.75, 0.9, 1.0, 0.7, 0.35};
  rt::Peak kickoff;
  kickoff.start = rs::Time::Zero() + rs::Duration::Hours(20) + rs::Duration::Minutes(45);
  kickoff.ramp = rs::Duration::Minutes(5);
  kickoff.hold = rs::Duration::Minutes(15);
  kickoff.multiplier = 1.5;
  players.load.peaks.push_back(kickoff);
  cfg.entry_points.push_back(players);
  return cfg;
}

void Announce(rs::Simulation& sim, rm::EndpointListener& l, const std::string& service, int n,
              rm::PodId& next) {
  for (int i = 0; i < n; ++i) {
    rm::EndpointInfo e;
    e.pod = next++;
    e.service = service;
    e.version = "v1";
    e.started_at = sim.now();
    l.OnEndpointChange(e, rm::EndpointChange::kReady, sim.now());
  }
}

struct RunResult {
  uint64_t acked = 0;
  uint64_t bets = 0;
  uint64_t events = 0;
  uint64_t held_bytes = 0;  // disks + archive + record caches at the end (WalletLoop::held_bytes)
  bool ok = true;
};

RunResult Run(rs::Time from, rs::Time to, bool with_wallet, int64_t sample_one_in) {
  rs::Simulation sim(42);
  rm::UsageBoard board;
  rt::TrafficModel model(sim, board, Platform(), rt::Fidelity::kFluid);
  rm::PodId next = 1;
  for (const char* s : {"edge", "gaming-api", "wallet", "bonus-worker"}) Announce(sim, model, s, 12, next);
  sim.RunUntil(from);
  model.Start();
  std::unique_ptr<rw::WalletLoop> wallet;
  if (with_wallet) {
    rw::WalletLoopConfig c;
    c.replication = rw::ReplicationMode::kAsync;
    c.replicas = 3;
    c.zones = {"eu-west-1a", "eu-west-1b", "eu-west-1c"};
    c.players = 200000;
    c.sample_one_in = sample_one_in;
    const rt::TrafficModel* m = &model;
    c.bets_per_s_fn = [m](rs::Time t) { return m->ArrivalRate("wallet", t) / 2.3; };
    wallet = std::make_unique<rw::WalletLoop>(sim, c);
    wallet->StartStandalone();
  }
  sim.RunUntil(to);
  model.Finish();
  RunResult r;
  if (wallet) {
    wallet->Finish();
    r.acked = wallet->stats().ops_acked;
    r.bets = wallet->stats().bets;
    r.ok = wallet->invariants_ok();
    r.held_bytes = wallet->held_bytes().total();
  }
  r.events = sim.events_executed();
  return r;
}

void Report(benchmark::State& state, const RunResult& r) {
  state.counters["wallet_ops_acked"] = static_cast<double>(r.acked);
  state.counters["bets"] = static_cast<double>(r.bets);
  state.counters["events"] = static_cast<double>(r.events);
  state.counters["invariants_ok"] = r.ok ? 1 : 0;
  state.counters["held_MiB"] = static_cast<double>(r.held_bytes) / (1 << 20);
}

// Args: with_wallet, simulated minutes from 20:30 (60 = the full peak hour).
void PeakHour(benchmark::State& state) {
  const bool with_wallet = state.range(0) != 0;
  const rs::Time from = rs::Time::Zero() + rs::Duration::Hours(20) + rs::Duration::Minutes(30);
  RunResult r;
  for (auto _ : state) r = Run(from, from + rs::Duration::Minutes(state.range(1)), with_wallet, 1);
  Report(state, r);
}
BENCHMARK(PeakHour)->Args({0, 60})->Args({1, 5})->Args({1, 60})->Unit(benchmark::kMillisecond)->Iterations(1);

void Day(benchmark::State& state) {
  const bool with_wallet = state.range(0) != 0;
  RunResult r;
  for (auto _ : state)
    r = Run(rs::Time::Zero(), rs::Time::Zero() + rs::Duration::Hours(24), with_wallet, 100);
  Report(state, r);
}
BENCHMARK(Day)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
