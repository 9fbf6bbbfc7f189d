#include "core/json_util.hpp"

#include <boost/json/parser.hpp>

#include <boost/json/basic_parser_impl.hpp>

namespace modelmux::json_util {

namespace {
// A basic_parser handler that keeps nothing: the parser alone checks the syntax.
struct NullHandler {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);
  using ec_t = boost::system::error_code;
  bool on_document_begin(ec_t&) { return true; }
  bool on_document_end(ec_t&) { return true; }
  bool on_object_begin(ec_t&) { return true; }
  bool on_object_end(std::size_t, ec_t&) { return true; }
  bool on_array_begin(ec_t&) { return true; }
  bool on_array_end(std::size_t, ec_t&) { return true; }
  bool on_key_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_key(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string_part(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, ec_t&) { return true; }
  bool on_number_part(boost::json::string_view, ec_t&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, ec_t&) { return true; }
  bool on_double(double, boost::json::string_view, ec_t&) { return true; }
  bool on_bool(bool, ec_t&) { return true; }
  bool on_null(ec_t&) { return true; }
  bool on_comment_part(boost::json::string_view, ec_t&) { return true; }
  bool on_comment(boost::json::string_view, ec_t&) { return true; }
};
}  // namespace

bool valid(std::string_view text) {
  boost::json::basic_parser<NullHandler> p{boost::json::parse_options{}};
  boost::system::error_code ec;
  auto n = p.write_some(false, text.data(), text.size(), ec);
  if (ec) return false;
  // Trailing whitespace is fine; anything else after the value is not.
  for (auto c : text.substr(n))
    if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return false;
  return p.done();
}


boost::json::value parse(std::string_view text, boost::system::error_code& ec, boost::json::storage_ptr storage) {
  thread_local boost::json::parser parser;
  parser.reset(std::move(storage));
  parser.write(text.data(), text.size(), ec);
  if (ec) return nullptr;
  return parser.release();
}

std::string_view string_field(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key); v && v->is_string()) return v->get_string();
  return {};
}

std::int64_t int_field(const boost::json::object& o, std::string_view key) {
  if (auto* v = o.if_contains(key)) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  }
  return 0;
}

}  // namespace modelmux::json_util
