// Cheap timeouts for sockets. Arming a deadline is a store; one sweeper per io_context wakes a few times a
// second and cancels the pending operations of sockets whose deadline has passed. This replaces a timer
// operation per read and write (Beast's tcp_stream), which cost more than the I/O itself on the hot path.
// Deadlines are as precise as the sweep interval (kSweepInterval).
// The same tick also runs work worth doing only for requests that last (call_at_next_tick): a request that
// is over before the next tick never pays for it.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdint>
#include <ctime>

namespace modelmux::http {

// CLOCK_MONOTONIC_COARSE: the time at the kernel's last tick (at most a few ms old), read in ~3 ns where
// steady_clock takes ~20. Deadlines are only as precise as the sweep interval, and each read and write of
// a request arms one: six reads of the precise clock a proxied request, for nothing.
struct CoarseClock {
  using duration = std::chrono::nanoseconds;
  using rep = duration::rep;
  using period = duration::period;
  using time_point = std::chrono::time_point<CoarseClock>;
  static constexpr bool is_steady = true;
  static time_point now() noexcept {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return time_point(std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec));
  }
};

class Deadline {
 public:
  using Clock = CoarseClock;
  static constexpr auto kSweepInterval = std::chrono::milliseconds(50);

  explicit Deadline(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}
  ~Deadline() {
    disarm();
    cancel_tick();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The socket's pending operations are cancelled once `d` has passed.
  void expires_after(std::chrono::milliseconds d);
  void disarm();
  // True when the last cancellation came from this deadline (the operation failed by timing out).
  bool expired() const { return expired_; }

  // `fn(arg)` runs on the socket's context at the sweeper's next tick (within kSweepInterval), unless
  // cancel_tick() comes first. One call pending per deadline: a second replaces the first.
  using TickFn = void (*)(void* arg);
  void call_at_next_tick(TickFn fn, void* arg);
  void cancel_tick();

 private:
  friend class Sweeper;
  class Sweeper& home();

  boost::asio::ip::tcp::socket& socket_;
  Clock::time_point when_{};
  Deadline* prev_ = nullptr;
  Deadline* next_ = nullptr;
  class Sweeper* sweeper_ = nullptr;  // set while armed
  class Sweeper* home_ = nullptr;     // the socket's context's sweeper, looked up once
  bool expired_ = false;
  // The pending next-tick call, in the sweeper's second list.
  TickFn tick_fn_ = nullptr;
  void* tick_arg_ = nullptr;
  Deadline* tick_prev_ = nullptr;
  Deadline* tick_next_ = nullptr;
  std::uint64_t tick_number_ = 0;  // the sweeper's tick when the call was linked
};

}  // namespace modelmux::http
