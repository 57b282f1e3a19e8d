// SimGrid peer for bench/peers/run: the hold model and an M/M/1 queue on
// SimGrid's kernel timers (simgrid::kernel::timer::Timer, the event list the
// engine itself uses, a Boost Fibonacci heap keyed by double dates), with one
// actor keeping the engine alive. Actors (one per pending event) would measure
// context switches instead and cannot reach N = 10^6. Reads the process CPU
// clock, which is fine here: bench/ is not simulation code.
//
//   simgrid_peer hold <N> <events>
//   simgrid_peer mm1 <customers>
// Prints: RESULT SimGrid <model> <N> <events> <seconds>
#include <simgrid/kernel/Timer.hpp>
#include <simgrid/s4u.hpp>

#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <random>
#include <string>

namespace sg4 = simgrid::s4u;
using Timer = simgrid::kernel::timer::Timer;
// Process CPU time, not wall time: the comparison machine is shared, and
// kernel_bench's items_per_second is CPU-time based too.
struct Clock {
  using time_point = std::clock_t;
  static time_point now() { return std::clock(); }
};
double CpuSeconds(Clock::time_point a, Clock::time_point b) {
  return static_cast<double>(b - a) / CLOCKS_PER_SEC;
}

namespace {

std::mt19937_64 g_rng(1);
double Exp(double rate) {
  return -std::log1p(-std::generate_canonical<double, 53>(g_rng)) / rate;
}

uint64_t g_count = 0;
uint64_t g_warmup = 0;
uint64_t g_target = 0;
bool g_done = false;
Clock::time_point g_t0;
Clock::time_point g_t1;

void Hold() {
  ++g_count;
  if (g_count == g_warmup) g_t0 = Clock::now();
  if (g_count >= g_target) {
    if (!g_done) g_t1 = Clock::now();
    g_done = true;
    return;
  }
  Timer::set(sg4::Engine::get_clock() + Exp(1.0), [] { Hold(); });
}

std::deque<double> g_queue;
bool g_busy = false;
uint64_t g_arrived = 0;
uint64_t g_customers = 0;
uint64_t g_events = 0;
uint64_t g_served = 0;
double g_wait_sum = 0;

void Depart();
void StartService(double arrival) {
  g_busy = true;
  g_wait_sum += sg4::Engine::get_clock() - arrival;
  Timer::set(sg4::Engine::get_clock() + Exp(1.0), [] { Depart(); });
}
void Arrive() {
  ++g_events;
  ++g_arrived;
  const double now = sg4::Engine::get_clock();
  if (g_busy) {
    g_queue.push_back(now);
  } else {
    StartService(now);
  }
  if (g_arrived < g_customers) Timer::set(now + Exp(0.9), [] { Arrive(); });
}
void Depart() {
  ++g_events;
  ++g_served;
  g_busy = false;
  if (!g_queue.empty()) {
    const double a = g_queue.front();
    g_queue.pop_front();
    StartService(a);
  }
  if (g_served == g_customers) g_t1 = Clock::now();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: simgrid_peer hold <N> <events> | mm1 <customers>\n");
    return 2;
  }
  const std::string model = argv[1];
  int sg_argc = 1;
  sg4::Engine engine(&sg_argc, argv);
  auto* zone = sg4::create_full_zone("world");
  sg4::Host* host = zone->create_host("host", 1e9);
  zone->seal();
  if (model == "hold") {
    const uint64_t n = std::strtoull(argv[2], nullptr, 10);
    const uint64_t events = std::strtoull(argv[3], nullptr, 10);
    g_warmup = n;
    g_target = n + events;
    for (uint64_t i = 0; i < n; ++i) Timer::set(Exp(1.0), [] { Hold(); });
    // The keeper actor polls until the timers have run the requested events.
    sg4::Actor::create("keeper", host, [] {
      while (!g_done) sg4::this_actor::sleep_for(1000.0);
    });
    engine.run();
    const double s = CpuSeconds(g_t0, g_t1);
    std::printf("RESULT SimGrid hold %llu %llu %.6f\n", static_cast<unsigned long long>(n),
                static_cast<unsigned long long>(events), s);
  } else {
    g_customers = std::strtoull(argv[2], nullptr, 10);
    const auto t0 = Clock::now();
    Timer::set(Exp(0.9), [] { Arrive(); });
    sg4::Actor::create("keeper", host, [] {
      while (g_served < g_customers) sg4::this_actor::sleep_for(1000.0);
    });
    engine.run();
    const double s = CpuSeconds(t0, g_t1);
    std::fprintf(stderr, "SimGrid mm1: mean wait %.3f (closed form 9)\n", g_wait_sum / static_cast<double>(g_served));
    std::printf("RESULT SimGrid mm1 %llu %llu %.6f\n", static_cast<unsigned long long>(g_customers),
                static_cast<unsigned long long>(g_events), s);
  }
  return 0;
}
