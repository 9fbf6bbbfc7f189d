// The route decision: for one request and one model group, every candidate target (the group's own, then
// its fallback groups', each ordered by its group's strategy) with a score, a reason when it is excluded,
// and the estimates the strategies used. The attempts stage walks the plan with next(); the explainer
// prints it whole. Reading live statistics is lock-free; the only per-request allocation is the
// candidate list.
#pragma once

#include <boost/json/value.hpp>
#include <optional>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"
#include "routing/catalog.hpp"
#include "routing/clock.hpp"
#include "routing/learned_router.hpp"

namespace modelmux::routing {

// What a request may ask of routing: header x-modelmux-strategy or body `strategy`, x-modelmux-weights, and
// for auto groups x-modelmux-quality-floor or body `router: {threshold, quality_floor}`.
struct Preferences {
  std::optional<routing::Strategy> strategy;
  std::optional<config::BalancedWeights> weights;
  AutoOverrides router;
  // The request's own cost ceiling in USD (x-modelmux-max-cost, or the body's budget_limit): targets whose
  // worst case exceeds it are left out of the plan (governance's admit stage).
  std::optional<double> max_cost_usd;
};

// "cost=0.5,speed=0.2,quality=0.3": any subset; the others keep their defaults.
Result<config::BalancedWeights> parse_weights(std::string_view text, config::BalancedWeights defaults);

// A number from 0 to 1 ("0.05"); nullopt for anything else.
std::optional<double> parse_unit(std::string_view text);
// The body's `router` field, {"threshold": T, "quality_floor": F} (each 0..1, both optional), into `out`;
// values already there (from headers) win.
Result<void> parse_router_field(const boost::json::value& v, AutoOverrides& out);

// Why a candidate is not eligible.
enum class Exclusion : std::uint8_t {
  none,
  weight_zero,
  circuit_open,
  capability,
  context_window,
  over_ceiling
};
std::string_view to_string(Exclusion e);

// Kept small (40 bytes): a decision over 100 targets writes 100 of them.
struct Candidate {
  const ModelGroup* group = nullptr;
  double score = 0;           // lower is better within a rank
  float est_cost_usd = -1;    // -1: unknown model, or not needed by the strategy (see Plan::explain)
  float est_latency_ms = -1;  // -1: nothing observed yet, or not needed
  std::uint32_t index = 0;    // in group->targets
  std::uint16_t rank = 0;     // 0: the serving group; then its fallback groups in order
  Exclusion excluded = Exclusion::none;
  bool eligible = true;
  bool used = false;
  bool chosen_first = false;  // picked by a strategy that draws (weighted, latency, adaptive)
  bool lazy = false;          // latency: scored only when compared (see rescore)

  // Computes a lazily scored candidate's latency score from the live statistics.
  void rescore(Nanos now);

  const providers::Target& target() const { return group->targets[index]; }
  const TargetInfo& info() const { return group->info[index]; }
};

struct Plan {
  const ModelGroup* requested = nullptr;  // the group the model name named
  const ModelGroup* group = nullptr;      // the group serving it (the learned router's pick under auto)
  routing::Strategy strategy = routing::Strategy::priority;
  std::optional<AutoDecision> auto_decision;  // under auto
  std::int64_t input_tokens = 0;
  std::int64_t output_tokens = 0;
  std::uint32_t needs = 0;  // capabilities the request uses
  std::vector<Candidate> candidates;

  // The next candidate to try: the best unused eligible one, lowest rank first. `min_context` keeps only
  // targets known to have a larger context window (after an overflow); `only` keeps one group's.
  Candidate* next(std::int64_t min_context = 0, const ModelGroup* only = nullptr);
  // A retry round: every eligible candidate may be tried again.
  void new_round();
  // Adds a group's candidates at the end (the content-policy fallback), unless already in the plan.
  void add_group(const ModelGroup* g);
  // Every candidate in the order next() would give them.
  std::vector<const Candidate*> order() const;

  bool explain = false;    // every estimate filled in, not only those the strategy uses
  std::int64_t hint = -1;  // the first pick, found while scoring, so the first next() needs no scan
  bool hint_used = false;
  // Set by the router for add_group.
  const class Router* router = nullptr;
  Preferences prefs;
};

class Router {
 public:
  Router(const config::RoutingConfig& cfg, const Clock& clock = steady_clock()) : cfg_(cfg), clock_(clock) {}

  // The plan for `req` on `group`; an error only when every target's breaker is open (503 with
  // Retry-After), or when the request asks for auto where it is not configured or overrides it wrongly.
  Result<Plan> plan(const ModelGroup& group, const ChatRequest& req, const Preferences& prefs,
                    bool explain = false) const;

  const Clock& clock() const { return clock_; }
  const config::RoutingConfig& config() const { return cfg_; }

  // Appends `g`'s candidates, scored by its strategy (or the request's), at `rank`.
  void score_group(Plan& plan, const ModelGroup& g, std::uint16_t rank) const;

 private:
  config::RoutingConfig cfg_;
  const Clock& clock_;
};

// Seeds this thread's random draws (tests).
void seed_random(std::uint64_t seed);

}  // namespace modelmux::routing
