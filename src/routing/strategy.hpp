// How a model group orders its targets for each request: the strategies by name, as the configuration, the
// x-modelmux-strategy header and the body's `strategy` field spell them. What each does is router.cpp's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace modelmux::routing {

enum class Strategy : std::uint8_t {
  priority,
  weighted,
  least_busy,
  latency,
  cost,
  quality,
  balanced,
  local_first,
  adaptive,
  auto_route
};

std::optional<Strategy> parse_strategy(std::string_view name);
std::string_view to_string(Strategy s);
// "unknown strategy "x" (known: priority, weighted, ...)", for errors.
std::string unknown_strategy(std::string_view name);

}  // namespace modelmux::routing
