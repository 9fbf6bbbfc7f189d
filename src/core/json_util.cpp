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

}  // namespace modelmux::json_util
