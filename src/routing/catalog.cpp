#include "routing/catalog.hpp"

#include <fmt/format.h>

namespace modelmux::routing {

bool is_local(const providers::Target& t) {
  if (t.cfg.local) return *t.cfg.local;
  if (t.cfg.provider == "ollama" || t.cfg.provider == "mock") return true;
  std::string_view host = t.base.host;
  if (host == "localhost" || host.starts_with("127.") || host == "::1" || host.starts_with("10.") ||
      host.starts_with("192.168.") || host.ends_with(".local"))
    return true;
  if (host.starts_with("172.")) {  // 172.16.0.0/12
    int second = std::atoi(std::string(host.substr(4, 2)).c_str());
    return second >= 16 && second <= 31;
  }
  return false;
}

Catalog::Catalog(const config::Config& cfg) : prices_(cost::PriceTable::load(cfg.prices)) {
  const auto& rc = cfg.routing;
  auto nanos = [](config::ms d) { return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count(); };
  std::unordered_map<std::string, TargetStats*> by_upstream;
  groups_.reserve(cfg.models.size());
  for (const auto& m : cfg.models) {
    ModelGroup g;
    g.name = m.name;
    g.index = groups_.size();
    g.strategy = m.strategy.value_or(rc.default_strategy);
    g.hedge = m.hedge;
    g.limits = m.limits;
    g.counter = "group:" + g.name;
    for (const auto& t : m.targets) {
      g.targets.push_back(providers::make_target(t));
      const auto& target = g.targets.back();
      TargetInfo info;
      // One upstream named by several groups is one set of statistics and one breaker.
      std::string key =
          t.provider + '\n' + target.base.origin() + target.base.path + '\n' + t.model + '\n' + t.api_key;
      auto& stats = by_upstream[key];
      if (!stats) {
        stats_.push_back(std::make_unique<TargetStats>(rc.breaker, nanos(rc.latency_half_life),
                                                       nanos(rc.adaptive_half_life)));
        stats = stats_.back().get();
      }
      info.stats = stats;
      info.price = prices_.find(t.model);
      info.quality = t.quality.value_or(info.price ? info.price->quality : 0.5);
      info.local = is_local(target);
      info.weight = t.weight;
      g.info.push_back(info);
    }
    groups_.push_back(std::move(g));
  }
  for (const auto& g : groups_) by_name_.emplace(g.name, &g);
  // References between groups, checked by the config loader, resolved once the groups stop moving.
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    auto& g = groups_[i];
    const auto& m = cfg.models[i];
    for (const auto& f : m.fallbacks) g.fallbacks.push_back(find(f));
    if (!m.content_policy_fallback.empty()) g.content_policy = find(m.content_policy_fallback);
    if (m.auto_route) resolve_auto(*m.auto_route, g);
  }
}

void Catalog::resolve_auto(const config::AutoConfig& ac, ModelGroup& g) {
  const auto& model = LearnedModel::builtin();
  AutoRoute route;
  route.model = &model;
  route.pair = ac.groups.empty();
  route.threshold = ac.threshold;
  route.strong_share = ac.strong_share;
  route.quality_floor = ac.quality_floor;
  for (const auto& name : ac.members()) {
    auto& member = groups_[static_cast<std::size_t>(find(name) - groups_.data())];
    // The group's quality is its first target's: the one that serves it while healthy.
    double quality = member.info[0].quality;
    route.members.push_back({&member, quality, model.ability(quality)});
    if (!route.pair && !member.info[0].price)
      config::raise(ac.origin,
                    fmt::format("group \"{}\": its first target's model {} is not in the price table, so the "
                                "groups cannot be ordered by price (add it under prices:)",
                                name, member.targets[0].cfg.model));
    if (!member.calibration) member.calibration = std::make_unique<Calibration>();
  }
  if (route.pair && route.members[1].quality <= route.members[0].quality)
    config::raise(
        ac.origin,
        fmt::format("the strong group's quality ({}) must be above the weak group's ({}): the router "
                    "predicts each from it (set quality: on their first targets)",
                    route.members[1].quality, route.members[0].quality));
  if (ac.strong_share)
    route.threshold =
        threshold_for_share(model, route.members[1].ability, route.members[0].ability, *ac.strong_share);
  g.auto_route = std::move(route);
}

const ModelGroup* Catalog::find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second;
}

}  // namespace modelmux::routing
