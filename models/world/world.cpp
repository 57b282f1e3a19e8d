#include "models/world/world.h"

#include <cstdio>

namespace rehearsal::models {

World::World(uint64_t seed, sim::Duration duration, sim::Duration sample_interval)
    : sim_(seed), end_(sim::Time::Zero() + duration) {
  RH_ASSERT(duration.us > 0);
  RH_ASSERT(sample_interval.us > 0);
  sim_.recorder().set_sample_interval(sample_interval);
}

World::~World() {
  // Components may hold references into each other; destroy newest first.
  while (!components_.empty()) components_.pop_back();
}

bool World::RunUntil(sim::Time until) {
  if (finished_) return true;
  sim::Time target = until < end_ ? until : end_;
  sim_.RunUntil(target);
  if (sim_.now() >= end_ && !sim_.paused()) {
    finished_ = true;
    for (auto& c : components_) c->Finish();
  }
  return finished_;
}

RunSummary World::Summarize() const {
  RunSummary s;
  s.seed = sim_.seed();
  s.simulated_s = sim_.now().seconds();
  s.events = sim_.events_executed();
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(sim_.digest()));
  s.digest = hex;
  for (const auto& c : components_) c->Summarize(s);
  return s;
}

}  // namespace rehearsal::models
