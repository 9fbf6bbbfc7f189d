// The common shape of an HTTP/1.x head, read in one pass over bytes already in memory: the request and
// status lines, field lines of plain characters ending in CRLF, a body framed by one Content-Length. Beast's
// parser reads a head one state at a time through virtual calls; nearly every head a gateway sees (the SDKs'
// requests, the providers' replies) is this shape, and reading it directly costs a few times less.
//
// It only ever accepts: whatever it is not sure of (a partial head, obs-fold, Transfer-Encoding, Upgrade,
// a Connection list, a repeated Content-Length, a 1xx/204/304 reply, a missing Host, any byte it does not
// expect) makes it answer false, and the caller hands the same bytes to Beast, whose verdict (and error)
// stands. What it accepts, it reads as Beast would: tests/fuzz/fuzz_http_request and fuzz_http_response
// hold the two to the same fields, framing and keep-alive on arbitrary bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "http/message.hpp"

namespace modelmux::http {

struct SimpleHead {
  std::string_view method, target;  // a request's (views into the input)
  int status = 0;                   // a response's
  unsigned version = 11;            // 10 or 11
  std::uint64_t content_length = 0;
  bool keep_alive =
      true;              // as Beast's keep_alive(): HTTP/1.1 unless "close", HTTP/1.0 only with "keep-alive"
  std::size_t size = 0;  // bytes of the head, through its blank line
};

// A request head in `in`, whole: its fields added to `headers` (empty before), a Host (one, or none on
// HTTP/1.0) and a body of at most `body_limit` bytes. False: `headers` may hold part of the fields; the
// caller clears them.
bool read_simple_request(std::string_view in, std::size_t body_limit, SimpleHead& out, HeaderList& headers);

// A response head in `in`, whole, with a status from 200 to 599 other than 204 and 304 and a Content-Length.
bool read_simple_response(std::string_view in, SimpleHead& out, HeaderList& headers);

}  // namespace modelmux::http
