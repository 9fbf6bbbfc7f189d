// What a request may say about its own routing, parsed: x-modelmux-weights for the balanced strategy, a
// quality floor (x-modelmux-quality-floor) and the body's `router` object for the learned router. Errors
// name the header or field; the decode stage reads them into the request's preferences.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "routing/router.hpp"

namespace modelmux::routing {

Result<config::BalancedWeights> parse_weights(std::string_view text, config::BalancedWeights w) {
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    double v = -1;
    if (eq != std::string_view::npos) {
      auto num = item.substr(eq + 1);
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
      if (ec != std::errc() || p != num.data() + num.size()) v = -1;
    }
    auto name = item.substr(0, eq);
    if (v < 0 || v > 1000 || (name != "cost" && name != "speed" && name != "quality"))
      return fail(
          ErrorCode::invalid_request,
          fmt::format("x-modelmux-weights: \"{}\" is not name=number with name cost, speed or quality",
                      item));
    (name == "cost" ? w.cost : name == "speed" ? w.speed : w.quality) = v;
  }
  return w;
}

std::optional<double> parse_unit(std::string_view text) {
  double v = -1;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !(v >= 0 && v <= 1)) return std::nullopt;
  return v;
}

Result<void> parse_router_field(const boost::json::value& v, AutoOverrides& out) {
  const auto* o = v.if_object();
  bool ok = o != nullptr;
  for (const auto& [k, x] : o ? *o : boost::json::object()) {
    bool known = k == "threshold" || k == "quality_floor";
    double d = x.is_number() ? x.to_number<double>() : -1;
    ok = ok && known && d >= 0 && d <= 1;
    if (!ok) break;
    auto& slot = k == "threshold" ? out.threshold : out.quality_floor;
    if (!slot) slot = d;
  }
  if (!ok)
    return fail(ErrorCode::invalid_request,
                "router must be an object with threshold and/or quality_floor, numbers from 0 to 1",
                "router");
  return {};
}

}  // namespace modelmux::routing
