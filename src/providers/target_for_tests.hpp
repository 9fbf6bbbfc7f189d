// For unit tests: a target made the way the gateway makes one, through the configuration loader, from one
// target's keys written as a YAML (or JSON) flow mapping: {provider: bedrock, model: m, aws_region:
// us-east-1}.
#pragma once

#include <string>
#include <string_view>

#include "config/config.hpp"
#include "providers/provider.hpp"

namespace modelmux::providers {

inline Target target_for_tests(std::string_view keys) {
  auto cfg = config::load_string("models:\n  - name: t\n    targets:\n      - " + std::string(keys) + "\n",
                                 "<test>");
  return make_target(cfg.models.at(0).targets.at(0));
}

}  // namespace modelmux::providers
