// One request and its response on a server connection. Handlers read the request and write either one
// whole response or a chunked stream; the session owns the connection and its keep-alive. A HEAD request
// gets the head of what GET would send and no body, whatever the handler writes.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/client.hpp"
#include "http/deadline.hpp"
#include "http/head.hpp"
#include "http/message.hpp"

namespace modelmux::http {

// How a session interrupts the request it serves: the request's upstream exchanges (`current`) are aborted,
// and `why` says what happened. One per connection, shared with the pending client watch, whose handler may
// run after the request is over.
struct Interrupt {
  enum class Why : std::uint8_t { none, client_gone, shutdown };
  Abortable* current = nullptr;  // the upstream exchanges of the request being served
  Why why = Why::none;
  bool watching = false;  // a request waits on upstreams: a client closing its connection interrupts it
  bool waiting = false;   // a wait on the client's socket is pending (it outlives the watch that armed it)

  void interrupt(Why reason) {
    why = reason;
    if (current) current->abort();
  }
};

// (HeaderView, HeaderViews: extra response headers, copied into the response head at once, so views are
// enough; declared in http/head.hpp.)

class Exchange {
 public:
  Exchange(asio::ip::tcp::socket& socket, Deadline& deadline, const Request& request, std::string request_id,
           bool draining, std::chrono::milliseconds write_timeout,
           std::shared_ptr<Interrupt> interrupt = nullptr)
      : socket_(socket),
        deadline_(deadline),
        request_(request),
        request_id_(std::move(request_id)),
        keep_alive_(request.keep_alive && !draining),
        write_timeout_(write_timeout),
        interrupt_(std::move(interrupt)) {}
  ~Exchange() { unwatch_client(); }
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  const Request& request() const { return request_; }
  // A header for whatever response follows (CORS, allow), set before the handler responds. The views must
  // outlive the exchange: constants, or pieces of the request.
  void add_header(std::string_view name, std::string_view value) {
    if (added_count_ < added_.size()) added_[added_count_++] = {name, value};
  }
  std::string_view request_id() const { return request_id_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  // A whole response. Returns false when the client is gone. `lines`: header lines rendered by the caller
  // (http/head.hpp's HeadParts::lines).
  asio::awaitable<bool> respond(unsigned status, std::string_view content_type, std::string body,
                                HeaderViews extra = {}, std::string_view lines = {});
  // The same in two steps, for a caller that would rather not wait when it need not: respond_now writes
  // what the socket takes now and is true when nothing is left (all sent, or the client gone); else the
  // rest is kept (pending()), and respond_rest() sends it.
  bool respond_now(unsigned status, std::string_view content_type, std::string body, HeaderViews extra = {},
                   std::string_view lines = {});
  bool pending() const { return pending_; }
  asio::awaitable<bool> respond_rest();
  // A chunked response: begin, write pieces as they come, end.
  asio::awaitable<bool> begin_stream(unsigned status, std::string_view content_type, HeaderViews extra = {},
                                     std::string_view lines = {});
  asio::awaitable<bool> write(std::string_view data);
  asio::awaitable<bool> end_stream();
  // Drops the connection with a TCP reset, as a failing upstream would (used by the mock-server).
  void abort();
  // While the request waits on upstreams, a client that closes (or resets) its connection interrupts it
  // (Interrupt::Why::client_gone, and the session's cut). Bytes of a next, pipelined request end the watch:
  // the client is there. unwatch_client() ends it once the answer is under way. The watch starts at the
  // connection's next sweeper tick (http/deadline.hpp), so a request must not move while it is on.
  void watch_client();
  void unwatch_client();
  Interrupt::Why interrupted() const { return interrupt_ ? interrupt_->why : Interrupt::Why::none; }
  // The upstream exchanges an interruption aborts (null when the request is over).
  void set_upstream_calls(Abortable* calls) {
    if (interrupt_) interrupt_->current = calls;
  }

  bool responded() const { return responded_; }
  bool streaming() const { return streaming_; }
  bool keep_alive() const { return keep_alive_ && !broken_; }
  unsigned status() const { return status_; }

 private:
  // Writes what the socket takes of `buffers` now, dropping it from their front: true when there is
  // nothing left to wait for (all written, or the connection broken: broken_). What is left goes by send(),
  // which waits for the socket. (Checked by the caller, not inside send: a coroutine call costs a frame.)
  bool sent_now(std::span<asio::const_buffer> buffers);
  asio::awaitable<bool> send(auto const& buffers);
  static void arm_watch_now(void* self);
  std::string make_head(unsigned status, std::string_view content_type, HeaderViews extra,
                        std::string_view lines) const;

  asio::ip::tcp::socket& socket_;
  Deadline& deadline_;
  const Request& request_;
  std::string request_id_;
  bool keep_alive_;
  std::chrono::milliseconds write_timeout_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  bool responded_ = false;
  bool streaming_ = false;
  bool broken_ = false;
  unsigned status_ = 0;
  // A whole response's head and body, and what of them is still to be written (respond_now).
  std::string out_head_, out_body_;
  std::array<asio::const_buffer, 2> out_;
  bool pending_ = false;
  std::array<HeaderView, 4> added_{};
  std::uint8_t added_count_ = 0;
  std::shared_ptr<Interrupt> interrupt_;
};

}  // namespace modelmux::http
