#include "http/url.hpp"

#include <gtest/gtest.h>

using modelmux::http::parse_url;

TEST(Url, ParsesSchemesPortsAndPaths) {
  auto a = parse_url("https://api.openai.com/v1/");
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->tls);
  EXPECT_EQ(a->host, "api.openai.com");
  EXPECT_EQ(a->port, 443);
  EXPECT_EQ(a->path, "/v1");
  EXPECT_EQ(a->host_header(), "api.openai.com");
  auto b = parse_url("http://127.0.0.1:11434");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->tls);
  EXPECT_EQ(b->port, 11434);
  EXPECT_EQ(b->path, "");
  EXPECT_EQ(b->host_header(), "127.0.0.1:11434");
  auto c = parse_url("http://[::1]:8080/x");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->host, "::1");
  EXPECT_EQ(c->host_header(), "[::1]:8080");
}

TEST(Url, RejectsWhatIsNotAnHttpUrl) {
  EXPECT_FALSE(parse_url("ftp://x"));
  EXPECT_FALSE(parse_url("http://"));
  EXPECT_FALSE(parse_url("http://host:99999"));
  EXPECT_FALSE(parse_url("http://host:abc"));
}
