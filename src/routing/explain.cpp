#include "routing/explain.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

namespace modelmux::routing {

namespace json = boost::json;

namespace {

double round_to(double v, int digits) {
  double f = std::pow(10.0, digits);
  return std::round(v * f) / f;
}

// Whole numbers as integers: boost::json writes every double in exponent form (1.5E0).
json::value num(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15) return static_cast<std::int64_t>(v);
  return v;
}

std::string usd(double v) {
  return v < 0 ? "unknown" : fmt::format("${:.6f}", v);
}

json::object target_state(const TargetStats& st, Nanos now) {
  json::object o;
  o["breaker"] = to_string(st.breaker.state(now));
  o["in_flight"] = st.in_flight.load(std::memory_order_relaxed);
  return o;
}

// Why the first candidate won, in the strategy's own terms.
std::string reasoning(const Plan& plan, const std::vector<const Candidate*>& order) {
  const Candidate* first = order.empty() || !order[0]->eligible ? nullptr : order[0];
  if (!first) return "no target is eligible";
  std::string who = first->target().label;
  std::string out;
  switch (plan.strategy) {
    case routing::Strategy::priority:
    case routing::Strategy::auto_route:
      out = fmt::format("priority: {} is the first eligible target in listed order", who);
      break;
    case routing::Strategy::weighted:
      out = fmt::format("weighted: smooth weighted round-robin drew {} (weight {})", who,
                        first->target().cfg.weight);
      break;
    case routing::Strategy::least_busy:
      out = fmt::format("least_busy: {} has the fewest requests in flight ({})", who,
                        first->info().stats->in_flight.load(std::memory_order_relaxed));
      break;
    case routing::Strategy::latency:
      out = first->est_latency_ms < 0
                ? fmt::format(
                      "latency: {} has no observed latency yet, so it is tried (power of two choices)", who)
                : fmt::format("latency: {} has the lower peak-EWMA latency x load of two drawn ({:.1f} ms)",
                              who, first->est_latency_ms);
      break;
    case routing::Strategy::cost:
      out = fmt::format("cost: {} is the cheapest capable target at {} for ~{} input and ~{} output tokens",
                        who, usd(first->est_cost_usd), plan.input_tokens, plan.output_tokens);
      break;
    case routing::Strategy::quality:
      out = fmt::format("quality: {} has the highest quality score ({:.2f})", who, first->info().quality);
      break;
    case routing::Strategy::balanced:
      out = fmt::format("balanced: {} has the best weighted score of cost, speed and quality ({:.3f})", who,
                        -first->score);
      break;
    case routing::Strategy::local_first:
      out = fmt::format(
          "local_first: {} is {}", who,
          first->info().local ? "a local target" : "the first cloud target (no local one is eligible)");
      break;
    case routing::Strategy::adaptive:
      out = fmt::format("adaptive: {} has the best observed success, latency and cost{}", who,
                        first->chosen_first ? " (or was drawn to explore)" : "");
      break;
  }
  if (const auto& d = plan.auto_decision) {
    const auto& pick = d->chosen_member();
    std::string why =
        d->rule == AutoDecision::Rule::threshold
            ? fmt::format("P(strong right, weak wrong) = {:.3f} is {} the threshold {:.3f}",
                          *d->p_strong_better, d->chosen == 1 ? "at or above" : "below", d->bound)
            : fmt::format(
                  "it is the cheapest group whose predicted success ({:.3f}) is within {:.3f} of the best",
                  pick.p, d->bound);
    out = fmt::format("auto: difficulty {:.3f}; {}, so group {} serves; ", d->difficulty, why,
                      pick.group->name) +
          out;
  }
  std::size_t excluded = 0;
  for (const auto* c : order) excluded += !c->eligible;
  if (excluded) out += fmt::format("; {} target(s) excluded", excluded);
  return out;
}

json::value usd_or_null(double v) {
  return v < 0 ? json::value(nullptr) : json::value(round_to(v, 8));
}

// The learned router's view of the request: difficulty, each group's predicted success with the
// calibration in use, the rule and its bound, the weightiest features, and the cost against always-strong.
json::object auto_decision(const AutoDecision& d, Nanos now) {
  json::object r;
  r["difficulty"] = round_to(d.difficulty, 4);
  r["rule"] = d.rule == AutoDecision::Rule::threshold ? "threshold" : "quality_floor";
  r[d.rule == AutoDecision::Rule::threshold ? "threshold" : "quality_floor"] = num(round_to(d.bound, 4));
  r["bound_from"] = d.bound_source;
  if (d.p_strong_better) r["p_strong_better"] = round_to(*d.p_strong_better, 4);
  const AutoDecision::Member* strongest = &d.members[0];
  json::array groups;
  for (const auto& m : d.all()) {
    if (m.quality > strongest->quality) strongest = &m;
    auto c = m.group->calibration->snapshot(now);
    groups.push_back(
        json::object{{"group", m.group->name},
                     {"quality", num(m.quality)},
                     {"p_success_model", round_to(m.p_model, 4)},
                     {"calibration", json::object{{"offset_logit", round_to(c.offset, 4)},
                                                  {"reliability", round_to(c.reliability, 4)},
                                                  {"judged", c.judged},
                                                  {"mean_score", round_to(c.mean_score, 4)},
                                                  {"mean_predicted", round_to(c.mean_predicted, 4)},
                                                  {"routed", c.routed},
                                                  {"unanswered", c.unanswered}}},
                     {"p_success", round_to(m.p, 4)},
                     {"estimated_cost_usd", usd_or_null(m.est_cost_usd)},
                     {"chosen", &m == &d.chosen_member()}});
  }
  r["groups"] = std::move(groups);
  double chosen = d.chosen_member().est_cost_usd, strong = strongest->est_cost_usd;
  json::object cost{{"chosen_usd", usd_or_null(chosen)}, {"always_strong_usd", usd_or_null(strong)}};
  if (chosen >= 0 && strong > 0) cost["share_of_always_strong"] = round_to(chosen / strong, 4);
  r["expected_cost"] = std::move(cost);
  json::array features;
  for (const auto& f : d.top_features)
    features.push_back(json::object{{"feature", f.feature},
                                    {"value", round_to(f.value, 4)},
                                    {"weight", round_to(f.weight, 4)},
                                    {"contribution", round_to(f.contribution, 4)}});
  r["top_features"] = std::move(features);
  return r;
}

}  // namespace

json::object explain(const Plan& plan, Nanos now) {
  json::object o;
  o["object"] = "route";
  o["model"] = plan.requested->name;
  o["group"] = plan.group->name;
  o["strategy"] = routing::to_string(plan.strategy);
  if (plan.auto_decision) o["router"] = auto_decision(*plan.auto_decision, now);
  o["estimate"] = json::object{{"input_tokens", plan.input_tokens},
                               {"output_tokens", plan.output_tokens},
                               {"needs", cost::capability_names(plan.needs)}};
  auto order = plan.order();
  json::array candidates, fallback;
  for (const auto* c : order) {
    json::object x = target_state(*c->info().stats, now);
    x["target"] = c->target().label;
    x["group"] = c->group->name;
    x["rank"] = c->rank;
    x["eligible"] = c->eligible;
    if (c->excluded != Exclusion::none) x["excluded"] = to_string(c->excluded);
    if (std::isfinite(c->score))
      x["score"] = num(round_to(c->score, 9));
    else
      x["score"] = "first";
    if (c->est_cost_usd >= 0)
      x["estimated_cost_usd"] = round_to(c->est_cost_usd, 8);
    else
      x["estimated_cost_usd"] = nullptr;
    if (c->est_latency_ms >= 0)
      x["estimated_latency_ms"] = round_to(c->est_latency_ms, 3);
    else
      x["estimated_latency_ms"] = nullptr;
    x["quality"] = num(c->info().quality);
    x["local"] = c->info().local;
    x["price_entry"] = c->info().price ? json::value(c->info().price->model) : json::value(nullptr);
    if (c->eligible) fallback.push_back(json::string(c->target().label));
    candidates.push_back(std::move(x));
  }
  o["chosen"] = fallback.empty() ? json::value(nullptr) : fallback[0];
  o["fallback_order"] = std::move(fallback);
  o["reasoning"] = reasoning(plan, order);
  o["candidates"] = std::move(candidates);
  return o;
}

json::object targets_health(const Catalog& catalog, Nanos now) {
  json::array list;
  for (const auto& g : catalog.groups()) {
    for (std::size_t i = 0; i < g.targets.size(); ++i) {
      const auto& st = *g.info[i].stats;
      json::object x = target_state(st, now);
      x["model"] = g.name;
      x["target"] = g.targets[i].label;
      auto requests = st.requests.load(std::memory_order_relaxed);
      auto failures = st.failures.load(std::memory_order_relaxed);
      x["requests"] = requests;
      x["failures"] = failures;
      x["error_rate"] =
          requests ? round_to(static_cast<double>(failures) / static_cast<double>(requests), 4) : 0.0;
      auto [wf, wt] = st.breaker.window(now);
      x["window"] = json::object{{"requests", wt}, {"failures", wf}};
      x["latency_ms"] = st.latency_us.observed()
                            ? json::value(round_to(st.latency_us.value_at(now) / 1000, 3))
                            : json::value(nullptr);
      x["p95_ms"] = st.histogram.count() ? json::value(round_to(st.histogram.quantile(0.95) / 1000, 3))
                                         : json::value(nullptr);
      if (st.last_error_at.load(std::memory_order_relaxed) != 0) {
        x["last_error"] = to_string(st.last_error.load(std::memory_order_relaxed));
        x["last_error_age_s"] = round_to(static_cast<double>(now - st.last_error_at.load()) / 1e9, 3);
      }
      auto health = st.health.load(std::memory_order_relaxed);
      x["health_check"] = health == 0 ? "none" : health == 1 ? "passing" : "failing";
      list.push_back(std::move(x));
    }
  }
  return json::object{{"object", "list"}, {"data", std::move(list)}};
}

}  // namespace modelmux::routing
