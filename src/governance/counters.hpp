// Budgets and rate limits as counters: a request reserves what it may cost against every counter that
// applies to it, all of them or none, and settles to what it actually cost when it ends. Reservations carry
// a lease, so a request that never settles cannot hold budget forever.
//
// The interface is the store's other half (store/store.hpp keeps what outlives the process): LocalCounters
// serves one instance from memory, rebuilt from the store's totals; a Redis implementation serves many with
// one script per reserve and per settle (each operation below says how it maps).
#pragma once

#include <array>
#include <boost/container/small_vector.hpp>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/digest.hpp"
#include "governance/records.hpp"

namespace modelmux::governance {

using Millis = std::int64_t;  // unix time in milliseconds

// What a claim counts: USD per budget period; requests or tokens in any 60 s; requests in flight.
enum class Meter : std::uint8_t { usd, requests, tokens, parallel };
std::string_view to_string(Meter m);

inline constexpr Millis kWindow = 60'000;

// One limit a request must fit. `counter` names whose limit it is: "key:<id>", "user:<id>", "team:<id>",
// "eu:key:<key id>:<end user>", "eu:team:<team id>:<end user>", "group:<model group>", "target:<label>".
struct Claim {
  Meter meter = Meter::usd;
  std::string_view counter;  // (lives as long as the reservation call: the records it names)
  double limit = 0;
  Period period = Period::month;  // usd
  std::optional<double> soft;     // usd: crossing it raises an alert, nothing more
};

struct Ask {
  boost::container::small_vector<Claim, 8> claims;
  // The usd claims take one amount in [usd_min, usd_max]: the most that fits every one of them (the caller
  // lowers max_tokens to it), or usd_max exactly when usd_min == usd_max.
  double usd_min = 0, usd_max = 0;
  std::int64_t tokens = 0;  // what the tokens claims take
  Millis at = 0;            // when the request started: the budget period it is charged to
};

// Why a reservation did not fit: the first claim that had no room.
struct Refusal {
  std::size_t claim = 0;  // index into Ask::claims
  Meter meter = Meter::usd;
  double limit = 0, remaining = 0;
  Millis retry_after = 0;  // requests, tokens, parallel: how long until it would fit (exact for the windows)
  Millis resets_at = 0;    // usd: when the period ends (0 for a total budget)
  bool never = false;      // it could not fit even an empty window (more tokens than the limit)
};

// The tightest requests and tokens limits after a reservation: OpenAI's x-ratelimit-* headers.
struct RateState {
  bool set = false;
  std::int64_t limit = 0, remaining = 0;
  Millis reset_in = 0;  // until the window holds its limit again
};

// The usd claims' counters and the period each charged: the spend ledger keeps totals by them. The names
// are the counters' own copies, which live as long as the Counters do: a grant copies no string.
// (A vector, not an inline array: a Grant lives in a Hold inside attempt_one's coroutine frame, which must
// stay within the 1 KiB blocks operator new keeps per thread, app/allocator.cpp.)
using Charges = std::vector<std::pair<std::string_view, Millis>>;

struct Grant {
  std::uint64_t id = 0;
  double usd = 0;  // what the usd claims hold
  RateState requests, tokens;
  Charges budgets;
};

// A soft limit crossed by a settlement.
struct Alert {
  std::string counter;
  double spent = 0, soft = 0, limit = 0;
};

struct BudgetState {
  double spent = 0, reserved = 0;
  Millis period_start = 0, resets_at = 0;
};

class Counters {
 public:
  virtual ~Counters() = default;
  // Checks every claim and, only if all fit, takes them; `lease` bounds how long the usd and parallel
  // parts are held without a settlement. (Redis: one script over the claims' keys: budgets as hashes of
  // spent and reserved per period, windows as sorted sets of grant ids scored by time with a hash of their
  // tokens, parallel as an integer; leases as a sorted set of grant ids by expiry, swept by the same script.)
  virtual std::expected<Grant, Refusal> reserve(const Ask& ask, Millis now, Millis lease) = 0;
  // Requests ended, each having cost `usd` and used `tokens`: reservations become charges, windows hold the
  // actual tokens, parallel slots free up. Returns soft limits the charges crossed. Several at once (a
  // request's admission and its answering attempt end together): one lock here; one script, one round trip
  // on Redis.
  struct Settlement {
    std::uint64_t grant = 0;
    double usd = 0;
    std::int64_t tokens = 0;
  };
  virtual std::vector<Alert> settle(std::span<const Settlement> all, Millis now) = 0;
  std::vector<Alert> settle(std::uint64_t grant, double usd, std::int64_t tokens, Millis now) {
    const Settlement one{grant, usd, tokens};
    return settle(std::span(&one, 1), now);
  }
  // A budget counter now (loaded from the store's totals when first asked).
  virtual BudgetState budget(std::string_view counter, Period period, Millis at) = 0;
};

// One instance's counters, in memory under one lock (a reservation is a handful of map look-ups). Spent
// totals come from `load` the first time a budget counter is seen in a period: the store's totals, which
// the ledger keeps in the same transaction as its rows, so a restart resumes exactly.
class LocalCounters final : public Counters {
 public:
  using Load = std::function<double(const std::string& counter, Millis period_start)>;
  explicit LocalCounters(Load load = {});
  ~LocalCounters() override;

  std::expected<Grant, Refusal> reserve(const Ask& ask, Millis now, Millis lease) override;
  using Counters::settle;
  std::vector<Alert> settle(std::span<const Settlement> all, Millis now) override;
  BudgetState budget(std::string_view counter, Period period, Millis at) override;

  std::size_t outstanding() const;  // reservations not yet settled (tests)
  // Entries held by a counter's requests and tokens windows (tests: a window's memory is bounded by time).
  std::size_t window_entries(std::string_view counter) const;
  std::size_t kept_holds() const;  // free slots that keep their Held for the next reservation (tests)

 private:
  struct Budget {
    Millis period_start = -1;
    double spent = 0, reserved = 0;
    // The period last looked up, in ms: a request inside it needs no calendar arithmetic.
    Period period = Period::total;
    Millis from_ms = 0, until_ms = -1;
    Millis resets_at() const { return period == Period::total ? 0 : until_ms; }  // (0: a total never does)
  };
  struct Window;  // requests or tokens in the last 60 s
  struct Gauge {
    std::int64_t in_flight = 0;
  };
  // Everything one counter name has: a key's, a team's or a target's budget, windows and gauge together,
  // so the claims on one counter (a key's rpm, tpm and parallel) are one look-up.
  struct Cells {
    Budget budget;
    std::unique_ptr<Window> requests, tokens;  // (made on first use)
    Gauge gauge;
  };
  struct Held;

  // The counter's cells (the map's own copy of the name, and the cells), made on first sight.
  std::pair<const std::string, Cells>& cells_locked(std::string_view counter);
  // Its budget, brought to the period `at` falls in (loaded from the store on first sight of a period).
  Budget& budget_locked(std::pair<const std::string, Cells>& cells, Period period, Millis at);
  void sweep(Millis now);
  void release(Held& h, bool charge, double usd, std::vector<Alert>* alerts);
  void settle_locked(const Settlement& s, std::vector<Alert>& alerts);
  void free_hold(std::uint32_t slot);  // its reservation is over: the slot is taken again

  Load load_;
  mutable std::mutex mu_;
  // Keyed by counter name, looked up by string_view (no allocation once a counter exists); entries are
  // never erased, so holds may point at them.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return digest::table_hash(s); }
  };
  std::unordered_map<std::string, Cells, Hash, std::equal_to<>> counters_;
  // The last entries found, by where the caller's name lives: a key's or a target's counter name is a
  // string in the directory or the configuration, passed on every request, so its address finds its entry
  // without hashing it (~100 instructions a look-up less). A hit still compares the name itself (an
  // address may be reused for another name once a directory snapshot is freed).
  struct Recent {
    const char* data = nullptr;
    std::pair<const std::string, Cells>* entry = nullptr;
  };
  std::array<Recent, 64> recent_{};
  // Reservations by slot. A grant's id is its slot and that slot's use count (uses_, high 32 bits): a
  // settlement finds its reservation by index, without hashing, and one whose slot has been taken again
  // since (swept, long after its lease) finds nothing. Up to kSpareHolds free slots keep their Held, and
  // are taken first: a reservation allocates nothing once they have warmed up, and after a burst of
  // reservations only the memory of the slots' ids stays.
  std::vector<std::unique_ptr<Held>> holds_;  // null: a free slot whose Held was let go
  std::vector<std::uint32_t> uses_;
  std::vector<std::uint32_t> spare_;  // free slots with their Held
  std::vector<std::uint32_t> bare_;   // free slots without
  Millis next_sweep_ = 0;
  Millis last_now_ = 0;
};

}  // namespace modelmux::governance
