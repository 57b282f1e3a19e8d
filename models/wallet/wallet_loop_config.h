#pragma once
// The plain configuration of the wallet in the loop (issue 7). It mirrors
// scenarios::WalletSpec; the scenario binder maps one to the other. No YAML
// types, no callbacks other than the optional traffic rate.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sim/time.h"

namespace rehearsal::models::wallet {

// How the primary decides a write is acknowledged (shared/spec/wallet.md
// "Replication"): async after the local flush; sync after the k designated
// synchronous standbys (Postgres `FIRST k (...)`) made it durable; quorum
// after any k standbys did (`ANY k (...)`).
enum class ReplicationMode { kAsync, kSync, kQuorum };
const char* ToString(ReplicationMode mode);

// Patroni-like failover settings. Defaults are Patroni's: ttl 30 s,
// loop_wait 10 s, retry_timeout 10 s, maximum_lag_on_failover 1 MiB, and they
// must satisfy loop_wait + 2 * retry_timeout <= ttl (checked by
// ValidatePatroni in patroni_math.h).
struct FailoverConfig {
  sim::Duration ttl = sim::Duration::Seconds(30);
  sim::Duration loop_wait = sim::Duration::Seconds(10);
  sim::Duration retry_timeout = sim::Duration::Seconds(10);
  int64_t maximum_lag_on_failover_bytes = int64_t{1} << 20;
  // synchronous_mode_strict: with no healthy synchronous standby, writes
  // block instead of degrading to asynchronous replication.
  bool synchronous_mode_strict = false;
  // The leader race: each candidate asks the other members for their WAL
  // position over Patroni's REST API; an unreachable member costs this timeout.
  sim::Duration member_check_timeout = sim::Duration::Seconds(2);
  // One round trip to the DCS (etcd / Kubernetes API) to take the leader key.
  sim::Duration dcs_round_trip = sim::Duration::Millis(10);
  // `pg_ctl promote` until the new primary accepts writes.
  sim::Duration promote_time = sim::Duration::Seconds(1);
  // Leader endpoint update -> kube-proxy rules -> clients reconnect.
  sim::Duration reroute_delay = sim::Duration::Seconds(2);
  // Managed-database profile: the whole failover (detection + promotion)
  // takes a uniform draw in [managed_min, managed_max] (RDS Multi-AZ instance
  // failover is documented as 60-120 s).
  bool managed = false;
  sim::Duration managed_min = sim::Duration::Seconds(60);
  sim::Duration managed_max = sim::Duration::Seconds(120);
};

struct WalletLoopConfig {
  std::string service = "wallet";  // the service whose pods host the engines
  ReplicationMode replication = ReplicationMode::kAsync;
  int32_t replicas = 3;             // primary + standbys (pods wallet-0..n-1)
  int32_t sync_count = 1;           // k of sync / quorum
  std::vector<std::string> zones = {"zone-a", "zone-b", "zone-c"};  // pod i -> zones[i % n]
  FailoverConfig failover;

  // Group commit: a batch closes at max_batch operations or max_delay after
  // its first operation, then one fsync; replies are released after it.
  int64_t group_commit_max_batch = 64;
  sim::Duration group_commit_max_delay = sim::Duration::Millis(2);
  sim::Duration fsync_latency = sim::Duration::Micros(800);
  double fsync_jitter_sigma = 0.25;  // lognormal sigma around fsync_latency

  // Links: one-way latency between zones and inside a zone; a lost message is
  // retransmitted (TCP) after link_retransmit, keeping per-link FIFO order.
  sim::Duration replication_latency = sim::Duration::Millis(1);
  sim::Duration same_zone_latency = sim::Duration::Micros(200);
  double link_loss = 0.0;
  sim::Duration link_retransmit = sim::Duration::Millis(200);
  sim::Duration client_latency = sim::Duration::Millis(1);  // provider <-> wallet, one way
  // Re-seeding a new replica from the primary (basebackup): state bytes / this.
  double basebackup_bytes_per_s = 100e6;

  // Players: `players` in the platform, one in `sample_one_in` has its money
  // really moved through the engines (the others are only counted).
  int64_t players = 100000;
  int64_t sample_one_in = 100;
  double bets_per_s = 200;                          // platform-wide, when no rate function
  std::function<double(sim::Time)> bets_per_s_fn;   // e.g. the traffic model's arrival rate
  int32_t providers = 3;
  uint32_t currency = 978;                          // EUR
  int64_t initial_balance_minor = 5000;             // median; lognormal sigma 1
  int64_t stake_minor = 100;                        // median; lognormal sigma 0.8
  double win_probability = 0.3;
  double rtp = 0.96;                                // return to player (mean win / stake)
  double jackpot_share = 0.01;                      // of each stake, to the jackpot pool
  sim::Duration round_time_mean = sim::Duration::Seconds(4);
  double deposit_on_refusal = 0.5;                  // a refused player tops up
  int64_t deposit_minor = 5000;                     // median; lognormal sigma 0.7
  double withdraw_after_win = 0.02;

  // Providers (seamless-wallet callbacks): 300 ms target, retry of the same
  // transaction id when no answer came, rollback after 3-5 s.
  sim::Duration provider_target = sim::Duration::Millis(300);
  sim::Duration provider_retry_after = sim::Duration::Seconds(1);
  sim::Duration rollback_after_min = sim::Duration::Seconds(3);
  sim::Duration rollback_after_max = sim::Duration::Seconds(5);
  // The anti-pattern: a worker retries with a FRESH idempotency key.
  bool retry_with_fresh_key = false;

  // Reconciliation of provider-acknowledged ids against the primary.
  sim::Duration audit_interval = sim::Duration::Seconds(10);
  // How long the engines keep idempotency ids (wallet::LedgerConfig). The
  // spec's default is 180 days; a rehearsal's retries come within seconds,
  // and an hour keeps a day of every-bet traffic in memory (~160 bytes per id
  // per engine).
  sim::Duration idempotency_retention = sim::Duration::Hours(1);

  // ---- The hosted wallet-engine (wallet::Engine on a wallet::SimDisk) ----
  // A write of n bytes takes disk_write_latency + n / disk_bytes_per_s; a
  // flush (fdatasync) takes fsync_latency x lognormal(fsync_jitter_sigma)
  // plus any SlowDisk extra; one I/O at a time per disk, FIFO.
  sim::Duration disk_write_latency = sim::Duration::Micros(20);
  double disk_bytes_per_s = 500e6;
  // The primary engine's heartbeat (empty kAppend) and every engine's Tick.
  // A replica that fell behind (or was just seeded) catches up at the next
  // heartbeat, so sync/quorum acknowledgements may wait up to one of them.
  // Zero = auto: 100 ms for sync/quorum, 1 s for async (~1/3 of the loop's
  // events at 1/100 sampling are heartbeats at 100 ms).
  sim::Duration engine_heartbeat = sim::Duration{};
  // Records each engine keeps for replica catch-up (older: a snapshot install).
  int64_t record_cache_records = 1024;
  // A crashed pod whose disk survived (CrashPod, DamageDisk) restarts after
  // this and recovers from its disk (wallet::Recover).
  sim::Duration restart_delay = sim::Duration::Seconds(10);

  // ---- Backups and point-in-time recovery ----
  // The primary takes a snapshot (base backup) every snapshot_interval; its
  // durable log is copied to the archive every archive_interval (the RPO of a
  // restore from backup); a restore reads archive bytes at restore_bytes_per_s.
  // Example: a 2 GiB archive at 100 MB/s restores in ~21.5 s.
  sim::Duration snapshot_interval = sim::Duration::Hours(1);
  sim::Duration archive_interval = sim::Duration::Minutes(5);
  double restore_bytes_per_s = 100e6;
  // Base backups (snapshots) kept in the archive; older log is dropped there
  // and on the pods' disks (segments before the second-newest snapshot).
  int32_t backups_kept = 2;
};

}  // namespace rehearsal::models::wallet
