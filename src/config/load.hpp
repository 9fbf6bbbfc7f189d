// What load.cpp and load_routing.cpp share: the readers of the routing keys.
#pragma once

#include "config/reader.hpp"

namespace modelmux::config {

// A model group's strategy, fallbacks, content-policy fallback, hedge and tiers.
void read_group_routing(const Reader& r, const YAML::Node& m, const std::string& key, ModelConfig& mc);
// The `routing:` section.
void read_routing(const Reader& r, const YAML::Node& n, RoutingConfig& rc);

}  // namespace modelmux::config
