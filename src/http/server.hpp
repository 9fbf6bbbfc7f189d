// The HTTP/1.1 listener: one io_context per worker thread, each with its own SO_REUSEPORT acceptor, so
// nothing is shared between workers on the hot path but a connection count. Graceful shutdown lets
// in-flight requests and streams finish within a bound. Requests are checked (framing, limits, content
// type, CORS) before the handler sees them.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/exchange.hpp"
#include "http/request_checks.hpp"

namespace modelmux::http {

using Handler = std::function<asio::awaitable<void>(Exchange&)>;
// Writes a response for a request the server itself rejects (malformed HTTP, too large, ...).
using ErrorResponder = std::function<asio::awaitable<void>(Exchange&, const Error&)>;

class Server {
 public:
  Server(const config::ServerConfig& cfg, Handler handler, ErrorResponder on_error);
  ~Server();

  // Binds the listeners; returns the bound port (the real one when 0 was asked for). Throws when another
  // process already listens on the address, unless server.reuse_port asks to share it.
  std::uint16_t bind();
  // Runs the workers until a shutdown completes. SIGINT/SIGTERM start one; SIGHUP is logged and ignored.
  void run();
  // Starts a graceful shutdown (thread-safe).
  void shutdown();

 private:
  struct Worker;
  struct Signals;
  config::ServerConfig cfg_;
  Handler handler_;
  ErrorResponder on_error_;
  Cors cors_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<bool> stopping_{false};
  std::size_t max_connections_ = 0;  // set by bind()
  std::atomic<std::size_t> connections_{0};
  std::unique_ptr<Signals> signals_;
};

}  // namespace modelmux::http
