#include "http/exchange.hpp"

#include <sys/socket.h>

#include <array>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <charconv>

#include "core/awaited.hpp"
#include "http/write_now.hpp"

namespace modelmux::http {

// Response heads are written directly rather than through Beast's serializer (http/head.hpp): one string,
// one gathered write with the body, no per-field allocations on the hot path.
std::string Exchange::make_head(unsigned status, std::string_view content_type, HeaderViews extra,
                                std::string_view lines) const {
  return render_head({.status = status,
                      .content_type = content_type,
                      .request_id = request_id_,
                      .extra = extra,
                      .added = HeaderViews(added_.data(), added_count_),
                      .lines = lines,
                      .keep_alive = keep_alive_,
                      .version = request_.version});
}

bool Exchange::sent_now(std::span<asio::const_buffer> buffers) {
  boost::system::error_code ec;
  if (write_now(socket_.native_handle(), buffers, ec)) return true;
  if (ec) broken_ = true;
  return static_cast<bool>(ec);
}

asio::awaitable<bool> Exchange::send(auto const& buffers) {
  deadline_.expires_after(write_timeout_);
  auto [ec, n] = co_await asio::async_write(socket_, buffers, awaited);
  deadline_.disarm();
  if (ec) broken_ = true;
  co_return !ec;
}

asio::awaitable<bool> Exchange::respond(unsigned status, std::string_view content_type, std::string body,
                                        HeaderViews extra, std::string_view lines) {
  if (respond_now(status, content_type, std::move(body), extra, lines)) co_return !broken_;
  co_return co_await respond_rest();
}

bool Exchange::respond_now(unsigned status, std::string_view content_type, std::string body,
                           HeaderViews extra, std::string_view lines) {
  responded_ = true;
  status_ = status;
  out_head_ = make_head(status, content_type, extra, lines);
  std::size_t body_size = 0;
  if (status == 204) {  // RFC 9110 8.6: no content-length on a 204
    out_head_.append("\r\n");
  } else {
    // (std::to_chars, not snprintf: a formatted print cost more than the rest of the head together)
    char length[24];
    auto end = std::to_chars(length, length + sizeof length, body.size()).ptr;
    out_head_.append("content-length: ", 16).append(length, end).append("\r\n\r\n", 4);
    body_size = request_.head ? 0 : body.size();
  }
  out_body_ = std::move(body);
  out_ = {asio::buffer(out_head_), asio::buffer(out_body_.data(), body_size)};
  pending_ = !sent_now(out_);
  return !pending_;
}

asio::awaitable<bool> Exchange::respond_rest() {
  pending_ = false;
  co_return co_await send(out_);
}

asio::awaitable<bool> Exchange::begin_stream(unsigned status, std::string_view content_type,
                                             HeaderViews extra, std::string_view lines) {
  responded_ = true;
  streaming_ = true;
  status_ = status;
  std::string text = make_head(status, content_type, extra, lines);
  text.append("cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n");
  std::array<asio::const_buffer, 1> head{asio::buffer(text)};
  if (sent_now(head)) co_return !broken_;
  co_return co_await send(head);
}

asio::awaitable<bool> Exchange::write(std::string_view data) {
  if (broken_) co_return false;
  // An empty chunk would end the chunked body; a response to HEAD has no body at all.
  if (data.empty() || request_.head) co_return true;
  char size_line[24];
  char* end = std::to_chars(size_line, size_line + 20, data.size(), 16).ptr;
  *end++ = '\r';
  *end++ = '\n';
  std::array<asio::const_buffer, 3> buffers{
      asio::buffer(size_line, static_cast<std::size_t>(end - size_line)),
      asio::buffer(data.data(), data.size()), asio::buffer("\r\n", 2)};
  if (sent_now(buffers)) co_return !broken_;
  co_return co_await send(buffers);
}

asio::awaitable<bool> Exchange::end_stream() {
  if (broken_) co_return false;
  if (request_.head) co_return true;
  std::array<asio::const_buffer, 1> last{asio::buffer("0\r\n\r\n", 5)};
  if (sent_now(last)) co_return !broken_;
  co_return co_await send(last);
}

void Exchange::abort() {
  responded_ = true;
  broken_ = true;
  boost::system::error_code ignored;
  socket_.set_option(asio::socket_base::linger(true, 0), ignored);
  socket_.close(ignored);
}

namespace {

// The wait's handler may run after the request (even the session) is over: it holds the Interrupt, and
// touches the socket only while the watch is on, which the request turns off before it is over. A request
// arms it only when no earlier wait is pending.
void arm_watch(asio::ip::tcp::socket& socket, std::shared_ptr<Interrupt> it) {
  it->waiting = true;
  socket.async_wait(
      asio::ip::tcp::socket::wait_read, [it = std::move(it), &socket](boost::system::error_code ec) {
        it->waiting = false;
        if (!it->watching || ec) return;
        char c;
        ssize_t n = ::recv(socket.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
        bool closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
        if (n < 0 && !closed) return arm_watch(socket, it);  // a spurious wake-up
        it->watching = false;
        if (!closed) return;  // bytes of a next request: the client is there
        it->interrupt(Interrupt::Why::client_gone);
      });
}

}  // namespace

// The wait is armed at the connection's next sweeper tick, not at once: arming costs a system call
// (Asio re-registers the socket with epoll for each wait), and most requests that are over within a tick
// would pay it for nothing. A client that leaves is noticed up to one tick (50 ms) later.
void Exchange::watch_client() {
  if (!interrupt_ || interrupt_->watching) return;
  interrupt_->watching = true;
  if (!interrupt_->waiting) deadline_.call_at_next_tick(&Exchange::arm_watch_now, this);
}

void Exchange::arm_watch_now(void* self) {
  auto* exchange = static_cast<Exchange*>(self);
  if (exchange->interrupt_->watching && !exchange->interrupt_->waiting)
    arm_watch(exchange->socket_, exchange->interrupt_);
}

// The wait stays pending (cancelling it would cost more than letting it complete): it completes when the
// next request's bytes arrive or the connection closes, and finds the watch off.
void Exchange::unwatch_client() {
  if (!interrupt_) return;
  interrupt_->watching = false;
  deadline_.cancel_tick();
}

}  // namespace modelmux::http
