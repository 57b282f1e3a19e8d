#include "sim/simulation.h"

#include <map>
#include <utility>

#include "sim/assert.h"
#include "sim/event_queue.h"
#include "sim/radix_queue.h"

namespace rehearsal::sim {
namespace {

// murmur3's fmix64 finalizer: a bijection with full avalanche, so every bit of
// every (time, kind, key) triple affects every bit of the digest.
constexpr uint64_t Mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

// Folds one event into the digest: two bijective mixes, so a change in the
// time, the kind or the key of any event changes the result (the key is
// multiplied by an odd constant so kind ^ key cannot cancel trivially).
constexpr uint64_t DigestStep(uint64_t h, uint64_t time, uint64_t kind_hash, uint64_t key) {
  h = Mix64(h ^ time);
  return Mix64(h ^ kind_hash ^ (key * 0x9E3779B97F4A7C15ULL));
}

enum class SlotState : uint32_t { kFree, kPending, kCancelled, kRunning };

// One scheduled event's payload. The heap holds only (time, seq|slot); the
// callback stays put here and runs in place. 80 bytes.
struct Slot {
  Callback fn;
  uint64_t key = 0;
  uint64_t kind_hash = 0;
  uint32_t generation = 0;
  SlotState state = SlotState::kFree;
};


}  // namespace

struct Simulation::Impl {
  // A radix heap over monotone integer time, chosen by measurement over
  // 2/4/8-ary heaps (sim/README.md).
  detail::RadixQueue heap;
  std::vector<Slot> slots;
  std::vector<uint32_t> free_slots;  // LIFO: a just-freed slot is cache-hot
  // The slot whose callback is running (in place), and the slab it runs in if
  // the slab had to grow meanwhile (GrowAroundRunning).
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t running = kNone;
  std::vector<Slot> retired;
  uint64_t next_sequence = 0;
  size_t live = 0;       // pending (not cancelled) events
  size_t cancelled = 0;  // cancelled entries still in the heap
  int64_t next_sample_us = 0;

  std::map<std::string, uint32_t, std::less<>> kind_by_name;
  std::vector<std::string> kind_names;

  uint32_t AllocateSlot() {
    if (!free_slots.empty()) {
      const uint32_t s = free_slots.back();
      free_slots.pop_back();
      return s;
    }
    RH_ASSERT(slots.size() < detail::kMaxSlots);
    if (slots.size() == slots.capacity() && running != kNone) GrowAroundRunning();
    slots.emplace_back();
    // The slab may have moved: the queue prefetches payloads from it.
    heap.SetPrefetchTarget(reinterpret_cast<const char*>(slots.data()), sizeof(Slot));
    return static_cast<uint32_t>(slots.size() - 1);
  }

  // The slab is full while a callback runs in place in slot `running`: grow it
  // by hand, leaving that callable where it is. The old buffer (holding it) is
  // kept in `retired` until the callback returns; every other callable moves.
  void GrowAroundRunning() {
    std::vector<Slot> bigger;
    bigger.reserve(slots.capacity() * 2);
    for (uint32_t i = 0; i < slots.size(); ++i) {
      Slot& from = slots[i];
      Slot& to = bigger.emplace_back();
      if (i != running) to.fn = std::move(from.fn);
      to.key = from.key;
      to.kind_hash = from.kind_hash;
      to.generation = from.generation;
      to.state = from.state;
    }
    // A second growth in the same callback: the callable is already in
    // `retired` (the running slot here is empty), so this buffer can go.
    if (retired.empty()) retired = std::move(slots);
    slots = std::move(bigger);
  }

  // The callback in slot s has returned: destroys it (wherever it ran) and
  // frees the slot.
  void FinishRunning(uint32_t s) {
    if (retired.empty()) {
      slots[s].fn.Reset();
    } else {
      retired[s].fn.Reset();
      retired = std::vector<Slot>();
    }
    running = kNone;
    FreeSlot(s);
  }

  void FreeSlot(uint32_t s) {
    slots[s].state = SlotState::kFree;
    free_slots.push_back(s);
  }

  static uint32_t SlotOf(const detail::QueueEntry& e) {
    return static_cast<uint32_t>(e.order & detail::kSlotMask);
  }

  // The earliest live entry with time <= limit_us (cancelled entries on the
  // way are dropped and their slots freed), or nullptr.
  const detail::QueueEntry* FrontLive(int64_t limit_us) {
    for (;;) {
      const detail::QueueEntry* e = heap.Front(limit_us);
      if (e == nullptr) return nullptr;
      const uint32_t s = SlotOf(*e);
      if (slots[s].state == SlotState::kPending) return e;
      RH_DEBUG_ASSERT(slots[s].state == SlotState::kCancelled);
      heap.Pop();
      --cancelled;
      FreeSlot(s);
    }
  }

  // When more than half the queue is cancelled garbage (timer-heavy models
  // reschedule constantly), rebuild it in O(n) so memory stays bounded.
  void MaybeCompact() {
    if (cancelled < 4096 || cancelled * 2 < heap.size()) return;
    heap.Filter([this](const detail::QueueEntry& e) {
      const uint32_t s = SlotOf(e);
      if (slots[s].state == SlotState::kPending) return true;
      FreeSlot(s);
      return false;
    });
    cancelled = 0;
  }
};

Simulation::Simulation(uint64_t seed)
    : impl_(std::make_unique<Impl>()), recorder_(std::make_unique<Recorder>()), seed_(seed) {}

Simulation::~Simulation() = default;

EventKind Simulation::RegisterKind(std::string_view name) {
  auto it = impl_->kind_by_name.find(name);
  if (it == impl_->kind_by_name.end()) {
    const auto index = static_cast<uint32_t>(impl_->kind_names.size());
    impl_->kind_names.emplace_back(name);
    it = impl_->kind_by_name.emplace(std::string(name), index).first;
  }
  return EventKind{it->second, StableHash(name)};
}

const std::string& Simulation::KindName(EventKind kind) const {
  RH_ASSERT(kind.index < impl_->kind_names.size());
  return impl_->kind_names[kind.index];
}

Callback* Simulation::PrepareSlot(Time at, EventKind kind, uint64_t key, EventId* id) {
  RH_ASSERT(at >= now_);
  Impl& im = *impl_;
  const uint32_t s = im.AllocateSlot();
  Slot& slot = im.slots[s];
  slot.key = key;
  slot.kind_hash = kind.name_hash;
  slot.state = SlotState::kPending;
  const uint64_t seq = im.next_sequence++;
  RH_ASSERT(seq < detail::kMaxSequence);
  im.heap.Push(detail::QueueEntry{at.us, (seq << detail::kSlotBits) | s});
  ++im.live;
  *id = EventId{s, slot.generation};
  return &slot.fn;
}

EventId Simulation::Schedule(Time at, EventKind kind, uint64_t key, Callback fn) {
  RH_ASSERT(fn);
  EventId id;
  *PrepareSlot(at, kind, key, &id) = std::move(fn);
  return id;
}

EventId Simulation::ScheduleIn(Duration delay, EventKind kind, uint64_t key, Callback fn) {
  RH_ASSERT(delay.us >= 0);
  return Schedule(now_ + delay, kind, key, std::move(fn));
}

bool Simulation::Cancel(EventId id) {
  if (!IsPending(id)) return false;
  Impl& im = *impl_;
  Slot& slot = im.slots[id.slot];
  slot.fn.Reset();
  slot.state = SlotState::kCancelled;
  ++slot.generation;
  --im.live;
  ++im.cancelled;
  im.MaybeCompact();
  return true;
}

bool Simulation::IsPending(EventId id) const {
  if (!id.valid() || id.slot >= impl_->slots.size()) return false;
  const Slot& slot = impl_->slots[id.slot];
  return slot.state == SlotState::kPending && slot.generation == id.generation;
}

size_t Simulation::pending() const { return impl_->live; }

Time Simulation::next_time() const {
  const Impl& im = *impl_;
  const int64_t t = im.heap.MinTime([&im](const detail::QueueEntry& e) {
    return im.slots[Impl::SlotOf(e)].state == SlotState::kPending;
  });
  return t == INT64_MAX ? Time::Max() : Time{t};
}

void Simulation::AddObserver(Observer observer) { observers_.push_back(std::move(observer)); }

void Simulation::MixDigest(uint64_t value) {
  digest_ = Mix64(digest_ ^ (value + 0x9E3779B97F4A7C15ULL));
}

// Takes every recorder row due at a boundary s <= up_to_us. now() reads s
// while a sampler runs, so samplers see the time of their row. Sampling
// schedules nothing and touches neither the digest nor sequence numbers.
void Simulation::SampleThrough(int64_t up_to_us) {
  Impl& im = *impl_;
  const int64_t interval = recorder_->sample_interval().us;
  if (interval <= 0) return;
  const Time saved = now_;
  while (im.next_sample_us <= up_to_us) {
    now_ = Time{im.next_sample_us};
    recorder_->Sample(now_);
    im.next_sample_us += interval;
  }
  now_ = saved;
}

// Runs the earliest pending event if its time is <= limit_us. The row of
// sample boundary s reflects every event with time <= s: it is taken just
// before the first event with time > s runs (or when a run ends past s).
bool Simulation::RunOne(int64_t limit_us) {
  Impl& im = *impl_;
  const detail::QueueEntry* front = im.FrontLive(limit_us);
  if (front == nullptr) return false;
  const detail::QueueEntry top = *front;
  RH_ASSERT(top.time_us >= now_.us);
  if (top.time_us > im.next_sample_us) SampleThrough(top.time_us - 1);
  im.heap.Pop();
  const uint32_t s = Impl::SlotOf(top);
  Slot& slot = im.slots[s];
  RH_DEBUG_ASSERT(im.running == Impl::kNone);  // RunOne is not reentrant
  ++slot.generation;  // the running event is no longer pending
  slot.state = SlotState::kRunning;
  im.running = s;
  --im.live;
  // Start loading the next event's slot; the miss overlaps with this callback.
  if (const detail::QueueEntry* next = im.heap.PeekAhead(0)) {
    __builtin_prefetch(&im.slots[Impl::SlotOf(*next)]);
  }
  now_ = Time{top.time_us};
  digest_ = DigestStep(digest_, static_cast<uint64_t>(top.time_us), slot.kind_hash, slot.key);
  ++executed_;
  // Runs in place: the slot is neither free nor pending meanwhile, and if
  // scheduling grows the slab this callable stays put (GrowAroundRunning).
  slot.fn();
  if (!observers_.empty()) {
    for (const Observer& observer : observers_) observer(*this);
  }
  im.FinishRunning(s);
  return true;
}

void Simulation::Run() {
  paused_ = false;
  while (!paused_ && RunOne(INT64_MAX)) {
  }
  if (!paused_) SampleThrough(now_.us);
}

void Simulation::RunUntil(Time until) {
  RH_ASSERT(until >= now_);
  paused_ = false;
  while (!paused_ && RunOne(until.us)) {
  }
  if (paused_) return;
  now_ = until;
  SampleThrough(until.us);
}

bool Simulation::Step() { return RunOne(INT64_MAX); }

}  // namespace rehearsal::sim
