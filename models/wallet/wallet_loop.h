#pragma once
// WalletLoop: the wallet in the loop (issue 7). Every wallet pod hosts one
// real wallet-engine ledger (wallet::Ledger); a primary and standbys spread
// over zones replicate by log shipping of group-committed WAL records over
// simulated links; a Patroni-like lease decides failover; simulated players,
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
#include "wallet-engine/ledger.h"

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
  uint64_t reseeds = 0;              // standbys rebuilt from the primary
  uint64_t duplicate_payouts = 0;    // rounds paid more than once (end of run)
  uint64_t duplicate_charges = 0;    // rounds charged more than once (end of run)
  uint64_t audited_ids = 0;          // provider-acknowledged ids reconciled
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

  // Inspection (tests, GUI).
  int32_t primary() const;                  // -1 when none
  int32_t routed() const;                   // where clients send, -1 when none
  int32_t pods() const;
  bool alive(int32_t ordinal) const;
  const std::string& zone(int32_t ordinal) const;
  uint64_t durable_seq(int32_t ordinal) const;
  // nullptr once the engine's disk is gone and its loss was measured.
  const ::wallet::Ledger* ledger(int32_t ordinal) const;
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
