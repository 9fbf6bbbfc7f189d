// One request and its response on a server connection. Handlers read the request and write either one
// whole response or a chunked stream; the session owns the connection and its keep-alive. A HEAD request
// gets the head of what GET would send and no body, whatever the handler writes.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "http/client.hpp"
#include "http/deadline.hpp"
#include "http/message.hpp"

namespace modelmux::http {

// Extra response headers, copied into the response head at once, so views are enough.
using HeaderView = std::pair<std::string_view, std::string_view>;
using HeaderViews = std::span<const HeaderView>;

class Exchange {
 public:
  Exchange(asio::ip::tcp::socket& socket, Deadline& deadline, const Request& request, std::string request_id,
           bool draining, std::chrono::milliseconds write_timeout)
      : socket_(socket),
        deadline_(deadline),
        request_(request),
        request_id_(std::move(request_id)),
        keep_alive_(request.keep_alive && !draining),
        write_timeout_(write_timeout) {}

  const Request& request() const { return request_; }
  // A header for whatever response follows (CORS, allow), set before the handler responds. The views must
  // outlive the exchange: constants, or pieces of the request.
  void add_header(std::string_view name, std::string_view value) {
    if (added_count_ < added_.size()) added_[added_count_++] = {name, value};
  }
  std::string_view request_id() const { return request_id_; }
  std::chrono::steady_clock::time_point started() const { return started_; }

  // A whole response. Returns false when the client is gone.
  asio::awaitable<bool> respond(unsigned status, std::string_view content_type, std::string body,
                                HeaderViews extra = {});
  // A chunked response: begin, write pieces as they come, end.
  asio::awaitable<bool> begin_stream(unsigned status, std::string_view content_type, HeaderViews extra = {});
  asio::awaitable<bool> write(std::string_view data);
  asio::awaitable<bool> end_stream();
  // Drops the connection with a TCP reset, as a failing upstream would (used by the mock-server).
  void abort();

  bool responded() const { return responded_; }
  bool streaming() const { return streaming_; }
  bool keep_alive() const { return keep_alive_ && !broken_; }
  unsigned status() const { return status_; }

 private:
  asio::awaitable<bool> send(auto const& buffers);
  std::string make_head(unsigned status, std::string_view content_type, HeaderViews extra) const;

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
  std::array<HeaderView, 4> added_{};
  std::uint8_t added_count_ = 0;
};

}  // namespace modelmux::http
