// The attempts stage: calls a model group's targets in order until one answers with a success status. A
// retryable failure (refused, reset, timeout, 429, 5xx) moves on to the next target; anything else, or the
// last target's failure, is the request's error. Routing strategies and backoff build on this later.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <memory>

#include "observability/access_log.hpp"
#include "routing/catalog.hpp"

namespace modelmux::pipeline {

struct Answer {
  const providers::Target* target = nullptr;
  std::unique_ptr<http::Reply> reply;  // status 2xx, body unread
  std::chrono::steady_clock::time_point sent;
};

// Builds the upstream request for one target (pass-through or translated).
using BuildRequest = std::function<Result<http::ClientRequest>(const providers::Target&)>;

boost::asio::awaitable<Result<Answer>> attempt_targets(const routing::ModelGroup& group, const BuildRequest& build,
                                                       std::vector<observability::AttemptRecord>& log);

}  // namespace modelmux::pipeline
