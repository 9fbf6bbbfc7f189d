// HTTP/1.1 messages as the gateway needs them: headers in one flat buffer (reused from request to request
// on a connection, so parsing allocates nothing once warm) and parsers built on Beast's basic_parser, which
// does the tokenizing and framing while we keep only what we use.
#pragma once

#include <boost/beast/http/basic_parser.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace modelmux::http {

using bsv = boost::beast::string_view;

class HeaderList {
 public:
  void clear() {
    text_.clear();
    entries_.clear();
  }
  void add(std::string_view name, std::string_view value);
  // The first value of `name` (case-insensitive); empty when absent.
  std::string_view get(std::string_view name) const;
  std::size_t size() const { return entries_.size(); }
  std::string_view name(std::size_t i) const { return {text_.data() + entries_[i].name, entries_[i].name_len}; }
  std::string_view value(std::size_t i) const { return {text_.data() + entries_[i].value, entries_[i].value_len}; }

 private:
  struct Entry {
    std::uint32_t name, name_len, value, value_len;
  };
  std::string text_;
  std::vector<Entry> entries_;
};

struct Request {
  std::string method;
  std::string target;
  unsigned version = 11;
  bool keep_alive = true;
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
};

// Fills a Request. Limits (header_limit, body_limit) are set on the parser as with any basic_parser.
class RequestParser final : public boost::beast::http::basic_parser<true> {
 public:
  explicit RequestParser(Request& out) : out_(out) { out_.clear(); }

 private:
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, bsv method, bsv target, int version,
                       error_code&) override;
  void on_response_impl(int, bsv, int, error_code&) override {}
  void on_field_impl(boost::beast::http::field, bsv name, bsv value, error_code&) override {
    out_.headers.add({name.data(), name.size()}, {value.data(), value.size()});
  }
  void on_header_impl(error_code&) override { out_.keep_alive = keep_alive(); }
  void on_body_init_impl(const boost::optional<std::uint64_t>& length, error_code&) override;
  std::size_t on_body_impl(bsv body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, bsv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, bsv body, error_code&) override {
    out_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  Request& out_;
};

// An upstream reply: status and headers, and body bytes collected in `body` as they are parsed, for the
// reader to take.
class ResponseParser final : public boost::beast::http::basic_parser<false> {
 public:
  // `headers` and `body` belong to the connection, so their buffers are reused from reply to reply.
  ResponseParser(HeaderList& headers_storage, std::string& body_storage) : headers(headers_storage), body(body_storage) {
    headers.clear();
    body.clear();
  }
  int status = 0;
  HeaderList& headers;
  std::string& body;

 private:
  using error_code = boost::beast::error_code;
  void on_request_impl(boost::beast::http::verb, bsv, bsv, int, error_code&) override {}
  void on_response_impl(int code, bsv, int, error_code&) override { status = code; }
  void on_field_impl(boost::beast::http::field, bsv name, bsv value, error_code&) override {
    headers.add({name.data(), name.size()}, {value.data(), value.size()});
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>&, error_code&) override {}
  std::size_t on_body_impl(bsv b, error_code&) override {
    body.append(b.data(), b.size());
    return b.size();
  }
  void on_chunk_header_impl(std::uint64_t, bsv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, bsv b, error_code&) override {
    body.append(b.data(), b.size());
    return b.size();
  }
  void on_finish_impl(error_code&) override {}
};

}  // namespace modelmux::http
