// Routing decisions with a fake clock: strategies, fallbacks, breakers, filters, and the price table.
#include "routing/router.hpp"

#include <gtest/gtest.h>

#include <map>

#include "config/config.hpp"
#include "pipeline/runtime.hpp"

namespace modelmux::routing {
namespace {

using namespace std::chrono_literals;

struct Fixture {
  explicit Fixture(const std::string& yaml) : rt(config::load_string(yaml, "test.yaml"), clock) {}
  FakeClock clock;
  pipeline::Runtime rt;
  const ModelGroup& group(std::string_view name) const { return *rt.catalog.find(name); }
  std::string first(std::string_view model, const ChatRequest& req = chat("hi"), Preferences prefs = {}) {
    auto plan = rt.router.plan(group(model), req, prefs);
    EXPECT_TRUE(plan.has_value()) << (plan ? "" : plan.error().message);
    auto* c = plan->next();
    return c ? c->target().label : "";
  }
  TargetStats& stats(std::string_view model, std::size_t i) { return *group(model).info[i].stats; }

  static ChatRequest chat(const std::string& text) {
    ChatRequest r;
    r.model = "m";
    Message m;
    m.role = Role::user;
    m.content.push_back(ContentPart{ContentPart::Kind::text, text, {}, {}, {}});
    r.messages.push_back(m);
    return r;
  }
};

std::string targets(std::initializer_list<std::string> lines) {
  std::string out = "    targets:\n";
  for (const auto& l : lines) out += "      - " + l + "\n";
  return out;
}

TEST(Router, PriorityTakesListedOrderAndFallbackGroupsAfter) {
  Fixture f("models:\n  - name: m\n    fallbacks: [b]\n" +
            targets({"{provider: mock, model: one}", "{provider: mock, model: two}"}) + "  - name: b\n" +
            targets({"{provider: mock, model: three}"}));
  auto plan = f.rt.router.plan(f.group("m"), Fixture::chat("hi"), {});
  ASSERT_TRUE(plan);
  std::vector<std::string> seen;
  while (auto* c = plan->next()) seen.push_back(c->target().label);
  EXPECT_EQ(seen, (std::vector<std::string>{"mock/one", "mock/two", "mock/three"}));
}

TEST(Router, WeightedFollowsWeightsOverTenThousandPicks) {
  Fixture f("models:\n  - name: m\n    strategy: weighted\n" +
            targets({"{provider: mock, model: a, weight: 1}", "{provider: mock, model: b, weight: 3}",
                     "{provider: mock, model: c, weight: 6}"}));
  std::map<std::string, int> picks;
  for (int i = 0; i < 10'000; ++i) ++picks[f.first("m")];
  // Smooth weighted round-robin is exact per thread: 10% / 30% / 60%, within one pick.
  EXPECT_NEAR(picks["mock/a"], 1'000, 1);
  EXPECT_NEAR(picks["mock/b"], 3'000, 1);
  EXPECT_NEAR(picks["mock/c"], 6'000, 1);
  // And smooth: the heaviest never gets more than two in a row with these weights.
  std::string prev;
  int run = 0, longest = 0;
  for (int i = 0; i < 100; ++i) {
    auto p = f.first("m");
    run = p == prev ? run + 1 : 1;
    longest = std::max(longest, run);
    prev = p;
  }
  EXPECT_LE(longest, 2);
}

TEST(Router, WeightZeroParksATarget) {
  Fixture f("models:\n  - name: m\n    strategy: weighted\n" +
            targets({"{provider: mock, model: a, weight: 0}", "{provider: mock, model: b, weight: 1}"}));
  for (int i = 0; i < 50; ++i) EXPECT_EQ(f.first("m"), "mock/b");
}

TEST(Router, LeastBusyPicksFewestInFlight) {
  Fixture f(
      "models:\n  - name: m\n    strategy: least_busy\n" +
      targets({"{provider: mock, model: a}", "{provider: mock, model: b}", "{provider: mock, model: c}"}));
  InFlight a1(&f.stats("m", 0)), a2(&f.stats("m", 0)), b1(&f.stats("m", 1)), c1(&f.stats("m", 2));
  EXPECT_EQ(f.first("m"), "mock/b");  // b and c tie at one; listed order breaks it
  InFlight b2(&f.stats("m", 1));
  EXPECT_EQ(f.first("m"), "mock/c");
}

TEST(Router, LatencyMovesToTheFasterTargetSoonAfterASlowdown) {
  seed_random(42);
  Fixture f("models:\n  - name: m\n    strategy: latency\n" +
            targets({"{provider: mock, model: a}", "{provider: mock, model: b}"}));
  std::map<std::string, double> latency_ms{{"mock/a", 20}, {"mock/b", 40}};
  auto serve = [&](int n) {
    std::map<std::string, int> picks;
    for (int i = 0; i < n; ++i) {
      auto plan = f.rt.router.plan(f.group("m"), Fixture::chat("hi"), {});
      auto* c = plan->next();
      ++picks[c->target().label];
      f.clock.advance(10ms);
      c->info().stats->on_success(f.clock.now(), latency_ms[c->target().label] * 1000, false);
    }
    return picks;
  };
  auto before = serve(200);
  EXPECT_GT(before["mock/a"], 180);  // the faster one takes nearly all
  latency_ms["mock/a"] = 500;        // a slows down
  // Peak-EWMA sees the first slow answer at once: within a couple of requests b takes over.
  int slow_picks = 0;
  for (int i = 0; i < 20; ++i) {
    auto picks = serve(1);
    slow_picks += picks["mock/a"];
  }
  EXPECT_LE(slow_picks, 2);
  auto after = serve(200);
  EXPECT_GT(after["mock/b"], 180);
}

TEST(Router, CostPicksTheCheapestCapableTarget) {
  Fixture f("models:\n  - name: m\n    strategy: cost\n" +
            targets({"{provider: openai, model: gpt-4o, api_key: k}",
                     "{provider: openai, model: gpt-4o-mini, api_key: k}",
                     "{provider: openai, model: cheap-no-tools, api_key: k}"}) +
            "prices:\n  cheap-no-tools: {input: 0.01, output: 0.01, context_window: 1000, capabilities: "
            "[vision]}\n");
  EXPECT_EQ(f.first("m"), "openai/cheap-no-tools");
  auto with_tools = Fixture::chat("weather?");
  with_tools.tools.push_back(Tool{"get_weather", "", boost::json::object{{"type", "object"}}, false});
  EXPECT_EQ(f.first("m", with_tools), "openai/gpt-4o-mini");  // the cheapest one lacks tools
  auto long_prompt = Fixture::chat(std::string(8000, 'x'));   // ~2000 tokens, over its 1000 window
  EXPECT_EQ(f.first("m", long_prompt), "openai/gpt-4o-mini");
  auto plan = f.rt.router.plan(f.group("m"), with_tools, {});
  ASSERT_TRUE(plan);
  for (const auto& c : plan->candidates)
    if (c.target().cfg.model == "gpt-4o") {
      EXPECT_NEAR(c.est_cost_usd, (plan->input_tokens * 2.5 + plan->output_tokens * 10.0) / 1e6, 1e-9);
    }
}

TEST(Router, NoCapableTargetLeavesTheChoiceToUpstreams) {
  Fixture f("models:\n  - name: m\n    strategy: cost\n" + targets({"{provider: mock, model: x}"}) +
            "prices:\n  x: {input: 1, output: 1, capabilities: []}\n");
  auto req = Fixture::chat("look");
  req.messages[0].content.push_back(
      ContentPart{ContentPart::Kind::image, {}, "data:image/png;base64,AAAA", "image/png", {}});
  EXPECT_EQ(f.first("m", req), "mock/x");
}

TEST(Router, QualityBalancedAndLocalFirst) {
  Fixture f(
      "models:\n  - name: m\n" +
      targets({"{provider: openai, model: gpt-4o-mini, api_key: k}",
               "{provider: anthropic, model: claude-opus-4-1, api_key: k}",
               "{provider: openai_compatible, model: llama3.2, api_base: 'http://127.0.0.1:11434/v1'}"}));
  EXPECT_EQ(f.first("m", Fixture::chat("hi"), {routing::Strategy::quality, {}}), "anthropic/claude-opus-4-1");
  EXPECT_EQ(f.first("m", Fixture::chat("hi"), {routing::Strategy::local_first, {}}),
            "openai_compatible/llama3.2");
  // Balanced with all weight on cost: the free local model; all on quality: opus.
  EXPECT_EQ(
      f.first("m", Fixture::chat("hi"), {routing::Strategy::balanced, config::BalancedWeights{1, 0, 0}}),
      "openai_compatible/llama3.2");
  EXPECT_EQ(
      f.first("m", Fixture::chat("hi"), {routing::Strategy::balanced, config::BalancedWeights{0, 0, 1}}),
      "anthropic/claude-opus-4-1");
  auto w = parse_weights("cost=0.5, quality=0.2", {});
  ASSERT_TRUE(w);
  EXPECT_DOUBLE_EQ(w->cost, 0.5);
  EXPECT_DOUBLE_EQ(w->speed, 0.3);
  EXPECT_DOUBLE_EQ(w->quality, 0.2);
  EXPECT_FALSE(parse_weights("cost=abc", {}));
  EXPECT_FALSE(parse_weights("price=1", {}));
}

TEST(Router, AdaptiveShiftsAwayFromADegradingTarget) {
  seed_random(7);
  Fixture f(
      "routing:\n  adaptive: {exploration: 0.1, half_life_ms: 5000}\nmodels:\n  - name: m\n    strategy: "
      "adaptive\n" +
      targets({"{provider: mock, model: a}", "{provider: mock, model: b}"}));
  auto serve = [&](int n, bool a_fails) {
    std::map<std::string, int> picks;
    for (int i = 0; i < n; ++i) {
      auto plan = f.rt.router.plan(f.group("m"), Fixture::chat("hi"), {});
      auto* c = plan->next();
      ++picks[c->target().label];
      f.clock.advance(20ms);
      auto& st = *c->info().stats;
      if (a_fails && c->index == 0)
        st.adaptive_success.observe(f.clock.now(), 0.0);
      else
        st.on_success(f.clock.now(), 30'000, false);
    }
    return picks;
  };
  auto healthy = serve(300, false);
  EXPECT_GT(healthy["mock/a"], 0);
  auto degraded = serve(300, true);
  // After a's failures only exploration sends it anything (10%, half to each).
  EXPECT_LT(degraded["mock/a"], 45);
  EXPECT_GT(degraded["mock/b"], 250);
}

TEST(Router, OpenBreakersAreSkippedAndAllOpenIs503WithRetryAfter) {
  Fixture f("routing:\n  breaker: {consecutive_failures: 2, cooldown_ms: 10000}\nmodels:\n  - name: m\n" +
            targets({"{provider: mock, model: a}", "{provider: mock, model: b}"}));
  f.stats("m", 0).on_failure(f.clock.now(), ErrorCode::upstream_error, false);
  f.stats("m", 0).on_failure(f.clock.now(), ErrorCode::upstream_error, false);
  EXPECT_EQ(f.first("m"), "mock/b");
  f.stats("m", 1).on_failure(f.clock.now(), ErrorCode::timeout, false);
  f.stats("m", 1).on_failure(f.clock.now(), ErrorCode::timeout, false);
  f.clock.advance(3s);
  auto plan = f.rt.router.plan(f.group("m"), Fixture::chat("hi"), {});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().http_status, 503);
  ASSERT_TRUE(plan.error().retry_after);
  EXPECT_EQ(plan.error().retry_after->count(), 7);
  f.clock.advance(7s);  // cooled down: half-open, eligible again
  EXPECT_EQ(f.first("m"), "mock/a");
}

TEST(Router, AutoPicksAGroupByThresholdAndFallsBackToTheOther) {
  auto config = [](std::string rule) {
    return "models:\n  - name: auto\n    auto: {weak: small, strong: big, " + rule + "}\n  - name: small\n" +
           targets({"{provider: mock, model: small, quality: 0.74}"}) + "  - name: big\n" +
           targets({"{provider: mock, model: big, quality: 0.88}"});
  };
  auto req = Fixture::chat("Write a python function to sort a list of tuples by their second element.");
  // Threshold 0 sends everything strong, 1 nothing; the other group follows as a fallback.
  for (auto [rule, group, other] :
       {std::tuple{"threshold: 0", "big", "mock/small"}, std::tuple{"threshold: 1", "small", "mock/big"}}) {
    Fixture f(config(rule));
    auto plan = f.rt.router.plan(f.group("auto"), req, {});
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->group->name, group);
    ASSERT_TRUE(plan->auto_decision);
    EXPECT_EQ(plan->auto_decision->count, 2u);
    EXPECT_GT(*plan->auto_decision->p_strong_better, 0);
    plan->next();
    auto* fallback = plan->next();
    ASSERT_NE(fallback, nullptr);
    EXPECT_EQ(fallback->target().label, other);
  }
  // The request's threshold overrides the configuration's; a floor of 1 accepts the cheaper group.
  Fixture f(config("strong_share: 0.5"));
  Preferences everything_strong;
  everything_strong.router.threshold = 0;
  EXPECT_EQ(f.first("auto", req, everything_strong), "mock/big");
  Preferences any_quality;
  any_quality.router.quality_floor = 1;
  EXPECT_EQ(f.first("auto", req, any_quality), "mock/small");
  // Explained: the weightiest features, named by the request's own words.
  auto plan = f.rt.router.plan(f.group("auto"), req, {}, /*explain=*/true);
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan->auto_decision->bound_source, "strong_share");
  ASSERT_FALSE(plan->auto_decision->top_features.empty());
  EXPECT_FALSE(plan->auto_decision->top_features[0].feature.empty());
}

TEST(Breaker, OpensCoolsDownProbesAndCloses) {
  config::BreakerConfig cfg;
  cfg.consecutive_failures = 3;
  cfg.cooldown = std::chrono::milliseconds(1000);
  cfg.half_open_probes = 1;
  Breaker b(cfg);
  FakeClock clock;
  for (int i = 0; i < 2; ++i) b.on_failure(clock.now(), false);
  EXPECT_EQ(b.state(clock.now()), BreakerState::closed);
  b.on_success(clock.now(), false);  // a success resets the run
  for (int i = 0; i < 2; ++i) b.on_failure(clock.now(), false);
  EXPECT_EQ(b.state(clock.now()), BreakerState::closed);
  b.on_failure(clock.now(), false);
  EXPECT_EQ(b.state(clock.now()), BreakerState::open);
  EXPECT_EQ(b.admit(clock.now()), Breaker::Admit::no);
  clock.advance(1s);
  EXPECT_EQ(b.state(clock.now()), BreakerState::half_open);
  EXPECT_EQ(b.admit(clock.now()), Breaker::Admit::probe);
  EXPECT_EQ(b.admit(clock.now()), Breaker::Admit::no);  // one probe at a time
  b.on_failure(clock.now(), true);                      // the probe failed: open again
  EXPECT_EQ(b.state(clock.now()), BreakerState::open);
  clock.advance(1s);
  EXPECT_EQ(b.admit(clock.now()), Breaker::Admit::probe);
  b.abandon_probe();  // a cancelled probe gives its slot back
  EXPECT_EQ(b.admit(clock.now()), Breaker::Admit::probe);
  b.on_success(clock.now(), true);
  EXPECT_EQ(b.state(clock.now()), BreakerState::closed);
  EXPECT_EQ(b.admit(clock.now()), Breaker::Admit::yes);
}

TEST(Breaker, OpensOnErrorRateOverTheWindow) {
  config::BreakerConfig cfg;
  cfg.consecutive_failures = 1000;
  cfg.error_rate = 0.5;
  cfg.min_requests = 10;
  cfg.window = std::chrono::milliseconds(10'000);
  Breaker b(cfg);
  FakeClock clock;
  for (int i = 0; i < 8; ++i) {  // alternate: never two failures in a row
    b.on_success(clock.now(), false);
    b.on_failure(clock.now(), false);
    clock.advance(100ms);
  }
  EXPECT_EQ(b.state(clock.now()), BreakerState::open);  // 8 of 16 failed
  auto [failures, total] = b.window(clock.now());
  EXPECT_EQ(failures, 8u);
  EXPECT_EQ(total, 16u);
  // Old outcomes leave the window: 5 of 9 failed (under min_requests), then 11 s later 1 of 2; counted
  // together that would be 6 of 11 and open it.
  Breaker c(cfg);
  for (int i = 0; i < 9; ++i) {
    if (i % 2 == 0)
      c.on_failure(clock.now(), false);
    else
      c.on_success(clock.now(), false);
  }
  EXPECT_EQ(c.state(clock.now()), BreakerState::closed);
  clock.advance(11s);
  c.on_success(clock.now(), false);
  c.on_failure(clock.now(), false);
  EXPECT_EQ(c.state(clock.now()), BreakerState::closed);
}

TEST(Prices, LookupUndecoratesProviderIds) {
  auto t = cost::PriceTable::load();
  EXPECT_GT(t.size(), 40u);
  auto model = [&](std::string_view id) {
    auto* p = t.find(id);
    return p ? p->model : std::string("-");
  };
  EXPECT_EQ(model("gpt-4o"), "gpt-4o");
  EXPECT_EQ(model("gpt-4o-mini-2024-07-18"), "gpt-4o-mini");
  EXPECT_EQ(model("gpt-4o-2024-08-06"), "gpt-4o");
  EXPECT_EQ(model("claude-sonnet-4-5-20250929"), "claude-sonnet-4-5");
  EXPECT_EQ(model("us.anthropic.claude-sonnet-4-5-20250929-v1:0"), "claude-sonnet-4-5");
  EXPECT_EQ(model("amazon.nova-pro-v1:0"), "nova-pro");
  EXPECT_EQ(model("amazon.titan-embed-text-v2:0"), "titan-embed-text-v2");
  EXPECT_EQ(model("models/gemini-2.5-flash"), "gemini-2.5-flash");
  EXPECT_EQ(model("mistral-large-latest"), "mistral-large");
  EXPECT_EQ(model("llama3.2:3b"), "llama3.2");
  EXPECT_EQ(model("totally-unknown"), "-");
  auto* p = t.find("gpt-4o");
  EXPECT_DOUBLE_EQ(p->cost(1'000'000, 1'000'000), 12.5);
  EXPECT_DOUBLE_EQ(p->cost(Usage{.input_tokens = 1'000'000, .cached_input_tokens = 1'000'000}),
                   1.25);  // all cached
  // Reasoning is output; a reply's usage prices cache reads and writes apart (Anthropic: 0.1x and 1.25x
  // input).
  EXPECT_DOUBLE_EQ(
      p->cost(Usage{.input_tokens = 1'000'000, .output_tokens = 1'000'000, .reasoning_tokens = 500'000}),
      12.5);
  auto* claude = t.find("claude-sonnet-4-5");
  Usage u{.input_tokens = 3'000'000,
          .output_tokens = 0,
          .cached_input_tokens = 1'000'000,
          .cache_write_input_tokens = 1'000'000};
  EXPECT_DOUBLE_EQ(claude->cost(u), 3.0 + 0.3 + 3.75);
}

TEST(Prices, ConfigOverridesAndAdds) {
  auto cfg = config::load_string(
      "models:\n  - name: m\n    targets:\n      - {provider: mock, model: mock}\nprices:\n  gpt-4o: {input: "
      "1}\n  my-model: "
      "{input: 0.5, output: 1.5, context_window: 32000, capabilities: [tools], quality: 0.7}\n",
      "p.yaml");
  auto t = cost::PriceTable::load(cfg.prices);
  EXPECT_DOUBLE_EQ(t.find("gpt-4o")->input, 1);
  EXPECT_DOUBLE_EQ(t.find("gpt-4o")->output, 10);
  auto* mine = t.find("my-model");
  ASSERT_NE(mine, nullptr);
  EXPECT_EQ(mine->context_window, 32000);
  EXPECT_EQ(mine->capabilities, cost::cap_tools);
  auto bad = config::load_string(
      "models:\n  - name: m\n    targets:\n      - {provider: mock, model: mock}\nprices:\n  x: "
      "{capabilities: [telepathy]}\n",
      "p.yaml");
  EXPECT_THROW(cost::PriceTable::load(bad.prices), config::ConfigError);
}

}  // namespace
}  // namespace modelmux::routing
