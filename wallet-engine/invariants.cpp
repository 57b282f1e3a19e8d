#include "wallet-engine/invariants.h"

#include <map>
#include <set>
#include <utility>

#include "wallet-engine/id_map.h"

namespace wallet {

namespace {
__extension__ typedef __int128 I128;

struct Folded {
  I128 debits_pending = 0, debits_posted = 0, credits_pending = 0, credits_posted = 0;
};
}  // namespace

std::string CheckLedgerInvariants(const Ledger& l, InvariantOptions options) {
  // 1 + 3.
  std::map<uint32_t, Folded> per_ledger;
  for (const Account& a : l.accounts()) {
    Folded& f = per_ledger[a.ledger];
    f.debits_pending += a.debits_pending;
    f.debits_posted += a.debits_posted;
    f.credits_pending += a.credits_pending;
    f.credits_posted += a.credits_posted;
    if (a.debits_pending < 0 || a.debits_posted < 0 || a.credits_pending < 0 || a.credits_posted < 0)
      return "negative counter on account " + ToString(a.id);
    if ((a.flags & kDebitsMustNotExceedCredits) &&
        static_cast<I128>(a.debits_posted) + a.debits_pending > a.credits_posted)
      return "invariant 3: account " + ToString(a.id) + " overdrawn";
    if ((a.flags & kCreditsMustNotExceedDebits) &&
        static_cast<I128>(a.credits_posted) + a.credits_pending > a.debits_posted)
      return "invariant 3: account " + ToString(a.id) + " credits exceed debits";
  }
  for (const auto& [ledger, f] : per_ledger) {
    if (f.debits_posted != f.credits_posted)
      return "invariant 1: posted debits != credits in ledger " + std::to_string(ledger);
    if (f.debits_pending != f.credits_pending)
      return "invariant 1: pending debits != credits in ledger " + std::to_string(ledger);
  }
  // 4 + 5 + 2. Ids and resolution counts go to open-addressing maps (a
  // std::set of millions of ids took minutes at the end of a peak hour); the
  // fold, round counters and tombstones are only gathered when checked.
  IdMap ids;
  bool zero_id_seen = false;
  std::map<Id128, Folded> fold;
  IdMap resolutions;  // pending id or bet id -> times resolved
  auto resolve = [&](const Id128& ref) {  // returns the new count
    if (ref.IsZero()) return uint64_t{1};  // never looked up: FindEntry(0) finds nothing
    if (uint64_t* n = resolutions.Find(ref)) return ++*n;
    resolutions.Insert(ref, 1);
    return uint64_t{1};
  };
  std::set<Id128> tombstones;
  std::vector<Id128> tombstone_rollback_refs;
  std::map<Id128, std::pair<uint32_t, uint32_t>> round_counts;  // round key -> bets, rolled back
  uint64_t last_ts = 0;
  bool first = true;
  std::string err;
  auto move = [&](const Id128& debit, const Id128& credit, int64_t amount, bool pending) {
    if (amount == 0 || !options.check_fold) return;
    if (pending) {
      fold[debit].debits_pending += amount;
      fold[credit].credits_pending += amount;
    } else {
      fold[debit].debits_posted += amount;
      fold[credit].credits_posted += amount;
    }
  };
  l.ForEachEntry([&](const IndexEntry& e) {
    if (!err.empty()) return;
    const Op& b = e.body;
    const bool fresh = b.id.IsZero() ? !std::exchange(zero_id_seen, true) : ids.Insert(b.id, 0);
    if (!fresh) err = "invariant 4: id " + ToString(b.id) + " twice";
    if (!first && e.timestamp < last_ts) err = "timestamps not increasing at " + ToString(b.id);
    first = false;
    last_ts = e.timestamp;
    if (e.state == EntryState::kTombstone) {
      if (options.check_fold) tombstones.insert(b.id);
      return;
    }
    if (e.result != Result::kOk && e.result != Result::kRoundAlreadyClosed) {
      if (e.result == Result::kOkTombstone && options.check_fold)
        tombstone_rollback_refs.push_back(b.ref_id);
      return;
    }
    const uint32_t c = b.ledger;
    switch (b.kind) {
      case OpKind::kCreateAccount: err = "account op in the transfer index"; break;
      case OpKind::kTransfer:
        if (b.flags & kPending) {
          if (e.state == EntryState::kPendingOpen)
            move(b.debit_account_id, b.credit_account_id, b.amount, true);
          if (e.state == EntryState::kBetApplied) err = "pending entry in bet state";
        } else if (b.flags & (kPostPending | kVoidPending)) {
          const IndexEntry* p = l.FindEntry(b.ref_id);
          if (!p) {
            if (options.check_fold) err = "post/void without its pending transfer";
            return;
          }
          if (resolve(b.ref_id) > 1) err = "invariant 5: pending resolved twice";
          const EntryState want = (b.flags & kPostPending) ? EntryState::kPendingPosted
                                                            : EntryState::kPendingVoided;
          if (p->state != want) err = "invariant 5: pending state does not match its resolution";
          if (b.flags & kPostPending)
            move(p->body.debit_account_id, p->body.credit_account_id, e.leg_real, false);
        } else {
          move(b.debit_account_id, b.credit_account_id, b.amount, false);
        }
        break;
      case OpKind::kBet: {
        const Id128 house = HouseAccountId(b.provider, c);
        move(PlayerAccountId(b.player_id, c, AccountKind::kPlayerReal), house, e.leg_real, false);
        move(PlayerAccountId(b.player_id, c, AccountKind::kPlayerBonus), house, e.leg_bonus, false);
        move(house, PoolAccountId(AccountKind::kJackpotPool, c), b.amount_jackpot, false);
        if (e.leg_real + e.leg_bonus != b.amount) err = "bet legs do not add up to the amount";
        if (options.check_fold) {
          auto& rc = round_counts[Ledger::RoundKey(b.provider, b.round_id)];
          rc.first++;
          if (e.state == EntryState::kBetRolledBack) rc.second++;
        }
        break;
      }
      case OpKind::kRollback: {
        const Id128 house = HouseAccountId(b.provider, c);
        move(house, PlayerAccountId(b.player_id, c, AccountKind::kPlayerReal), e.leg_real, false);
        move(house, PlayerAccountId(b.player_id, c, AccountKind::kPlayerBonus), e.leg_bonus, false);
        const IndexEntry* bet = l.FindEntry(b.ref_id);
        if (bet && bet->result == Result::kOk) {
          if (resolve(b.ref_id) > 1) err = "invariant 5: bet rolled back twice";
          if (bet->state != EntryState::kBetRolledBack) err = "invariant 5: rollback without state";
          if (bet->leg_real != e.leg_real || bet->leg_bonus != e.leg_bonus)
            err = "rollback amounts differ from the bet";
        }
        break;
      }
      case OpKind::kWin: {
        Id128 source = HouseAccountId(b.provider, c);
        if (b.code == static_cast<uint32_t>(WinSource::kJackpot))
          source = PoolAccountId(AccountKind::kJackpotPool, c);
        if (b.code == static_cast<uint32_t>(WinSource::kPromo))
          source = PoolAccountId(AccountKind::kPromoBudget, c);
        move(source, PlayerAccountId(b.player_id, c, AccountKind::kPlayerReal), b.amount, false);
        const Round* r = l.FindRound(b.provider, b.round_id);
        if (!r || !r->settled) err = "win on a round not marked settled";
        break;
      }
      case OpKind::kEndRound: {
        const Round* r = l.FindRound(b.provider, b.round_id);
        // A late end round (round_already_closed) may outlive its round,
        // which left the state with the entry that closed it (retention).
        if (r ? !r->closed : e.result != Result::kRoundAlreadyClosed)
          err = "end round left the round open";
        break;
      }
      case OpKind::kDeposit:
        move(PoolAccountId(AccountKind::kPspClearing, c),
             PlayerAccountId(b.player_id, c, AccountKind::kPlayerReal), b.amount, false);
        break;
      case OpKind::kWithdraw:
        move(PlayerAccountId(b.player_id, c, AccountKind::kPlayerReal),
             PoolAccountId(AccountKind::kPspClearing, c), b.amount, false);
        break;
      case OpKind::kBonusGrant:
        move(PoolAccountId(AccountKind::kPromoBudget, c),
             PlayerAccountId(b.player_id, c, AccountKind::kPlayerBonus), b.amount, false);
        break;
    }
  });
  if (!err.empty()) return err;
  for (const Id128& ref : tombstone_rollback_refs)
    if (options.check_fold && !tombstones.count(ref))
      return "invariant 5: rollback-before-bet left no tombstone";
  if (options.check_fold) {
    for (const Account& a : l.accounts()) {
      const Folded& f = fold[a.id];
      if (f.debits_pending != a.debits_pending || f.debits_posted != a.debits_posted ||
          f.credits_pending != a.credits_pending || f.credits_posted != a.credits_posted)
        return "invariant 2: balance of " + ToString(a.id) + " differs from the fold";
      fold.erase(a.id);
    }
    for (const auto& [id, f] : fold)
      if (f.debits_posted != 0 || f.credits_posted != 0 || f.debits_pending != 0 ||
          f.credits_pending != 0)
        return "invariant 2: money moved on unknown account " + ToString(id);
    for (const Round& r : l.rounds()) {
      const auto it = round_counts.find(r.key);
      const uint32_t bets = it == round_counts.end() ? 0 : it->second.first;
      const uint32_t rb = it == round_counts.end() ? 0 : it->second.second;
      if (r.bets != bets || r.rolled_back != rb) return "round counters differ from the index";
    }
  }
  if (l.StateHash() != l.ComputeStateHash()) return "incremental state hash drifted";
  return "";
}

}  // namespace wallet
