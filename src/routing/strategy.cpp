#include "routing/strategy.hpp"

#include <fmt/format.h>

namespace modelmux::routing {
namespace {

constexpr std::pair<Strategy, std::string_view> kStrategies[] = {{Strategy::priority, "priority"},
                                                                 {Strategy::weighted, "weighted"},
                                                                 {Strategy::least_busy, "least_busy"},
                                                                 {Strategy::latency, "latency"},
                                                                 {Strategy::cost, "cost"},
                                                                 {Strategy::quality, "quality"},
                                                                 {Strategy::balanced, "balanced"},
                                                                 {Strategy::local_first, "local_first"},
                                                                 {Strategy::adaptive, "adaptive"},
                                                                 {Strategy::auto_route, "auto"}};

}  // namespace

std::optional<Strategy> parse_strategy(std::string_view name) {
  for (auto [s, n] : kStrategies)
    if (n == name) return s;
  return std::nullopt;
}

std::string_view to_string(Strategy s) {
  for (auto [v, n] : kStrategies)
    if (v == s) return n;
  return "priority";
}

std::string unknown_strategy(std::string_view name) {
  std::string known;
  for (auto [s, n] : kStrategies) {
    if (!known.empty()) known += ", ";
    known += n;
  }
  return fmt::format("unknown strategy \"{}\" (known: {})", name, known);
}

}  // namespace modelmux::routing
