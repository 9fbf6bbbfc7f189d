// Response heads: the status line, the header lines in order, the connection line by keep-alive and
// version, and CR/LF in any value (short or long, at any offset) turned into spaces.
#include "http/head.hpp"

#include <gtest/gtest.h>

#include <array>
#include <string>

using modelmux::http::HeaderView;
using modelmux::http::HeadParts;
using modelmux::http::render_head;

TEST(Head, StatusLineHeadersInOrderAndTheConnectionLine) {
  std::array<HeaderView, 2> extra{{{"x-ratelimit-limit-requests", "50"}, {"x-modelmux-cost", "0.0001"}}};
  std::array<HeaderView, 1> added{{{"retry-after", "3"}}};
  std::string ok = render_head({.content_type = "application/json", .request_id = "abc", .extra = extra});
  EXPECT_EQ(ok,
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nx-request-id: abc\r\n"
            "x-ratelimit-limit-requests: 50\r\nx-modelmux-cost: 0.0001\r\n");
  std::string refused = render_head({.status = 429, .request_id = "r", .added = added, .keep_alive = false});
  EXPECT_EQ(refused,
            "HTTP/1.1 429 Too Many Requests\r\nx-request-id: r\r\nretry-after: 3\r\nconnection: close\r\n");
  EXPECT_EQ(render_head({.request_id = "r", .version = 10}),
            "HTTP/1.1 200 OK\r\nx-request-id: r\r\nconnection: keep-alive\r\n");
  // Lines the caller rendered go after the headers, as they are, before the connection line.
  EXPECT_EQ(render_head({.request_id = "r",
                         .added = added,
                         .lines = "x-ratelimit-limit-requests: 50\r\nx-ratelimit-reset-requests: 1m0s\r\n",
                         .keep_alive = false}),
            "HTTP/1.1 200 OK\r\nx-request-id: r\r\nretry-after: 3\r\nx-ratelimit-limit-requests: 50\r\n"
            "x-ratelimit-reset-requests: 1m0s\r\nconnection: close\r\n");
  // Room is left for the caller's framing line: appending it does not move the string.
  const char* before = ok.data();
  ok.append("content-length: 1234567\r\n\r\n");
  EXPECT_EQ(ok.data(), before);
}

TEST(Head, CarriageReturnsAndLineFeedsInAnyValueBecomeSpaces) {
  for (std::size_t len = 1; len <= 40; ++len) {
    for (std::size_t at = 0; at < len; ++at) {
      for (char bad : {'\r', '\n'}) {
        std::string value(len, 'v');
        value[at] = bad;
        std::array<HeaderView, 1> extra{{{"x-modelmux-model", value}}};
        std::string head = render_head({.request_id = value, .extra = extra});
        std::string clean(len, 'v');
        clean[at] = ' ';
        EXPECT_EQ(head,
                  "HTTP/1.1 200 OK\r\nx-request-id: " + clean + "\r\nx-modelmux-model: " + clean + "\r\n")
            << "length " << len << ", at " << at;
      }
    }
  }
  // Bytes next to CR and LF (0x0c, 0x0e, 0x8d, 0x8a) stay as they are.
  std::string near =
      "\x0c\x0e\x8d\x8a\x0b\x09"
      "abc";
  EXPECT_EQ(render_head({.request_id = near}), "HTTP/1.1 200 OK\r\nx-request-id: " + near + "\r\n");
}
