// The Responses codec's 400 for a field: invalid_request naming `param`, its message "<param> <problem>".
// Internal to wire/openai/responses/.
#pragma once

#include <fmt/format.h>

#include <string>

#include "core/json_util.hpp"

namespace modelmux::openai::responses {

inline std::unexpected<Error> bad(std::string param, std::string problem) {
  std::string message = fmt::format("{} {}", param, problem);
  return json_util::invalid_field(std::move(param), std::move(message));
}

}  // namespace modelmux::openai::responses
