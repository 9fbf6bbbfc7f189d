#include "http/message.hpp"

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <cctype>

#include "http/simple_head.hpp"

namespace modelmux::http {

namespace {

class ParseErrorCategory final : public boost::system::error_category {
 public:
  const char* name() const noexcept override { return "modelmux.http"; }
  std::string message(int e) const override {
    switch (static_cast<ParseError>(e)) {
      case ParseError::chunk_line_too_long:
        return "a chunk-size line with its extensions is over 4 KiB";
      case ParseError::trailers_too_large:
        return "the trailer section is larger than 64 KiB";
      case ParseError::framing_too_large:
        return "the chunked body with its framing is larger than the limit";
      case ParseError::transfer_coding:
        return "Transfer-Encoding must be exactly \"chunked\"";
      case ParseError::transfer_encoding_http10:
        return "Transfer-Encoding in an HTTP/1.0 request";
      case ParseError::transfer_encoding_with_length:
        return "Transfer-Encoding and Content-Length together";
      case ParseError::missing_host:
        return "an HTTP/1.1 request must carry a Host header";
      case ParseError::several_hosts:
        return "more than one Host header";
      case ParseError::obs_fold:
        return "a header line continued on the next line (obs-fold)";
    }
    return "malformed HTTP message";
  }
};

// Whether Beast unfolded obs-fold (a field line continued on the next, after whitespace) to give `value`.
// RFC 9112 5.2 lets a server refuse it, and we do: parsers in a chain that unfold differently disagree on
// the headers. Unfolded, `value` is a view into the input: right after the name's colon and whitespace,
// followed by whitespace and a CRLF whose next byte is not whitespace (Beast has looked at that byte
// before calling on_field_impl, so it is there). Folded, it is a copy, or starts on the next line.
bool folded(bsv name, bsv value) {
  const char* p = name.data() + name.size() + 1;
  while (*p == ' ' || *p == '\t') ++p;
  if (!value.empty()) {
    if (p != value.data()) return true;
    p += value.size();
    while (*p == ' ' || *p == '\t') ++p;
  }
  return p[0] != '\r' || p[1] != '\n' || p[2] == ' ' || p[2] == '\t';
}

// Whether a chunk line (or its start) is the last chunk's: a size of zeros only, before any extension.
bool last_chunk(std::string_view line) {
  std::size_t zeros = line.find_first_not_of('0');
  if (zeros == 0 || line.empty()) return false;
  return zeros == std::string_view::npos || !std::isxdigit(static_cast<unsigned char>(line[zeros]));
}

// Past a whole last-chunk line, Beast waits for the trailer section's end, and it asserts (debug builds)
// that it is given at least five bytes when it looks again: a body of only "0\r\n" and a fourth byte would
// trip it. Both parsers therefore hand the last chunk over only with its whole trailer section (bounded by
// their buffers: the request's limit_chunk_line, the reply's 64 KiB read buffer). `pending` starts at a chunk
// boundary, `after_chunk` when a chunk came before it (then it opens with the CRLF that ends that chunk's
// data).
bool awaiting_trailers(std::string_view pending, bool after_chunk) {
  std::size_t start = after_chunk ? 2 : 0;
  if (pending.size() < start) return false;
  if (pending.substr(0, start) != std::string_view("\r\n", start)) return false;  // Beast's to refuse
  // The line ends at its first CR, as Beast reads it; a CR not followed by LF is Beast's to refuse, the
  // same whether the bytes after it arrived in this read or a later one.
  std::size_t line_end = pending.find('\r', start);
  if (line_end == std::string_view::npos || line_end + 1 == pending.size()) return false;  // not whole yet
  if (pending[line_end + 1] != '\n') return false;
  return last_chunk(pending.substr(start, line_end - start)) &&
         pending.find("\r\n\r\n", line_end) == std::string_view::npos;
}

// A body of a known length after a head read directly: at most `left` bytes of `in` appended to `body`.
std::size_t take_body(std::string_view in, bool head_only, std::string& body, std::uint64_t& left,
                      boost::beast::error_code& ec) {
  ec = {};
  if (head_only) return 0;
  std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, in.size()));
  body.append(in.data(), n);
  left -= n;
  if (left > 0) ec = boost::beast::http::error::need_more;
  return n;
}

}  // namespace

const boost::system::error_category& parse_error_category() {
  static const ParseErrorCategory category;
  return category;
}

void HeaderList::add(std::string_view name, std::string_view value) {
  Entry e;
  e.name = static_cast<std::uint32_t>(text_.size());
  e.name_len = static_cast<std::uint32_t>(name.size());
  text_.append(name);
  e.value = static_cast<std::uint32_t>(text_.size());
  e.value_len = static_cast<std::uint32_t>(value.size());
  text_.append(value);
  entries_.push_back(e);
  seen_ |= bit(name);
}

std::string_view HeaderList::get(std::string_view name) const {
  if (!(seen_ & bit(name))) return {};
  for (std::size_t i = 0; i < entries_.size(); ++i)
    if (same_name(this->name(i), name)) return value(i);
  return {};
}

void RequestParser::on_request_impl(boost::beast::http::verb verb, bsv method, bsv target, int version,
                                    error_code&) {
  out_.head = verb == boost::beast::http::verb::head;
  if (out_.head) method = "GET";
  out_.method.assign(method.data(), method.size());
  out_.target.assign(target.data(), target.size());
  out_.version = static_cast<unsigned>(version);
}

void RequestParser::on_field_impl(boost::beast::http::field f, bsv name, bsv value, error_code& ec) {
  if (is_header_done()) return;  // a trailer field: bounded by feed(), never taken as a header
  using boost::beast::http::field;
  if (f == field::host) {
    ++hosts_;
  } else if (f == field::transfer_encoding) {
    chunked_only_ = ++transfer_encodings_ == 1 && boost::beast::iequals(value, "chunked");
  } else if (f == field::content_length) {
    content_length_ = true;
  }
  if (folded(name, value)) {
    ec = ParseError::obs_fold;
    return;
  }
  out_.headers.add({name.data(), name.size()}, {value.data(), value.size()});
}

void RequestParser::on_header_impl(error_code& ec) {
  out_.keep_alive = keep_alive();
  if (transfer_encodings_ > 0) {
    if (out_.version < 11)
      ec = ParseError::transfer_encoding_http10;
    else if (!chunked_only_)
      ec = ParseError::transfer_coding;
    else if (content_length_)
      ec = ParseError::transfer_encoding_with_length;
  }
  if (hosts_ > 1)
    ec = ParseError::several_hosts;
  else if (hosts_ == 0 && out_.version >= 11)
    ec = ParseError::missing_host;
}

// A head that arrived whole in the first bytes is tried directly; one that did not is Beast's from then
// on (a head trickling in is not searched again and again).
std::size_t RequestParser::read_simple(std::string_view in) {
  SimpleHead head;
  if (!read_simple_request(in, body_limit_, head, out_.headers)) {
    out_.headers.clear();
    return 0;
  }
  simple_ = true;
  out_.head = head.method == "HEAD";
  out_.method = out_.head ? std::string_view("GET") : head.method;
  out_.target = head.target;
  out_.version = head.version;
  out_.keep_alive = head.keep_alive;
  body_left_ = head.content_length;
  if (body_left_ > 0) out_.body.reserve(static_cast<std::size_t>(body_left_));
  return head.size;
}

std::size_t RequestParser::feed(std::string_view in, bool head_only, boost::beast::error_code& ec) {
  namespace bhttp = boost::beast::http;
  if (simple_) return take_body(in, head_only, out_.body, body_left_, ec);
  if (simple_heads_ && !basic_parser::got_some()) {
    if (std::size_t head = read_simple(in); head > 0)
      return head + take_body(in.substr(head), head_only, out_.body, body_left_, ec);
  }
  std::size_t used = 0;
  ec = {};
  while (!(head_only ? is_header_done() : is_done())) {
    if (used == in.size()) {  // put() on nothing makes no progress in some states, without saying so
      ec = bhttp::error::need_more;
      break;
    }
    bool past_head = is_header_done();
    if (past_head && chunked() && chunk_left_ == 0) {
      limit_chunk_line(in.substr(used), ec);
      if (ec) break;
      if (awaiting_trailers(in.substr(used), chunks_ > 0)) {
        ec = bhttp::error::need_more;
        break;
      }
    }
    // Not eager: one step at a time, so the step that completes the head uses only the head's bytes.
    std::size_t n = put(boost::asio::buffer(in.data() + used, in.size() - used), ec);
    used += n;
    if (past_head) {
      after_head_ += n;
      if (after_head_ > body_limit_ + body_limit_ / 8 + kFramingAllowance) ec = ParseError::framing_too_large;
    }
    if (ec) break;
  }
  return used;
}

// At a chunk boundary the parser waits for a whole chunk-size line (after the CRLF that ends the previous
// chunk's data), and after the last chunk's line for the whole trailer section. Both are bounded on the raw
// bytes, whether they are all here or not, so the verdict does not depend on how the bytes were split into
// reads; and scanned only once enough bytes wait to break a bound, so a slow sender costs no rescans.
void RequestParser::limit_chunk_line(std::string_view pending, error_code& ec) const {
  std::size_t start = chunks_ > 0 ? 2 : 0;
  if (pending.size() <= start + kChunkLineLimit) return;
  std::string_view line = pending.substr(start, kChunkLineLimit);
  // The line ends at its first CR (Beast refuses a CR that is not followed by LF).
  if (line.find('\r') == std::string_view::npos) {
    ec = ParseError::chunk_line_too_long;
    return;
  }
  // The last chunk's line (a size of zeros) is followed by the trailer section and the final CRLF.
  if (last_chunk(line) && pending.size() >= kHeaderLimit &&
      pending.substr(0, kHeaderLimit).find("\r\n\r\n") == std::string_view::npos)
    ec = ParseError::trailers_too_large;
}

void RequestParser::on_chunk_header_impl(std::uint64_t size, bsv, error_code&) {
  chunk_left_ = size;
  ++chunks_;
}

void RequestParser::on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) {
  if (length) out_.body.reserve(static_cast<std::size_t>(*length));
}

std::size_t ResponseParser::feed(std::string_view in, bool head_only, boost::beast::error_code& ec) {
  if (simple_) return take_body(in, head_only, body, body_left_, ec);
  if (simple_heads_ && !got_some() && !in.empty()) {
    SimpleHead head;
    if (read_simple_response(in, head, headers)) {
      simple_ = true;
      status = head.status;
      simple_keep_alive_ = head.keep_alive;
      body_left_ = head.content_length;
      return head.size + take_body(in.substr(head.size), head_only, body, body_left_, ec);
    }
    headers.clear();
  }
  std::size_t used = 0;
  ec = {};
  while (!(head_only ? is_header_done() : is_done())) {
    if (used == in.size()) {
      ec = boost::beast::http::error::need_more;
      break;
    }
    std::string_view rest = in.substr(used);
    if (is_header_done() && chunked() && chunk_left_ == 0 && awaiting_trailers(rest, chunks_ > 0)) {
      ec = boost::beast::http::error::need_more;
      break;
    }
    // Not eager: one step at a time, so the step that completes the head uses only the head's bytes.
    used += put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec) break;
  }
  return used;
}

void ResponseParser::end_of_stream(boost::beast::error_code& ec) {
  if (simple_)
    ec = body_left_ == 0 ? boost::beast::error_code{} : boost::beast::http::error::partial_message;
  else if (!got_some())
    ec = boost::beast::http::error::end_of_stream;
  else
    put_eof(ec);  // the end of a body read to the end of the stream; partial_message otherwise
}

void ResponseParser::on_chunk_header_impl(std::uint64_t size, bsv extensions, error_code& ec) {
  chunk_left_ = size;
  ++chunks_;
  // The read buffer bounds a line still arriving; this bounds one that arrived whole in a large read.
  if (extensions.size() > kChunkLineLimit) ec = ParseError::chunk_line_too_long;
}

}  // namespace modelmux::http
