// One attempt of the attempts stage (attempts.hpp): a call to one target, the start of its reply checked (a
// stream up to its first content, a whole body to its end), and its outcome fed to the target's statistics
// and breaker. The stage's walk over the plan, its retries and its hedging are in attempts.cpp.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "observability/access_log.hpp"
#include "pipeline/attempts.hpp"

namespace modelmux::pipeline {

struct Attempt {
  const providers::Target* target;
  const routing::TargetInfo* info;
};

// One call to `at`'s target with the request `build` makes for it; `rec` is its record. A cancelled call
// (a lost hedge, an interrupted request) is a failure that counts nothing against the target.
boost::asio::awaitable<Result<Answer>> attempt_one(const Context& ctx, Attempt at, BuildRequest build,
                                                   observability::AttemptRecord& rec);

}  // namespace modelmux::pipeline
