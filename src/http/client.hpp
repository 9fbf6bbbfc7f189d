// The upstream HTTP/1.1 client: keep-alive pools per origin and per thread (no lock on the hot path), TLS
// with certificate and host-name verification, connect / first-byte / idle timeouts, streamed reads.
#pragma once

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/url.hpp"
#include "modelmux/error.hpp"

namespace modelmux::http {

namespace asio = boost::asio;
using Headers = std::vector<std::pair<std::string, std::string>>;

struct ClientTimeouts {
  std::chrono::milliseconds connect{5'000};
  std::chrono::milliseconds first_byte{120'000};
  std::chrono::milliseconds idle{60'000};
};

// The upstream exchanges one request has under way, so that its owner can abort them all (a client that
// left, a shutdown's cut): their pending operations fail with operation_aborted, and no exchange starts
// afterwards. Not thread-safe: one request's coroutines run on one thread.
class Abortable {
 public:
  Abortable() = default;
  Abortable(const Abortable&) = delete;
  Abortable& operator=(const Abortable&) = delete;
  void abort();
  bool aborted() const { return aborted_; }

  // For the client: a connection's socket while an exchange of this request uses it.
  void add(asio::ip::tcp::socket* socket) {
    if (count_ < few_.size())
      few_[count_++] = socket;
    else
      more_.push_back(socket);
  }
  void remove(asio::ip::tcp::socket* socket) {
    for (std::size_t i = 0; i < count_; ++i)
      if (few_[i] == socket) {
        few_[i] = few_[--count_];
        return;
      }
    std::erase(more_, socket);
  }

 private:
  // One socket, or two while a hedge races: kept in place, so a request allocates nothing for them.
  std::array<asio::ip::tcp::socket*, 4> few_{};
  std::size_t count_ = 0;
  std::vector<asio::ip::tcp::socket*> more_;
  bool aborted_ = false;
};

struct ClientRequest {
  std::string method = "POST";
  std::string target;                 // path (and query) on the origin
  std::string_view prepared_headers;  // header lines ("name: value\r\n"...) rendered once, e.g. per target
  Headers headers;                    // further headers for this request only
  std::string body;
  Abortable* abortable = nullptr;          // what lets the request's owner abort this exchange
  std::shared_ptr<const void> keep_alive;  // what `prepared_headers` points into, when not the target
};

// A reply whose body is read as it arrives. Implemented by the network client and by in-process upstreams.
class Reply {
 public:
  virtual ~Reply() = default;
  virtual int status() const = 0;
  virtual std::string_view header(std::string_view name) const = 0;
  // The next piece of the body; an empty view at its end.
  virtual asio::awaitable<Result<std::string_view>> read_some() = 0;
  // The whole (remaining) body, refusing more than `limit` bytes.
  virtual asio::awaitable<Result<std::string>> read_all(std::size_t limit = 64u << 20);
  // The same into `out`, when all of it has already arrived (a small reply comes in the read that brought
  // its head): a plain call, where read_all's coroutines (three frames, each allocated, pushed and resumed)
  // cost more than the parse. False, and `out` untouched, when more must be read: then read_all, which goes
  // on from where this stopped. (Into the caller's result, not returned: a coroutine's frame keeps every
  // temporary, and an Error-sized one more took a frame past the 1 KiB operator new's cache keeps.)
  virtual bool whole_if_here(Result<std::string>& /*out*/, std::size_t /*limit*/ = 64u << 20) {
    return false;
  }
};

// A reply fully in memory, e.g. from the in-process mock upstream.
class MemoryReply final : public Reply {
 public:
  MemoryReply(int status, Headers headers, std::string body)
      : status_(status), headers_(std::move(headers)), body_(std::move(body)) {}
  int status() const override { return status_; }
  std::string_view header(std::string_view name) const override;
  asio::awaitable<Result<std::string_view>> read_some() override;

 private:
  int status_;
  Headers headers_;
  std::string body_;
  bool read_ = false;
};

// Sends the request to `origin` and returns once the reply's status line and headers have arrived.
asio::awaitable<Result<std::unique_ptr<Reply>>> send(const Url& origin, ClientRequest request,
                                                     const ClientTimeouts& timeouts);

// Idle pooled connections of one io_context, for tests and diagnostics.
std::size_t idle_connections(asio::execution_context& ctx);

}  // namespace modelmux::http
