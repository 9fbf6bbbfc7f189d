// The gateway's own endpoints, apart from any client API: the route explainer (POST /v1/route), feedback on
// auto-routed answers (POST /v1/feedback, feedback.cpp), every target's live state (GET /health/targets)
// and the liveness check (GET /health). Their bodies are JSON;
// their errors take OpenAI's shape, as the explainer's input does.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"

namespace modelmux::surfaces::admin {

// The route decision for a chat-completions body, explained, without calling a provider (also `modelmux
// route`): the decode and route stages alone, every estimate filled in.
Result<boost::json::object> explain_route(const pipeline::Runtime& rt, const http::HeaderList* headers,
                                          std::string_view body);

// Records how an auto-routed request's answer was judged ({"request_id", "score"}) and answers the serving
// group's calibration; 404 for a request id it does not know, 409 for one judged already; with keys
// required, 401/403 unless `headers` present a key that may call models or the master key.
Result<boost::json::object> record_feedback(const pipeline::Runtime& rt, const http::HeaderList& headers,
                                            std::string_view body);

boost::asio::awaitable<void> feedback(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> route_explain(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> health_targets(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> health(http::Exchange& ex, const pipeline::Runtime& rt);

}  // namespace modelmux::surfaces::admin
