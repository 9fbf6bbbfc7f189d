// The OpenAI-compatible client surface: /v1/chat/completions and /v1/models, and the one place where an
// Error becomes OpenAI's error body.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"

namespace modelmux::surfaces::openai {

std::string error_body(const Error& err);
boost::asio::awaitable<void> respond_error(http::Exchange& ex, const Error& err);

boost::asio::awaitable<void> chat_completions(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt);

}  // namespace modelmux::surfaces::openai
