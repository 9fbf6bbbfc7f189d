// The attempts stage: walks a route plan until a target answers. A retryable failure (refused, reset,
// timeout, 429, 5xx, a malformed reply, an error inside a 200 stream before its first content) moves on
// to the next candidate at once; once every candidate has failed, further rounds follow after an
// exponential backoff with full jitter, never before a target's Retry-After. A context-length overflow
// moves to targets with a larger window, a content-filter refusal to the group's content-policy fallback.
// Streams are held until their first content, so everything before it falls back invisibly. With hedging,
// a slow first attempt races a second one; the first to answer wins and the other is cancelled.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "pipeline/context.hpp"

namespace modelmux::pipeline {

// Builds the upstream request for one target (pass-through or translated); `max_tokens`, when set, replaces
// the request's own (a budget that can pay for no more).
using BuildRequest = Result<http::ClientRequest> (*)(const Context& ctx, const providers::Target& target,
                                                     std::optional<std::int64_t> max_tokens);

// Walks ctx.plan, planned for ctx.chat, until a target answers: ctx.answer on success, ctx.error otherwise;
// every attempt goes to ctx.record.attempts. With governance, each attempt first reserves its worst case
// against the request's budgets and the target's quota; a target without room is skipped (nothing sent).
boost::asio::awaitable<void> attempt_targets(Context& ctx, BuildRequest build);

}  // namespace modelmux::pipeline
