#pragma once
// WalletLoop: the wallet in the loop (issue 7). Every wallet pod hosts one
// real wallet-engine instance (wallet::Engine, sans-I/O) on its own simulated
// disk (wallet::SimDisk, with fault injection); the engines' own replication
// messages travel over simulated links as kernel events; a Patroni-like lease
// decides failover (Engine::CheckPromotion / Promote); simulated players,
// game providers and the cashier send real seamless-wallet operations (bet,
// win, end round, rollback, deposit, withdraw) with idempotency keys to the
// current primary. RPO and RTO are measured on the engines, and the ledger
// invariants are checked after every fault and at the end.
//
// Ownership: World owns it (a Component); it borrows the Simulation, which
// must outlive it. Standalone (tests): construct, StartStandalone(), inject
// faults with FailPod / FailPrimary / FailZone / Partition / SlowDisk. In a
// cluster: register as an EndpointListener; pods of config.service announce
// themselves with kReady (first one bootstraps the primary, later ones are
// re-seeded standbys) and die with kKilled / kTerminating.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/core/endpoints.h"
#include "models/core/run_summary.h"
#include "models/wallet/wallet_loop_config.h"
#include "models/world/world.h"
#include "sim/simulation.h"
#include "wallet-engine/engine.h"
#include "wallet-engine/ledger.h"
#include "wallet-engine/sim_disk.h"

namespace rehearsal::models::wallet {

// One failure of the primary and what it cost, measured on the engines.
struct FailoverRecord {
  sim::Time failed_at;
  std::string cause;
  int32_t old_primary = -1;
  int32_t new_primary = -1;              // -1: nobody could take over (yet)
  sim::Time detected_at = sim::Time::Max();   // a standby saw the lease expired
  sim::Time leader_key_at = sim::Time::Max(); // the race was won
  sim::Time promoted_at = sim::Time::Max();   // catch-up replayed, writable
  sim::Time first_ack_at = sim::Time::Max();  // first acknowledged write on it
  uint64_t old_primary_seq = 0;          // last WAL record of the old primary
  uint64_t new_primary_seq = 0;          // last WAL record the new one held
  // RPO: operations the old primary acknowledged that the new one lacks.
  int64_t rpo_transfers = 0;
  int64_t rpo_amount_minor = 0;
  double rpo_s = 0;                      // failure - first lost operation's commit
  std::vector<::wallet::Id128> lost_ids; // sorted
  // The same loss counted independently from the providers' side:
  // provider-acknowledged ids the promoted engine lacks (-1: not measured).
  int64_t rpo_transfers_provider = -1;
  // During the outage (failure -> first acknowledged write).
  uint64_t bets_refused = 0;
  uint64_t bets_rolled_back = 0;
  bool completed() const { return first_ack_at != sim::Time::Max(); }
};

// Counters of the whole run.
struct WalletLoopStats {
  uint64_t ops_acked = 0;            // replies released by primaries
  uint64_t batches = 0;              // WAL records written by primaries
  uint64_t bets = 0;                 // bet calls started by providers
  uint64_t bets_ok = 0;
  uint64_t bets_refused = 0;         // insufficient funds and other refusals
  uint64_t bets_rolled_back = 0;     // provider gave up and sent a rollback
  uint64_t wins = 0;
  uint64_t wins_failed = 0;          // definitive refusal (e.g. its bet was lost)
  uint64_t deposits = 0;
  uint64_t withdrawals = 0;
  uint64_t retries = 0;              // attempts after the first
  uint64_t slow_replies = 0;         // answered later than provider_target
  uint64_t duplicates_rejected = 0;  // `exists` replies (a retry of an applied id)
  uint64_t requests_dropped = 0;     // sent to a dead or demoted pod
  uint64_t fenced_messages = 0;      // replication records refused for a stale term
  uint64_t reseeds = 0;              // snapshot installs delivered to standbys
  uint64_t duplicate_installs_dropped = 0;  // identical installs of one engine output batch
  uint64_t duplicate_payouts = 0;    // rounds paid more than once (end of run)
  uint64_t duplicate_charges = 0;    // rounds charged more than once (end of run)
  uint64_t audited_ids = 0;          // provider-acknowledged ids reconciled
  uint64_t engine_restarts = 0;      // pods recovered from their own disk
  uint64_t recoveries_failed = 0;    // recovery diagnosed damage: disk wiped, re-seeded
  uint64_t engine_failures = 0;      // engines stopped by an I/O error (fsync, full disk)
  uint64_t reconfigurations = 0;     // primary engine rebuilt for a new sync set / degraded mode
  uint64_t disk_faults = 0;          // DamageDisk calls
  uint64_t snapshots = 0;            // snapshots published by primaries
  uint64_t archives = 0;             // log copies to the backup archive
};

// Disk faults a pod's SimDisk can be given (shared/spec/wallet.md, storage).
enum class DiskFault {
  kTornWrite,   // power loss: unflushed writes kept, dropped or torn; restart recovers
  kLostWrite,   // the next log write reports success but the medium keeps zeros
  kFsyncError,  // the next fdatasync fails: the engine stops, the pod restarts and recovers
  kFullDisk,    // writes fail with ENOSPC until the volume is grown (at restart)
  kBitFlip,     // one bit of the newest durable log segment flips at rest
};
const char* ToString(DiskFault fault);

// Memory the loop holds in its simulated storage, in allocated bytes. Bounded
// by the snapshot schedule (each pod: two snapshots and the log since the
// older; the archive: backups_kept snapshots and the log since the oldest),
// not by the run's length (issue 7).
struct WalletHeldBytes {
  uint64_t disks = 0;          // every pod's SimDisk (SimDisk::HeldBytes)
  uint64_t archive = 0;        // the backup archive's copies
  uint64_t record_caches = 0;  // the engines' catch-up record caches
  uint64_t total() const { return disks + archive + record_caches; }
};

// A point-in-time restore from the backup archive (RestoreFromBackup).
struct PitrResult {
  bool ok = false;
  std::string diagnosis;           // when !ok
  sim::Time target;
  sim::Time archived_at;           // last archive copy used
  uint64_t seq = 0;                // last record restored
  uint64_t state_hash = 0;         // of the restored ledger
  uint64_t recorded_state_hash = 0;  // the log's recorded hash at seq
  uint64_t archive_bytes = 0;
  double restore_s = 0;            // archive_bytes / restore_bytes_per_s
  ::wallet::Ledger ledger;         // the restored state
};

// A provider-side record of one acknowledged operation (tests keep them).
struct AckedOp {
  ::wallet::Id128 id;
  sim::Time at;
};

class WalletLoop : public Component, public EndpointListener {
 public:
  // REQUIRES: config.replicas >= 1, zones not empty, sample_one_in >= 1,
  // CheckFailoverConfig(config.failover) == "".
  WalletLoop(sim::Simulation& sim, WalletLoopConfig config);
  ~WalletLoop() override;
  WalletLoop(const WalletLoop&) = delete;
  WalletLoop& operator=(const WalletLoop&) = delete;

  // Creates config.replicas pods now (pod i in zones[i % zones.size()], node
  // i + 1), pod 0 the primary, the same genesis on every engine, and starts
  // the players. REQUIRES: no pod yet.
  void StartStandalone();
  // Starts the players only (cluster mode: pods arrive by OnEndpointChange).
  void StartTraffic();

  // Cluster seam: pods of config.service only; others are ignored.
  void OnEndpointChange(const EndpointInfo& endpoint, EndpointChange change,
                        sim::Time now) override;

  // Faults. A failed pod loses its engine and disk (node or zone loss).
  void FailPod(int32_t ordinal, const std::string& cause);
  void FailPrimary(const std::string& cause = "wallet-primary-loss");
  void FailZone(const std::string& zone);
  void FailNode(NodeId node);
  // Replication messages between the two zones wait until the partition heals.
  void Partition(const std::string& zone_a, const std::string& zone_b, sim::Duration duration);
  // fsync on the pod's disk takes `extra` longer for `duration`.
  void SlowDisk(int32_t ordinal, sim::Duration extra, sim::Duration duration);
  // Power loss of a pod whose disk survives: unflushed writes are kept,
  // dropped or torn (SimDisk::Crash); after `restart_after` the pod recovers
  // from its disk (wallet::Recover) and rejoins (as primary again when no
  // standby took over meanwhile). Damage found by recovery is reported, the
  // disk is wiped and the engine re-seeded from the primary.
  void CrashPod(int32_t ordinal, sim::Duration restart_after, const std::string& cause = "power loss");
  // Injects one disk fault into the pod's SimDisk (see DiskFault).
  void DamageDisk(int32_t ordinal, DiskFault fault);
  // Restores the backup archive to `target` (snapshot + archived log,
  // wallet::Recover with a stop timestamp) without touching the pods.
  PitrResult RestoreFromBackup(sim::Time target) const;
  // When the archive was last copied (Time::Max(): never).
  sim::Time last_archive_at() const;
  // Bytes held by the pods' disks, the archive and the record caches now.
  WalletHeldBytes held_bytes() const;

  // Inspection (tests, GUI).
  int32_t primary() const;                  // -1 when none
  int32_t routed() const;                   // where clients send, -1 when none
  int32_t pods() const;
  bool alive(int32_t ordinal) const;
  const std::string& zone(int32_t ordinal) const;
  uint64_t durable_seq(int32_t ordinal) const;
  // nullptr while the pod is down or once its disk is gone.
  const ::wallet::Ledger* ledger(int32_t ordinal) const;
  const ::wallet::Engine* engine(int32_t ordinal) const;
  const ::wallet::SimDisk* disk(int32_t ordinal) const;
  const std::vector<FailoverRecord>& failovers() const;
  const WalletLoopStats& stats() const;
  bool invariants_ok() const;
  const std::vector<std::string>& violations() const;
  const WalletLoopConfig& config() const;
  int64_t sampled_players() const;

  // Keeps every provider-acknowledged id (memory grows with the run; tests).
  void set_keep_acked_ids(bool keep);
  const std::vector<AckedOp>& acked_ops() const;
  // Called right after each promotion, with the record (RPO filled).
  void set_promotion_observer(std::function<void(const FailoverRecord&)> observer);

  // Runs the engines' invariant checks now (every live engine, replica
  // consistency, reconciliation); records violations with `when`.
  void CheckNow(const std::string& when);

  void Finish() override;
  void Summarize(RunSummary& summary) const override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rehearsal::models::wallet
