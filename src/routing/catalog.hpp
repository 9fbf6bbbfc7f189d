// Public model names -> their groups of targets, built once from the configuration and then immutable.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "providers/provider.hpp"

namespace modelmux::routing {

struct ModelGroup {
  std::string name;
  std::vector<providers::Target> targets;  // in priority order
};

class Catalog {
 public:
  // Throws config::ConfigError naming the file and line of a bad target.
  explicit Catalog(const config::Config& cfg);

  const ModelGroup* find(std::string_view name) const;
  const std::vector<ModelGroup>& groups() const { return groups_; }

 private:
  std::vector<ModelGroup> groups_;
  std::unordered_map<std::string_view, const ModelGroup*> by_name_;
};

}  // namespace modelmux::routing
