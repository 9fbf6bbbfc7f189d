// Cheap timeouts for sockets. Arming a deadline is a store; one sweeper per io_context wakes a few times a
// second and cancels the pending operations of sockets whose deadline has passed. This replaces a timer
// operation per read and write (Beast's tcp_stream), which cost more than the I/O itself on the hot path.
// Deadlines are as precise as the sweep interval (kSweepInterval).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>

namespace modelmux::http {

class Deadline {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr auto kSweepInterval = std::chrono::milliseconds(50);

  explicit Deadline(boost::asio::ip::tcp::socket& socket) : socket_(socket) {}
  ~Deadline() { disarm(); }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;

  // The socket's pending operations are cancelled once `d` has passed.
  void expires_after(std::chrono::milliseconds d);
  void disarm();
  // True when the last cancellation came from this deadline (the operation failed by timing out).
  bool expired() const { return expired_; }

 private:
  friend class Sweeper;
  boost::asio::ip::tcp::socket& socket_;
  Clock::time_point when_{};
  Deadline* prev_ = nullptr;
  Deadline* next_ = nullptr;
  class Sweeper* sweeper_ = nullptr;  // set while armed
  class Sweeper* home_ = nullptr;     // the socket's context's sweeper, looked up once
  bool expired_ = false;
};

}  // namespace modelmux::http
