// write_now on a connected pair of stream sockets: all of it at once, part of it when the socket fills
// (the rest left in the buffers, in order, for the asynchronous write that follows), nothing and no error
// when it is full, and an error, not a SIGPIPE, when the peer is gone.
#include "http/write_now.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <string>

namespace {
namespace asio = boost::asio;
using modelmux::http::write_now;

struct Pair {
  int fd[2] = {-1, -1};
  Pair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0);
    int small = 4096;  // (the kernel doubles it, and keeps a minimum: still far below what is written)
    ::setsockopt(fd[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ::setsockopt(fd[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  }
  ~Pair() {
    for (int f : fd)
      if (f >= 0) ::close(f);
  }
  std::string drain() {
    std::string out;
    char buf[65536];
    for (ssize_t n; (n = ::recv(fd[1], buf, sizeof buf, MSG_DONTWAIT)) > 0;) out.append(buf, n);
    return out;
  }
};

TEST(WriteNow, WritesEveryBufferAtOnceWhenTheSocketHasRoom) {
  Pair p;
  std::string a = "HTTP/1.1 200 OK\r\n\r\n", b = "{\"ok\":true}";
  std::array<asio::const_buffer, 2> bufs{asio::buffer(a), asio::buffer(b)};
  boost::system::error_code ec;
  EXPECT_TRUE(write_now(p.fd[0], bufs, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(bufs[0].size() + bufs[1].size(), 0u);
  EXPECT_EQ(p.drain(), a + b);
}

TEST(WriteNow, LeavesWhatTheSocketDidNotTakeInOrderAndAFullSocketIsNoError) {
  Pair p;
  std::string head(100, 'h'), body(4 << 20, 'b');
  for (std::size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  std::array<asio::const_buffer, 2> bufs{asio::buffer(head), asio::buffer(body)};
  boost::system::error_code ec;
  EXPECT_FALSE(write_now(p.fd[0], bufs, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(bufs[0].size(), 0u);  // the head went, and part of the body
  std::size_t left = bufs[1].size();
  ASSERT_GT(left, 0u);
  ASSERT_LT(left, body.size());
  // Full: nothing more goes, and that is not an error.
  EXPECT_FALSE(write_now(p.fd[0], bufs, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(bufs[1].size(), left);
  // What went is the start of the message; written on as the peer reads, the rest completes it.
  std::string got = p.drain();
  while (!write_now(p.fd[0], bufs, ec)) {
    ASSERT_FALSE(ec);
    got += p.drain();
  }
  got += p.drain();
  EXPECT_EQ(got, head + body);
}

TEST(WriteNow, APeerThatIsGoneIsAnErrorNotASignal) {
  Pair p;
  ::close(p.fd[1]);
  p.fd[1] = -1;
  std::string a = "x";
  std::array<asio::const_buffer, 1> bufs{asio::buffer(a)};
  boost::system::error_code ec;
  EXPECT_FALSE(write_now(p.fd[0], bufs, ec));  // (MSG_NOSIGNAL: the test process would die of SIGPIPE)
  EXPECT_EQ(ec.value(), EPIPE);
  EXPECT_EQ(bufs[0].size(), 1u);
}

}  // namespace
