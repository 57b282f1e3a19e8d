#pragma once
// The immutable plain-data picture of a run that the worker thread publishes
// and the UI draws. No Qt types: a snapshot is a pure function of the run's
// simulated state at one simulated-time boundary (plus the publication
// counter), so however the UI paces the run, the snapshot at a given simulated
// time is the same. SnapshotDigest() hashes everything except `sequence`; the
// tests compare it across pacings.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gui/engine/frozen_log.h"
#include "scenarios/scenario.h"
#include "sim/recorder.h"
#include "sim/time.h"

namespace rehearsal::gui {

// One recorder row. `values` may be shorter than the snapshot's series_names
// when a series was added after the row was ingested: a missing value is
// "no data" (NaN), exactly as the recorder itself back-fills.
struct SeriesRow {
  sim::Time t;
  std::vector<double> values;
};

// Value of column `col` in `row`, NaN when the row predates the series.
double ValueAt(const SeriesRow& row, size_t col);

struct PodView {
  std::string name;       // "gaming-api-7f3c-2"
  std::string workload;   // "gaming-api"
  std::string phase;      // "Pending", "Running", "Succeeded", "Failed"
  bool ready = false;
  bool deleting = false;
  int64_t cpu_request_millicores = 0;
};

struct NodeView {
  std::string name;       // "general-3"
  std::string pool;
  std::string zone;
  std::string state;      // "Provisioning", "Ready", "NotReady", "Terminated"
  bool spot = false;
  bool cordoned = false;
  bool spot_notice = false;
  int64_t cpu_allocatable_millicores = 0;
  int64_t cpu_requested_millicores = 0;
  int64_t memory_allocatable_bytes = 0;
  int64_t memory_requested_bytes = 0;
  std::vector<PodView> pods;  // bound pods, id order
};

// A pool's node count when the object store is not readable (fallback view).
struct PoolCount {
  std::string pool;
  int64_t nodes = 0;
};

// What the cluster view draws. `from_store` is true when the nodes and pods
// come from the cluster's object store; otherwise only per-pool node counts
// read from the `cluster.nodes.<pool>` series are known.
struct ClusterView {
  bool from_store = false;
  std::vector<NodeView> nodes;          // live nodes, id order
  std::vector<PodView> pending;         // unbound live pods, id order
  std::vector<PoolCount> pool_counts;   // fallback only, series order
};

// How a live injection was applied.
enum class InjectionMode {
  kReplayedFromStart,   // the world was rebuilt from the replay scenario: exact
  kDirect,              // InjectFault on the running world: not provably exact
  kRejected,            // invalid fault or the world refused it (not recorded for replay)
};
const char* ToString(InjectionMode mode);

struct InjectionRecord {
  sim::Time t;                 // simulated time it took effect
  scenarios::Fault fault;      // fault.at == t - 0
  InjectionMode mode = InjectionMode::kRejected;
  std::string message;         // outcome or error text
};

// Per-objective score since the first live injection (see score.h).
struct ObjectiveScore {
  std::string name;
  std::string description;     // "p99 <= 250 ms (gaming-api)"
  enum class Status { kMet, kViolated, kNoData, kEndOfRunOnly } status = Status::kNoData;
  double current = 0;          // last sampled value of the indicator
  double minutes_out = 0;      // simulated minutes out of SLO since the first injection
};

struct ScoreCard {
  bool started = false;                  // a fault was injected
  sim::Time since;                       // first injection
  double minutes_out_any = 0;            // minutes with at least one objective violated
  std::vector<ObjectiveScore> objectives;
};

struct Snapshot {
  uint64_t sequence = 0;                 // publication counter (pacing-dependent; not hashed)
  std::string scenario_name;
  std::string scenario_file;
  sim::Time now;
  sim::Time end;
  sim::Duration sample_interval;
  uint64_t events = 0;
  uint64_t digest = 0;                   // the kernel's running event digest
  bool finished = false;
  std::vector<std::string> series_names;
  FrozenLog<SeriesRow> rows;
  FrozenLog<sim::LogRecord> log;
  ClusterView cluster;
  std::vector<InjectionRecord> injections;
  ScoreCard score;
  // Zones, pools, services and wallet replicas of the scenario (for the
  // game-day panel's choices).
  std::vector<std::string> zones, pools, spot_pools, services;
  bool wallet_enabled = false;
  // The replay file of the session so far (original YAML + accepted live
  // faults); empty when it cannot be written. Shared: it changes only on
  // injections.
  std::shared_ptr<const std::string> replay_yaml;
};

// 64-bit FNV-1a over every field except `sequence`. A missing row value and
// NaN hash the same, so it does not matter whether a row was ingested before
// or after a later series was added.
uint64_t SnapshotDigest(const Snapshot& s);

}  // namespace rehearsal::gui
