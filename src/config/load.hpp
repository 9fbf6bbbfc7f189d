// What load.cpp, load_routing.cpp and load_governance.cpp share: the readers of sections and keys.
#pragma once

#include "config/reader.hpp"

namespace modelmux::config {

// A model group's strategy, fallbacks, content-policy fallback, hedge and tiers.
void read_group_routing(const Reader& r, const YAML::Node& m, const std::string& key, ModelConfig& mc);
// The `routing:` section.
void read_routing(const Reader& r, const YAML::Node& n, RoutingConfig& rc);

// Governance (load_governance.cpp): a budget {usd, period, soft_usd}; limits {rpm, tpm[, parallel]}; the
// `auth:` and `store:` sections.
governance::Budget read_budget(const Reader& r, const YAML::Node& n, const std::string& key);
governance::Limits read_limits(const Reader& r, const YAML::Node& n, const std::string& key, bool parallel);
void read_auth(const Reader& r, const YAML::Node& n, AuthConfig& a);
void read_store(const Reader& r, const YAML::Node& n, StoreConfig& s);

}  // namespace modelmux::config
