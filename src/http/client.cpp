#include "http/client.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>

#include <array>
#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <unordered_map>

#include "core/awaited.hpp"
#include "http/deadline.hpp"
#include "http/head.hpp"
#include "http/message.hpp"
#include "http/read_hint.hpp"
#include "http/write_now.hpp"

namespace modelmux::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

std::string_view MemoryReply::header(std::string_view name) const {
  for (const auto& [k, v] : headers_)
    if (beast::iequals(k, name)) return v;
  return {};
}

asio::awaitable<Result<std::string_view>> MemoryReply::read_some() {
  if (read_) co_return std::string_view{};
  read_ = true;
  co_return std::string_view(body_);
}

asio::awaitable<Result<std::string>> Reply::read_all(std::size_t limit) {
  std::string out;
  for (;;) {
    auto piece = co_await read_some();
    if (!piece) co_return std::unexpected(piece.error());
    if (piece->empty()) break;
    if (out.size() + piece->size() > limit)
      co_return fail(ErrorCode::upstream_error, fmt::format("upstream reply larger than {} bytes", limit));
    out.append(*piece);
  }
  co_return out;
}

namespace {

asio::ssl::context& tls_context() {
  static asio::ssl::context ctx = [] {
    asio::ssl::context c(asio::ssl::context::tls_client);
    c.set_default_verify_paths();
    c.set_verify_mode(asio::ssl::verify_peer);
    c.set_options(asio::ssl::context::no_sslv2 | asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                  asio::ssl::context::no_tlsv1_1);
    return c;
  }();
  return ctx;
}

struct Connection {
  Connection(const asio::any_io_executor& ex, bool use_tls)
      : plain(use_tls ? nullptr : std::make_unique<tcp::socket>(ex)),
        tls(use_tls ? std::make_unique<asio::ssl::stream<tcp::socket>>(ex, tls_context()) : nullptr),
        deadline(lowest()) {}

  std::string origin;
  std::unique_ptr<tcp::socket> plain;
  std::unique_ptr<asio::ssl::stream<tcp::socket>> tls;
  Deadline deadline;
  // Bounds what waits unparsed (a head, a chunk line, a trailer section): without it an upstream sending an
  // endless chunk extension or trailer section would be buffered whole.
  beast::flat_buffer buffer{kHeaderLimit};
  HeaderList reply_headers;  // storage for the reply being read, reused across requests
  std::string reply_body;
  std::string request_head;  // the request head being sent, its capacity reused across requests
  Clock::time_point idle_since;
  bool reused = false;

  Abortable* owner = nullptr;  // the request using this connection, which may abort it

  ~Connection() { detach(); }
  void attach(Abortable* a) {
    owner = a;
    if (owner) owner->add(&lowest());
  }
  void detach() {
    if (owner) owner->remove(&lowest());
    owner = nullptr;
  }
  tcp::socket& lowest() { return tls ? tls->next_layer() : *plain; }
};

// Idle connections by origin, one pool per io_context (that is, per worker thread): a coroutine resumes on
// the context that started it, so no lock is needed, and the pool goes away with its context.
struct Pool : asio::execution_context::service {
  using key_type = Pool;
  static asio::execution_context::id id;
  static constexpr std::size_t kMaxIdlePerOrigin = 512;
  static constexpr auto kMaxIdleAge = std::chrono::seconds(30);
  std::unordered_map<std::string, std::vector<std::unique_ptr<Connection>>> idle;

  // Bumped whenever any pool goes away, so per-thread look-up caches never outlive their pool.
  static inline std::atomic<std::uint64_t> epoch{0};

  explicit Pool(asio::execution_context& ctx) : asio::execution_context::service(ctx) {}
  void shutdown() override {
    idle.clear();
    epoch.fetch_add(1);
  }

  std::unique_ptr<Connection> take(const std::string& origin) {
    auto it = idle.find(origin);
    if (it == idle.end()) return nullptr;
    auto& list = it->second;
    auto now = Clock::now();
    while (!list.empty()) {
      auto c = std::move(list.back());
      list.pop_back();
      if (now - c->idle_since < kMaxIdleAge && c->lowest().is_open()) {
        c->reused = true;
        return c;
      }
    }
    return nullptr;
  }

  void put(std::unique_ptr<Connection> c) {
    c->detach();
    if (c->reply_body.capacity() > 64 * 1024) c->reply_body = std::string();
    if (c->buffer.size() == 0 && c->buffer.capacity() > 64 * 1024) c->buffer.shrink_to_fit();
    auto& list = idle[c->origin];
    if (list.size() >= kMaxIdlePerOrigin) return;
    c->idle_since = Clock::now();
    // Its reply read whole and nothing read while it waits here: the next request's reply will be read
    // without a recv tried first, which would fail (read_hint.hpp). Whatever the upstream sends meanwhile,
    // a close most often, is an epoll event that turns trying first back on, and the close is then found at
    // once; a close whose event came before this, with the reply's last bytes or after them, keeps it on
    // (mark_drained).
    if (!c->tls) mark_drained(*c->plain);
    list.push_back(std::move(c));
  }
};
asio::execution_context::id Pool::id;

// asio::use_service locks and searches the context's service registry; a thread runs one context at a
// time in practice, so the last answer is remembered per thread.
template <class Executor>
Pool& pool_of(const Executor& ex) {
  thread_local asio::execution_context* last_ctx = nullptr;
  thread_local Pool* last_pool = nullptr;
  thread_local std::uint64_t last_epoch = 0;
  auto& ctx = asio::query(ex, asio::execution::context);
  std::uint64_t now = Pool::epoch.load(std::memory_order_acquire);
  if (&ctx != last_ctx || last_epoch != now) {
    last_pool = &asio::use_service<Pool>(ctx);
    last_ctx = &ctx;
    last_epoch = now;
  }
  return *last_pool;
}

// Network failures say what happened, never where: the attempts stage names the target by its label, and
// an upstream's address is nothing a client should learn.
Error network_error(const beast::error_code& ec, std::string_view phase, bool timed_out) {
  if (timed_out) return Error::make(ErrorCode::timeout, fmt::format("the upstream timed out ({})", phase));
  if (ec == asio::error::connection_refused)
    return Error::make(ErrorCode::connection_failed, "the upstream refused the connection");
  return Error::make(ErrorCode::connection_failed,
                     fmt::format("the upstream connection failed ({}): {}", phase, ec.message()));
}

// A reply that could not be read: malformed (the upstream's fault: upstream_error, saying what was wrong),
// or cut, reset or timed out (the network's: network_error). Beast's own parse errors count as malformed,
// except a connection closed before the reply was whole.
Error reply_error(const beast::error_code& ec, std::string_view phase, bool timed_out) {
  static const auto& beast_http = make_error_code(bhttp::error::bad_chunk).category();
  bool malformed = ec == bhttp::error::buffer_overflow || ec.category() == parse_error_category() ||
                   (ec.category() == beast_http && ec != bhttp::error::end_of_stream &&
                    ec != bhttp::error::partial_message);
  if (!malformed) return network_error(ec, phase, timed_out);
  return Error::make(
      ErrorCode::upstream_error,
      fmt::format("the upstream sent a malformed reply: {}",
                  ec == bhttp::error::buffer_overflow ? "a chunk line or trailer section longer than 64 KiB"
                                                      : ec.message()));
}

asio::awaitable<Result<std::unique_ptr<Connection>>> connect(const Url& origin, const ClientTimeouts& t,
                                                             Abortable* abortable) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, endpoints] = co_await resolver.async_resolve(origin.host, std::to_string(origin.port), awaited);
  if (rec)
    co_return fail(ErrorCode::connection_failed,
                   fmt::format("cannot resolve the upstream's host name: {}", rec.message()));
  auto c = std::make_unique<Connection>(ex, origin.tls);
  c->origin = origin.origin();
  c->attach(abortable);
  if (abortable && abortable->aborted()) co_return fail(ErrorCode::unavailable, "the request was aborted");
  auto& low = c->lowest();
  c->deadline.expires_after(t.connect);
  auto [cec, ep] = co_await asio::async_connect(low, endpoints, awaited);
  if (cec) co_return std::unexpected(network_error(cec, "connect", c->deadline.expired()));
  boost::system::error_code ignored;
  low.set_option(tcp::no_delay(true), ignored);
  if (c->tls) {
    if (!SSL_set_tlsext_host_name(c->tls->native_handle(), origin.host.c_str()))
      co_return fail(ErrorCode::connection_failed, "cannot set TLS server name");
    c->tls->set_verify_callback(asio::ssl::host_name_verification(origin.host));
    auto [hec] = co_await c->tls->async_handshake(asio::ssl::stream_base::client, awaited);
    if (hec) co_return std::unexpected(network_error(hec, "TLS handshake", c->deadline.expired()));
  }
  c->deadline.disarm();
  co_return c;
}

class NetworkReply final : public Reply {
 public:
  // The parser is part of the reply (one allocation for both); it writes into the connection's header and
  // body storage, which outlive it.
  NetworkReply(std::unique_ptr<Connection> conn, ClientTimeouts timeouts)
      : conn_(std::move(conn)), parser_(conn_->reply_headers, conn_->reply_body), timeouts_(timeouts) {}

  ~NetworkReply() override {
    if (!conn_) return;
    conn_->deadline.disarm();
    if (parser_.done() && parser_.keep_alive()) pool_of(conn_->lowest().get_executor()).put(std::move(conn_));
  }

  // Reads the reply's head; the error is the network's, for send() to judge (a stale pooled connection is
  // retried on a fresh one).
  asio::awaitable<beast::error_code> read_head() { return pump(/*head_only=*/true); }
  Connection& connection() { return *conn_; }

  int status() const override { return parser_.status; }
  std::string_view header(std::string_view name) const override { return parser_.headers.get(name); }

  asio::awaitable<Result<std::string_view>> read_some() override {
    parser_.body.clear();  // the caller is done with the previous piece
    while (!parser_.done() && parser_.body.empty()) {
      if (auto r = co_await read_more(); !r) co_return std::unexpected(r.error());
    }
    co_return std::string_view(parser_.body);
  }

  asio::awaitable<Result<std::string>> read_all(std::size_t limit) override {
    while (!parser_.done()) {
      if (auto r = co_await read_more(); !r) co_return std::unexpected(r.error());
      if (parser_.body.size() > limit) co_return too_large(limit);
    }
    co_return std::move(parser_.body);
  }

  bool whole_if_here(Result<std::string>& out, std::size_t limit) override {
    // (An abort stops the reply here as it does the next read: read_all says so.)
    if (!conn_ || (conn_->owner && conn_->owner->aborted())) return false;
    if (!parser_.done()) {
      auto& buf = conn_->buffer;
      if (buf.size() == 0) return false;
      beast::error_code ec;
      buf.consume(parser_.feed({static_cast<const char*>(buf.data().data()), buf.size()}, false, ec));
      if (ec && ec != bhttp::error::need_more) {
        out = std::unexpected(broken(ec, /*timed_out=*/false));
        return true;
      }
      if (!parser_.done()) return false;
    }
    if (parser_.body.size() > limit)
      out = too_large(limit);
    else
      out = std::move(parser_.body);
    return true;
  }

 private:
  // Parses what the connection's buffer holds and reads more until the head is done (head_only), or new
  // body bytes are there for the caller, or the reply is done. A full buffer (a chunk line or trailer
  // section longer than it) is buffer_overflow.
  asio::awaitable<beast::error_code> pump(bool head_only) {
    auto& buf = conn_->buffer;
    beast::error_code ec;
    for (;;) {
      if (buf.size() > 0) {
        std::size_t had = parser_.body.size();
        buf.consume(parser_.feed({static_cast<const char*>(buf.data().data()), buf.size()}, head_only, ec));
        if (ec != bhttp::error::need_more) co_return ec;
        if (parser_.body.size() > had) co_return beast::error_code{};
      }
      std::size_t room = beast::read_size(buf, 65536);
      if (room == 0) co_return bhttp::error::buffer_overflow;
      // (The two streams' operations are of different types, and GCC 12 mishandles a co_await inside ?:.)
      std::tuple<beast::error_code, std::size_t> got;
      if (conn_->tls)
        got = co_await conn_->tls->async_read_some(buf.prepare(room), awaited);
      else
        got = co_await conn_->plain->async_read_some(buf.prepare(room), awaited);
      auto [rec, n] = got;
      if (rec == asio::error::eof) {
        parser_.end_of_stream(ec);
        co_return ec;
      }
      if (rec) co_return rec;
      buf.commit(n);
    }
  }

  asio::awaitable<Result<void>> read_more() {
    // An abort cancels the read under way; one that falls between two reads stops the next.
    if (conn_->owner && conn_->owner->aborted()) {
      conn_.reset();
      co_return fail(ErrorCode::unavailable, "the request was aborted");
    }
    conn_->deadline.expires_after(timeouts_.idle);
    auto ec = co_await pump(/*head_only=*/false);
    conn_->deadline.disarm();
    if (ec) co_return std::unexpected(broken(ec, conn_->deadline.expired()));
    co_return Result<void>{};
  }

  // The reply cannot be read on: what went wrong, and the connection dropped (never pooled in an unknown
  // state).
  Error broken(const beast::error_code& ec, bool timed_out) {
    conn_.reset();
    return reply_error(ec, "reading the reply", timed_out);
  }
  static std::unexpected<Error> too_large(std::size_t limit) {
    return fail(ErrorCode::upstream_error, fmt::format("upstream reply larger than {} bytes", limit));
  }

  std::unique_ptr<Connection> conn_;
  ResponseParser parser_;
  ClientTimeouts timeouts_;
};

// The request head is written directly: one string (the connection's, so its capacity is reused from
// request to request) and one gathered write with the body.
void write_head(std::string& head, const Url& origin, const ClientRequest& request) {
  using namespace std::string_view_literals;  // (lengths known at compile time: no strlen per piece)
  head.clear();
  head.append(request.method).append(" "sv).append(request.target).append(" HTTP/1.1\r\nhost: "sv);
  head.append(origin.host_header()).append("\r\n"sv);
  head.append(request.prepared_headers);
  for (const auto& [k, v] : request.headers) {
    head.append(k).append(": "sv);
    std::size_t at = head.size();
    head.append(v);
    scrub_line_breaks(head.data() + at, v.size());
    head.append("\r\n"sv);
  }
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    char digits[24];
    char* end = std::to_chars(digits, digits + sizeof digits, request.body.size()).ptr;
    head.append("content-length: "sv).append(digits, end).append("\r\n"sv);
  }
  head.append("\r\n"sv);
}

}  // namespace

asio::awaitable<Result<std::unique_ptr<Reply>>> send(const Url& origin, ClientRequest request,
                                                     const ClientTimeouts& timeouts) {
  // A pooled connection may have been closed by the upstream while idle; such a failure before any reply
  // byte is retried once on a fresh connection.
  Pool& pool = pool_of(co_await asio::this_coro::executor);
  Abortable* abortable = request.abortable;
  for (int round = 0; round < 2; ++round) {
    if (abortable && abortable->aborted()) co_return fail(ErrorCode::unavailable, "the request was aborted");
    auto conn = round == 0 ? pool.take(origin.origin()) : nullptr;
    if (conn) {
      conn->attach(abortable);
    } else {
      auto fresh = co_await connect(origin, timeouts, abortable);
      if (!fresh) co_return std::unexpected(fresh.error());
      conn = std::move(*fresh);
    }
    write_head(conn->request_head, origin, request);
    std::array<asio::const_buffer, 2> wire{asio::buffer(conn->request_head), asio::buffer(request.body)};
    conn->deadline.expires_after(timeouts.first_byte);
    // Over plain TCP the request nearly always goes out in one call, now; TLS, or what the socket did not
    // take, is written as it drains.
    beast::error_code wec;
    bool sent = !conn->tls && write_now(conn->lowest().native_handle(), wire, wec);
    if (!sent && !wec) {
      std::tuple<beast::error_code, std::size_t> wrote;
      if (conn->tls)
        wrote = co_await asio::async_write(*conn->tls, wire, awaited);
      else
        wrote = co_await asio::async_write(*conn->plain, wire, awaited);
      wec = std::get<0>(wrote);
    }
    if (wec) {
      if (conn->reused) continue;
      co_return std::unexpected(network_error(wec, "sending the request", conn->deadline.expired()));
    }
    bool reused = conn->reused;
    auto reply = std::make_unique<NetworkReply>(std::move(conn), timeouts);
    auto rec = co_await reply->read_head();
    if (rec) {
      bool stale = reused && (rec == bhttp::error::end_of_stream || rec == asio::error::connection_reset ||
                              rec == asio::error::eof);
      if (stale) continue;
      co_return std::unexpected(
          reply_error(rec, "waiting for the reply", reply->connection().deadline.expired()));
    }
    reply->connection().deadline.disarm();
    co_return reply;
  }
  co_return fail(ErrorCode::connection_failed, "the upstream closed the connection");
}

void Abortable::abort() {
  aborted_ = true;
  boost::system::error_code ignored;
  for (std::size_t i = 0; i < count_; ++i) few_[i]->cancel(ignored);
  for (auto* s : more_) s->cancel(ignored);
}

std::size_t idle_connections(asio::execution_context& ctx) {
  std::size_t n = 0;
  for (auto& [k, v] : asio::use_service<Pool>(ctx).idle) n += v.size();
  return n;
}

}  // namespace modelmux::http
