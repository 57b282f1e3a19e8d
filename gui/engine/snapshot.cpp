#include "gui/engine/snapshot.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace rehearsal::gui {

double ValueAt(const SeriesRow& row, size_t col) {
  return col < row.values.size() ? row.values[col] : std::numeric_limits<double>::quiet_NaN();
}

const char* ToString(InjectionMode mode) {
  switch (mode) {
    case InjectionMode::kReplayedFromStart: return "exact (replayed from start)";
    case InjectionMode::kDirect: return "direct (not replay-exact)";
    case InjectionMode::kRejected: return "rejected";
  }
  return "?";
}

namespace {

// FNV-1a-64, fed field by field with a separator so ("ab","c") != ("a","bc").
class Hasher {
 public:
  void Bytes(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) {
      h_ ^= b[i];
      h_ *= 1099511628211ULL;
    }
  }
  void U64(uint64_t v) { Bytes(&v, sizeof v); }
  void I64(int64_t v) { Bytes(&v, sizeof v); }
  void Bool(bool v) { U64(v ? 1 : 0); }
  void Str(const std::string& s) {
    U64(s.size());
    Bytes(s.data(), s.size());
  }
  void Double(double v) {
    if (std::isnan(v)) {
      U64(0x7ff8000000000001ULL);  // every NaN (and every missing value) alike
      return;
    }
    uint64_t bits = 0;
    std::memcpy(&bits, &v, sizeof bits);
    U64(bits);
  }
  uint64_t value() const { return h_; }

 private:
  uint64_t h_ = 1469598103934665603ULL;
};

void HashPod(Hasher& h, const PodView& p) {
  h.Str(p.name);
  h.Str(p.workload);
  h.Str(p.phase);
  h.Bool(p.ready);
  h.Bool(p.deleting);
  h.I64(p.cpu_request_millicores);
}

}  // namespace

uint64_t SnapshotDigest(const Snapshot& s) {
  Hasher h;
  h.Str(s.scenario_name);
  h.I64(s.now.us);
  h.I64(s.end.us);
  h.I64(s.sample_interval.us);
  h.U64(s.events);
  h.U64(s.digest);
  h.Bool(s.finished);
  h.U64(s.series_names.size());
  for (const auto& n : s.series_names) h.Str(n);
  h.U64(s.rows.size());
  for (size_t i = 0; i < s.rows.size(); ++i) {
    const SeriesRow& r = s.rows[i];
    h.I64(r.t.us);
    for (size_t c = 0; c < s.series_names.size(); ++c) h.Double(ValueAt(r, c));
  }
  h.U64(s.log.size());
  for (size_t i = 0; i < s.log.size(); ++i) {
    const sim::LogRecord& r = s.log[i];
    h.I64(r.t.us);
    h.Str(r.kind);
    h.Str(r.object);
    h.Str(r.message);
  }
  h.Bool(s.cluster.from_store);
  for (const auto& n : s.cluster.nodes) {
    h.Str(n.name);
    h.Str(n.pool);
    h.Str(n.zone);
    h.Str(n.state);
    h.Bool(n.spot);
    h.Bool(n.cordoned);
    h.Bool(n.spot_notice);
    h.I64(n.cpu_allocatable_millicores);
    h.I64(n.cpu_requested_millicores);
    h.I64(n.memory_allocatable_bytes);
    h.I64(n.memory_requested_bytes);
    for (const auto& p : n.pods) HashPod(h, p);
  }
  for (const auto& p : s.cluster.pending) HashPod(h, p);
  for (const auto& c : s.cluster.pool_counts) {
    h.Str(c.pool);
    h.I64(c.nodes);
  }
  for (const auto& inj : s.injections) {
    h.I64(inj.t.us);
    h.Str(scenarios::ToString(inj.fault.type));
    h.Str(ToString(inj.mode));
    h.Str(inj.message);
  }
  h.Str(s.replay_yaml ? *s.replay_yaml : std::string());
  h.Bool(s.score.started);
  h.I64(s.score.since.us);
  h.Double(s.score.minutes_out_any);
  for (const auto& o : s.score.objectives) {
    h.Str(o.name);
    h.U64(static_cast<uint64_t>(o.status));
    h.Double(o.current);
    h.Double(o.minutes_out);
  }
  return h.value();
}

}  // namespace rehearsal::gui
