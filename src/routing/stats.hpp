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

// An average that forgets with a half-life in time rather than in samples, so a quiet target's old
// observations weigh what their age says.
class DecayingAverage {
 public:
  DecayingAverage(double initial, Nanos half_life) : value_(initial), half_life_(half_life > 0 ? half_life : 1) {}
  void observe(Nanos now, double sample);
  // The peak variant (Finagle's peak-EWMA): a sample above the average replaces it at once, so a slowdown
  // is seen on the first slow answer; lower samples pull it down gradually.
  void observe_peak(Nanos now, double sample);
  double value() const { return value_.load(); }
  // The value as seen `now`, decayed toward `rest` for the time without observations.
  double value_at(Nanos now, double rest) const;
  bool observed() const { return last_.load(std::memory_order_relaxed) != 0; }

 private:
  double weight(Nanos now) const;  // the old value's share after the time since the last observation
  AtomicDouble value_;
  std::atomic<Nanos> last_{0};
  Nanos half_life_;
};

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

struct TargetStats {
  TargetStats(const config::BreakerConfig& breaker_cfg, Nanos latency_half_life, Nanos adaptive_half_life)
      : latency_us(0, latency_half_life),
        adaptive_success(1.0, adaptive_half_life),
        adaptive_latency_us(0, adaptive_half_life),
        breaker(breaker_cfg) {}

  std::atomic<int> in_flight{0};
  DecayingAverage latency_us;           // peak-EWMA; for streams the time to first token
  DecayingAverage adaptive_success;     // 1 for a success, 0 for a failure
  DecayingAverage adaptive_latency_us;
  LatencyHistogram histogram;
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> failures{0};
  std::atomic<ErrorCode> last_error{ErrorCode::internal};
  std::atomic<Nanos> last_error_at{0};
  Breaker breaker;
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
