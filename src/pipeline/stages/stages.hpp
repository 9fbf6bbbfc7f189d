// The pipeline's stages, one file each in this folder. Their order, and which run after a failure, is the
// list in pipeline.cpp; each reads and fills the request's Context.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "pipeline/context.hpp"

namespace modelmux::pipeline::stages {

void auth(Context& ctx);
void decode(Context& ctx);
void route(Context& ctx);
void admit(Context& ctx);
boost::asio::awaitable<void> attempts(Context& ctx);
bool receive_at_once(Context& ctx);
boost::asio::awaitable<void> receive(Context& ctx);
void cost(Context& ctx);
boost::asio::awaitable<void> settle(Context& ctx);
bool respond_at_once(Context& ctx);
boost::asio::awaitable<void> respond(Context& ctx);
void log(Context& ctx);

// Parts of the decode and route stages that the route explainer (POST /v1/route) runs on its own.

// Parses a body that must be a JSON object, into `storage`.
Result<boost::json::value> parse_body(std::string_view body, boost::json::storage_ptr storage = {});
// What the request asks of routing: the strategy from header x-modelmux-strategy or the body's `strategy`
// field (removed from `fields`, since no upstream knows it; `removed` says so), balanced weights from
// x-modelmux-weights, and a well-formed provider_options. `headers` is null for library calls.
Result<routing::Preferences> preferences(const http::HeaderList* headers, boost::json::object* fields,
                                         bool& removed, const config::RoutingConfig& rc);
// The model's group and the plan of targets for `req`; with `explain`, every estimate is filled in.
Result<routing::Plan> plan_route(const Runtime& rt, const ChatRequest& req, const routing::Preferences& prefs,
                                 bool explain = false);

}  // namespace modelmux::pipeline::stages
