// Public model names -> their groups of targets, built once from the configuration and then immutable,
// except for each target's live statistics (atomics, shared by every worker).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "cost/prices.hpp"
#include "providers/provider.hpp"
#include "routing/feedback.hpp"
#include "routing/learned_router.hpp"
#include "routing/stats.hpp"

namespace modelmux::routing {

// What routing knows of a target beyond its configuration.
struct TargetInfo {
  TargetStats* stats = nullptr;             // shared by every group naming the same upstream
  const cost::ModelPrice* price = nullptr;  // null: a model the price table does not know
  double quality = 0.5;
  int weight = 1;  // the config's, here so planning never touches the (large) Target
  bool local = false;
};

struct ModelGroup {
  std::string name;
  std::size_t index = 0;
  std::vector<providers::Target> targets;  // in listed order
  std::vector<TargetInfo> info;            // parallel to targets
  routing::Strategy strategy = routing::Strategy::priority;
  std::vector<const ModelGroup*> fallbacks;
  const ModelGroup* content_policy = nullptr;
  config::HedgeConfig hedge;
  std::optional<AutoRoute> auto_route;       // strategy auto: the groups the learned router picks from
  std::unique_ptr<Calibration> calibration;  // a group an auto group names: its calibration from outcomes
  governance::Limits limits;                 // for all the group's clients together
  std::string counter;                       // "group:<name>": the limits' counter
};

class Catalog {
 public:
  // Throws config::ConfigError naming the file and line of a bad target.
  explicit Catalog(const config::Config& cfg);

  const ModelGroup* find(std::string_view name) const;
  const std::vector<ModelGroup>& groups() const { return groups_; }
  const cost::PriceTable& prices() const { return prices_; }

 private:
  // The auto section `ac` of group `g`, against the other groups (throws config::ConfigError).
  void resolve_auto(const config::AutoConfig& ac, ModelGroup& g);

  cost::PriceTable prices_;
  std::vector<ModelGroup> groups_;
  std::unordered_map<std::string_view, const ModelGroup*> by_name_;
  std::vector<std::unique_ptr<TargetStats>> stats_;
};

// Whether a target runs on this machine or network: ollama, or an api_base on loopback or a private range.
bool is_local(const providers::Target& t);

}  // namespace modelmux::routing
