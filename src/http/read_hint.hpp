// A hint to Asio's epoll reactor that a socket has nothing to read yet: its next read waits for epoll's word
// instead of first trying a recv that would fail.
//
// Asio tries a recv before it waits whenever the socket's last read returned bytes (epoll_reactor.ipp,
// `try_speculative_`; only an end of stream turns it off). Right after a request goes out upstream, its
// reply cannot be there yet, and the try is a recvfrom that fails: one a pass-through request, ~0.26 us of
// kernel time each on this VM (bench/results/cpu.md, eighth pass). nginx knows a socket is drained when a
// read returns less than it asked for; Asio 1.26 has no public way to say so, so this reaches the flag
// itself, and only on the Asio it was written against (elsewhere it does nothing).
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace modelmux::http {

// The next read on `socket` waits for an epoll event. Only for a read that anything the peer sends next
// will wake: an event that came while no read waited was taken then, and whatever it announced would not
// be read until the peer sends again. Right after a request is written, the peer's answer, close or reset
// is always a new event.
void wait_before_next_read(boost::asio::ip::tcp::socket& socket);

// Whether wait_before_next_read does anything with this build's Asio (tests).
bool read_hint_available();

}  // namespace modelmux::http
