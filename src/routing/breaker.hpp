// A circuit breaker per target. Closed, it counts outcomes; it opens on `consecutive_failures` in a row or
// on an error rate over a sliding window; open, it refuses until the cooldown has passed; then half-open,
// it admits a few probes at a time, closing on a probe's success and reopening on its failure. All state
// is atomics: every worker thread reads and updates it without a lock.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>

#include "config/config.hpp"
#include "routing/clock.hpp"

namespace modelmux::routing {

enum class BreakerState : std::uint8_t { closed, open, half_open };
std::string_view to_string(BreakerState s);

class Breaker {
 public:
  explicit Breaker(const config::BreakerConfig& cfg) : cfg_(cfg) {}

  enum class Admit : std::uint8_t { no, yes, probe };
  // Whether a request may go to the target now. A `probe` must be reported with probe = true.
  Admit admit(Nanos now);
  // Read-only: whether admit() would refuse for being open (used by planning, which must not take probes).
  bool refusing(Nanos now) const;
  void on_success(Nanos now, bool probe);
  void on_failure(Nanos now, bool probe);
  // A probe that ended without an outcome (its attempt was cancelled) gives its slot back.
  void abandon_probe();

  BreakerState state(Nanos now) const;
  Nanos reopens_at() const { return opened_at_.load(std::memory_order_relaxed) + cooldown(); }
  // Failures and requests in the sliding window.
  std::pair<std::uint32_t, std::uint32_t> window(Nanos now) const;

 private:
  static constexpr int kBuckets = 10;
  struct Bucket {
    std::atomic<Nanos> epoch{-1};
    std::atomic<std::uint32_t> total{0};
    std::atomic<std::uint32_t> failures{0};
  };
  Nanos cooldown() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.cooldown).count();
  }
  Nanos bucket_width() const {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(cfg_.window).count() / kBuckets;
  }
  void record(Nanos now, bool failure);
  void open(Nanos now);
  void close();

  // state_ first: planning reads it for every candidate, next to the target's in-flight count.
  std::atomic<BreakerState> state_{BreakerState::closed};
  config::BreakerConfig cfg_;
  std::atomic<int> consecutive_{0};
  std::atomic<Nanos> opened_at_{0};
  std::atomic<int> probes_{0};
  std::array<Bucket, kBuckets> buckets_;
};

}  // namespace modelmux::routing
