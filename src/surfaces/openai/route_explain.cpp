// POST /v1/route: a chat-completions body in, the route decision out, without calling any provider.
#include <boost/json.hpp>

#include "pipeline/intake.hpp"
#include "wire/openai/chat_json.hpp"
#include "routing/explain.hpp"
#include "surfaces/openai/surface.hpp"

namespace modelmux::surfaces::openai {

Result<boost::json::object> explain_route(const pipeline::Runtime& rt, const http::HeaderList& headers,
                                          std::string_view body) {
  auto parsed = pipeline::parse_body(body);
  if (!parsed) return std::unexpected(parsed.error());
  bool rewritten = false;
  auto prefs = pipeline::preferences(headers, &parsed->get_object(), rewritten, rt.config.routing);
  if (!prefs) return std::unexpected(prefs.error());
  auto req = ::modelmux::openai::decode_chat_request(parsed->get_object());
  if (!req) return std::unexpected(req.error());
  auto plan = pipeline::plan_route(rt, *req, *prefs, /*explain=*/true);
  if (!plan) return std::unexpected(plan.error());
  return routing::explain(*plan, rt.router.clock().now());
}

boost::asio::awaitable<void> route_explain(http::Exchange& ex, const pipeline::Runtime& rt) {
  auto out = explain_route(rt, ex.request().headers, ex.request().body);
  if (!out) {
    co_await respond_error(ex, out.error());
    co_return;
  }
  co_await ex.respond(200, "application/json", boost::json::serialize(*out));
}

boost::asio::awaitable<void> health_targets(http::Exchange& ex, const pipeline::Runtime& rt) {
  co_await ex.respond(200, "application/json",
                      boost::json::serialize(routing::targets_health(rt.catalog, rt.router.clock().now())));
}

}  // namespace modelmux::surfaces::openai
