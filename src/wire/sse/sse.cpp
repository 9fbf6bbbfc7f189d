#include "wire/sse/sse.hpp"

namespace modelmux::wire {

void SseParser::process_line() {
  std::string_view line = line_;
  if (line[0] == ':') return;  // comment, e.g. ": ping" keep-alives
  std::string_view field = line;
  std::string_view value;
  if (auto colon = line.find(':'); colon != std::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
  }
  if (field == "data") {
    if (has_data_) cur_.data.push_back('\n');
    cur_.data.append(value);
    has_data_ = true;
  } else if (field == "event") {
    cur_.event.assign(value);
  } else if (field == "id") {
    cur_.id.assign(value);
  }
  // "retry" and unknown fields are ignored, as the SSE specification says.
}

}  // namespace modelmux::wire
