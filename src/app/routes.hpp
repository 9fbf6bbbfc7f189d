// The gateway's route table: which paths reach which surface and operation (the pipeline serves those), and
// which reach a handler of their own (listings, the admin endpoints).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::app {

// Serves one request by the table.
boost::asio::awaitable<void> dispatch(http::Exchange& ex, const pipeline::Runtime& rt);

// The surface whose clients use `path`, for errors the server makes itself (404, 405, 413, timeouts): an
// Anthropic client on /v1/messages gets Anthropic's error shape.
const surfaces::ClientSurface& surface_for_path(std::string_view path);

// An error the server makes itself, in the shape of the surface the request's path belongs to.
boost::asio::awaitable<void> reject(http::Exchange& ex, Error err);

}  // namespace modelmux::app
