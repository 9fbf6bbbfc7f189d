// JSON helpers for the hot path.
#pragma once

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <string_view>

#include "modelmux/error.hpp"

namespace modelmux::json_util {

// Parses with a parser kept per thread: building a boost::json::parser costs more than parsing a small body.
boost::json::value parse(std::string_view text, boost::system::error_code& ec,
                         boost::json::storage_ptr storage = {});

}  // namespace modelmux::json_util
