#include "core/json_util.hpp"

#include <boost/json/parser.hpp>

namespace modelmux::json_util {

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
