// Wallet disk faults and backups bound from a scenario: each disk-fault mode
// reaches the primary's simulated disk, the engines recover as the wallet
// spec says (a torn tail is cut, a failed fsync restarts the engine, a lost
// or flipped write is diagnosed and the pod re-seeded), and the ledger
// invariants and the providers' reconciliation still hold at the end.
#include <gtest/gtest.h>

#include <string>

#include "scenarios/loader.h"
#include "scenarios/run.h"

namespace rehearsal::scenarios {
namespace {

std::string Scenario(const std::string& mode) {
  return R"(name: wallet-disk
duration: 10m
seed: 5
cluster:
  zones: [a, b, c]
  pools:
    - {name: general, cpu: "8", memory: 32Gi, price_per_hour: 0.4, min: 3, max: 3}
services:
  - name: api
    replicas: 3
    resources: {requests: {cpu: 500m, memory: 512Mi}}
    performance: {cpu_per_request: 2ms, concurrency: 32, base_latency: 5ms}
    calls: [{to: wallet, per_request: 1}]
  - name: wallet
    kind: StatefulSet
    replicas: 3
    resources: {requests: {cpu: "1", memory: 1Gi}}
    performance: {cpu_per_request: 1ms, concurrency: 64, base_latency: 2ms}
traffic:
  entry_points:
    - {name: players, service: api, profile: {type: constant, rps: 200}}
wallet:
  replication: sync
  replicas: 3
  players: 20000
  sampling: 10%
  backups: {snapshot_interval: 2m, archive_interval: 1m, restore_bandwidth: 50M}
faults:
  - {type: disk-fault, at: 4m, target: wallet-0, mode: )" + mode + R"(}
)";
}

TEST(WalletFaults, EveryDiskFaultModeIsInjectedAndTheLedgerStaysConsistent) {
  for (const char* mode : {"torn-write", "lost-write", "fsync-error", "full-disk", "bit-flip", "slow-fsync"}) {
    SCOPED_TRACE(mode);
    auto s = LoadScenarioText(Scenario(mode), "wallet-disk.yaml");
    ASSERT_TRUE(s.ok()) << s.errors().front().ToString();
    auto run = RunScenario(*s, RunOptions{});
    ASSERT_TRUE(run.ok());
    const auto& w = run->summary.wallet;
    ASSERT_EQ(run->summary.faults.size(), 1u) << "the fault must be applied, not skipped";
    EXPECT_EQ(run->summary.faults[0].kind, "disk-fault");
    if (std::string(mode) != "slow-fsync") {
      EXPECT_EQ(w.disk_faults, 1u);
    }
    EXPECT_TRUE(w.invariants_ok) << (w.invariant_violations.empty() ? "" : w.invariant_violations.front());
    EXPECT_GT(w.transfers, 0u);
    // Backups ran on the configured schedule: a base backup every 2 minutes and
    // a log archive every minute over 10 minutes; the restore RPO is the
    // archive interval.
    EXPECT_GE(w.snapshots, 3u);
    EXPECT_GE(w.archives, 8u);
    EXPECT_LE(w.archive_rpo_s, 60.0 + 1e-9);
  }
}

TEST(WalletFaults, BackupSettingsAreValidated) {
  std::string text = Scenario("torn-write");
  text.replace(text.find("archive_interval: 1m"), 20, "archive_interval: 0s");
  auto s = LoadScenarioText(text, "wallet-disk.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.errors().front().ToString().find("archive_interval"), std::string::npos)
      << s.errors().front().ToString();
}

}  // namespace
}  // namespace rehearsal::scenarios
