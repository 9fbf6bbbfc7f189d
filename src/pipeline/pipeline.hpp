// The request path, written once: every surface (OpenAI, Anthropic, Gemini) and every operation (chat,
// embeddings, images), and the library, run the same ordered list of named stages over a request Context.
// Nothing that reaches a provider goes around it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>
#include <vector>

#include "pipeline/context.hpp"

namespace modelmux::pipeline {

// Runs the stages in order. Once one fails (ctx.error), only those that run on every exit follow; the
// access record is written whatever happens, even when the coroutine is destroyed mid-way.
boost::asio::awaitable<void> run(Context& ctx);

// The stage names in the order they run.
std::vector<std::string_view> stage_names();

}  // namespace modelmux::pipeline
