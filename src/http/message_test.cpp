// RequestParser's verdicts on whole requests: the framing rules that stop request smuggling, the bounds on
// chunk lines and trailers, HEAD as GET. (tests/integration/hardening.test.mjs drives the same over sockets.)
#include "http/message.hpp"

#include <gtest/gtest.h>

#include <boost/beast/http/error.hpp>
#include <string>

#include "http/parse_test_support.hpp"

namespace modelmux::http {
namespace {

constexpr std::string_view kPost = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\n";

TEST(RequestParser, TakesContentLengthAndChunkedBodies) {
  auto a = parse(std::string(kPost) + "Content-Length: 2\r\n\r\n{}");
  EXPECT_FALSE(a.ec) << a.ec.message();
  EXPECT_EQ(a.req.body, "{}");
  auto b = parse(std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n1;a=b\r\n{\r\n1\r\n}\r\n0\r\n\r\n");
  EXPECT_FALSE(b.ec) << b.ec.message();
  EXPECT_EQ(b.req.body, "{}");
}

TEST(RequestParser, RefusesWhatCouldSmuggleARequest) {
  const std::pair<std::string, ParseError> cases[] = {
      {std::string(kPost) + "Transfer-Encoding: chunked, gzip\r\nContent-Length: 0\r\n\r\n",
       ParseError::transfer_coding},
      {std::string(kPost) + "Transfer-Encoding: identity\r\nContent-Length: 0\r\n\r\n",
       ParseError::transfer_coding},
      {std::string(kPost) + "Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n\r\n",
       ParseError::transfer_coding},
      {std::string(kPost) + "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       ParseError::transfer_coding},
      {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
       ParseError::transfer_encoding_http10},
      {"GET / HTTP/1.1\r\n\r\n", ParseError::missing_host},
      {"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", ParseError::several_hosts},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", ParseError::obs_fold},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-A:\r\n c\r\n\r\n", ParseError::obs_fold},
      {"GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\t\r\n\r\n", ParseError::obs_fold},
  };
  for (const auto& [text, error] : cases) EXPECT_EQ(parse(text).ec, make_error_code(error)) << text;
  // Counts do not wrap around, however many fields the head holds.
  std::string hosts = "GET / HTTP/1.1\r\n";
  for (int i = 0; i < 257; ++i) hosts += "Host: a\r\n";
  EXPECT_EQ(parse(hosts + "\r\n").ec, make_error_code(ParseError::several_hosts));
  std::string codings(kPost);
  for (int i = 0; i < 256; ++i) codings += "Transfer-Encoding: gzip\r\n";
  EXPECT_EQ(parse(codings + "Content-Length: 0\r\n\r\n").ec, make_error_code(ParseError::transfer_coding));
  // HTTP/1.0 needs no Host.
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").ec);
}

TEST(RequestParser, TrailersAreNotHeaders) {
  auto p =
      parse(std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nx-api-key: k\r\n\r\n");
  EXPECT_FALSE(p.ec) << p.ec.message();
  EXPECT_EQ(p.req.headers.get("x-api-key"), "");
}

TEST(RequestParser, BoundsChunkLinesAndTrailersHoweverTheBytesArrive) {
  std::string head = std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n";
  std::string long_line = head + "5;a=" + std::string(kChunkLineLimit, 'b') + "\r\nhello\r\n0\r\n\r\n";
  EXPECT_EQ(parse(long_line).ec, make_error_code(ParseError::chunk_line_too_long));
  std::string zeros = head + std::string(kChunkLineLimit, '0') + "5\r\nhello\r\n0\r\n\r\n";
  EXPECT_EQ(parse(zeros).ec, make_error_code(ParseError::chunk_line_too_long));
  std::string trailers = head + "2\r\n{}\r\n0\r\n";
  while (trailers.size() < kHeaderLimit + 100) trailers.append("x-t: ").append(100, 'b').append("\r\n");
  EXPECT_EQ(parse(trailers + "\r\n").ec, make_error_code(ParseError::trailers_too_large));
  // Still arriving: the same verdicts once enough bytes wait.
  EXPECT_EQ(parse(head + "5;a=" + std::string(kChunkLineLimit, 'b')).ec,
            make_error_code(ParseError::chunk_line_too_long));
  EXPECT_EQ(parse(trailers).ec, make_error_code(ParseError::trailers_too_large));
  // Short of the bounds: the parser waits for more.
  EXPECT_EQ(parse(head + "5;a=bbb").ec, boost::beast::http::error::need_more);
}

// Bytes arriving one at a time, re-presented with what waits unconsumed, as the session does.
Parsed parse_trickled(std::string_view text) {
  Parsed p;
  RequestParser parser(p.req, 1024);
  std::string waiting;
  for (char c : text) {
    waiting += c;
    p.ec = {};
    std::size_t used = parser.feed(waiting, /*head_only=*/false, p.ec);
    waiting.erase(0, used);
    p.used += used;
    if (p.ec != boost::beast::http::error::need_more) break;
  }
  return p;
}

TEST(RequestParser, AnEmptyChunkedBodyArrivingByteByByteIsTaken) {
  // Beast asserted (debug builds) when it looked again at a last chunk with fewer than five bytes waiting.
  std::string head = std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n";
  for (std::string body : {"0\r\n\r\n", "0\r\nx-t: 1\r\n\r\n", "2\r\n{}\r\n0\r\n\r\n"}) {
    auto p = parse_trickled(head + body);
    EXPECT_FALSE(p.ec) << body;
    EXPECT_EQ(p.used, head.size() + body.size()) << body;
  }
}

TEST(RequestParser, ABareCrInTheLastChunkLineIsRefusedHoweverItArrives) {
  // Waiting for the trailer section once a "line" ended at a later CRLF left a trickled request waiting
  // for ever where the same bytes in one read were refused (found by fuzz_http_request).
  std::string request = std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0;last\r~\r\n";
  auto whole = parse(request);
  auto trickled = parse_trickled(request);
  EXPECT_TRUE(whole.ec);
  EXPECT_EQ(trickled.ec, whole.ec);
}

TEST(RequestParser, ChunkDataNotEndedByCrlfIsRefusedHoweverItArrives) {
  // A chunk's data followed by a lone LF and a "0" line was taken for the last chunk's (an empty line read
  // as a size of zeros): the trickled request waited for a trailer section until its buffer was full.
  std::string request = std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n3\r\n{}\r\n0\r\nx-t: 1\r\n";
  auto whole = parse(request);
  auto trickled = parse_trickled(request);
  EXPECT_TRUE(whole.ec);
  EXPECT_NE(whole.ec, boost::beast::http::error::need_more);
  EXPECT_EQ(trickled.ec, whole.ec);
}

TEST(RequestParser, ChunkFramingCountsAgainstTheBodyLimit) {
  std::string body = std::string(kPost) + "Transfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 40; ++i) body += "1;a=" + std::string(3000, 'b') + "\r\nx\r\n";
  EXPECT_EQ(parse(body + "0\r\n\r\n").ec, make_error_code(ParseError::framing_too_large));
}

TEST(HeaderList, LooksUpNamesWhateverTheirCase) {
  HeaderList h;
  EXPECT_EQ(h.get("host"), "");
  h.add("Host", "a");
  h.add("X-Api-Key", "k1");
  h.add("x-api-key", "k2");
  h.add("Content-Type", "application/json");
  EXPECT_EQ(h.get("host"), "a");
  EXPECT_EQ(h.get("HOST"), "a");
  EXPECT_EQ(h.get("x-api-key"), "k1");  // the first value
  EXPECT_EQ(h.get("content-type"), "application/json");
  // Absent names, some sharing a length or a last letter with present ones.
  for (auto absent : {"hosT2", "hast", "x-api-kez", "authorization", "content-typf", "", "t"})
    EXPECT_EQ(h.get(absent), "") << absent;
  h.clear();
  EXPECT_EQ(h.get("host"), "");
  EXPECT_EQ(h.size(), 0u);
}

TEST(RequestParser, HeadIsRoutedAsGet) {
  auto p = parse("HEAD /health HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_FALSE(p.ec);
  EXPECT_EQ(p.req.method, "GET");
  EXPECT_TRUE(p.req.head);
}

TEST(HeaderList, NamesAreFoundWhateverTheCaseOfTheirLetters) {
  HeaderList h;
  h.add("Content-Type", "application/json");
  h.add("X-A~B", "tilde");
  h.add("x-ab_", "underscore");
  EXPECT_EQ(h.get("content-type"), "application/json");
  EXPECT_EQ(h.get("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(h.get("x-a~b"), "tilde");
  EXPECT_EQ(h.get("x-a^b"), "");  // only letters fold: '^' and '~' differ by the same bit
  EXPECT_EQ(h.get("X-AB_"), "underscore");
  EXPECT_EQ(h.get("x-ab\x7f"), "");
  EXPECT_EQ(h.get("content-typ"), "");
}

}  // namespace
}  // namespace modelmux::http
