// Live statistics of one target, shared by every worker thread: requests in flight, a peak-EWMA of
// latency (time to first token for streams), decaying success and latency averages for the adaptive
// strategy, a latency histogram for p95, counters and the circuit breaker. Atomics only; no lock.
#pragma once

#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstdint>

#include "modelmux/error.hpp"
#include "routing/breaker.hpp"

namespace modelmux::routing {

// A double updated with compare-and-swap.
class AtomicDouble {
 public:
  explicit AtomicDouble(double v = 0) : bits_(std::bit_cast<std::uint64_t>(v)) {}
  double load() const { return std::bit_cast<double>(bits_.load(std::memory_order_relaxed)); }
  void store(double v) { bits_.store(std::bit_cast<std::uint64_t>(v), std::memory_order_relaxed); }
  template <class F>
  void update(F f) {
    auto old = bits_.load(std::memory_order_relaxed);
    while (!bits_.compare_exchange_weak(old, std::bit_cast<std::uint64_t>(f(std::bit_cast<double>(old))),
                                        std::memory_order_relaxed)) {
    }
  }

 private:
  std::atomic<std::uint64_t> bits_;
};

// 2^x for x <= 0, to about 1e-4 relative: decays are read for every candidate of every decision, and
// std::exp2 alone would cost a good part of the decision's budget.
inline double fast_exp2_neg(double x) {
  if (x < -1000) return 0;
  // floor without libm (x86-64's baseline has no rounding instruction): truncate, then step down.
  auto i = static_cast<std::int64_t>(x);
  double fl = static_cast<double>(i);
  if (fl > x) fl -= 1;
  double f = x - fl;  // [0, 1)
  double p = 1.0 + f * (0.6960656421 + f * (0.2244943193 + f * 0.0794402030));
  auto bits =
      std::bit_cast<std::uint64_t>(p) + (static_cast<std::uint64_t>(static_cast<std::int64_t>(fl)) << 52);
  return std::bit_cast<double>(bits);
}

// An average that forgets with a half-life in time rather than in samples, so a quiet target's old
// observations weigh what their age says.
class DecayingAverage {
 public:
  // `rest`: what the value decays toward while nothing is observed (and reads as before the first sample).
  DecayingAverage(double initial, Nanos half_life, double rest)
      : value_(initial), per_nano_(1.0 / static_cast<double>(half_life > 0 ? half_life : 1)), rest_(rest) {}
  void observe(Nanos now, double sample);
  // The peak variant (Finagle's peak-EWMA): a sample above the average replaces it at once, so a slowdown
  // is seen on the first slow answer; lower samples pull it down gradually.
  void observe_peak(Nanos now, double sample);
  double value() const { return value_.load(); }
  // The value as seen `now`, decayed toward `rest` for the time without observations. Reads within a
  // millisecond of each other share one computation (an observation starts a new one).
  double value_at(Nanos now) const;
  bool observed() const { return last_.load(std::memory_order_relaxed) != 0; }

 private:
  double weight(Nanos now) const;  // the old value's share after the time since the last observation
  AtomicDouble value_;
  std::atomic<Nanos> last_{0};
  double per_nano_;  // half-lives per nanosecond (a multiply where a divide would cost a read its budget)
  double rest_;
  static constexpr Nanos kSnapshotFor = 1'000'000;
  mutable std::atomic<Nanos> snap_at_{-1};
  mutable AtomicDouble snap_;
};

// Inline: every routing decision reads these for every candidate.
inline double DecayingAverage::weight(Nanos now) const {
  Nanos last = last_.load(std::memory_order_relaxed);
  if (last == 0) return 0.0;  // nothing observed yet: the first sample is the average
  double dt = static_cast<double>(now > last ? now - last : 0);
  return fast_exp2_neg(-dt * per_nano_);
}

inline double DecayingAverage::value_at(Nanos now) const {
  if (!observed()) return rest_;
  Nanos at = snap_at_.load(std::memory_order_relaxed);
  if (at >= 0 && now >= at && now - at < kSnapshotFor) return snap_.load();
  double w = weight(now);
  double v = value_.load() * w + rest_ * (1 - w);
  snap_.store(v);
  snap_at_.store(now, std::memory_order_relaxed);
  return v;
}

class LatencyHistogram {
 public:
  void observe(double micros);
  // The value under which `q` (0..1) of observations fall, in microseconds; 0 with no observations.
  double quantile(double q) const;
  std::uint64_t count() const;

 private:
  // Bucket i holds latencies in [2^(i/2), 2^((i+1)/2)) microseconds: ~41% wide, up to ~70 minutes.
  static constexpr int kBuckets = 64;
  std::array<std::atomic<std::uint64_t>, kBuckets> buckets_{};
};

struct alignas(64) TargetStats {
  TargetStats(const config::BreakerConfig& breaker_cfg, Nanos latency_half_life, Nanos adaptive_half_life)
      : latency_us(0, latency_half_life, 0),
        adaptive_success(1.0, adaptive_half_life, 1.0),  // unobserved or long quiet: assumed healthy
        adaptive_latency_us(0, adaptive_half_life, 0),
        breaker(breaker_cfg) {}

  // What routing decisions read comes first: the in-flight count, the averages and the breaker's state
  // share the object's first cache lines.
  std::atomic<int> in_flight{0};
  DecayingAverage latency_us;        // peak-EWMA; for streams the time to first token
  DecayingAverage adaptive_success;  // 1 for a success, 0 for a failure
  DecayingAverage adaptive_latency_us;
  Breaker breaker;
  LatencyHistogram histogram;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<ErrorCode> last_error{ErrorCode::internal};
  std::atomic<Nanos> last_error_at{0};
  // Active health checks: 0 unknown, 1 passing, 2 failing.
  std::atomic<std::uint8_t> health{0};
  std::atomic<Nanos> health_checked_at{0};

  void on_success(Nanos now, double latency_micros, bool probe);
  void on_failure(Nanos now, ErrorCode code, bool probe);
};

// Counts a request in flight for as long as it lives.
class InFlight {
 public:
  InFlight() = default;
  explicit InFlight(TargetStats* s) : s_(s) {
    if (s_) s_->in_flight.fetch_add(1, std::memory_order_relaxed);
  }
  InFlight(InFlight&& o) noexcept : s_(std::exchange(o.s_, nullptr)) {}
  InFlight& operator=(InFlight&& o) noexcept {
    if (this != &o) {
      release();
      s_ = std::exchange(o.s_, nullptr);
    }
    return *this;
  }
  ~InFlight() { release(); }
  void release() {
    if (s_) s_->in_flight.fetch_sub(1, std::memory_order_relaxed);
    s_ = nullptr;
  }

 private:
  TargetStats* s_ = nullptr;
};

}  // namespace modelmux::routing
