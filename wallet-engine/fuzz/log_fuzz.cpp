// libFuzzer: arbitrary bytes as a log segment (and as a snapshot) must be
// decoded without crashing; anything recovery accepts satisfies the ledger
// invariants.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>

#include "wallet-engine/invariants.h"
#include "wallet-engine/wal.h"

using namespace wallet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  (void)ScanSegment(bytes, std::nullopt, std::nullopt);
  DirImage dir;
  dir[SegmentName(0)] = bytes;
  RecoveryResult r = Recover(dir, {});
  if (r.ok) {
    const std::string err = CheckLedgerInvariants(r.ledger, {.check_fold = false});
    if (!err.empty()) {
      std::fprintf(stderr, "recovered state violates: %s\n", err.c_str());
      std::abort();
    }
  }
  DirImage snap;
  snap[SnapshotName(1)] = bytes;
  (void)Recover(snap, {});
  return 0;
}
