#include "surfaces/admin/admin.hpp"

#include <boost/json.hpp>

#include "pipeline/stages/stages.hpp"
#include "routing/explain.hpp"
#include "surfaces/http_responder.hpp"
#include "surfaces/openai/surface.hpp"
#include "wire/openai/chat_json.hpp"

namespace modelmux::surfaces::admin {

namespace stages = pipeline::stages;

Result<boost::json::object> explain_route(const pipeline::Runtime& rt, const http::HeaderList* headers,
                                          std::string_view body) {
  auto parsed = stages::parse_body(body);
  if (!parsed) return std::unexpected(parsed.error());
  bool removed = false;
  auto prefs = stages::preferences(headers, &parsed->get_object(), removed, rt.config.routing);
  if (!prefs) return std::unexpected(prefs.error());
  auto req = ::modelmux::openai::decode_chat_request(parsed->get_object());
  if (!req) return std::unexpected(req.error());
  auto plan = stages::plan_route(rt, *req, *prefs, /*explain=*/true);
  if (!plan) return std::unexpected(plan.error());
  return routing::explain(*plan, rt.router.clock().now());
}

boost::asio::awaitable<void> route_explain(http::Exchange& ex, const pipeline::Runtime& rt) {
  auto out = explain_route(rt, &ex.request().headers, ex.request().body);
  if (!out) {
    co_await respond_error(ex, openai_surface(), out.error());
    co_return;
  }
  co_await ex.respond(200, "application/json", boost::json::serialize(*out));
}

boost::asio::awaitable<void> health_targets(http::Exchange& ex, const pipeline::Runtime& rt) {
  co_await ex.respond(200, "application/json",
                      boost::json::serialize(routing::targets_health(rt.catalog, rt.router.clock().now())));
}

boost::asio::awaitable<void> health(http::Exchange& ex, const pipeline::Runtime&) {
  co_await ex.respond(200, "application/json", R"({"status":"ok"})");
}

}  // namespace modelmux::surfaces::admin
