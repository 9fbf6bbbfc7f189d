// The gateway's route table: which surface handles which path.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"

namespace modelmux::app {

boost::asio::awaitable<void> route(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> reject(http::Exchange& ex, Error err);

// The built-in defaults plus local providers found on this machine (an Ollama at 127.0.0.1:11434).
config::Config discover_defaults();

}  // namespace modelmux::app
