// Kernel speed: the classic *hold* model (Vaucher & Duval 1975; Jones 1986):
// N events are pending; each popped event schedules one new event at
// now + Exp(1). items_per_second counts executed events.
//
//   build-*/bin/kernel_bench --benchmark_filter='^Hold/'
//
// Hold/N runs the full kernel (slots, InlineFunction callbacks, digest,
// lazy sampling check). Queue*/N run only the priority queue with the same
// key distribution, to choose the structure (sim/README.md records results).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <deque>
#include <queue>
#include <vector>

#include "sim/event_queue.h"
#include "sim/radix_queue.h"
#include "sim/random.h"
#include "sim/simulation.h"

namespace rehearsal::sim {
namespace {

// Exp(1) in simulated seconds, at microsecond resolution (mean 1e6 us).
int64_t ExpDelayUs(Rng& rng) { return static_cast<int64_t>(rng.Exponential(1.0) * 1e6); }

class HoldModel {
 public:
  HoldModel(int64_t n, uint64_t seed)
      : sim_(seed), kind_(sim_.RegisterKind("hold")), rng_(sim_.Stream("hold")) {
    for (int64_t i = 0; i < n; ++i) Reschedule();
  }
  void Reschedule() {
    sim_.ScheduleIn(Duration{ExpDelayUs(rng_)}, kind_, 0, [this] { Reschedule(); });
  }
  Simulation& sim() { return sim_; }

 private:
  Simulation sim_;
  EventKind kind_;
  Rng rng_;
};

void BM_Hold(benchmark::State& state) {
  HoldModel model(state.range(0), 1);
  Simulation& sim = model.sim();
  // Warm up: one full turnover so the key distribution is in steady state.
  for (int64_t i = 0; i < state.range(0); ++i) sim.Step();
  for (auto _ : state) {
    sim.Step();
  }
  state.SetItemsProcessed(state.iterations());
  benchmark::DoNotOptimize(sim.digest());
}
BENCHMARK(BM_Hold)->Name("Hold")->Arg(1000)->Arg(100000)->Arg(1000000);

// M/M/1 (lambda = 0.9, mu = 1, FCFS) with 10^6 customers per iteration, as
// in bench/peers: items_per_second counts events (arrivals + departures).
class Mm1Model {
 public:
  explicit Mm1Model(int64_t customers)
      : sim_(1),
        arrive_(sim_.RegisterKind("arrive")),
        depart_(sim_.RegisterKind("depart")),
        arrivals_(sim_.Stream("arrivals")),
        service_(sim_.Stream("service")),
        customers_(customers) {}
  void Run() {
    ScheduleArrival();
    sim_.Run();
  }
  uint64_t events() const { return sim_.events_executed(); }
  double mean_wait_s() const { return wait_sum_s_ / static_cast<double>(customers_); }

 private:
  void ScheduleArrival() {
    sim_.ScheduleIn(Duration::FromSeconds(arrivals_.Exponential(0.9)), arrive_, 0,
                    [this] { Arrive(); });
  }
  void Arrive() {
    ++arrived_;
    if (busy_) {
      waiting_.push_back(sim_.now());
    } else {
      StartService(sim_.now());
    }
    if (arrived_ < customers_) ScheduleArrival();
  }
  void StartService(Time arrival) {
    busy_ = true;
    wait_sum_s_ += (sim_.now() - arrival).seconds();
    sim_.ScheduleIn(Duration::FromSeconds(service_.Exponential(1.0)), depart_, 0,
                    [this] { Depart(); });
  }
  void Depart() {
    busy_ = false;
    if (!waiting_.empty()) {
      const Time next = waiting_.front();
      waiting_.pop_front();
      StartService(next);
    }
  }

  Simulation sim_;
  EventKind arrive_;
  EventKind depart_;
  Rng arrivals_;
  Rng service_;
  int64_t customers_;
  int64_t arrived_ = 0;
  bool busy_ = false;
  std::deque<Time> waiting_;
  double wait_sum_s_ = 0;
};

void BM_Mm1(benchmark::State& state) {
  uint64_t events = 0;
  double wait = 0;
  for (auto _ : state) {
    Mm1Model model(state.range(0));
    model.Run();
    events += model.events();
    wait = model.mean_wait_s();
  }
  state.SetItemsProcessed(static_cast<int64_t>(events));
  state.counters["mean_wait_s"] = wait;  // closed form: 9
}
BENCHMARK(BM_Mm1)->Name("MM1")->Arg(1000000)->Unit(benchmark::kMillisecond);

// The queue alone: d-ary heap of 16-byte (time, seq|slot) entries.
template <int kArity>
void BM_QueueDary(benchmark::State& state) {
  detail::DaryHeap<kArity> heap;
  Rng rng(1);
  uint64_t seq = 0;
  const int64_t n = state.range(0);
  for (int64_t i = 0; i < n; ++i) {
    heap.Push({ExpDelayUs(rng), (seq++ << detail::kSlotBits) | static_cast<uint64_t>(i)});
  }
  for (auto _ : state) {
    const detail::QueueEntry top = heap.top();
    heap.Pop();
    heap.Push({top.time_us + ExpDelayUs(rng),
               (seq++ << detail::kSlotBits) | (top.order & detail::kSlotMask)});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueDary<2>)->Name("QueueDary2")->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_QueueDary<4>)->Name("QueueDary4")->Arg(1000)->Arg(100000)->Arg(1000000);
BENCHMARK(BM_QueueDary<8>)->Name("QueueDary8")->Arg(1000)->Arg(100000)->Arg(1000000);

// Pop + push fused into one sift-down (DaryHeap::ReplaceTop).
void BM_QueueDary4Replace(benchmark::State& state) {
  detail::DaryHeap<4> heap;
  Rng rng(1);
  uint64_t seq = 0;
  const int64_t n = state.range(0);
  for (int64_t i = 0; i < n; ++i) {
    heap.Push({ExpDelayUs(rng), (seq++ << detail::kSlotBits) | static_cast<uint64_t>(i)});
  }
  for (auto _ : state) {
    const detail::QueueEntry top = heap.top();
    heap.ReplaceTop({top.time_us + ExpDelayUs(rng),
                     (seq++ << detail::kSlotBits) | (top.order & detail::kSlotMask)});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueDary4Replace)->Name("QueueDary4Replace")->Arg(1000)->Arg(100000)->Arg(1000000);

// Radix heap with 256-way digits over the integer time (monotone keys), FIFO
// among equal times: the kernel's queue.
void BM_QueueRadix(benchmark::State& state) {
  detail::RadixQueue queue;
  Rng rng(1);
  uint64_t seq = 0;
  const int64_t n = state.range(0);
  for (int64_t i = 0; i < n; ++i) {
    queue.Push({ExpDelayUs(rng), (seq++ << detail::kSlotBits) | static_cast<uint64_t>(i)});
  }
  for (auto _ : state) {
    const detail::QueueEntry top = *queue.Front(INT64_MAX);
    queue.Pop();
    queue.Push({top.time_us + ExpDelayUs(rng),
                (seq++ << detail::kSlotBits) | (top.order & detail::kSlotMask)});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueRadix)->Name("QueueRadix")->Arg(1000)->Arg(100000)->Arg(1000000);

// Baseline: std::priority_queue of the same entries (binary heap, vector).
void BM_QueueStdPriority(benchmark::State& state) {
  struct Greater {
    bool operator()(const detail::QueueEntry& a, const detail::QueueEntry& b) const {
      return b < a;
    }
  };
  std::priority_queue<detail::QueueEntry, std::vector<detail::QueueEntry>, Greater> heap;
  Rng rng(1);
  uint64_t seq = 0;
  const int64_t n = state.range(0);
  for (int64_t i = 0; i < n; ++i) {
    heap.push({ExpDelayUs(rng), (seq++ << detail::kSlotBits) | static_cast<uint64_t>(i)});
  }
  for (auto _ : state) {
    const detail::QueueEntry top = heap.top();
    heap.pop();
    heap.push({top.time_us + ExpDelayUs(rng),
               (seq++ << detail::kSlotBits) | (top.order & detail::kSlotMask)});
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_QueueStdPriority)->Name("QueueStdPriority")->Arg(1000)->Arg(100000)->Arg(1000000);

// The cost of one Exp(1) draw, which every hold event pays.
void BM_Exponential(benchmark::State& state) {
  Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(ExpDelayUs(rng));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Exponential);

}  // namespace
}  // namespace rehearsal::sim

BENCHMARK_MAIN();
