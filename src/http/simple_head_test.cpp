// The direct head reader: which heads it takes (the SDKs' and providers' common shapes), which it leaves to
// Beast, and that the parsers read every one of them the same whichever way the head went. The fuzzers
// (tests/fuzz/fuzz_http_request.cpp, fuzz_http_response.cpp) hold the same on arbitrary bytes.
#include "http/simple_head.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/beast/http/error.hpp>
#include <cctype>
#include <random>
#include <string>
#include <vector>

#include "http/parse_test_support.hpp"

namespace modelmux::http {
namespace {

void expect_same_request(std::string_view text) {
  Parsed a = parse(text, 1024, true), b = parse(text, 1024, false);
  EXPECT_EQ(a.ec, b.ec) << text;
  EXPECT_EQ(a.used, b.used) << text;
  if (a.ec || b.ec) return;
  EXPECT_EQ(a.req.method, b.req.method) << text;
  EXPECT_EQ(a.req.head, b.req.head) << text;
  EXPECT_EQ(a.req.target, b.req.target) << text;
  EXPECT_EQ(a.req.version, b.req.version) << text;
  EXPECT_EQ(a.req.keep_alive, b.req.keep_alive) << text;
  EXPECT_EQ(a.req.body, b.req.body) << text;
  expect_same_headers(a.req.headers, b.req.headers, text);
}

bool simple_request(std::string_view text) {
  SimpleHead head;
  HeaderList headers;
  return read_simple_request(text, 1024, head, headers);
}

TEST(SimpleHead, TakesTheSdksRequests) {
  const std::string openai =
      "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1:4000\r\nconnection: keep-alive\r\n"
      "Accept: application/json\r\nContent-Type: application/json\r\nUser-Agent: OpenAI/JS 4.104.0\r\n"
      "X-Stainless-Retry-Count: 0\r\nAuthorization: Bearer mm-abc\r\ncontent-length: 2\r\n\r\n{}";
  EXPECT_TRUE(simple_request(openai));
  expect_same_request(openai);

  SimpleHead head;
  HeaderList headers;
  ASSERT_TRUE(read_simple_request(openai, 1024, head, headers));
  EXPECT_EQ(head.method, "POST");
  EXPECT_EQ(head.target, "/v1/chat/completions");
  EXPECT_EQ(head.version, 11u);
  EXPECT_EQ(head.content_length, 2u);
  EXPECT_TRUE(head.keep_alive);
  EXPECT_EQ(head.size, openai.size() - 2);
  EXPECT_EQ(headers.get("authorization"), "Bearer mm-abc");
  EXPECT_EQ(headers.get("user-agent"), "OpenAI/JS 4.104.0");

  for (std::string text : {
           std::string("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"),
           std::string("HEAD /v1/models HTTP/1.1\r\nHost: x\r\n\r\n"),
           std::string("GET / HTTP/1.0\r\n\r\n"),
           std::string("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nX-Empty:\r\nX-Blanks: \t a b \t\r\nContent-Length: "
                       "03\r\n\r\nabc"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nX-Utf8: caf\xc3\xa9\r\nContent-Length: 0\r\n\r\n"),
       }) {
    EXPECT_TRUE(simple_request(text)) << text;
    expect_same_request(text);
  }
}

TEST(SimpleHead, LeavesEverythingElseToBeast) {
  for (std::string text : {
           std::string("GET / HTTP/1.1\r\nHost: x\r\n"),  // not whole yet
           std::string("GET / HTTP/1.1\r\n\r\n"),         // no Host: Beast's path refuses it
           std::string("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
           std::string("GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
           std::string("GET  / HTTP/1.1\r\nHost: x\r\n\r\n"), std::string("GET / HTTP/1.1\nHost: x\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\r\n c\r\n\r\n"),  // obs-fold
           std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A : b\r\n\r\n"),       // blank before the colon
           std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: b\rc\r\n\r\n"),     // bare CR
           std::string("GET / HTTP/1.1\r\nHost: x\r\nX-A: \x7f\r\n\r\n"),     // DEL
           std::string("GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, Upgrade\r\n\r\n"),
           std::string("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\na"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1,1\r\n\r\na"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\na"),
           std::string("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n"),  // over the body limit
       }) {
    EXPECT_FALSE(simple_request(text)) << text;
    expect_same_request(text);
  }
}

// Names, values and targets of every length up to a few 16-byte blocks, with a byte that ends or breaks
// the run at every offset: the reader scans them 16 bytes at a time, and must take exactly what Beast takes
// and end each run at the same byte whichever block it falls in.
TEST(SimpleHead, ReadsLikeBeastWhereverAByteFallsInTheBlocksItScans) {
  std::mt19937 rng(20261201);
  auto pick = [&](std::string_view from) { return from[rng() % from.size()]; };
  const std::string_view name_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
  const std::string_view other_tchars = "!#$%&'*+.^_`|~";
  const std::string_view not_tchars = std::string_view("\"(),/;<=>?@[\\]{} \t\x01\x7f\x80\xff", 22);
  const std::string_view value_chars = "abcXYZ019 -_/:;,.=\"'()[]{}@\t\x80\xc3\xa9\xff";
  const std::string_view not_value_chars = std::string_view("\x01\x1f\x7f\x00\x0b", 5);
  const std::string_view target_chars = "/abcz09-._~%?=&:@!$'()*+,;\x80\xff";
  int taken = 0;
  for (int i = 0; i < 4000; ++i) {
    std::size_t name_len = 1 + rng() % 40, value_len = rng() % 56, target_len = rng() % 40;
    std::string name, value, target = "/";
    for (std::size_t k = 0; k < name_len; ++k) name += pick(rng() % 8 ? name_chars : other_tchars);
    for (std::size_t k = 0; k < value_len; ++k) value += pick(value_chars);
    for (std::size_t k = 0; k < target_len; ++k) target += pick(target_chars);
    if (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.front() = 'v';
    bool good = true;
    switch (rng() % 4) {  // one byte that breaks a run, at any place in it
      case 0:
        name[rng() % name.size()] = pick(not_tchars);
        good = false;
        break;
      case 1:
        if (value.empty()) break;
        value[rng() % value.size()] = pick(not_value_chars);
        good = false;
        break;
      case 2:
        target[rng() % target.size()] = pick(std::string_view(" \x01\x7f", 3));
        good = false;
        break;
      default:
        break;
    }
    std::string text = "POST " + target + " HTTP/1.1\r\nHost: x\r\n" + name + ": " + value +
                       "\r\nX-After: " + value + "\r\nContent-Length: 0\r\n\r\n";
    SCOPED_TRACE(i);
    expect_same_request(text);
    // What the standard allows and is in the common shape is taken here, not left to Beast (names that
    // change the framing or the connection are Beast's).
    static const std::vector<std::string> special = {
        "host", "upgrade", "connection", "proxy-connection", "content-length", "transfer-encoding"};
    std::string lower;
    for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (good && std::find(special.begin(), special.end(), lower) == special.end()) {
      EXPECT_TRUE(simple_request(text)) << text;
      taken += simple_request(text);
    }
  }
  EXPECT_GT(taken, 1000);
}

TEST(SimpleHead, ABodyArrivingInPiecesIsCountedToItsLength) {
  Request req;
  RequestParser parser(req, 1024);
  boost::beast::error_code ec;
  std::string_view text = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab";
  EXPECT_EQ(parser.feed(text, /*head_only=*/true, ec), text.size() - 2);
  EXPECT_FALSE(ec);
  EXPECT_TRUE(parser.got_some());
  EXPECT_EQ(parser.feed("ab", false, ec), 2u);
  EXPECT_EQ(ec, boost::beast::http::error::need_more);
  EXPECT_EQ(parser.feed("cdeGET", false, ec), 3u);  // the next request's bytes are left
  EXPECT_FALSE(ec);
  EXPECT_EQ(req.body, "abcde");
}

struct Reply {
  boost::beast::error_code ec;
  HeaderList headers;
  std::string body;
  int status = 0;
  bool done = false, keep_alive = false;
};

Reply parse_reply(std::string_view text, bool simple, bool closed) {
  Reply r;
  ResponseParser parser(r.headers, r.body, simple);
  parser.feed(text, /*head_only=*/false, r.ec);
  if (closed && r.ec == boost::beast::http::error::need_more) parser.end_of_stream(r.ec);
  r.status = parser.status;
  r.done = parser.done();
  r.keep_alive = r.done && parser.keep_alive();  // (asked only of a whole reply, as NetworkReply does)
  return r;
}

void expect_same_reply(std::string_view text, bool closed = false) {
  Reply a = parse_reply(text, true, closed), b = parse_reply(text, false, closed);
  EXPECT_EQ(a.ec, b.ec) << text;
  EXPECT_EQ(a.done, b.done) << text;
  if (a.ec || b.ec) return;
  EXPECT_EQ(a.status, b.status) << text;
  EXPECT_EQ(a.keep_alive, b.keep_alive) << text;
  EXPECT_EQ(a.body, b.body) << text;
  expect_same_headers(a.headers, b.headers, text);
}

bool simple_reply(std::string_view text) {
  SimpleHead head;
  HeaderList headers;
  return read_simple_response(text, head, headers);
}

TEST(SimpleHead, TakesTheProvidersRepliesWithALength) {
  for (std::string text : {
           std::string("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: application/json\r\n"
                       "Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"),
           std::string("HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\ncontent-length: 0\r\n\r\n"),
           std::string("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"),  // HTTP/1.0: closes
           std::string("HTTP/1.1 500 \r\nContent-Length: 1\r\nConnection: close\r\n\r\nx"),
       }) {
    EXPECT_TRUE(simple_reply(text)) << text;
    expect_same_reply(text);
  }
  for (std::string text : {
           std::string("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"),
           std::string("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n"),
           std::string("HTTP/1.1 100 Continue\r\n\r\n"),
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
           std::string("HTTP/1.1 200OK\r\nContent-Length: 3\r\n\r\nabc"),
       }) {
    EXPECT_FALSE(simple_reply(text)) << text;
    expect_same_reply(text);
  }
  // Without a length the body runs to the end of the stream: Beast's path reads it.
  std::string to_eof = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nabc";
  EXPECT_FALSE(simple_reply(to_eof));
  expect_same_reply(to_eof, /*closed=*/true);
  Reply cut = parse_reply("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", true, true);
  EXPECT_EQ(cut.ec, boost::beast::http::error::partial_message);
}

// A chunked reply given to the parser as it may arrive: every piece is kept in a buffer until the parser
// uses it, as NetworkReply does. Beast asserts (debug builds) when a last chunk it has seen whole is looked
// at again with fewer than five bytes (a body opening with "0\r\n"); the parser holds the last chunk back
// until its trailer section is whole, whether the body opens with it or a chunk came first.
TEST(SimpleHead, AChunkedReplyTrickledInEndsWhole) {
  for (std::string body : {std::string("0\r\n\r\n"), std::string("1\r\nx\r\n0\r\n\r\n"),
                           std::string("2\r\n{}\r\n0\r\nx-a: b\r\n\r\n")}) {
    std::string text = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
    HeaderList headers;
    std::string got;
    ResponseParser parser(headers, got);
    std::string pending;
    boost::beast::error_code ec;
    for (char c : text) {
      pending += c;
      pending.erase(0, parser.feed(pending, /*head_only=*/false, ec));
      if (ec && ec != boost::beast::http::error::need_more) break;
    }
    EXPECT_FALSE(ec) << body;
    EXPECT_TRUE(parser.done()) << body;
    EXPECT_EQ(got, parse_reply(text, false, false).body) << body;
  }
}

}  // namespace
}  // namespace modelmux::http
