// Hints to Asio's epoll reactor that a socket has nothing to read yet: its next read waits for epoll's word
// instead of first trying a recv that would fail.
//
// Asio tries a recv before it waits whenever the socket's last read returned bytes (epoll_reactor.ipp,
// `try_speculative_`; only an end of stream turns it off). The reply to a request written on a pooled
// upstream connection cannot be there yet, nor the client's next request when its reply has just gone out:
// each try was a recvfrom that failed, ~0.26 us of kernel time on this VM (bench/results/cpu.md, eighth and
// eleventh passes). nginx knows a socket is drained when a read returns less than it asked for, and learns
// of an end of stream that came with the bytes from EPOLLRDHUP; Asio 1.26 has no public way to say either,
// so this reaches its members itself, and only on the Asio it was written against (elsewhere it does
// nothing).
#pragma once

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>
#include <cstddef>

namespace modelmux::http {

// The next read on `socket` waits for an epoll event, unless an event for it comes first (which turns
// trying first back on). So it is for a socket drained of what has come so far, whose next bytes or close
// will be a new event: an event taken earlier while no read waited would go unread until the peer sends
// again. On the thread that runs the socket's io_context, which must be its only thread: another could
// take the event of bytes that came before the call.
void wait_before_next_read(boost::asio::ip::tcp::socket& socket);

// A read of what a peer sends unprompted (a client's next request, the rest of one), in two steps around
// the awaited read, so that the socket's next read waits for epoll without a recv that fails first:
//
//   ReadStart got = start_read(socket, buffer);  // before anything is awaited
//   if (!got.done) {
//     auto [ec, n] = co_await socket.async_read_some(buffer, awaited);
//     finish_read(socket, got, ec, n, buffer.size());
//   }
//   // got.ec, got.n: the read's result, either way
//
// A proxied request then makes 2 recvfrom, as nginx's, rather than 3 (the third failed with EAGAIN).
//
// Knowing when the socket is drained needs a read whose bytes are in hand before the loop takes another
// event: a read shorter than asked then leaves the socket empty, and anything later is a new event. Asio's
// recv tried first hands its bytes over only after the loop has gone round, so start_read tries that recv
// itself (when Asio would); and a read that waits completes inside the handler of the event that woke it,
// which is the awaiting coroutine's resumption, when nothing else on the socket is queued ahead of it.
// A short read leaves the socket empty of bytes, not of an end of stream that came with them: that one is
// told by epoll's EPOLLRDHUP (mark_drained). On the thread that runs the socket's io_context, its only thread
// (as wait_before_next_read).
struct ReadStart {
  bool done = false;  // the read is over here: `n` bytes, or `ec` (end of file, a reset)
  std::size_t n = 0;
  boost::system::error_code ec;
  bool from_event = false;  // if not done, the awaited read will complete straight from its epoll event
};
ReadStart start_read(boost::asio::ip::tcp::socket& socket, boost::asio::mutable_buffer buffer);

// wait_before_next_read for a socket a short read has just emptied, unless its peer's end of stream came
// with those bytes (read_hint.cpp): its next read then tries first, and finds it.
void mark_drained(boost::asio::ip::tcp::socket& socket);

// After the awaited read: its result goes into `read`, and a short read that came from its event left the
// socket drained, so its next read waits.
inline void finish_read(boost::asio::ip::tcp::socket& socket, ReadStart& read, boost::system::error_code ec,
                        std::size_t got, std::size_t asked) {
  read.done = true;
  read.ec = ec;
  read.n = got;
  if (!ec && read.from_event && got < asked) mark_drained(socket);
}

// Whether wait_before_next_read does anything with this build's Asio (tests).
bool read_hint_available();

}  // namespace modelmux::http
