#include "governance/counters.hpp"

#include <algorithm>
#include <deque>
#include <limits>

namespace modelmux::governance {

namespace {
constexpr double kEpsilon = 1e-12;         // USD amounts are sums of products: equal within rounding is equal
constexpr std::size_t kSpareHolds = 1024;  // settled reservations kept for reuse at most
}  // namespace

std::string_view to_string(Meter m) {
  switch (m) {
    case Meter::usd:
      return "usd";
    case Meter::requests:
      return "requests";
    case Meter::tokens:
      return "tokens";
    case Meter::parallel:
      return "parallel";
  }
  return "usd";
}

// Admissions in the last 60 s, oldest first, with what they took (1 for requests; tokens, settled to the
// actual count, for tokens), one entry per millisecond that admitted anything. At most the limit is
// admitted in any 60 s: an entry leaves exactly 60 s after it came, and nothing is admitted while the
// entries still inside hold the limit. The clock counts milliseconds, so admissions of one millisecond
// leave together and one entry for them is exact; it bounds the window's memory by the milliseconds of a
// minute instead of by the requests (an entry per request held 60 s of them: ~16 MB a window at 17k
// requests a second, growing a page at a time). Entries are numbered in the order they came, so a
// settlement finds its own at once, without a search through a minute of them.
struct LocalCounters::Window {
  struct Entry {
    Millis at;
    std::int64_t amount;
  };
  std::deque<Entry> entries;
  std::uint64_t first = 0;  // the number of entries.front(): how many have left so far
  std::int64_t total = 0;

  void evict(Millis now) {
    while (!entries.empty() && entries.front().at <= now - kWindow) {
      total -= entries.front().amount;
      entries.pop_front();
      ++first;
    }
  }
  // Admits `amount` now; returns the number of the entry that holds it. (`now` never goes back: the
  // caller keeps its clock monotonic.)
  std::uint64_t add(Millis now, std::int64_t amount) {
    if (entries.empty() || entries.back().at != now) entries.push_back({now, 0});
    entries.back().amount += amount;
    total += amount;
    return first + entries.size() - 1;
  }
  // How long until `amount` more fits under `limit`: until enough of the oldest entries have left.
  Millis wait_for(std::int64_t amount, std::int64_t limit, Millis now) const {
    std::int64_t excess = total + amount - limit;
    for (const auto& e : entries) {
      excess -= e.amount;
      if (excess <= 0) return std::max<Millis>(1, e.at + kWindow - now);
    }
    return kWindow;
  }
  // An admission in entry `n` took `took`, and has turned out to be `actual`, if the entry is still inside.
  void settle(std::uint64_t n, std::int64_t took, std::int64_t actual) {
    if (n < first || n - first >= entries.size()) return;  // already out of the window
    entries[n - first].amount += actual - took;
    total += actual - took;
  }
};

// One reservation: what it holds, where, until when.
struct LocalCounters::Held {
  struct BudgetHold {
    Budget* budget;
    std::string_view counter;  // the map's key
    Millis period_start;
    double limit;
    std::optional<double> soft;
  };
  bool live = false;  // its slot holds a reservation not yet settled (nor swept)
  Millis expires = 0;
  bool expired = false;  // its lease ran out: nothing is reserved any more, but a settlement still charges
  double usd = 0;
  std::int64_t tokens = 0;
  boost::container::small_vector<BudgetHold, 6> budgets;
  boost::container::small_vector<std::pair<Window*, std::uint64_t>, 6> token_windows;  // and its number
  boost::container::small_vector<Gauge*, 6> gauges;
};

LocalCounters::LocalCounters(Load load) : load_(std::move(load)) {}
LocalCounters::~LocalCounters() = default;

std::pair<const std::string, LocalCounters::Cells>& LocalCounters::cells_locked(std::string_view counter) {
  Recent& r = recent_[(reinterpret_cast<std::uintptr_t>(counter.data()) >> 3) % recent_.size()];
  if (r.entry && r.data == counter.data() && r.entry->first == counter) return *r.entry;  // (empty: no entry)
  auto it = counters_.find(counter);
  if (it == counters_.end()) it = counters_.try_emplace(std::string(counter)).first;
  r = {counter.data(), &*it};
  return *it;
}

LocalCounters::Budget& LocalCounters::budget_locked(std::pair<const std::string, Cells>& cells, Period period,
                                                    Millis at) {
  Budget& b = cells.second.budget;
  bool other_kind = b.period != period;  // an administrator changed the budget's period (month to total)
  if (other_kind || at < b.from_ms || at >= b.until_ms) {
    b.period = period;
    b.from_ms = period_start(period, at / 1000) * 1000;
    b.until_ms =
        period == Period::total ? std::numeric_limits<Millis>::max() : period_end(period, at / 1000) * 1000;
  }
  if (b.period_start < b.from_ms || (other_kind && b.period_start != b.from_ms)) {
    // First sight, a new period, or a period of another kind: what the store has for it (reservations of
    // the old period charge the old period when they settle).
    b.spent = load_ ? load_(cells.first, b.from_ms) : 0;
    b.reserved = 0;
    b.period_start = b.from_ms;
  }
  return b;
}

std::expected<Grant, Refusal> LocalCounters::reserve(const Ask& ask, Millis now, Millis lease) {
  std::unique_lock lk(mu_);
  // Threads read the clock before they take the lock: windows stay in time order whatever the order.
  now = last_now_ = std::max(now, last_now_);
  sweep(now);
  const std::size_t n = ask.claims.size();
  boost::container::small_vector<void*, 8> state(n);
  boost::container::small_vector<std::string_view, 8> keys(n);  // the maps' own copies of the names
  double room = std::numeric_limits<double>::infinity();
  std::size_t usd_claims = 0;
  RateState requests, tokens;
  auto tighten = [](RateState& r, std::int64_t limit, std::int64_t remaining, Millis reset_in) {
    if (r.set && r.remaining <= remaining) return;
    r = {true, limit, remaining, reset_in};
  };
  // Claims on one counter come together (a key's rpm, tpm and parallel): one look-up for them, and no
  // comparison of the name when the claim names it with the same string as the claim before (the names
  // live as long as this call, so the same characters are the same name).
  std::pair<const std::string, Cells>* cells = nullptr;
  std::string_view found_by;
  for (std::size_t i = 0; i < n; ++i) {
    const Claim& c = ask.claims[i];
    Refusal no{.claim = i, .meter = c.meter, .limit = c.limit};
    if (!cells || c.counter.data() != found_by.data() || c.counter.size() != found_by.size()) {
      if (!cells || cells->first != c.counter) cells = &cells_locked(c.counter);
      found_by = c.counter;
    }
    keys[i] = cells->first;
    switch (c.meter) {
      case Meter::usd: {
        Budget& b = budget_locked(*cells, c.period, ask.at);
        double avail = c.limit - b.spent - b.reserved;
        if (avail <= kEpsilon || avail + kEpsilon < ask.usd_min) {
          no.remaining = std::max(0.0, avail);
          no.resets_at = b.resets_at();
          return std::unexpected(no);
        }
        ++usd_claims;
        room = std::min(room, avail);
        state[i] = &b;
        break;
      }
      case Meter::requests:
      case Meter::tokens: {
        bool req = c.meter == Meter::requests;
        auto& owner = req ? cells->second.requests : cells->second.tokens;
        if (!owner) owner = std::make_unique<Window>();
        Window& w = *owner;
        w.evict(now);
        auto limit = static_cast<std::int64_t>(c.limit);
        std::int64_t amount = req ? 1 : ask.tokens;
        if (amount > limit) {
          no.never = true;
          no.retry_after = kWindow;
          return std::unexpected(no);
        }
        if (w.total + amount > limit) {
          no.remaining = static_cast<double>(std::max<std::int64_t>(0, limit - w.total));
          no.retry_after = w.wait_for(amount, limit, now);
          return std::unexpected(no);
        }
        tighten(req ? requests : tokens, limit, limit - w.total - amount, kWindow);
        state[i] = &w;
        break;
      }
      case Meter::parallel: {
        Gauge& g = cells->second.gauge;
        if (g.in_flight + 1 > static_cast<std::int64_t>(c.limit)) {
          // When a request in flight ends is not known: a second is a fair wait.
          no.retry_after = 1000;
          return std::unexpected(no);
        }
        state[i] = &g;
        break;
      }
    }
  }
  // Everything fits: take it.
  std::uint32_t slot;
  if (!spare_.empty()) {
    slot = spare_.back();
    spare_.pop_back();
  } else if (!bare_.empty()) {
    slot = bare_.back();
    bare_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(holds_.size());
    holds_.emplace_back();
    uses_.push_back(0);
  }
  if (!holds_[slot]) holds_[slot] = std::make_unique<Held>();
  if (++uses_[slot] == 0) uses_[slot] = 1;  // (an id is never 0)
  const std::uint64_t id = std::uint64_t{uses_[slot]} << 32 | slot;
  Held* held = holds_[slot].get();
  held->live = true;
  held->expires = now + lease;
  held->usd = usd_claims ? std::min(ask.usd_max, room) : ask.usd_max;
  held->tokens = ask.tokens;
  Grant grant{.id = id, .usd = held->usd, .requests = requests, .tokens = tokens};
  grant.budgets.reserve(usd_claims);  // (one allocation, not one per growth)
  for (std::size_t i = 0; i < n; ++i) {
    const Claim& c = ask.claims[i];
    switch (c.meter) {
      case Meter::usd: {
        auto* b = static_cast<Budget*>(state[i]);
        b->reserved += held->usd;
        held->budgets.push_back({b, keys[i], b->period_start, c.limit, c.soft});
        grant.budgets.emplace_back(keys[i], b->period_start);
        break;
      }
      case Meter::requests:
      case Meter::tokens: {
        auto* w = static_cast<Window*>(state[i]);
        std::int64_t amount = c.meter == Meter::requests ? 1 : ask.tokens;
        std::uint64_t number = w->add(now, amount);
        if (c.meter == Meter::tokens) held->token_windows.emplace_back(w, number);
        break;
      }
      case Meter::parallel: {
        auto* g = static_cast<Gauge*>(state[i]);
        ++g->in_flight;
        held->gauges.push_back(g);
        break;
      }
    }
  }
  return grant;
}

void LocalCounters::release(Held& h, bool charge, double usd, std::vector<Alert>* alerts) {
  for (auto& bh : h.budgets) {
    Budget& b = *bh.budget;
    bool same_period = b.period_start == bh.period_start;
    if (!h.expired && same_period) b.reserved = std::max(0.0, b.reserved - h.usd);
    if (!charge || !same_period) continue;
    double before = b.spent;
    b.spent += usd;
    if (alerts && bh.soft && before < *bh.soft && b.spent >= *bh.soft)
      alerts->push_back({std::string(bh.counter), b.spent, *bh.soft, bh.limit});
  }
  if (!h.expired)
    for (Gauge* g : h.gauges) --g->in_flight;
}

std::vector<Alert> LocalCounters::settle(std::span<const Settlement> all, Millis now) {
  std::vector<Alert> alerts;
  std::lock_guard lk(mu_);
  sweep(now);
  for (const auto& s : all) settle_locked(s, alerts);
  return alerts;
}

void LocalCounters::settle_locked(const Settlement& s, std::vector<Alert>& alerts) {
  const auto slot = static_cast<std::uint32_t>(s.grant);
  if (slot >= holds_.size() || uses_[slot] != s.grant >> 32 || !holds_[slot] || !holds_[slot]->live) return;
  Held& h = *holds_[slot];
  release(h, true, s.usd, &alerts);
  for (auto [w, number] : h.token_windows) w->settle(number, h.tokens, s.tokens);
  free_hold(slot);
}

void LocalCounters::free_hold(std::uint32_t slot) {
  Held& h = *holds_[slot];
  // Cleared for the next reservation (its small vectors keep no heap memory: they hold at most 6 inline).
  // Field by field: assigning a fresh Held copies the vectors' whole inline storage.
  h.live = false;
  h.budgets.clear();
  h.token_windows.clear();
  h.gauges.clear();
  h.expired = false;
  if (spare_.size() < kSpareHolds) {
    spare_.push_back(slot);
  } else {
    holds_[slot].reset();
    bare_.push_back(slot);
  }
}

void LocalCounters::sweep(Millis now) {
  if (now < next_sweep_) return;
  next_sweep_ = now + 1000;
  for (std::uint32_t slot = 0; slot < holds_.size(); ++slot) {
    if (!holds_[slot] || !holds_[slot]->live) continue;
    Held& h = *holds_[slot];
    if (!h.expired && h.expires <= now) {
      // The lease ran out: what it reserved goes back; a late settlement still charges what was spent.
      release(h, false, 0, nullptr);
      h.expired = true;
    }
    // Long after its lease, nobody will settle it.
    if (h.expired && h.expires + 10 * kWindow <= now) free_hold(slot);
  }
}

BudgetState LocalCounters::budget(std::string_view counter, Period period, Millis at) {
  std::lock_guard lk(mu_);
  Budget& b = budget_locked(cells_locked(counter), period, at);
  return {b.spent, b.reserved, b.period_start, b.resets_at()};
}

std::size_t LocalCounters::outstanding() const {
  std::lock_guard lk(mu_);
  std::size_t n = 0;
  for (const auto& h : holds_) n += h && h->live && !h->expired;
  return n;
}

std::size_t LocalCounters::kept_holds() const {
  std::lock_guard lk(mu_);
  return spare_.size();
}

std::size_t LocalCounters::window_entries(std::string_view counter) const {
  std::lock_guard lk(mu_);
  std::size_t n = 0;
  if (auto it = counters_.find(counter); it != counters_.end())
    for (const auto* w : {it->second.requests.get(), it->second.tokens.get()})
      if (w) n += w->entries.size();
  return n;
}

}  // namespace modelmux::governance
