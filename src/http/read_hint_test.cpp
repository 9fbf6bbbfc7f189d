// http/read_hint.hpp on a loopback connection: a read after the hint waits for epoll, and any new bytes
// (or bytes not yet seen by epoll) still complete it.
#include "http/read_hint.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace modelmux::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

struct Pair {
  asio::io_context ioc;
  tcp::socket client{ioc}, server{ioc};
  char buf[64];
  std::optional<std::string> got;  // what the last read started got, once it completes
  Pair() {
    tcp::acceptor acceptor(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    client.connect(acceptor.local_endpoint());
    acceptor.accept(server);
  }
  void send(std::string_view bytes) { asio::write(server, asio::buffer(bytes)); }
  // Runs the loop for `d`, with a timer keeping it in epoll_wait (events for sockets with no read waiting
  // are taken and spent).
  void run_for(std::chrono::milliseconds d) {
    asio::steady_timer t(ioc, d);
    t.async_wait([](auto) {});
    ioc.run_for(d + 50ms);
    ioc.restart();
  }
};

// An async read of what `p.client` has, into `p.got` when it completes.
void start_read(Pair& p) {
  p.got.reset();
  p.client.async_read_some(asio::buffer(p.buf), [&p](boost::system::error_code ec, std::size_t n) {
    p.got = ec ? "error: " + ec.message() : std::string(p.buf, n);
  });
}

// The state a connection is in after a read that returned bytes (Asio then tries the next read first).
void read_some_bytes(Pair& p) {
  p.send("a");
  start_read(p);  // (tried at once: the socket has read nothing yet)
  p.run_for(20ms);
  ASSERT_EQ(p.got, "a");
}

// Bytes whose event epoll hands over while no read waits: a read tried first finds them, one that waits for
// epoll does not until the peer sends again.
void bytes_seen_while_no_read_waits(Pair& p) {
  read_some_bytes(p);
  p.send("b");
  p.run_for(50ms);
}

TEST(ReadHint, BytesThatCameBeforeTheReadAreReadWhenEpollHasNotSeenThemYet) {
  // The common case: a request written, its reply arriving before the read starts, epoll not yet asked.
  Pair p;
  read_some_bytes(p);
  p.send("reply");
  wait_before_next_read(p.client);
  start_read(p);
  p.run_for(100ms);
  EXPECT_EQ(p.got, "reply");
}

TEST(ReadHint, AReadAfterTheHintWaitsForEpollAndNewBytesWakeIt) {
  if (!read_hint_available()) GTEST_SKIP() << "the hint does nothing with this build's Asio";
  Pair p;
  // After the hint the read waits for epoll, which is why the hint is only for a socket whose peer will
  // send again (the contract in read_hint.hpp).
  bytes_seen_while_no_read_waits(p);
  wait_before_next_read(p.client);
  start_read(p);
  p.run_for(100ms);
  EXPECT_FALSE(p.got) << "the read was tried before waiting";
  // What the peer sends next wakes it, and the read takes everything there.
  p.send("c");
  p.run_for(100ms);
  EXPECT_EQ(p.got, "bc");
}

TEST(ReadHint, ACloseThatComesAfterTheHintIsFoundAtOnce) {
  // The pool's case (http/client.cpp): the hint given when a connection goes idle, the upstream's close
  // while it waits (a half-close, which draws no reset later), then a request and its reply's read.
  Pair p;
  read_some_bytes(p);
  wait_before_next_read(p.client);
  p.server.shutdown(tcp::socket::shutdown_send);
  p.run_for(50ms);  // (the close's event, taken while no read waits)
  asio::write(p.client, asio::buffer(std::string_view("request")));
  start_read(p);
  p.run_for(20ms);
  EXPECT_EQ(p.got, "error: End of file");
}

TEST(ReadHint, WithoutTheHintTheSameReadIsTriedAtOnce) {
  // The contrast to AReadAfterTheHintWaitsForEpollAndNewBytesWakeIt: Asio's own behaviour, which the hint
  // changes.
  Pair p;
  bytes_seen_while_no_read_waits(p);
  start_read(p);
  p.run_for(20ms);
  EXPECT_EQ(p.got, "b");
}

}  // namespace
}  // namespace modelmux::http
