// write_now on a real loopback connection: a small write goes whole at once; one larger than the socket
// can take goes in part, and the rest (rest_of) follows through async_write with every byte in order; a
// blocking socket is never written to synchronously.
#include "http/write_now.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <string>

namespace modelmux::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Pair {
  asio::io_context ioc;
  tcp::socket writer{ioc}, reader{ioc};
  Pair() {
    tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), 0});
    writer.connect(acceptor.local_endpoint());
    acceptor.accept(reader);
  }
};

std::string pattern(std::size_t n, unsigned seed) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + seed) % 251);
  return s;
}

TEST(WriteNow, ASmallWriteGoesWholeAtOnce) {
  Pair p;
  p.writer.non_blocking(true);
  std::string head = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n", body = "{}";
  std::array<asio::const_buffer, 2> buffers{asio::buffer(head), asio::buffer(body)};
  std::size_t written = 0;
  boost::system::error_code ec;
  EXPECT_TRUE(write_now(p.writer, buffers, written, ec));
  EXPECT_FALSE(ec);
  EXPECT_EQ(written, head.size() + body.size());
  std::string got(written, '\0');
  asio::read(p.reader, asio::buffer(got));
  EXPECT_EQ(got, head + body);
}

TEST(WriteNow, WhatTheSocketCannotTakeNowFollowsInOrder) {
  Pair p;
  // A small send buffer; 1 MiB is more than it and the reader's unread window hold together.
  p.writer.set_option(asio::socket_base::send_buffer_size(4096));
  p.writer.non_blocking(true);
  std::string a = pattern(3000, 1), b = pattern(1 << 20, 2), c = pattern(5000, 3);
  std::array<asio::const_buffer, 3> buffers{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
  std::size_t written = 0;
  boost::system::error_code ec;
  EXPECT_FALSE(write_now(p.writer, buffers, written, ec));
  EXPECT_FALSE(ec);
  EXPECT_LT(written, a.size() + b.size() + c.size());

  std::vector<asio::const_buffer> rest = rest_of(buffers, written);
  EXPECT_EQ(asio::buffer_size(rest), a.size() + b.size() + c.size() - written);
  boost::system::error_code write_ec, read_ec;
  asio::async_write(p.writer, rest, [&](boost::system::error_code e, std::size_t) { write_ec = e; });
  std::string got;
  asio::async_read(p.reader, asio::dynamic_buffer(got), asio::transfer_exactly(a.size() + b.size() + c.size()),
                   [&](boost::system::error_code e, std::size_t) { read_ec = e; });
  p.ioc.run();
  EXPECT_FALSE(write_ec);
  EXPECT_FALSE(read_ec);
  EXPECT_TRUE(got == a + b + c);
}

TEST(WriteNow, RestOfSkipsWholeAndPartBuffers) {
  std::string a = "abc", b = "defgh", c = "ij";
  std::array<asio::const_buffer, 3> buffers{asio::buffer(a), asio::buffer(b), asio::buffer(c)};
  auto text = [](const std::vector<asio::const_buffer>& v) {
    std::string s;
    for (const auto& x : v) s.append(static_cast<const char*>(x.data()), x.size());
    return s;
  };
  EXPECT_EQ(text(rest_of(buffers, 0)), "abcdefghij");
  EXPECT_EQ(text(rest_of(buffers, 3)), "defghij");
  EXPECT_EQ(text(rest_of(buffers, 5)), "fghij");
  EXPECT_EQ(text(rest_of(buffers, 9)), "j");
  EXPECT_EQ(rest_of(buffers, 10).size(), 0u);
}

TEST(WriteNow, ABlockingSocketIsLeftToTheAsynchronousWrite) {
  Pair p;
  std::string text = "hello";
  std::size_t written = 99;
  boost::system::error_code ec;
  EXPECT_FALSE(write_now(p.writer, asio::buffer(text), written, ec));
  EXPECT_EQ(written, 0u);
  EXPECT_FALSE(ec);
}

}  // namespace
}  // namespace modelmux::http
