// http/read_hint.hpp on a loopback connection: a read after the hint waits for epoll, and any new bytes
// (or bytes not yet seen by epoll) still complete it; start_read and finish_read know when a socket is
// drained, and never leave bytes unread.
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
void begin_async_read(Pair& p) {
  p.got.reset();
  p.client.async_read_some(asio::buffer(p.buf), [&p](boost::system::error_code ec, std::size_t n) {
    p.got = ec ? "error: " + ec.message() : std::string(p.buf, n);
  });
}

// The state a connection is in after a read that returned bytes (Asio then tries the next read first).
void read_some_bytes(Pair& p) {
  p.send("a");
  begin_async_read(p);  // (tried at once: the socket has read nothing yet)
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
  begin_async_read(p);
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
  begin_async_read(p);
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
  begin_async_read(p);
  p.run_for(20ms);
  EXPECT_EQ(p.got, "error: End of file");
}

TEST(ReadHint, WithoutTheHintTheSameReadIsTriedAtOnce) {
  // The contrast to AReadAfterTheHintWaitsForEpollAndNewBytesWakeIt: Asio's own behaviour, which the hint
  // changes.
  Pair p;
  bytes_seen_while_no_read_waits(p);
  begin_async_read(p);
  p.run_for(20ms);
  EXPECT_EQ(p.got, "b");
}

// start_read, the awaited read if it was not done, and finish_read, as the server reads its clients; the
// awaited read completes when `p`'s loop runs.
struct ClientRead {
  Pair& p;
  ReadStart read;
  explicit ClientRead(Pair& pair, std::size_t size = sizeof(Pair::buf)) : p(pair) {
    read = start_read(p.client, asio::buffer(p.buf, size));
    if (read.done) return;
    p.client.async_read_some(asio::buffer(p.buf, size),
                             [this, size](boost::system::error_code ec, std::size_t n) {
                               finish_read(p.client, read, ec, n, size);
                             });
  }
  std::string got() const { return read.ec ? "error: " + read.ec.message() : std::string(p.buf, read.n); }
};

TEST(StartRead, ReadsAtOnceWhatAsioWouldHaveTriedFirstAndThenWaits) {
  if (!read_hint_available()) GTEST_SKIP() << "the hint does nothing with this build's Asio";
  Pair p;
  p.send("request");
  ClientRead first(p);  // a new socket: Asio would try a recv first, so start_read does
  ASSERT_TRUE(first.read.done);
  EXPECT_EQ(first.got(), "request");
  // That read was short, so the socket is drained: the next read waits, and completes from its event.
  ClientRead second(p);
  EXPECT_FALSE(second.read.done);
  EXPECT_TRUE(second.read.from_event);
  p.run_for(20ms);
  EXPECT_FALSE(second.read.done);
  p.send("next");
  p.run_for(50ms);
  ASSERT_TRUE(second.read.done);
  EXPECT_EQ(second.got(), "next");
  EXPECT_TRUE(ClientRead(p).read.from_event) << "a short read from its event left the socket drained";
}

TEST(StartRead, BytesWhoseEventCameWhileNoReadWaitedAreReadAtOnce) {
  // The case a drained socket must not lose: after a short read, the client sends more (a pipelined
  // request) and the loop takes its event before the next read starts.
  Pair p;
  p.send("a");
  ClientRead first(p);
  ASSERT_EQ(first.got(), "a");
  p.send("b");
  p.run_for(50ms);
  ClientRead second(p);
  ASSERT_TRUE(second.read.done);
  EXPECT_EQ(second.got(), "b");
  // And the same after a read that waited for its event.
  ClientRead third(p);
  p.send("c");
  p.run_for(50ms);
  ASSERT_EQ(third.got(), "c");
  p.send("d");
  p.run_for(50ms);
  ClientRead fourth(p);
  ASSERT_TRUE(fourth.read.done);
  EXPECT_EQ(fourth.got(), "d");
}

TEST(StartRead, AReadThatFillsItsBufferLeavesTheRestToBeReadFirst) {
  Pair p;
  p.send("abcd");
  ClientRead first(p, 2);
  ASSERT_TRUE(first.read.done);
  EXPECT_EQ(first.got(), "ab");
  ClientRead second(p, 2);  // (no event for the rest will come: it must be read now)
  ASSERT_TRUE(second.read.done);
  EXPECT_EQ(second.got(), "cd");
}

TEST(StartRead, AClientsCloseIsFoundWhetherAReadWaitsOrNot) {
  {
    Pair p;  // the close comes while the read waits
    p.send("a");
    ASSERT_EQ(ClientRead(p).got(), "a");
    ClientRead waiting(p);
    p.server.shutdown(tcp::socket::shutdown_send);
    p.run_for(50ms);
    EXPECT_EQ(waiting.got(), "error: End of file");
  }
  Pair p;  // the close comes between two reads, its event taken while none waits
  p.send("a");
  ASSERT_EQ(ClientRead(p).got(), "a");
  p.server.shutdown(tcp::socket::shutdown_send);
  p.run_for(50ms);
  ClientRead next(p);
  ASSERT_TRUE(next.read.done);
  EXPECT_EQ(next.got(), "error: End of file");
}

TEST(StartRead, AnEndOfStreamThatCameWithTheLastBytesIsFoundAtOnce) {
  // A client that half-closes right after its request: the request's bytes and the close in one event.
  // Marked drained after that read, the next would wait for an event that never comes.
  for (bool waits : {true, false}) {
    SCOPED_TRACE(waits ? "the read waited for the bytes" : "the bytes were there when the read began");
    Pair p;
    p.send("a");
    ClientRead first(p);
    ASSERT_EQ(first.got(), "a");
    std::optional<ClientRead> read;
    if (waits) {
      read.emplace(p);
      ASSERT_TRUE(read->read.from_event);
    }
    p.send("request");
    p.server.shutdown(tcp::socket::shutdown_send);
    p.run_for(50ms);
    if (!waits) read.emplace(p);
    ASSERT_EQ(read->got(), "request");
    ClientRead next(p);
    p.run_for(50ms);
    EXPECT_EQ(next.got(), "error: End of file");
  }
}

TEST(StartRead, LeavesAsioItsOwnWayWhenAnotherOperationWaitsOnTheSocket) {
  // The server's client watch: a wait for readability, pending when the next request's read starts. It
  // completes first from the shared event, so the read's completion is posted and proves nothing.
  Pair p;
  p.send("a");
  ASSERT_EQ(ClientRead(p).got(), "a");
  bool waited = false;
  p.client.async_wait(tcp::socket::wait_read, [&waited](boost::system::error_code) { waited = true; });
  ClientRead read(p);
  EXPECT_FALSE(read.read.done);
  EXPECT_FALSE(read.read.from_event);
  p.send("b");
  p.run_for(50ms);
  EXPECT_TRUE(waited);
  EXPECT_EQ(read.got(), "b");
  p.send("c");
  p.run_for(50ms);
  ClientRead next(p);  // not marked drained: tried at once, it finds what came
  ASSERT_TRUE(next.read.done);
  EXPECT_EQ(next.got(), "c");
}

}  // namespace
}  // namespace modelmux::http
