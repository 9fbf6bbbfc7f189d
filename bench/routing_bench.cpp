// The cost of one routing decision (Router::plan + the first next()) per strategy, with 1, 10 and 100
// targets in the group, on one thread and on two at once (the live statistics are shared atomics, so the
// two-thread numbers show whether workers contend); and the learned router's (strategy auto): featurizing
// and scoring a prompt of 2,000 tokens, and the whole decision for it and for a short one.
// Run: build/bench/routing_bench
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <map>
#include <mutex>
#include <string>

#include "config/config.hpp"
#include "cost/tokens.hpp"
#include "pipeline/runtime.hpp"
#include "routing/features.hpp"
#include "routing/learned_router.hpp"

using namespace modelmux;

namespace {

const char* kModels[] = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash", "llama3.2"};

std::string yaml(int n, std::string_view strategy) {
  std::string y = fmt::format("models:\n  - name: g\n    strategy: {}\n    targets:\n", strategy);
  for (int i = 0; i < n; ++i)
    y += fmt::format(
        "      - {{provider: openai_compatible, model: {}, api_base: 'http://10.0.0.{}:8000/v1', weight: "
        "{}}}\n",
        kModels[i % 5], i % 250 + 1, 1 + i % 4);
  return y;
}

ChatRequest request() {
  ChatRequest r;
  r.model = std::string("g");  // (a plain literal assignment trips a GCC 12 -Wrestrict false positive)
  Message sys, user;
  sys.role = Role::system;
  sys.content.push_back(ContentPart{ContentPart::Kind::text, "You are a helpful assistant.", {}, {}, {}});
  user.role = Role::user;
  user.content.push_back(
      ContentPart{ContentPart::Kind::text, "Summarise the plot of Hamlet in three sentences.", {}, {}, {}});
  r.messages = {sys, user};
  return r;
}

void decide(benchmark::State& state, const char* strategy) {
  static std::map<std::pair<std::string, int>, std::unique_ptr<pipeline::Runtime>> runtimes;
  static std::mutex mu;
  pipeline::Runtime* rt;
  {
    std::lock_guard lock(mu);
    auto& slot = runtimes[{strategy, static_cast<int>(state.range(0))}];
    if (!slot)
      slot = std::make_unique<pipeline::Runtime>(
          config::load_string(yaml(static_cast<int>(state.range(0)), strategy), "bench"));
    rt = slot.get();
  }
  const auto& group = *rt->catalog.find("g");
  // Some observed latency so latency, balanced and adaptive have numbers to weigh.
  for (std::size_t i = 0; i < group.info.size(); ++i)
    group.info[i].stats->on_success(rt->router.clock().now(), 1000.0 * static_cast<double>(1 + i % 7), false);
  auto req = request();
  for (auto _ : state) {
    auto plan = rt->router.plan(group, req, {});
    auto* first = plan->next();
    benchmark::DoNotOptimize(first);
  }
}

// A user message of about `tokens` tokens (the gateway's estimate), prose with some code and numbers.
ChatRequest long_request(std::int64_t tokens) {
  const std::string piece =
      "Our service times out when the nightly batch job runs. The job reads 40,000 rows from Postgres, "
      "computes a rolling average per customer and writes the results back. Why would the API slow down, "
      "and how should we restructure it? Here is the loop:\n```python\nfor row in rows:\n    total[row.id] "
      "+= "
      "row.amount / max(1, row.count)\n    db.execute(\"UPDATE stats SET avg = %s WHERE id = %s\", (total, "
      "row.id))"
      "\n```\nExplain step by step, with the trade-offs of batching versus streaming. ";
  auto req = request();
  std::string text;
  while (cost::estimate_tokens(text) < tokens) text += piece;
  req.messages.back().content[0].text = text;
  return req;
}

void learned_score(benchmark::State& state) {
  auto req = long_request(state.range(0));
  const auto& model = routing::LearnedModel::builtin();
  routing::Features f;
  for (auto _ : state) {
    routing::extract(req, f);
    benchmark::DoNotOptimize(model.difficulty(f));
  }
  state.counters["bytes"] = static_cast<double>(req.messages.back().content[0].text.size());
}

void decide_auto(benchmark::State& state) {
  static pipeline::Runtime rt(config::load_string(
      "models:\n  - name: auto\n    auto: {weak: cheap, strong: best, strong_share: 0.3}\n  - name: cheap\n"
      "    targets:\n      - {provider: openai, model: gpt-4o-mini, api_key: k}\n  - name: best\n"
      "    targets:\n      - {provider: openai, model: gpt-4o, api_key: k}\n",
      "bench"));
  auto req = state.range(0) > 0 ? long_request(state.range(0)) : request();
  const auto& group = *rt.catalog.find("auto");
  for (auto _ : state) {
    auto plan = rt.router.plan(group, req, {});
    benchmark::DoNotOptimize(plan->next());
  }
}

}  // namespace

// The learned router on one core: a 2,000-token prompt (and 500, 8,000 for the slope); the whole auto
// decision for a short prompt (0) and a 2,000-token one.
BENCHMARK(learned_score)->Arg(500)->Arg(2000)->Arg(8000)->Unit(benchmark::kMicrosecond);
BENCHMARK(decide_auto)->Arg(0)->Arg(2000)->Unit(benchmark::kMicrosecond);

#define STRATEGY(name)                                               \
  BENCHMARK_CAPTURE(decide, name, #name)->Arg(1)->Arg(10)->Arg(100); \
  BENCHMARK_CAPTURE(decide, name##_2_threads, #name)->Arg(1)->Arg(10)->Arg(100)->Threads(2)->UseRealTime();

STRATEGY(priority)
STRATEGY(weighted)
STRATEGY(least_busy)
STRATEGY(latency)
STRATEGY(cost)
STRATEGY(quality)
STRATEGY(balanced)
STRATEGY(local_first)
STRATEGY(adaptive)

BENCHMARK_MAIN();
