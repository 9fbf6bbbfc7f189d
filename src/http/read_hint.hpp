// A hint to Asio's epoll reactor that a socket has nothing to read yet: its next read waits for epoll's word
// instead of first trying a recv that would fail.
//
// Asio tries a recv before it waits whenever the socket's last read returned bytes (epoll_reactor.ipp,
// `try_speculative_`; only an end of stream turns it off). The reply to a request written on a pooled
// upstream connection cannot be there yet, and the try is a recvfrom that fails: one a pass-through
// request, ~0.26 us of kernel time each on this VM (bench/results/cpu.md, eighth pass). nginx knows a socket
// is drained when a read returns less than it asked for; Asio 1.26 has no public way to say so, so this
// reaches the flag itself, and only on the Asio it was written against (elsewhere it does nothing).
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace modelmux::http {

// The next read on `socket` waits for an epoll event, unless an event for it comes first (which turns
// trying first back on). So it is for a socket drained of what has come so far, whose next bytes or close
// will be a new event: an event taken earlier while no read waited would go unread until the peer sends
// again. On the thread that runs the socket's io_context, which must be its only thread: another could
// take the event of bytes that came before the call.
void wait_before_next_read(boost::asio::ip::tcp::socket& socket);

// Whether wait_before_next_read does anything with this build's Asio (tests).
bool read_hint_available();

}  // namespace modelmux::http
