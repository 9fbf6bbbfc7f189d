// For the parsers' tests (message_test, simple_head_test): a request parsed from whole bytes in one feed,
// and two header lists compared entry by entry.
#pragma once

#include <gtest/gtest.h>

#include <boost/beast/core/error.hpp>
#include <string_view>

#include "http/message.hpp"

namespace modelmux::http {

struct Parsed {
  boost::beast::error_code ec;
  Request req;
  std::size_t used = 0;
};

// `simple_heads` false: every head through Beast's parser.
inline Parsed parse(std::string_view text, std::size_t body_limit = 1024, bool simple_heads = true) {
  Parsed p;
  RequestParser parser(p.req, body_limit, simple_heads);
  p.used = parser.feed(text, /*head_only=*/false, p.ec);
  return p;
}

inline void expect_same_headers(const HeaderList& a, const HeaderList& b, std::string_view context) {
  ASSERT_EQ(a.size(), b.size()) << context;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.name(i), b.name(i)) << context;
    EXPECT_EQ(a.value(i), b.value(i)) << context;
  }
}

}  // namespace modelmux::http
