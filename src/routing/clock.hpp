// The time routing decisions read, and the waits the attempts stage makes (backoff, Retry-After): steady
// time in nanoseconds, behind an interface so tests can drive breakers, decaying averages, cooldowns and
// retries with a fake clock.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace modelmux::routing {

using Nanos = std::int64_t;

inline constexpr Nanos to_nanos(std::chrono::nanoseconds d) {
  return d.count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
  // Returns once `d` has passed on this clock.
  virtual boost::asio::awaitable<void> sleep(std::chrono::nanoseconds d) const = 0;
};

class SteadyClock final : public Clock {
 public:
  Nanos now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  boost::asio::awaitable<void> sleep(std::chrono::nanoseconds d) const override;  // a steady_timer
};

const Clock& steady_clock();

// Time moves only when a test says so, or when something sleeps on it: a sleep returns at once, the clock
// moved on by its length, and is remembered (`sleeps()`) so a test can check every wait.
class FakeClock final : public Clock {
 public:
  Nanos now() const override { return t_.load(std::memory_order_relaxed); }
  void advance(std::chrono::nanoseconds d) { t_.fetch_add(d.count(), std::memory_order_relaxed); }
  boost::asio::awaitable<void> sleep(std::chrono::nanoseconds d) const override;
  std::vector<std::chrono::nanoseconds> sleeps() const {
    std::lock_guard lock(mu_);
    return sleeps_;
  }

 private:
  mutable std::atomic<Nanos> t_{1'000'000'000'000};
  mutable std::mutex mu_;
  mutable std::vector<std::chrono::nanoseconds> sleeps_;
};

}  // namespace modelmux::routing
