#include "routing/router.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <span>

#include "cost/tokens.hpp"

namespace modelmux::routing {

namespace {

using routing::Strategy;

// splitmix64: a fast per-thread generator; draws need to be uniform, not secret.
thread_local std::uint64_t rng_state = 0x9e3779b97f4a7c15ull ^ reinterpret_cast<std::uintptr_t>(&rng_state);

std::uint64_t next_random() {
  std::uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
double uniform01() {
  return static_cast<double>(next_random() >> 11) * 0x1.0p-53;
}

// Smooth weighted round-robin (nginx's): per worker thread and per group, so no thread waits on another;
// each thread's picks follow the weights exactly, and so does their sum.
thread_local std::vector<std::vector<std::int64_t>> swrr_current;

std::uint32_t needs_of(const ChatRequest& req) {
  std::uint32_t needs = 0;
  if (!req.tools.empty() && req.tool_choice.mode != ToolChoice::Mode::none) needs |= cost::cap_tools;
  if (req.response_format.type == ResponseFormat::Type::json_schema) needs |= cost::cap_json_schema;
  for (const auto& m : req.messages)
    for (const auto& p : m.content)
      if (p.kind == ContentPart::Kind::image) needs |= cost::cap_vision;
  return needs;
}

constexpr double kTie = 1e-9;  // listed order breaks ties

}  // namespace

void seed_random(std::uint64_t seed) {
  rng_state = seed;
}

void Candidate::rescore(Nanos now) {
  if (!lazy) return;
  lazy = false;
  const auto& st = *info().stats;
  // Peak-EWMA cost: latency (decaying toward 0 while unobserved, so a target once slow is tried again)
  // times the requests it already has in flight.
  score = (st.latency_us.value_at(now) + 1) * (st.in_flight.load(std::memory_order_relaxed) + 1);
}

std::string_view to_string(Exclusion e) {
  switch (e) {
    case Exclusion::none:
      return "";
    case Exclusion::weight_zero:
      return "weight 0";
    case Exclusion::circuit_open:
      return "circuit open";
    case Exclusion::capability:
      return "lacks a capability the request uses";
    case Exclusion::context_window:
      return "context window smaller than the estimated input";
    case Exclusion::over_ceiling:
      return "worst-case cost above the request's ceiling";
  }
  return "";
}

void Router::score_group(Plan& plan, const ModelGroup& g, std::uint16_t rank) const {
  Nanos now = clock_.now();
  Strategy strategy =
      plan.prefs.strategy && *plan.prefs.strategy != Strategy::auto_route ? *plan.prefs.strategy : g.strategy;
  if (strategy == Strategy::auto_route) strategy = Strategy::priority;  // a tier group's own order
  std::size_t first = plan.candidates.size();
  std::uint32_t capability_misses = 0, eligible = 0;
  // Estimates only where the strategy weighs them or the plan is to be explained: at 100 targets the
  // decision's whole budget is about a microsecond.
  bool want_cost = plan.explain || strategy == Strategy::cost || strategy == Strategy::balanced ||
                   strategy == Strategy::adaptive;
  bool want_latency = plan.explain || strategy == Strategy::balanced;
  auto n = static_cast<std::uint32_t>(g.targets.size());
  for (std::uint32_t i = 0; i < n; ++i) {
    auto& c = plan.candidates.emplace_back();
    c.group = &g;
    c.index = i;
    c.rank = rank;
    const auto& info = g.info[i];
    const auto* price = info.price;
    const auto& st = *info.stats;
    double cost = price ? price->cost(plan.input_tokens, plan.output_tokens) : -1;
    if (want_cost) c.est_cost_usd = static_cast<float>(cost);
    if (want_latency && st.latency_us.observed())
      c.est_latency_ms = static_cast<float>(st.latency_us.value_at(now) / 1000);
    if (info.weight == 0)
      c.excluded = Exclusion::weight_zero;
    else if (st.breaker.refusing(now))
      c.excluded = Exclusion::circuit_open;
    else if (price && (price->capabilities & plan.needs) != plan.needs)
      c.excluded = Exclusion::capability;
    else if (price && price->context_window > 0 && plan.input_tokens > price->context_window)
      c.excluded = Exclusion::context_window;
    c.eligible = c.excluded == Exclusion::none;
    eligible += c.eligible;
    capability_misses += c.excluded == Exclusion::capability || c.excluded == Exclusion::context_window;
    // The strategies that need one look at each candidate alone score here; the others below.
    switch (strategy) {
      case Strategy::priority:
      case Strategy::auto_route:
      case Strategy::weighted:
        c.score = i;
        break;
      case Strategy::least_busy:
        c.score = st.in_flight.load(std::memory_order_relaxed) + i * kTie;
        break;
      // Peak-EWMA cost: latency (decaying toward 0 while unobserved, so a target once slow is tried
      // again) times the requests it already has in flight.
      // Only the two drawn candidates are scored now; the rest when a fallback needs the order.
      case Strategy::latency:
        c.lazy = true;
        if (plan.explain) c.rescore(now);
        break;
      case Strategy::cost:
        c.score = (cost < 0 ? 1e9 : cost) + i * kTie;
        break;
      case Strategy::quality:
        c.score = -info.quality + i * kTie;
        break;
      case Strategy::local_first:
        c.score = (info.local ? 0 : 1e6) + i;
        break;
      case Strategy::balanced:
      case Strategy::adaptive:
        break;
    }
  }
  // The group's best candidate, so the first next() needs no scan (the scan is most of a decision's
  // cost at 100 targets). Strategies that score or draw below update it.
  std::int64_t best = -1;
  auto consider_all = [&] {
    best = -1;
    for (std::size_t k = first; k < plan.candidates.size(); ++k) {
      const auto& c = plan.candidates[k];
      if (c.eligible && (best < 0 || c.score < plan.candidates[static_cast<std::size_t>(best)].score))
        best = static_cast<std::int64_t>(k);
    }
  };
  std::span<Candidate> cs(plan.candidates.data() + first, plan.candidates.size() - first);
  // When no target qualifies on paper, the price table may be wrong or old: let the upstreams decide.
  if (capability_misses > 0 && eligible == 0)
    for (auto& c : cs)
      if (c.excluded == Exclusion::capability || c.excluded == Exclusion::context_window) {
        c.eligible = true;
        c.excluded = Exclusion::none;
      }

  // Power of two choices: two distinct eligible candidates drawn at random, the better one goes first.
  // (With one eligible candidate there is nothing to compare: it goes first unscored.)
  auto draw_first = [&](auto better) {
    std::uint64_t n = 0;
    for (const auto& c : cs) n += c.eligible;
    if (n == 0) return;
    auto nth = [&](std::uint64_t k) -> Candidate& {
      for (auto& c : cs)
        if (c.eligible && k-- == 0) return c;
      return cs[0];
    };
    std::uint64_t i = next_random() % n;
    Candidate* pick = &nth(i);
    if (n > 1) {
      std::uint64_t j = next_random() % (n - 1);
      Candidate& other = nth(j >= i ? j + 1 : j);
      if (better(other, *pick)) pick = &other;
    }
    pick->lazy = false;
    pick->chosen_first = true;
    pick->score = -std::numeric_limits<double>::infinity();
    best = pick - plan.candidates.data();
  };

  switch (strategy) {
    case Strategy::priority:
    case Strategy::auto_route:
    case Strategy::least_busy:
    case Strategy::cost:
    case Strategy::quality:
    case Strategy::local_first:
      consider_all();
      break;
    case Strategy::weighted: {
      if (swrr_current.size() <= g.index) swrr_current.resize(g.index + 1);
      auto& cur = swrr_current[g.index];
      if (cur.size() != g.targets.size()) cur.assign(g.targets.size(), 0);
      std::int64_t total = 0;
      Candidate* pick = nullptr;
      for (auto& c : cs) {
        if (!c.eligible) continue;
        std::int64_t w = c.info().weight;
        cur[c.index] += w;
        total += w;
        if (!pick || cur[c.index] > cur[pick->index]) pick = &c;
      }
      if (pick) {
        cur[pick->index] -= total;
        pick->chosen_first = true;
        pick->score = -std::numeric_limits<double>::infinity();
        best = pick - plan.candidates.data();
      }
      break;
    }
    case Strategy::latency: {
      draw_first([&](Candidate& x, Candidate& y) {
        x.rescore(now);
        y.rescore(now);
        return x.score < y.score;
      });
      break;
    }
    case Strategy::balanced: {
      // value = w.cost * (1 - cost/max) + w.speed * (1 - latency/max) + w.quality * quality, with the
      // divisions taken out of the loop. Unknown cost counts as the dearest, unknown latency as middling.
      auto w = plan.prefs.weights.value_or(cfg_.balanced);
      double max_cost = 0, max_lat = 0;
      for (const auto& c : cs) {
        max_cost = std::max<double>(max_cost, c.est_cost_usd);
        max_lat = std::max<double>(max_lat, c.est_latency_ms);
      }
      double per_cost = max_cost > 0 ? w.cost / max_cost : 0, per_lat = max_lat > 0 ? w.speed / max_lat : 0;
      for (auto& c : cs) {
        double cost_part = c.est_cost_usd >= 0 ? w.cost - per_cost * c.est_cost_usd : 0;
        double lat_part =
            c.est_latency_ms >= 0 && max_lat > 0 ? w.speed - per_lat * c.est_latency_ms : 0.5 * w.speed;
        c.score = -(cost_part + lat_part + w.quality * c.info().quality) + c.index * kTie;
      }
      consider_all();
      break;
    }
    case Strategy::adaptive: {
      // success^2 / (1 + latency/slowest) / (1 + cost/dearest / 2), each decaying average read once.
      double max_lat = 1, max_cost = 0;
      for (auto& c : cs) {
        c.score = c.info().stats->adaptive_latency_us.value_at(now);  // (the latency, for now)
        max_lat = std::max(max_lat, c.score);
        max_cost = std::max<double>(max_cost, c.est_cost_usd);
      }
      double per_lat = 1 / max_lat, per_cost = max_cost > 0 ? 0.5 / max_cost : 0;
      for (auto& c : cs) {
        double success = c.info().stats->adaptive_success.value_at(now);  // unobserved or quiet: healthy
        double cost = c.est_cost_usd >= 0 ? per_cost * c.est_cost_usd : 0;
        c.score = -(success * success) / ((1 + c.score * per_lat) * (1 + cost)) + c.index * kTie;
      }
      consider_all();
      // Exploration: some requests go to a random healthy target, so a recovered one is noticed.
      if (uniform01() < cfg_.adaptive_exploration)
        draw_first([](const Candidate&, const Candidate&) { return false; });
      break;
    }
  }
  // Groups are scored in rank order: the first with an eligible candidate holds the plan's first pick.
  if (best >= 0 && plan.hint < 0 && !plan.hint_used) plan.hint = best;
}

Result<Plan> Router::plan(const ModelGroup& requested, const ChatRequest& req, const Preferences& prefs,
                          bool explain) const {
  Plan plan;
  plan.explain = explain;
  plan.router = this;
  plan.prefs = prefs;
  plan.requested = &requested;
  const ModelGroup* g = &requested;
  plan.strategy = prefs.strategy.value_or(requested.strategy);
  plan.input_tokens = cost::estimate_input_tokens(req);
  plan.output_tokens =
      req.max_tokens ? std::min(*req.max_tokens, cfg_.expected_output_tokens) : cfg_.expected_output_tokens;
  plan.needs = needs_of(req);
  // An auto group always lets the learned router pick its group; a strategy asked for then orders the
  // picked group's targets.
  if (plan.strategy == Strategy::auto_route || requested.strategy == Strategy::auto_route) {
    if (!requested.auto_route)
      return fail(ErrorCode::invalid_request,
                  fmt::format("strategy auto needs an auto: section, and model {} has none configured",
                              requested.name),
                  "strategy");
    const auto& route = *requested.auto_route;
    thread_local Features features;  // (its buffers grow once per thread, then are reused)
    extract(req, features);
    auto decision = decide(route, route.model->difficulty(features), prefs.router, plan.input_tokens,
                           plan.output_tokens, clock_.now());
    if (!decision) return std::unexpected(decision.error());
    if (explain) {
      std::string scratch;
      decision->top_features = route.model->contributions(features, routed_text(req, scratch), 8);
    }
    plan.auto_decision = std::move(*decision);
    g = plan.auto_decision->chosen_member().group;
    plan.strategy = prefs.strategy && *prefs.strategy != Strategy::auto_route ? *prefs.strategy : g->strategy;
  }
  plan.group = g;

  std::size_t total = g->targets.size();
  for (const auto* f : g->fallbacks) total += f->targets.size();
  if (g != &requested)
    for (const auto* f : requested.fallbacks) total += f->targets.size();
  if (plan.auto_decision)
    for (const auto& m : plan.auto_decision->all()) total += m.group->targets.size();
  plan.candidates.reserve(total);
  score_group(plan, *g, 0);
  std::uint16_t rank = 1;
  auto add_fallbacks = [&](const ModelGroup& from) {
    for (const auto* f : from.fallbacks) {
      bool seen = false;
      for (const auto& c : plan.candidates) seen = seen || c.group == f;
      if (!seen) score_group(plan, *f, rank++);
    }
  };
  add_fallbacks(*g);
  if (g != &requested) add_fallbacks(requested);
  // Then the auto section's other groups, the likelier to answer right first: a pick that cannot answer
  // at all is better served by another group than not.
  if (plan.auto_decision) {
    std::array<const AutoDecision::Member*, kMaxAutoGroups> rest{};
    std::size_t n = 0;
    for (const auto& m : plan.auto_decision->all())
      if (m.group != g) rest[n++] = &m;
    std::stable_sort(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(n),
                     [](const auto* a, const auto* b) { return a->p > b->p; });
    for (std::size_t k = 0; k < n; ++k) {
      bool seen = false;
      for (const auto& c : plan.candidates) seen = seen || c.group == rest[k]->group;
      if (!seen) score_group(plan, *rest[k]->group, rank++);
    }
  }

  if (std::none_of(plan.candidates.begin(), plan.candidates.end(),
                   [](const Candidate& c) { return c.eligible; })) {
    Nanos reopen = std::numeric_limits<Nanos>::max();
    for (const auto& c : plan.candidates)
      if (c.excluded == Exclusion::circuit_open)
        reopen = std::min(reopen, c.info().stats->breaker.reopens_at());
    auto err = Error::make(
        ErrorCode::unavailable,
        fmt::format("every target of model {} is unavailable (circuit open or weight 0)", requested.name));
    if (reopen != std::numeric_limits<Nanos>::max()) {
      auto wait = std::max<Nanos>(reopen - clock_.now(), 0);
      err.retry_after = std::chrono::seconds((wait + 999'999'999) / 1'000'000'000);
    }
    return std::unexpected(err);
  }
  return plan;
}

Candidate* Plan::next(std::int64_t min_context, const ModelGroup* only) {
  if (hint >= 0) {
    auto& c = candidates[static_cast<std::size_t>(hint)];
    hint = -1;
    hint_used = true;
    if (min_context == 0 && !only && c.eligible && !c.used) {
      c.used = true;
      return &c;
    }
  }
  Candidate* best = nullptr;
  Nanos now = router ? router->clock().now() : 0;
  for (auto& c : candidates) {
    if (!c.eligible || c.used) continue;
    if (c.lazy) c.rescore(now);
    if (only && c.group != only) continue;
    if (min_context > 0) {
      const auto* p = c.info().price;
      if (!p || p->context_window <= min_context) continue;
    }
    if (!best || c.rank < best->rank || (c.rank == best->rank && c.score < best->score)) best = &c;
  }
  if (best) best->used = true;
  return best;
}

void Plan::new_round() {
  hint = -1;
  hint_used = true;
  for (auto& c : candidates) c.used = false;
}

void Plan::add_group(const ModelGroup* g) {
  for (const auto& c : candidates)
    if (c.group == g) return;
  std::uint16_t rank = candidates.empty() ? 0 : static_cast<std::uint16_t>(candidates.back().rank + 1);
  router->score_group(*this, *g, rank);
}

std::vector<const Candidate*> Plan::order() const {
  std::vector<const Candidate*> out;
  for (const auto& c : candidates) out.push_back(&c);
  std::stable_sort(out.begin(), out.end(), [](const Candidate* a, const Candidate* b) {
    if (a->eligible != b->eligible) return a->eligible;
    if (a->rank != b->rank) return a->rank < b->rank;
    return a->score < b->score;
  });
  return out;
}

}  // namespace modelmux::routing
