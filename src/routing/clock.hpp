// The time routing decisions read: steady time in nanoseconds, behind an interface so tests can drive
// breakers, decaying averages and cooldowns with a fake clock.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace modelmux::routing {

using Nanos = std::int64_t;

inline constexpr Nanos to_nanos(std::chrono::nanoseconds d) { return d.count(); }

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Nanos now() const = 0;
};

class SteadyClock final : public Clock {
 public:
  Nanos now() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

const Clock& steady_clock();

class FakeClock final : public Clock {
 public:
  Nanos now() const override { return t_.load(std::memory_order_relaxed); }
  void advance(std::chrono::nanoseconds d) { t_.fetch_add(d.count(), std::memory_order_relaxed); }

 private:
  std::atomic<Nanos> t_{1'000'000'000'000};
};

}  // namespace modelmux::routing
