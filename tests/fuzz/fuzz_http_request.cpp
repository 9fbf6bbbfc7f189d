// The server's request parsing (RequestParser::feed, driven as the session drives it: a read buffer bounded
// by kHeaderLimit, the head first, then the body) on arbitrary bytes, read in pieces of an arbitrary size
// and again in the largest pieces. It must never crash or read past what it was given (each feed sees an
// exactly sized copy, so ASan notices), always leave room in the buffer, accept a message only within its
// limits and RFC 9112's framing rules, and accept or refuse the same bytes however they were split. A head
// read directly (http/simple_head.hpp) must come out as Beast's parser reads it: the whole input is parsed
// a third time with every head through Beast, and the three must agree on the request, field by field.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace {

using modelmux::http::Request;
using modelmux::http::RequestParser;
namespace beast = boost::beast;

// What an accepted request must satisfy, whatever the bytes were.
void check_accepted(const Request& req, std::size_t body_limit) {
  if (req.body.size() > body_limit) std::abort();
  int hosts = 0, encodings = 0, lengths = 0;
  for (std::size_t i = 0; i < req.headers.size(); ++i) {
    auto name = req.headers.name(i);
    hosts += beast::iequals(name, "host");
    lengths += beast::iequals(name, "content-length");
    if (beast::iequals(name, "transfer-encoding")) {
      ++encodings;
      if (!beast::iequals(req.headers.value(i), "chunked")) std::abort();
    }
  }
  if (hosts > 1 || (req.version >= 11 && hosts == 0)) std::abort();
  if (encodings > 1 || (encodings == 1 && (lengths > 0 || req.version < 11))) std::abort();
}

struct Outcome {
  bool done = false;
  std::string request;  // everything the request says, written out
  bool operator==(const Outcome&) const = default;
};

std::string written(const Request& req) {
  std::string out = req.method + ' ' + req.target + ' ' + std::to_string(req.version) +
                    (req.head ? " head" : "") + (req.keep_alive ? " keep-alive\n" : " close\n");
  for (std::size_t i = 0; i < req.headers.size(); ++i)
    out.append(req.headers.name(i)).append(": ").append(req.headers.value(i)).append("\n");
  return out.append("\n").append(req.body);
}

Outcome parse(std::string_view input, std::size_t body_limit, std::size_t read_size, bool simple) {
  Request req;
  RequestParser parser(req, body_limit, simple);
  beast::flat_buffer buf(modelmux::http::kHeaderLimit);
  std::size_t offset = 0;
  bool head_only = true;
  for (;;) {
    beast::error_code ec;
    auto copy = std::make_unique<char[]>(buf.size());
    if (buf.size() > 0) std::memcpy(copy.get(), buf.data().data(), buf.size());  // (an empty one: null data)
    buf.consume(parser.feed({copy.get(), buf.size()}, head_only, ec));
    if (!ec && head_only) {
      head_only = false;
      continue;
    }
    if (!ec) check_accepted(req, body_limit);
    if (ec != beast::http::error::need_more) return {!ec, ec ? std::string() : written(req)};
    if (offset == input.size()) return {};
    std::size_t room = beast::read_size(buf, 65536);
    if (room == 0) std::abort();  // the session would spin on a full buffer
    std::size_t n = std::min({read_size, input.size() - offset, room});
    std::memcpy(buf.prepare(n).data(), input.data() + offset, n);
    buf.commit(n);
    offset += n;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  std::size_t body_limit = 64 + std::size_t{data[0]} * 64;  // small, so the fuzzer reaches it
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  // Each feed copies what waits; at least 1/64 of a large input a read keeps that from going quadratic.
  std::size_t read_size = std::max(1 + std::size_t{data[1]} * 32, input.size() / 64);

  Outcome pieces = parse(input, body_limit, read_size, true);
  Outcome whole = parse(input, body_limit, 65536, true);
  Outcome beast_only = parse(input, body_limit, 65536, false);
  if (!(pieces == whole) || !(whole == beast_only)) std::abort();
  return 0;
}
