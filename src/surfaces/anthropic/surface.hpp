// The Anthropic-compatible client surface: POST /v1/messages, so the Anthropic SDK (and tools built on it)
// use modelmux with any provider behind it. Errors leave here as Anthropic error bodies.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"

namespace modelmux::surfaces::anthropic {

boost::asio::awaitable<void> messages(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> respond_error(http::Exchange& ex, const Error& err);

}  // namespace modelmux::surfaces::anthropic
