// An upstream reply's parsing (ResponseParser::feed, driven as the client's NetworkReply drives it: a read
// buffer bounded by kHeaderLimit, the head first, then the body until the parser is done or the stream
// ends) on arbitrary bytes, read in pieces of an arbitrary size and again whole, with heads in the common
// shape read directly (http/simple_head.hpp) and again with every head through Beast. It must never crash
// or read past what it was given, and the three readings must agree: accepted or not, and when accepted on
// the status, every field, the body and whether the connection can be kept.
#include <algorithm>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/http/error.hpp>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace {

using modelmux::http::HeaderList;
using modelmux::http::ResponseParser;
namespace beast = boost::beast;

struct Outcome {
  bool done = false;
  std::string reply;  // everything the reply says, written out
  bool operator==(const Outcome&) const = default;
};

Outcome parse(std::string_view input, std::size_t read_size, bool simple) {
  HeaderList headers;
  std::string body;
  ResponseParser parser(headers, body, simple);
  beast::flat_buffer buf(modelmux::http::kHeaderLimit);
  std::size_t offset = 0;
  bool head_only = true;
  beast::error_code ec;
  for (;;) {
    if (!head_only && parser.done()) break;
    if (buf.size() > 0) {
      auto copy = std::make_unique<char[]>(buf.size());
      std::memcpy(copy.get(), buf.data().data(), buf.size());
      buf.consume(parser.feed({copy.get(), buf.size()}, head_only, ec));
      if (!ec && head_only) {
        head_only = false;
        continue;
      }
      if (ec != beast::http::error::need_more) break;
    }
    if (offset == input.size()) {
      parser.end_of_stream(ec);
      break;
    }
    std::size_t room = beast::read_size(buf, 65536);
    if (room == 0) return {};  // buffer_overflow: refused
    std::size_t n = std::min({read_size, input.size() - offset, room});
    std::memcpy(buf.prepare(n).data(), input.data() + offset, n);
    buf.commit(n);
    offset += n;
  }
  if (ec) return {};
  if (!parser.done()) std::abort();  // accepted means whole
  std::string out = std::to_string(parser.status) + (parser.keep_alive() ? " keep-alive\n" : " close\n");
  for (std::size_t i = 0; i < headers.size(); ++i)
    out.append(headers.name(i)).append(": ").append(headers.value(i)).append("\n");
  return {true, out.append("\n").append(body)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::size_t read_size = std::max(1 + std::size_t{data[0]} * 32, input.size() / 64);
  Outcome pieces = parse(input, read_size, true);
  Outcome whole = parse(input, 65536, true);
  Outcome beast_only = parse(input, 65536, false);
  if (!(pieces == whole) || !(whole == beast_only)) std::abort();
  return 0;
}
