// The OpenAI-compatible client surface: /v1/chat/completions and /v1/models, and the one place where an
// Error becomes OpenAI's error body.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <array>
#include <boost/json/object.hpp>
#include <string>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"
#include "providers/provider.hpp"

namespace modelmux::surfaces::openai {

std::string error_body(const Error& err);
boost::asio::awaitable<void> respond_error(http::Exchange& ex, const Error& err);

// The routing headers every routed response carries; `digits` must outlive the returned views.
std::array<http::HeaderView, 2> route_headers(const providers::Target& target, std::size_t attempts,
                                              std::array<char, 24>& digits);

boost::asio::awaitable<void> chat_completions(http::Exchange& ex, const pipeline::Runtime& rt);
// POST /v1/images/generations: routed like chat (the prompt stands in for the messages), never streamed.
boost::asio::awaitable<void> images_generations(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt);

// POST /v1/embeddings: routed like chat; OpenAI-wire targets get the client's body as it is.
boost::asio::awaitable<void> embeddings(http::Exchange& ex, const pipeline::Runtime& rt);

// POST /v1/route: the route decision for a chat-completions body, explained, without calling a provider.
Result<boost::json::object> explain_route(const pipeline::Runtime& rt, const http::HeaderList& headers,
                                          std::string_view body);
boost::asio::awaitable<void> route_explain(http::Exchange& ex, const pipeline::Runtime& rt);
// GET /health/targets: every target's breaker, load, latency and error rate.
boost::asio::awaitable<void> health_targets(http::Exchange& ex, const pipeline::Runtime& rt);

}  // namespace modelmux::surfaces::openai
