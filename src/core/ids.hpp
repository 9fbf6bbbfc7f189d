// Request ids: 15 hex digits from a per-thread random base and a counter, mixed; unique enough for logs and
// cheap enough for every request.
#pragma once

#include <string>

namespace modelmux {

std::string new_request_id();

}  // namespace modelmux
