// The attempts stage: walks a route plan until a target answers. A retryable failure (refused, reset,
// timeout, 429, 5xx, a malformed reply, an error inside a 200 stream before its first content) moves on
// to the next candidate at once; once every candidate has failed, further rounds follow after an
// exponential backoff with full jitter, never before a target's Retry-After. A context-length overflow
// moves to targets with a larger window, a content-filter refusal to the group's content-policy fallback.
// Streams are held until their first content, so everything before it falls back invisibly. With hedging,
// a slow first attempt races a second one; the first to answer wins and the other is cancelled.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>

#include "observability/access_log.hpp"
#include "pipeline/runtime.hpp"
#include "routing/router.hpp"

namespace modelmux::pipeline {

struct Answer {
  const providers::Target* target = nullptr;
  // Status 2xx. For a stream, it replays the bytes read while waiting for the first content, then reads
  // on; otherwise it holds the whole body, already checked to be well-formed JSON.
  std::unique_ptr<http::Reply> reply;
  std::chrono::steady_clock::time_point sent;
  routing::InFlight in_flight;  // the target counts this request until the answer is dropped
};

// Builds the upstream request for one target (pass-through or translated).
using BuildRequest = std::function<Result<http::ClientRequest>(const providers::Target&)>;

boost::asio::awaitable<Result<Answer>> attempt_targets(const Runtime& rt, routing::Plan& plan, const ChatRequest& req,
                                                       const BuildRequest& build,
                                                       std::vector<observability::AttemptRecord>& log);

}  // namespace modelmux::pipeline
