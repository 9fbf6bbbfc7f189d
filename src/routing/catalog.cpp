#include "routing/catalog.hpp"

namespace modelmux::routing {

Catalog::Catalog(const config::Config& cfg) {
  groups_.reserve(cfg.models.size());
  for (const auto& m : cfg.models) {
    ModelGroup g;
    g.name = m.name;
    for (const auto& t : m.targets) g.targets.push_back(providers::make_target(t));
    groups_.push_back(std::move(g));
  }
  for (const auto& g : groups_) by_name_.emplace(g.name, &g);
}

const ModelGroup* Catalog::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace modelmux::routing
