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
