// The sweeper's two jobs: a passed deadline cancels its socket's pending operations, and a next-tick call
// (what the client-departure watch is armed with) runs at the next tick unless cancelled first.
#include "http/deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <vector>

namespace {
namespace asio = boost::asio;
using modelmux::http::Deadline;
using namespace std::chrono_literals;

struct Calls {
  std::vector<int> order;
  Deadline* again = nullptr;  // a call that schedules another on this deadline
};

void record(void* arg, int n) {
  auto* calls = static_cast<Calls*>(arg);
  calls->order.push_back(n);
}

}  // namespace

TEST(Deadline, ANextTickCallRunsOnceAtTheNextTickUnlessCancelled) {
  asio::io_context io;
  asio::ip::tcp::socket a(io), b(io);
  Deadline da(a), db(b);
  Calls calls;
  da.call_at_next_tick([](void* arg) { record(arg, 1); }, &calls);
  db.call_at_next_tick([](void* arg) { record(arg, 2); }, &calls);
  db.cancel_tick();
  io.run_for(Deadline::kSweepInterval / 2);
  EXPECT_TRUE(calls.order.empty());  // not before the tick
  io.run_for(Deadline::kSweepInterval * 4);
  EXPECT_EQ(calls.order, std::vector<int>{1});  // once, and the cancelled one never
  io.run_for(Deadline::kSweepInterval * 2);
  EXPECT_EQ(calls.order, std::vector<int>{1});
  EXPECT_TRUE(io.stopped());  // nothing left armed: the sweeper stopped
}

TEST(Deadline, ACallMayScheduleTheNextOneForTheFollowingTick) {
  asio::io_context io;
  asio::ip::tcp::socket a(io);
  Deadline da(a);
  Calls calls;
  calls.again = &da;
  da.call_at_next_tick(
      [](void* arg) {
        auto* c = static_cast<Calls*>(arg);
        record(arg, 1);
        c->again->call_at_next_tick([](void* arg2) { record(arg2, 2); }, arg);
      },
      &calls);
  auto start = std::chrono::steady_clock::now();
  io.run_for(Deadline::kSweepInterval * 6);
  EXPECT_EQ(calls.order, (std::vector<int>{1, 2}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, Deadline::kSweepInterval * 2 - 5ms);
}

TEST(Deadline, ADeadlineThatPassesCancelsTheSocketsOperation) {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::address_v4::loopback(), 0});
  asio::ip::tcp::socket client(io), server(io);
  client.connect(acceptor.local_endpoint());
  acceptor.accept(server);
  Deadline d(server);
  d.expires_after(10ms);
  char byte;
  boost::system::error_code got;
  server.async_read_some(asio::buffer(&byte, 1),
                         [&](boost::system::error_code ec, std::size_t) { got = ec; });
  io.run_for(Deadline::kSweepInterval * 4);
  EXPECT_EQ(got, asio::error::operation_aborted);
  EXPECT_TRUE(d.expired());
}
