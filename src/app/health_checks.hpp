// Active health checks: for every target with `health_check.interval_ms`, a one-token chat request at that
// interval on a thread of its own. A check is a request like any other to the target's breaker: refused
// while it is open and cooling down, a probe when half-open, so a recovered target is found by a check
// rather than by a user's request; in the closed state failed checks count toward opening it.
#pragma once

#include <memory>

#include "pipeline/runtime.hpp"

namespace modelmux::app {

class HealthChecks {
 public:
  explicit HealthChecks(const pipeline::Runtime& rt);  // starts the thread when any target asks for checks
  ~HealthChecks();                                     // stops it
  HealthChecks(const HealthChecks&) = delete;
  HealthChecks& operator=(const HealthChecks&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace modelmux::app
