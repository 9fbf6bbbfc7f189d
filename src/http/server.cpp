#include "http/server.hpp"

#include <fmt/format.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <csignal>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_set>

#include "core/awaited.hpp"
#include "core/ids.hpp"
#include "core/thread_name.hpp"
#include "http/listener.hpp"
#include "http/read_hint.hpp"

namespace modelmux::http {
namespace beast = boost::beast;

// After the shutdown grace period, how long cut requests get to send their error and be logged.
constexpr std::chrono::milliseconds kCutGrace{1000};
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {

bool usable_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

struct Server::Worker {
  // Only this worker's thread runs the context, so the reactor needs no per-socket locking.
  asio::io_context ioc{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  tcp::acceptor acceptor{ioc};
  bool draining = false;
  struct Slot {
    tcp::socket* socket;
    bool idle;
    Interrupt* interrupt;
    bool over_limit = false;  // accepted past max_connections, into the reserve
    bool heard = false;       // a byte has arrived (or it is being evicted)
    std::chrono::steady_clock::time_point accepted = std::chrono::steady_clock::now();
  };
  std::unordered_set<Slot*> sessions;
  Server* server = nullptr;

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, sock] = co_await acceptor.async_accept(awaited);
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
        // Out of descriptors or a transient failure: back off briefly instead of spinning.
        asio::steady_timer t(ioc, std::chrono::milliseconds(20));
        co_await t.async_wait(awaited);
        continue;
      }
      boost::system::error_code ignored;
      // Past max_connections, a small reserve of connections is still read, so that health checks get an
      // answer while the gateway is full (everything else a 503); each worker keeps its share of it. When
      // its share is full, the oldest reserve connection that has sent nothing makes room (a flood of silent
      // connections cannot keep a health check out); when there is none, the new connection is closed.
      std::size_t open = server->connections_.fetch_add(1, std::memory_order_relaxed) + 1;
      bool over = open > server->max_connections_;
      if (over && over_limit >= reserve_share() && !evict_silent()) {
        server->connections_.fetch_sub(1, std::memory_order_relaxed);
        sock.close(ignored);
        continue;
      }
      if (over) ++over_limit;
      sock.set_option(tcp::no_delay(true), ignored);
      asio::co_spawn(ioc, session(std::move(sock), open > server->max_connections_), asio::detached);
    }
  }

  std::size_t over_limit = 0;  // this worker's live connections accepted past max_connections
  std::size_t reserve_share() const {
    return std::max<std::size_t>(1, kOverLimitReserve / server->workers_.size());
  }

  // Ends the oldest reserve connection that has not sent a byte; false when there is none.
  bool evict_silent() {
    Slot* oldest = nullptr;
    for (auto* s : sessions)
      if (s->over_limit && !s->heard && (!oldest || s->accepted < oldest->accepted)) oldest = s;
    if (!oldest) return false;
    oldest->heard = true;  // (chosen once)
    boost::system::error_code ignored;
    oldest->socket->cancel(ignored);
    return true;
  }

  void drain() {
    draining = true;
    boost::system::error_code ignored;
    acceptor.close(ignored);
    for (auto* s : sessions)
      if (s->idle) s->socket->cancel(ignored);
  }

  // The grace period is over: every request still served is cut, so that a stream ends with an error event
  // in its client's format and is logged, rather than just stopping.
  void cut() {
    for (auto* s : sessions)
      if (!s->idle) s->interrupt->interrupt(Interrupt::Why::shutdown);
  }

  asio::awaitable<void> reject(tcp::socket& socket, Deadline& deadline, const Request& req,
                               const Error& err) {
    Exchange ex(socket, deadline, req, new_request_id(), /*draining=*/true, server->cfg_.idle_timeout);
    co_await server->on_error_(ex, err);
  }

  // After refusing a request whose bytes may still be arriving, read and drop the rest (up to `budget`)
  // before closing: closing with unread data makes the kernel send a reset, and the client would lose the
  // answer.
  static asio::awaitable<void> discard_rest(tcp::socket& socket, Deadline& deadline, std::size_t budget) {
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    std::vector<char> sink(64 * 1024);
    std::size_t total = 0;
    while (total < budget) {
      deadline.expires_after(std::chrono::seconds(5));
      auto [ec, n] = co_await socket.async_read_some(asio::buffer(sink), awaited);
      if (ec) break;
      total += n;
    }
    deadline.disarm();
  }

  static constexpr std::size_t kKeepBytes = 64 * 1024;
  static constexpr std::chrono::milliseconds kOverLimitWait{1000};  // for the head, past max_connections
  static constexpr std::size_t kDiscardAfterLimit = 256u << 20;     // so an uploading client sees its 413
  static constexpr std::size_t kDiscardAfterError = 4u << 20;

  // Answers a request that could not be read, when there is still someone to answer: not after a
  // timeout, a reset or the client's own close.
  asio::awaitable<void> refuse(tcp::socket& socket, Deadline& deadline, const Request& req,
                               beast::error_code ec, std::string_view what) {
    const auto& cfg = server->cfg_;
    if (ec == bhttp::error::body_limit || ec == ParseError::framing_too_large) {
      std::string_view framing = ec == ParseError::framing_too_large ? " (chunk framing included)" : "";
      co_await reject(socket, deadline, req,
                      Error::make(ErrorCode::payload_too_large,
                                  fmt::format("request body is larger than the limit of {} bytes{}",
                                              cfg.max_body_bytes, framing)));
      co_await discard_rest(socket, deadline, kDiscardAfterLimit);
    } else if (ec == bhttp::error::header_limit) {
      co_await reject(socket, deadline, req,
                      Error::make(ErrorCode::invalid_request, "request headers are too large"));
    } else if (ec.category() == parse_error_category()) {
      co_await reject(
          socket, deadline, req,
          Error::make(ErrorCode::invalid_request, fmt::format("malformed HTTP {}: {}", what, ec.message())));
      co_await discard_rest(socket, deadline, kDiscardAfterError);
    } else if (deadline.expired() && what == "request body") {
      // The head came, the body did not: the client hears why before the connection closes, in the shape
      // of the API its path belongs to. (A head that never came gets no answer: there may be no one.)
      Error slow = Error::make(ErrorCode::timeout, fmt::format("the request body did not arrive within {} ms",
                                                               cfg.body_timeout.count()));
      slow.http_status = 408;
      slow.retryable = false;
      deadline.disarm();
      co_await reject(socket, deadline, req, slow);
    } else if (!deadline.expired() && ec != bhttp::error::end_of_stream &&
               ec != asio::error::operation_aborted && ec != asio::error::connection_reset &&
               ec != asio::error::eof) {
      co_await reject(
          socket, deadline, req,
          Error::make(ErrorCode::invalid_request, fmt::format("malformed HTTP {}: {}", what, ec.message())));
    }
  }

  // Reads into `buf` until the parser has the head (head_only) or the whole request; RequestParser::feed
  // counts and bounds every byte, and `buf`'s max_size bounds what waits unparsed.
  static asio::awaitable<beast::error_code> read_more(tcp::socket& socket, beast::flat_buffer& buf,
                                                      RequestParser& parser, bool head_only) {
    beast::error_code ec = bhttp::error::need_more;
    while (ec == bhttp::error::need_more) {
      std::size_t room = beast::read_size(buf, 65536);
      if (room == 0) co_return bhttp::error::buffer_overflow;  // feed() leaves room; never spin if not
      auto into = buf.prepare(room);
      ReadStart got = start_read(socket, into);
      if (!got.done) {
        auto [rec, n] = co_await socket.async_read_some(into, awaited);
        finish_read(socket, got, rec, n, room);
      }
      if (got.ec == asio::error::eof)
        co_return parser.got_some() ? bhttp::error::partial_message : bhttp::error::end_of_stream;
      if (got.ec) co_return got.ec;
      buf.commit(got.n);
      buf.consume(parser.feed(buffered(buf), head_only, ec));
    }
    co_return ec;
  }

  static std::string_view buffered(const beast::flat_buffer& buf) {
    return {static_cast<const char*>(buf.data().data()), buf.size()};
  }

  // A CORS preflight, answered here: 204 with what the listed origin may send, else 403.
  asio::awaitable<void> preflight(Exchange& ex, std::string_view origin) {
    if (origin.empty()) {
      co_await server->on_error_(
          ex, Error::make(ErrorCode::permission_denied,
                          fmt::format("origin {} may not call this gateway (server.cors.allowed_origins)",
                                      ex.request().headers.get("origin"))));
      co_return;
    }
    std::string headers = Cors::allowed_headers(ex.request().headers.get("access-control-request-headers"));
    std::array<HeaderView, 5> h{HeaderView{"access-control-allow-origin", origin},
                                {"access-control-allow-methods", Cors::kAllowedMethods},
                                {"access-control-allow-headers", headers},
                                {"access-control-max-age", "600"},
                                {"vary", "origin"}};
    co_await ex.respond(204, "", std::string(), h);
  }

  asio::awaitable<void> session(tcp::socket socket, bool over_limit) {
    const auto& cfg = server->cfg_;
    // Shared with the client watch, whose handler may outlive a request (one allocation a connection).
    auto interrupt = std::make_shared<Interrupt>();
    Deadline deadline(socket);
    beast::flat_buffer buf(kHeaderLimit);
    Request req;  // reused from request to request: its buffers keep their capacity
    Slot slot{&socket, true, interrupt.get(), over_limit};
    sessions.insert(&slot);
    struct Leave {
      Worker& w;
      Slot* s;
      ~Leave() {
        w.sessions.erase(s);
        if (s->over_limit) --w.over_limit;
        w.server->connections_.fetch_sub(1, std::memory_order_relaxed);
      }
    } leave{*this, &slot};

    // The first request's head must arrive within header_timeout of the accept (a connection past the
    // limit gets at most a second); later ones get idle_timeout to start and header_timeout from there.
    deadline.expires_after(over_limit ? std::min(cfg.header_timeout, kOverLimitWait) : cfg.header_timeout);
    for (bool first = true;; first = false) {
      slot.idle = true;
      if (draining) break;
      if (buf.size() == 0) {
        if (!first) deadline.expires_after(cfg.idle_timeout);
        // (The client's reads go through start_read and finish_read: read_hint.hpp.)
        auto into = buf.prepare(4096);
        ReadStart got = start_read(socket, into);
        if (!got.done) {
          auto [ec, n] = co_await socket.async_read_some(into, awaited);
          finish_read(socket, got, ec, n, 4096);
        }
        if (got.ec) break;
        buf.commit(got.n);
      }
      slot.idle = false;
      slot.heard = true;
      if (!first) deadline.expires_after(cfg.header_timeout);

      RequestParser parser(req, cfg.max_body_bytes);
      beast::error_code ec;
      buf.consume(parser.feed(buffered(buf), /*head_only=*/true, ec));
      if (ec == bhttp::error::need_more) ec = co_await read_more(socket, buf, parser, true);
      if (ec) {
        co_await refuse(socket, deadline, req, ec, "request");
        break;
      }
      if (over_limit && req.path() != "/health" && req.path() != "/healthz") {
        Error full = Error::make(ErrorCode::unavailable, "the gateway is at its connection limit");
        full.retry_after = std::chrono::seconds(1);
        co_await reject(socket, deadline, req, full);
        co_await discard_rest(socket, deadline, kDiscardAfterError);
        break;
      }
      if (beast::iequals(req.headers.get("expect"), "100-continue")) {
        static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        auto [wec, wn] = co_await asio::async_write(socket, asio::buffer(kContinue), awaited);
        if (wec) break;
      }
      deadline.expires_after(cfg.body_timeout);
      buf.consume(parser.feed(buffered(buf), /*head_only=*/false, ec));
      if (ec == bhttp::error::need_more) ec = co_await read_more(socket, buf, parser, false);
      if (ec) {
        co_await refuse(socket, deadline, req, ec, "request body");
        break;
      }
      deadline.disarm();

      std::string id;
      if (auto given = req.headers.get("x-request-id"); usable_request_id(given))
        id = std::string(given);
      else
        id = new_request_id();
      interrupt->why = Interrupt::Why::none;
      Exchange ex(socket, deadline, req, std::move(id), draining || over_limit, cfg.idle_timeout, interrupt);
      std::string_view origin = server->cors_.allowed_origin(req);
      if (is_preflight(req)) {
        co_await preflight(ex, origin);
      } else {
        if (!origin.empty()) {
          ex.add_header("access-control-allow-origin", origin);
          ex.add_header("access-control-expose-headers", Cors::kExposedHeaders);
          ex.add_header("vary", "origin");
        }
        if (auto refused = check_content_type(req))
          co_await server->on_error_(ex, *refused);
        else
          co_await server->handler_(ex);
      }
      if (!ex.responded()) {
        // A handler that wrote nothing is a bug; the client still gets an answer.
        co_await server->on_error_(ex, Error::make(ErrorCode::internal, "no response was produced"));
      }
      if (!ex.keep_alive()) break;
      // Buffers are reused between requests, but an idle connection must not keep a large body's memory.
      if (req.body.capacity() > kKeepBytes) req.body = std::string();
      if (buf.size() == 0 && buf.capacity() > kKeepBytes) buf.shrink_to_fit();
    }
    deadline.disarm();
    boost::system::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);
    socket.close(ignored);
  }
};

struct Server::Signals {
  asio::io_context ioc;
  asio::signal_set set{ioc, SIGINT, SIGTERM, SIGHUP};
};

Server::Server(const config::ServerConfig& cfg, Handler handler, ErrorResponder on_error)
    : cfg_(cfg),
      handler_(std::move(handler)),
      on_error_(std::move(on_error)),
      cors_(cfg.cors_allowed_origins) {
  int n = cfg.threads > 0 ? cfg.threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) {
    auto w = std::make_unique<Worker>();
    w->server = this;
    workers_.push_back(std::move(w));
  }
}

Server::~Server() = default;

std::uint16_t Server::bind() {
  // Signals are caught from here on, before the address is announced: one arriving before run() waits for
  // it is kept for run(), instead of ending the process (SIGHUP) or skipping the drain (SIGTERM).
  signals_ = std::make_unique<Signals>();
  max_connections_ = prepare_connection_limit(cfg_);
  tcp::endpoint ep(asio::ip::make_address(cfg_.host), cfg_.port);
  if (!cfg_.reuse_port) ensure_not_listening(ep);
  for (auto& w : workers_) {
    open_acceptor(w->acceptor, ep);
    ep.port(w->acceptor.local_endpoint().port());  // port 0: every worker takes the port the first got
  }
  return ep.port();
}

void Server::run() {
  for (auto& w : workers_) asio::co_spawn(w->ioc, w->accept_loop(), asio::detached);

  std::mutex mu;
  std::condition_variable cv;
  std::size_t finished = 0;
  std::vector<std::thread> threads;
  for (auto& w : workers_) {
    threads.emplace_back([&, worker = w.get()] {
      worker->ioc.run();
      std::lock_guard lock(mu);
      ++finished;
      cv.notify_all();
    });
    name_thread(threads.back(), "mm-worker");
  }

  if (!signals_) signals_ = std::make_unique<Signals>();
  auto& sig_ioc = signals_->ioc;
  auto& signals = signals_->set;
  // Polls for a shutdown asked through shutdown() as well as for a signal.
  asio::steady_timer poll(sig_ioc);
  std::function<void()> arm = [&] {
    poll.expires_after(std::chrono::milliseconds(100));
    poll.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      if (stopping_) {
        signals.cancel();
        return;
      }
      arm();
    });
  };
  arm();
  // SIGHUP would ask for a configuration reload, which does not exist yet: it must not end the process.
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int signal) {
      if (!ec && signal == SIGHUP) {
        std::cerr << "modelmux: SIGHUP ignored (configuration reload is not supported)" << std::endl;
        wait_signal();
        return;
      }
      if (!ec) stopping_ = true;
      poll.cancel();
    });
  };
  wait_signal();
  sig_ioc.run();
  stopping_ = true;

  for (auto& w : workers_) asio::post(w->ioc, [worker = w.get()] { worker->drain(); });
  {
    std::unique_lock lock(mu);
    if (!cv.wait_for(lock, cfg_.shutdown_grace, [&] { return finished == workers_.size(); })) {
      // What is still running is cut, and has a moment to say so to its client and the log.
      for (auto& w : workers_) asio::post(w->ioc, [worker = w.get()] { worker->cut(); });
      cv.wait_for(lock, kCutGrace, [&] { return finished == workers_.size(); });
    }
  }
  for (auto& w : workers_) w->ioc.stop();
  for (auto& t : threads) t.join();
}

void Server::shutdown() {
  stopping_ = true;
}

}  // namespace modelmux::http
