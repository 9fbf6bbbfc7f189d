#include "routing/router.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <span>

#include "cost/tokens.hpp"

namespace modelmux::routing {

namespace {

using config::Strategy;

// splitmix64: a fast per-thread generator; draws need to be uniform, not secret.
thread_local std::uint64_t rng_state = 0x9e3779b97f4a7c15ull ^ reinterpret_cast<std::uintptr_t>(&rng_state);

std::uint64_t next_random() {
  std::uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
double uniform01() { return static_cast<double>(next_random() >> 11) * 0x1.0p-53; }

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

void seed_random(std::uint64_t seed) { rng_state = seed; }

Result<config::BalancedWeights> parse_weights(std::string_view text, config::BalancedWeights w) {
  while (!text.empty()) {
    auto comma = text.find(',');
    auto item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    auto eq = item.find('=');
    double v = -1;
    if (eq != std::string_view::npos) {
      auto num = item.substr(eq + 1);
      auto [p, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
      if (ec != std::errc() || p != num.data() + num.size()) v = -1;
    }
    auto name = item.substr(0, eq);
    if (v < 0 || v > 1000 || (name != "cost" && name != "speed" && name != "quality"))
      return fail(ErrorCode::invalid_request,
                  fmt::format("x-modelmux-weights: \"{}\" is not name=number with name cost, speed or quality", item));
    (name == "cost" ? w.cost : name == "speed" ? w.speed : w.quality) = v;
  }
  return w;
}

void Router::score_group(Plan& plan, const ModelGroup& g, std::uint16_t rank) const {
  Nanos now = clock_.now();
  Strategy strategy = plan.prefs.strategy && *plan.prefs.strategy != Strategy::auto_tier ? *plan.prefs.strategy
                                                                                          : g.strategy;
  if (strategy == Strategy::auto_tier) strategy = Strategy::priority;  // a tier group's own order
  std::size_t first = plan.candidates.size();
  std::uint32_t capability_misses = 0;
  for (std::uint32_t i = 0; i < g.targets.size(); ++i) {
    Candidate c;
    c.group = &g;
    c.index = i;
    c.rank = rank;
    const auto& info = g.info[i];
    if (info.price) c.est_cost_usd = info.price->cost(plan.input_tokens, plan.output_tokens);
    if (info.stats->latency_us.observed()) c.est_latency_ms = info.stats->latency_us.value_at(now, 0) / 1000;
    if (g.targets[i].cfg.weight == 0) {
      c.eligible = false;
      c.excluded = "weight 0";
    } else if (info.stats->breaker.refusing(now)) {
      c.eligible = false;
      c.excluded = "circuit open";
    } else if (info.price && (info.price->capabilities & plan.needs) != plan.needs) {
      c.eligible = false;
      c.excluded = "lacks a capability the request uses";
      ++capability_misses;
    } else if (info.price && info.price->context_window > 0 && plan.input_tokens > info.price->context_window) {
      c.eligible = false;
      c.excluded = "context window smaller than the estimated input";
      ++capability_misses;
    }
    plan.candidates.push_back(c);
  }
  std::span<Candidate> cs(plan.candidates.data() + first, plan.candidates.size() - first);
  // When no target qualifies on paper, the price table may be wrong or old: let the upstreams decide.
  if (capability_misses > 0 && std::none_of(cs.begin(), cs.end(), [](const Candidate& c) { return c.eligible; }))
    for (auto& c : cs)
      if (c.excluded != "circuit open" && c.excluded != "weight 0") {
        c.eligible = true;
        c.excluded = {};
      }

  // Power of two choices: two distinct eligible candidates drawn at random, the better one goes first.
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
    pick->chosen_first = true;
  };

  switch (strategy) {
    case Strategy::priority:
    case Strategy::auto_tier:
      for (auto& c : cs) c.score = c.index;
      break;
    case Strategy::weighted: {
      if (swrr_current.size() <= g.index) swrr_current.resize(g.index + 1);
      auto& cur = swrr_current[g.index];
      if (cur.size() != g.targets.size()) cur.assign(g.targets.size(), 0);
      std::int64_t total = 0;
      Candidate* best = nullptr;
      for (auto& c : cs) {
        c.score = c.index;
        if (!c.eligible) continue;
        std::int64_t w = g.targets[c.index].cfg.weight;
        cur[c.index] += w;
        total += w;
        if (!best || cur[c.index] > cur[best->index]) best = &c;
      }
      if (best) {
        cur[best->index] -= total;
        best->chosen_first = true;
      }
      break;
    }
    case Strategy::least_busy:
      for (auto& c : cs) c.score = c.info().stats->in_flight.load(std::memory_order_relaxed) + c.index * kTie;
      break;
    case Strategy::latency: {
      // Peak-EWMA cost: latency (decaying toward 0 while unobserved, so a target once slow is tried
      // again) times the requests it already has in flight.
      for (auto& c : cs) {
        const auto& st = *c.info().stats;
        c.score = (st.latency_us.value_at(now, 0) + 1) * (st.in_flight.load(std::memory_order_relaxed) + 1);
      }
      draw_first([](const Candidate& x, const Candidate& y) { return x.score < y.score; });
      break;
    }
    case Strategy::cost:
      for (auto& c : cs) c.score = (c.est_cost_usd < 0 ? 1e9 : c.est_cost_usd) + c.index * kTie;
      break;
    case Strategy::quality:
      for (auto& c : cs) c.score = -c.info().quality + c.index * kTie;
      break;
    case Strategy::balanced: {
      auto w = plan.prefs.weights.value_or(cfg_.balanced);
      double max_cost = 0, max_lat = 0;
      for (const auto& c : cs) {
        max_cost = std::max(max_cost, c.est_cost_usd);
        max_lat = std::max(max_lat, c.est_latency_ms);
      }
      for (auto& c : cs) {
        double cost = max_cost > 0 && c.est_cost_usd >= 0 ? c.est_cost_usd / max_cost : (c.est_cost_usd < 0 ? 1 : 0);
        double lat = max_lat > 0 && c.est_latency_ms >= 0 ? c.est_latency_ms / max_lat : 0.5;
        double value = w.cost * (1 - cost) + w.speed * (1 - lat) + w.quality * c.info().quality;
        c.score = -value + c.index * kTie;
      }
      break;
    }
    case Strategy::local_first:
      for (auto& c : cs) c.score = (c.info().local ? 0 : 1e6) + c.index;
      break;
    case Strategy::adaptive: {
      double max_lat = 1, max_cost = 0;
      for (const auto& c : cs) {
        max_lat = std::max(max_lat, c.info().stats->adaptive_latency_us.value_at(now, 0));
        max_cost = std::max(max_cost, c.est_cost_usd);
      }
      for (auto& c : cs) {
        const auto& st = *c.info().stats;
        double success = st.adaptive_success.value_at(now, 1.0);  // unobserved or long quiet: assume healthy
        double lat = st.adaptive_latency_us.value_at(now, 0) / max_lat;
        double cost = max_cost > 0 && c.est_cost_usd >= 0 ? c.est_cost_usd / max_cost : 0;
        c.score = -(success * success / (1 + lat) / (1 + 0.5 * cost)) + c.index * kTie;
      }
      // Exploration: some requests go to a random healthy target, so a recovered one is noticed.
      if (uniform01() < cfg_.adaptive_exploration)
        draw_first([](const Candidate&, const Candidate&) { return false; });
      break;
    }
  }
  for (auto& c : cs)
    if (c.chosen_first) c.score = -std::numeric_limits<double>::infinity();
}

Result<Plan> Router::plan(const ModelGroup& requested, const ChatRequest& req, const Preferences& prefs) const {
  Plan plan;
  plan.router = this;
  plan.prefs = prefs;
  plan.requested = &requested;
  const ModelGroup* g = &requested;
  plan.strategy = prefs.strategy.value_or(requested.strategy);
  if (plan.strategy == Strategy::auto_tier) {
    if (requested.tiers == std::array<const ModelGroup*, 4>{})
      return fail(ErrorCode::invalid_request,
                  fmt::format("strategy auto needs tiers, and model {} has none configured", requested.name), "strategy");
    plan.classification = classify(req);
    // The tier's group, or the nearest configured tier above it, then below.
    auto t = static_cast<int>(plan.classification->tier);
    const ModelGroup* tg = nullptr;
    for (int d = 0; d < 4 && !tg; ++d)
      for (int k : {t + d, t - d})
        if (!tg && k >= 0 && k < 4) tg = requested.tiers[static_cast<std::size_t>(k)];
    g = tg;
    plan.strategy = prefs.strategy && *prefs.strategy != Strategy::auto_tier ? *prefs.strategy : g->strategy;
  }
  plan.group = g;
  plan.input_tokens = cost::estimate_input_tokens(req);
  plan.output_tokens = req.max_tokens ? std::min(*req.max_tokens, cfg_.expected_output_tokens) : cfg_.expected_output_tokens;
  plan.needs = needs_of(req);

  std::size_t total = g->targets.size();
  for (const auto* f : g->fallbacks) total += f->targets.size();
  if (g != &requested)
    for (const auto* f : requested.fallbacks) total += f->targets.size();
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

  if (std::none_of(plan.candidates.begin(), plan.candidates.end(), [](const Candidate& c) { return c.eligible; })) {
    Nanos reopen = std::numeric_limits<Nanos>::max();
    for (const auto& c : plan.candidates)
      if (c.excluded == "circuit open") reopen = std::min(reopen, c.info().stats->breaker.reopens_at());
    auto err = Error::make(ErrorCode::unavailable,
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
  Candidate* best = nullptr;
  for (auto& c : candidates) {
    if (!c.eligible || c.used) continue;
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
