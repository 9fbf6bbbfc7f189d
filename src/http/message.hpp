// HTTP/1.1 messages as the gateway needs them: headers in one flat buffer (reused from request to request
// on a connection, so parsing allocates nothing once warm) and parsers built on Beast's basic_parser, which
// does the tokenizing and framing while we keep only what we use, and add the limits and RFC 9112 rules
// Beast leaves to its user.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <boost/system/error_code.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace modelmux::http {

using bsv = boost::beast::string_view;

// Bounds on the bytes around a body. Beast bounds the head (header_limit) and the body's declared sizes
// (body_limit) but buffers a chunk line, its extensions and the trailer section whole, however long.
inline constexpr std::size_t kHeaderLimit = 64 * 1024;    // request or status line and fields; trailers too
inline constexpr std::size_t kChunkLineLimit = 4 * 1024;  // one chunk-size line with its extensions
inline constexpr std::size_t kFramingAllowance =
    64 * 1024;  // chunk framing past the body limit, and 1/8 of it

// Why a message Beast's parser would take is refused: the limits above, and the framing rules of RFC 9112
// that keep two parsers in a chain from disagreeing on where a request ends (request smuggling).
enum class ParseError {
  chunk_line_too_long = 1,
  trailers_too_large,
  framing_too_large,  // body plus chunk framing over the body limit: a 413
  transfer_coding,    // a transfer coding other than chunked
  transfer_encoding_http10,
  transfer_encoding_with_length,
  missing_host,
  several_hosts,
  obs_fold,
};
const boost::system::error_category& parse_error_category();
inline boost::system::error_code make_error_code(ParseError e) {
  return {static_cast<int>(e), parse_error_category()};
}

// Whether `a` and `b` are the same header name: ASCII letters compared without case, every other byte
// exactly (as beast::iequals), inline because most look-ups compare a name or two.
inline bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x == y) continue;
    if ((x | 0x20u) != (y | 0x20u) || (x | 0x20u) - 'a' > 'z' - 'a') return false;
  }
  return true;
}

class HeaderList {
 public:
  void clear() {
    text_.clear();
    entries_.clear();
    seen_ = 0;
  }
  void add(std::string_view name, std::string_view value);
  // For a reader with the whole head in one buffer (http/simple_head.cpp): on an empty list, fields are
  // recorded by their place in that buffer (`name` and `value` view into it, from `base`), and the head is
  // copied once at the end (keep_text), rather than each name and value on its own.
  void add_at(const char* base, std::string_view name, std::string_view value) {
    entries_.push_back(
        {static_cast<std::uint32_t>(name.data() - base), static_cast<std::uint32_t>(name.size()),
         static_cast<std::uint32_t>(value.data() - base), static_cast<std::uint32_t>(value.size())});
    seen_ |= bit(name);
  }
  void keep_text(std::string_view head) { text_.assign(head.data(), head.size()); }
  // The first value of `name` (case-insensitive); empty when absent.
  std::string_view get(std::string_view name) const;
  std::size_t size() const { return entries_.size(); }
  std::string_view name(std::size_t i) const {
    return {text_.data() + entries_[i].name, entries_[i].name_len};
  }
  std::string_view value(std::size_t i) const {
    return {text_.data() + entries_[i].value, entries_[i].value_len};
  }

 private:
  struct Entry {
    std::uint32_t name, name_len, value, value_len;
  };
  // One bit per (length, last letter) of the names added: most look-ups are for headers a request does not
  // carry (x-modelmux-*, the other SDKs' key headers), and those are answered without a scan.
  static std::uint64_t bit(std::string_view name) {
    unsigned last = name.empty() ? 0u : static_cast<unsigned char>(name.back()) | 0x20u;
    return std::uint64_t{1} << ((name.size() * 7 + last) & 63);
  }
  std::string text_;
  std::vector<Entry> entries_;
  std::uint64_t seen_ = 0;
};

struct Request {
  std::string method;  // a HEAD request reads "GET" here, with `head` set (see RequestParser)
  std::string target;
  unsigned version = 11;
  bool keep_alive = true;
  bool head = false;
  HeaderList headers;
  std::string body;

  void clear() {
    method.clear();
    target.clear();
    headers.clear();
    body.clear();
  }
  std::string_view path() const {
    auto q = target.find('?');
    return q == std::string::npos ? std::string_view(target) : std::string_view(target).substr(0, q);
  }
  // What follows the '?', empty when nothing does.
  std::string_view query() const {
    auto q = target.find('?');
    return q == std::string::npos ? std::string_view() : std::string_view(target).substr(q + 1);
  }
};

// Fills a Request, refusing what RFC 9112 says a server must not take at face value: a transfer coding
// other than chunked, Transfer-Encoding on HTTP/1.0 or beside Content-Length, a missing or repeated Host
// on HTTP/1.1, obs-fold. Trailer fields are bounded and dropped, never merged into the headers. HEAD is
// routed as GET (as Go's net/http does): every GET route answers it, and the Exchange leaves the body out.
// A head in the common shape that arrives whole is read directly (http/simple_head.hpp); every other goes
// through Beast's parser, with the checks above in its callbacks.
class RequestParser final : private boost::beast::http::basic_parser<true> {
 public:
  // `simple_heads` false sends every head through Beast (the fuzzers compare the two ways).
  RequestParser(Request& out, std::size_t body_limit, bool simple_heads = true)
      : out_(out), body_limit_(body_limit), simple_heads_(simple_heads) {
    out_.clear();
    header_limit(static_cast<std::uint32_t>(kHeaderLimit));
    this->body_limit(body_limit);
  }

  // Parses what `in` holds until the head (head_only) or the whole message is done, and returns the bytes
  // used. need_more: read more and call again with the unused rest first. Every byte past the head counts
  // against the body limit plus an allowance for framing, and what waits unparsed for its line end is
  // bounded (a chunk line by kChunkLineLimit, trailers by kHeaderLimit).
  std::size_t feed(std::string_view in, bool head_only, boost::beast::error_code& ec);
  // Whether any byte has been taken (an end of stream before the head is then a partial message).
  bool got_some() const { return simple_ || basic_parser::got_some(); }

 private:
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, bsv method, bsv target, int version, error_code&) override;
  void on_response_impl(int, bsv, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field f, bsv name, bsv value, error_code& ec) override;
  void on_header_impl(error_code& ec) override;
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(bsv body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t size, bsv, error_code&) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, bsv body, error_code&) override {
    out_.body.append(body.data(), body.size());
    chunk_left_ = remain - body.size();
    return body.size();
  }
  void on_finish_impl(error_code&) override {}
  std::size_t read_simple(std::string_view in);  // the head's size; 0: not read
  void limit_chunk_line(std::string_view pending, error_code& ec) const;

  Request& out_;
  std::size_t body_limit_;
  bool simple_heads_;
  bool simple_ = false;          // the head was read directly: the body is Content-Length bytes, counted here
  std::uint64_t body_left_ = 0;  // (simple_) body bytes still due
  std::size_t after_head_ = 0;   // bytes used past the head: body and chunk framing
  std::uint64_t chunk_left_ = 0;  // data bytes still due in the current chunk; 0 at a chunk boundary
  std::size_t chunks_ = 0;
  unsigned hosts_ = 0;  // (wide enough for every field a head can hold: no wrap-around)
  unsigned transfer_encodings_ = 0;
  bool chunked_only_ = false;  // the one Transfer-Encoding field says exactly "chunked"
  bool content_length_ = false;
};

// An upstream reply: status and headers, and body bytes collected in `body` as they are parsed, for the
// reader to take. Trailer fields are dropped; the reader's buffer bounds what waits unparsed (a chunk line,
// the trailer section) and chunk extensions are held to kChunkLineLimit. A head in the common shape with
// a Content-Length is read directly (http/simple_head.hpp); other replies go through Beast's parser.
class ResponseParser final : private boost::beast::http::basic_parser<false> {
 public:
  // `headers` and `body` belong to the connection, so their buffers are reused from reply to reply.
  ResponseParser(HeaderList& headers_storage, std::string& body_storage, bool simple_heads = true)
      : headers(headers_storage), body(body_storage), simple_heads_(simple_heads) {
    headers.clear();
    body.clear();
    this->body_limit(boost::none);
    header_limit(static_cast<std::uint32_t>(kHeaderLimit));
  }
  int status = 0;
  HeaderList& headers;
  std::string& body;

  // As RequestParser::feed: parses until the head (head_only) or the message is done, adding body bytes
  // to `body`; need_more when every byte was used and more are needed.
  std::size_t feed(std::string_view in, bool head_only, boost::beast::error_code& ec);
  // The upstream closed the connection: the end of a body read to the end of the stream, else an error
  // (end_of_stream before any byte, partial_message after some).
  void end_of_stream(boost::beast::error_code& ec);
  bool done() const { return simple_ ? body_left_ == 0 : is_done(); }
  bool keep_alive() const { return simple_ ? simple_keep_alive_ : basic_parser::keep_alive(); }

 private:
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, bsv, bsv, int, error_code&) override {}
  void on_response_impl(int code, bsv, int, error_code&) override { status = code; }
  void on_field_impl(boost::beast::http::field, bsv name, bsv value, error_code&) override {
    if (!is_header_done()) headers.add({name.data(), name.size()}, {value.data(), value.size()});
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(bsv b, error_code&) override {
    body.append(b.data(), b.size());
    return b.size();
  }
  void on_chunk_header_impl(std::uint64_t, bsv extensions, error_code& ec) override;
  std::size_t on_chunk_body_impl(std::uint64_t remain, bsv b, error_code&) override {
    body.append(b.data(), b.size());
    chunk_left_ = remain - b.size();
    return b.size();
  }
  void on_finish_impl(error_code&) override {}

  bool simple_heads_;
  bool simple_ = false;
  bool simple_keep_alive_ = false;
  std::uint64_t body_left_ = 0;
  std::uint64_t chunk_left_ = 0;  // data bytes still due in the current chunk; 0 at a chunk boundary
  std::size_t chunks_ = 0;
};

}  // namespace modelmux::http

template <>
struct boost::system::is_error_code_enum<modelmux::http::ParseError> : std::true_type {};
