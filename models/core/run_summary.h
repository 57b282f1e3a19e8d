#pragma once
// The figures a run produces, as plain data: what summary.json holds (see
// reports/). Each subsystem fills its part; reports serialize it.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rehearsal::models {

struct LatencySummary {
  double p50 = 0, p95 = 0, p99 = 0, mean = 0;  // milliseconds
};

struct ServiceSummary {
  uint64_t requests = 0;
  uint64_t errors = 0;
  double error_rate = 0;       // errors / requests
  LatencySummary latency_ms;
  double availability = 1.0;   // 1 - error_rate, or windowed availability
  std::map<std::string, uint64_t> errors_by_cause;  // "timeout", "overload", ...
  double predicted_utilization = 0;  // analytic baseline (Jackson / Erlang)
  double observed_utilization = 0;
  int64_t replicas_min = 0, replicas_max = 0;
};

struct ClusterSummary {
  int64_t nodes_max = 0;
  int64_t pods_max = 0;
  double node_hours = 0;
  double cost_usd = 0;
  int64_t spot_interruptions = 0;
  int64_t evictions = 0;
  double pending_pod_s = 0;     // pod-seconds spent Pending
  std::map<std::string, double> node_hours_by_pool;
};

struct FailoverSummary {
  double t_s = 0;               // failure time
  std::string cause;
  int64_t rpo_transfers = 0;
  int64_t rpo_amount_minor = 0;
  double rpo_s = 0;
  double rto_s = 0;
  double detection_s = 0, election_s = 0, catchup_s = 0, reroute_s = 0;
  uint64_t bets_refused = 0;      // during the outage (failure -> first ack on the new primary)
  uint64_t bets_rolled_back = 0;
};

struct WalletSummary {
  bool enabled = false;
  std::string replication;      // async | sync | quorum
  uint64_t transfers = 0;
  uint64_t duplicates_rejected = 0;
  uint64_t duplicate_payouts = 0;    // anti-pattern: fresh keys on retry
  uint64_t bets_refused = 0;
  uint64_t rollbacks = 0;
  int64_t rpo_transfers = 0;
  double rpo_s = 0;
  double rto_s = 0;
  bool invariants_ok = true;
  std::vector<std::string> invariant_violations;
  std::string sampling;         // e.g. "1 in 100 players"
  std::vector<FailoverSummary> failovers;
  std::string state_hash;       // hex, of the primary at the end
  // Backups / PITR (models/wallet): archive interval = RPO of a restore.
  uint64_t snapshots = 0;
  uint64_t archives = 0;
  double archive_rpo_s = 0;
  double restore_s = 0;         // restoring the last archive at restore bandwidth
  uint64_t disk_faults = 0;
  uint64_t engine_restarts = 0;
};

struct SloResult {
  std::string name;
  std::string objective;        // human form, e.g. "p99 < 250ms"
  double actual = 0;
  double target = 0;
  bool met = true;
  std::string unit;
};

struct FaultRecord {
  double t_s = 0;
  std::string kind;
  std::string target;
  std::string detail;
};

struct RolloutRecord {
  std::string workload;
  std::string strategy;
  double started_s = 0;
  double finished_s = -1;       // -1: did not finish
  std::string outcome;          // "complete", "progress-deadline-exceeded", "aborted"
};

struct RunSummary {
  std::string scenario_name;
  std::string scenario_file;
  std::string input_digest;     // hex
  uint64_t seed = 0;
  double simulated_s = 0;
  double wall_s = 0;
  uint64_t events = 0;
  std::string digest;           // hex, event-trace fingerprint
  std::string fidelity;
  std::vector<SloResult> slos;
  std::map<std::string, ServiceSummary> services;
  ClusterSummary cluster;
  WalletSummary wallet;
  std::vector<FaultRecord> faults;
  std::vector<RolloutRecord> rollouts;
};

}  // namespace rehearsal::models
