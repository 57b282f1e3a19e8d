// ns-3 peer for bench/peers/run: the hold model and an M/M/1 queue on ns-3's
// Simulator, the way an ns-3 user writes them (Simulator::Schedule with a
// function, ns-3's own ExponentialRandomVariable). Reads the process CPU clock,
// which is fine here: bench/ is not simulation code.
//
//   ns3_peer hold <Scheduler> <N> <events>   e.g. hold HeapScheduler 1000 5000000
//   ns3_peer mm1 <Scheduler> <customers>
// Prints: RESULT ns-3/<Scheduler> <model> <N> <events> <seconds>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>

#include "ns3/core-module.h"

using namespace ns3;

namespace {

// Process CPU time, not wall time: the comparison machine is shared, and
// kernel_bench's items_per_second is CPU-time based too.
struct Clock {
  using time_point = std::clock_t;
  static time_point now() { return std::clock(); }
};
double CpuSeconds(Clock::time_point a, Clock::time_point b) {
  return static_cast<double>(b - a) / CLOCKS_PER_SEC;
}

uint64_t g_count = 0;
uint64_t g_warmup = 0;
uint64_t g_target = 0;
Clock::time_point g_t0;
Ptr<ExponentialRandomVariable> g_exp;

void Hold() {
  ++g_count;
  if (g_count == g_warmup) g_t0 = Clock::now();
  if (g_count >= g_target) {
    Simulator::Stop();
    return;
  }
  Simulator::Schedule(Seconds(g_exp->GetValue()), &Hold);
}

// M/M/1: lambda = 0.9, mu = 1.
Ptr<ExponentialRandomVariable> g_arrivals;
Ptr<ExponentialRandomVariable> g_service;
std::deque<double> g_queue;
bool g_busy = false;
uint64_t g_arrived = 0;
uint64_t g_customers = 0;
uint64_t g_events = 0;
double g_wait_sum = 0;
uint64_t g_served = 0;

void Depart();

void StartService(double arrival) {
  g_busy = true;
  g_wait_sum += Simulator::Now().GetSeconds() - arrival;
  Simulator::Schedule(Seconds(g_service->GetValue()), &Depart);
}

void Arrive() {
  ++g_events;
  ++g_arrived;
  if (g_busy) {
    g_queue.push_back(Simulator::Now().GetSeconds());
  } else {
    StartService(Simulator::Now().GetSeconds());
  }
  if (g_arrived < g_customers) Simulator::Schedule(Seconds(g_arrivals->GetValue()), &Arrive);
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
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: ns3_peer hold <Scheduler> <N> <events> | mm1 <Scheduler> <customers>\n");
    return 2;
  }
  const std::string model = argv[1];
  const std::string scheduler = argv[2];
  ObjectFactory factory;
  factory.SetTypeId("ns3::" + scheduler);
  Simulator::SetScheduler(factory);
  RngSeedManager::SetSeed(1);
  if (model == "hold") {
    const uint64_t n = std::strtoull(argv[3], nullptr, 10);
    const uint64_t events = std::strtoull(argv[4], nullptr, 10);
    g_exp = CreateObject<ExponentialRandomVariable>();
    g_exp->SetAttribute("Mean", DoubleValue(1.0));
    for (uint64_t i = 0; i < n; ++i) Simulator::Schedule(Seconds(g_exp->GetValue()), &Hold);
    g_warmup = n;  // one full turnover before timing
    g_target = n + events;
    Simulator::Run();
    const double s = CpuSeconds(g_t0, Clock::now());
    std::printf("RESULT ns-3/%s hold %llu %llu %.6f\n", scheduler.c_str(),
                static_cast<unsigned long long>(n), static_cast<unsigned long long>(g_count - g_warmup), s);
  } else {
    g_customers = std::strtoull(argv[3], nullptr, 10);
    g_arrivals = CreateObject<ExponentialRandomVariable>();
    g_arrivals->SetAttribute("Mean", DoubleValue(1.0 / 0.9));
    g_service = CreateObject<ExponentialRandomVariable>();
    g_service->SetAttribute("Mean", DoubleValue(1.0));
    const auto t0 = Clock::now();
    Simulator::Schedule(Seconds(g_arrivals->GetValue()), &Arrive);
    Simulator::Run();
    const double s = CpuSeconds(t0, Clock::now());
    std::fprintf(stderr, "ns-3 mm1: mean wait %.3f (closed form 9)\n", g_wait_sum / static_cast<double>(g_served));
    std::printf("RESULT ns-3/%s mm1 %llu %llu %.6f\n", scheduler.c_str(),
                static_cast<unsigned long long>(g_customers), static_cast<unsigned long long>(g_events), s);
  }
  Simulator::Destroy();
  return 0;
}
