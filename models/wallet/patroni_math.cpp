#include "models/wallet/patroni_math.h"

#include <algorithm>
#include <functional>

#include "sim/assert.h"

namespace rehearsal::models::wallet {

const char* ToString(ReplicationMode mode) {
  switch (mode) {
    case ReplicationMode::kAsync: return "async";
    case ReplicationMode::kSync: return "sync";
    case ReplicationMode::kQuorum: return "quorum";
  }
  return "?";
}

const char* ToString(Eligibility e) {
  switch (e) {
    case Eligibility::kEligible: return "eligible";
    case Eligibility::kDead: return "dead";
    case Eligibility::kUnreachable: return "unreachable";
    case Eligibility::kLagTooHigh: return "lag-too-high";
    case Eligibility::kNotSyncStandby: return "not-sync-standby";
    case Eligibility::kQuorumNotReached: return "quorum-not-reached";
  }
  return "?";
}

std::string CheckFailoverConfig(const FailoverConfig& config) {
  if (config.ttl.us <= 0) return "ttl must be positive";
  if (config.loop_wait.us <= 0) return "loop_wait must be positive";
  if (config.retry_timeout.us < 0) return "retry_timeout must not be negative";
  if (config.loop_wait + config.retry_timeout * 2 > config.ttl)
    return "loop_wait + 2 * retry_timeout must be <= ttl (Patroni), got " +
           sim::FormatDuration(config.loop_wait) + " + 2 * " +
           sim::FormatDuration(config.retry_timeout) + " > " + sim::FormatDuration(config.ttl);
  if (config.maximum_lag_on_failover_bytes < 0) return "maximum_lag_on_failover must be >= 0";
  if (config.managed && config.managed_min > config.managed_max)
    return "managed failover: min must be <= max";
  return "";
}

sim::Time NextLoopAt(sim::Time phase, sim::Duration loop_wait, sim::Time t) {
  RH_ASSERT(loop_wait.us > 0);
  RH_ASSERT(phase <= t);
  const int64_t since = (t - phase).us;
  const int64_t k = (since + loop_wait.us - 1) / loop_wait.us;
  return phase + loop_wait * k;
}

sim::Time LastRenewalAt(sim::Time phase, sim::Duration loop_wait, sim::Time t) {
  RH_ASSERT(loop_wait.us > 0);
  RH_ASSERT(phase <= t);
  const int64_t k = (t - phase).us / loop_wait.us;
  return phase + loop_wait * k;
}

DetectionWindow DetectionBounds(const FailoverConfig& config) {
  return {config.ttl - config.loop_wait, config.ttl + config.loop_wait};
}

ElectionResult Elect(const ElectionInput& in) {
  ElectionResult out;
  out.eligibility.assign(in.candidates.size(), Eligibility::kEligible);
  int32_t reachable = 0;
  for (const auto& c : in.candidates)
    if (c.alive && c.reachable) ++reachable;
  const bool quorum = in.mode == ReplicationMode::kQuorum;
  const bool sync_rule = in.mode == ReplicationMode::kSync && !in.sync_set_empty;
  const bool quorum_ok = !quorum || reachable >= in.quorum_standbys - in.sync_count + 1;
  for (size_t i = 0; i < in.candidates.size(); ++i) {
    const CandidateView& c = in.candidates[i];
    Eligibility& e = out.eligibility[i];
    if (!c.alive) {
      e = Eligibility::kDead;
    } else if (!c.reachable) {
      e = Eligibility::kUnreachable;
    } else if (sync_rule && !c.in_sync_set) {
      e = Eligibility::kNotSyncStandby;
    } else if (!quorum_ok) {
      e = Eligibility::kQuorumNotReached;
    } else if (!sync_rule && !quorum &&
               in.leader_optime_bytes - c.durable_bytes > in.maximum_lag_bytes) {
      e = Eligibility::kLagTooHigh;
    }
  }
  for (size_t i = 0; i < in.candidates.size(); ++i) {
    if (out.eligibility[i] != Eligibility::kEligible) continue;
    const CandidateView& c = in.candidates[i];
    if (out.winner < 0) {
      out.winner = static_cast<int32_t>(i);
      continue;
    }
    const CandidateView& best = in.candidates[static_cast<size_t>(out.winner)];
    if (c.durable_seq > best.durable_seq ||
        (c.durable_seq == best.durable_seq && c.index < best.index))
      out.winner = static_cast<int32_t>(i);
  }
  if (out.winner >= 0) out.winner = in.candidates[static_cast<size_t>(out.winner)].index;
  return out;
}

uint64_t ReleasableSeq(const AckInput& in) {
  uint64_t seq = in.local_durable_seq;
  switch (in.mode) {
    case ReplicationMode::kAsync:
      break;
    case ReplicationMode::kSync:
      if (in.sync_set_acks.empty()) {
        if (in.strict) seq = 0;
      } else {
        for (uint64_t a : in.sync_set_acks) seq = std::min(seq, a);
      }
      break;
    case ReplicationMode::kQuorum: {
      RH_ASSERT(in.sync_count >= 1);
      std::vector<uint64_t> acks = in.standby_acks;
      const auto k = static_cast<size_t>(in.sync_count);
      if (acks.size() < k) {
        seq = (acks.empty() && !in.strict) ? seq : 0;
        if (!acks.empty() && !in.strict) {
          // Fewer standbys than k: Patroni lowers k to the standbys it has.
          std::sort(acks.begin(), acks.end(), std::greater<>());
          seq = std::min(seq, acks.back());
        }
      } else {
        std::sort(acks.begin(), acks.end(), std::greater<>());
        seq = std::min(seq, acks[k - 1]);
      }
      break;
    }
  }
  return std::max(seq, in.acked_seq);
}

}  // namespace rehearsal::models::wallet
