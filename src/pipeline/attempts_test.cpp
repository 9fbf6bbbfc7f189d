// The attempts stage on its own: a scripted provider answers each target from a queue, the fake clock takes
// the backoff and Retry-After waits (so their bounds are checked exactly, in no time), and the plan comes
// from the real router. Retries, backoff, Retry-After, fallback narrowing and hedging cancellation.
#include "pipeline/attempts.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <deque>
#include <map>

#include "pipeline/responder.hpp"
#include "pipeline/stages/stages.hpp"
#include "providers/openai/openai_provider.hpp"
#include "surfaces/surface.hpp"

using namespace modelmux;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

// What one call to a target gets.
struct Step {
  int status = 200;
  std::string retry_after;  // the Retry-After header, when set
  std::string code;    // the OpenAI error code of a failure (context_length_exceeded, content_filter, ...)
  bool stall = false;  // never answers (until cancelled)
};

// OpenAI's wire, with the network replaced by a script per upstream model.
class ScriptedProvider final : public providers::OpenAiProvider {
 public:
  ScriptedProvider() : OpenAiProvider({"openai", "http://127.0.0.1:9/v1"}) {}

  std::map<std::string, std::deque<Step>> script;
  mutable std::vector<std::string> calls;      // upstream models, in call order
  mutable std::vector<std::string> cancelled;  // stalled calls that were cancelled

  asio::awaitable<Result<std::unique_ptr<http::Reply>>> send(const providers::Target& target,
                                                             http::ClientRequest) const override {
    const std::string& model = target.cfg.model;
    calls.push_back(model);
    auto& queue = const_cast<std::deque<Step>&>(script.at(model));
    Step step = queue.empty() ? Step{} : queue.front();
    if (!queue.empty() && queue.size() > 1) queue.pop_front();
    if (step.stall) {
      asio::steady_timer forever(co_await asio::this_coro::executor, 1h);
      auto [ec] = co_await forever.async_wait(asio::as_tuple(asio::use_awaitable));
      if (ec == asio::error::operation_aborted) cancelled.push_back(model);
      co_return fail(ErrorCode::timeout, "stalled");
    }
    http::Headers headers{{"content-type", "application/json"}};
    if (!step.retry_after.empty()) headers.emplace_back("retry-after", step.retry_after);
    std::string body =
        step.status == 200
            ? R"({"id":"x","object":"chat.completion","created":1,"model":")" + model +
                  R"(","choices":[{"index":0,"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]})"
            : R"({"error":{"message":"scripted","type":"x","code":")" + step.code + R"("}})";
    co_return std::make_unique<http::MemoryReply>(step.status, std::move(headers), std::move(body));
  }
};

class NoSurface final : public surfaces::Surface {
 public:
  std::string_view name() const override { return "test"; }
  providers::Wire wire() const override { return providers::Wire::none; }
  Result<void> decode(pipeline::Context&) const override { return {}; }
};

class NoResponder final : public pipeline::Responder {
 public:
  asio::awaitable<void> respond(pipeline::Context&) override { co_return; }
  asio::awaitable<bool> begin_stream(pipeline::Context&) override { co_return true; }
  asio::awaitable<bool> stream_bytes(pipeline::Context&, std::string_view) override { co_return true; }
  asio::awaitable<bool> stream_events(pipeline::Context&, std::span<const StreamEvent>) override {
    co_return true;
  }
  asio::awaitable<void> end_stream(pipeline::Context&) override { co_return; }
  bool streaming() const override { return false; }
  unsigned status() const override { return 0; }
};

Result<http::ClientRequest> build(const pipeline::Context& ctx, const providers::Target& t,
                                  std::optional<std::int64_t>) {
  return t.provider->build_chat(ctx.chat, t);
}

// A gateway of `models_yaml` whose targets all reach the script.
constexpr std::string_view kRetries =
    "routing:\n  retries: {max_retries: 2, backoff_base_ms: 100, backoff_max_ms: 5000, max_retry_after_ms: "
    "5000}\n";

struct Fixture {
  explicit Fixture(const std::string& models, std::string_view routing = kRetries)
      : rt(config::load_string(models + std::string(routing), "<test>"), clock) {
    // (the catalog is immutable for the gateway; a test may point its targets elsewhere)
    for (const auto& g : rt.catalog.groups())
      for (const auto& t : g.targets) const_cast<providers::Target&>(t).provider = &provider;
  }

  // Runs the attempts stage for a request to `model`.
  pipeline::Context& attempt(const std::string& model) {
    ctx = std::make_unique<pipeline::Context>(rt, surface, pipeline::Operation::chat, responder);
    ctx->chat.model = model;
    ctx->chat.messages.push_back({Role::user, {ContentPart{.text = "hello"}}});
    pipeline::stages::route(*ctx);
    EXPECT_FALSE(ctx->failed()) << ctx->error->message;
    asio::io_context ioc;
    auto done = asio::co_spawn(ioc, pipeline::attempt_targets(*ctx, build), asio::use_future);
    ioc.run();
    done.get();
    return *ctx;
  }

  routing::FakeClock clock;
  ScriptedProvider provider;
  NoSurface surface;
  NoResponder responder;
  pipeline::Runtime rt;
  std::unique_ptr<pipeline::Context> ctx;
};

std::string one_group(std::string_view extra = "") {
  return std::string("models:\n  - name: g\n") + std::string(extra) +
         "    targets:\n      - {provider: openai, model: a}\n";
}

}  // namespace

TEST(Attempts, ARetryableFailureIsRetriedAfterAFullJitterBackoff) {
  Fixture f(one_group());
  f.provider.script["a"] = {{503}, {503}, {200}};
  auto& ctx = f.attempt("g");
  ASSERT_FALSE(ctx.failed()) << ctx.error->message;
  EXPECT_EQ(ctx.answer->target->cfg.model, "a");
  EXPECT_EQ(f.provider.calls.size(), 3u);
  ASSERT_EQ(ctx.record.attempts.size(), 3u);
  EXPECT_EQ(ctx.record.attempts[0].error, "overloaded");
  // Round n waits a uniform time in [0, min(max, base * 2^(n-1))].
  auto sleeps = f.clock.sleeps();
  ASSERT_EQ(sleeps.size(), 2u);
  EXPECT_LE(sleeps[0], 100ms);
  EXPECT_LE(sleeps[1], 200ms);
}

TEST(Attempts, EveryRoundFailingEndsWithTheLastErrorAfterMaxRetries) {
  Fixture f(one_group());
  f.provider.script["a"] = {{500}};
  auto& ctx = f.attempt("g");
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error->http_status, 502);
  EXPECT_EQ(f.provider.calls.size(), 3u);  // the first round and max_retries (2) more
  EXPECT_EQ(f.clock.sleeps().size(), 2u);
}

TEST(Attempts, RetryAfterIsWaitedForAndTooLongARetryAfterIsNot) {
  Fixture f(one_group());
  f.provider.script["a"] = {{429, "2"}, {200}};
  auto& ctx = f.attempt("g");
  ASSERT_FALSE(ctx.failed());
  auto sleeps = f.clock.sleeps();
  ASSERT_EQ(sleeps.size(), 1u);
  EXPECT_GE(sleeps[0], 2s);  // never sooner than the target asked
  EXPECT_LE(sleeps[0], 2s + 100ms);

  Fixture g(one_group());
  g.provider.script["a"] = {{429, "60"},
                            {200}};  // longer than max_retry_after_ms: the 429 goes to the client
  auto& refused = g.attempt("g");
  ASSERT_TRUE(refused.failed());
  EXPECT_EQ(refused.error->http_status, 429);
  EXPECT_EQ(refused.error->retry_after, std::chrono::seconds(60));
  EXPECT_TRUE(g.clock.sleeps().empty());
  EXPECT_EQ(g.provider.calls.size(), 1u);
}

TEST(Attempts, A429MovesToTheNextTargetAtOnce) {
  Fixture f(
      "models:\n  - name: g\n    targets:\n      - {provider: openai, model: a}\n      - {provider: openai, "
      "model: b}\n");
  f.provider.script["a"] = {{429, "1"}};
  f.provider.script["b"] = {{200}};
  auto& ctx = f.attempt("g");
  ASSERT_FALSE(ctx.failed());
  EXPECT_EQ(ctx.answer->target->cfg.model, "b");
  EXPECT_TRUE(f.clock.sleeps().empty());
  EXPECT_EQ(f.provider.calls, (std::vector<std::string>{"a", "b"}));
}

TEST(Attempts, AClientErrorIsNotRetried) {
  Fixture f(
      "models:\n  - name: g\n    targets:\n      - {provider: openai, model: a}\n      - {provider: openai, "
      "model: b}\n");
  f.provider.script["a"] = {{400}};
  f.provider.script["b"] = {{200}};
  auto& ctx = f.attempt("g");
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(ctx.error->http_status, 400);
  EXPECT_EQ(f.provider.calls, (std::vector<std::string>{"a"}));
}

TEST(Attempts, AContextOverflowNarrowsToLargerWindows) {
  // gpt-4o and gpt-4o-mini have 128k windows, gpt-4.1 about a million: after gpt-4o overflows, gpt-4o-mini is
  // skipped though it comes first.
  Fixture f(
      "models:\n  - name: g\n    targets:\n      - {provider: openai, model: gpt-4o}\n"
      "      - {provider: openai, model: gpt-4o-mini}\n      - {provider: openai, model: gpt-4.1}\n");
  f.provider.script["gpt-4o"] = {{400, "", "context_length_exceeded"}};
  f.provider.script["gpt-4o-mini"] = {{200}};
  f.provider.script["gpt-4.1"] = {{200}};
  auto& ctx = f.attempt("g");
  ASSERT_FALSE(ctx.failed()) << ctx.error->message;
  EXPECT_EQ(ctx.answer->target->cfg.model, "gpt-4.1");
  EXPECT_EQ(f.provider.calls, (std::vector<std::string>{"gpt-4o", "gpt-4.1"}));
}

TEST(Attempts, AContentFilterGoesToTheContentPolicyGroupOnly) {
  Fixture f(
      "models:\n  - name: strict\n    content_policy_fallback: lenient\n    fallbacks: [other]\n"
      "    targets:\n      - {provider: openai, model: s}\n"
      "  - name: other\n    targets:\n      - {provider: openai, model: o}\n"
      "  - name: lenient\n    targets:\n      - {provider: openai, model: l}\n");
  f.provider.script["s"] = {{400, "", "content_filter"}};
  f.provider.script["o"] = {{200}};
  f.provider.script["l"] = {{200}};
  auto& ctx = f.attempt("strict");
  ASSERT_FALSE(ctx.failed()) << ctx.error->message;
  EXPECT_EQ(ctx.answer->target->cfg.model, "l");
  EXPECT_EQ(f.provider.calls, (std::vector<std::string>{"s", "l"}));
}

TEST(Attempts, MaxAttemptsBoundsEveryCall) {
  Fixture f(
      "models:\n  - name: g\n    targets:\n      - {provider: openai, model: a}\n      - {provider: openai, "
      "model: b}\n",
      "routing:\n  retries: {max_attempts: 3, max_retries: 5, backoff_base_ms: 1}\n");
  f.provider.script["a"] = {{500}};
  f.provider.script["b"] = {{500}};
  auto& ctx = f.attempt("g");
  ASSERT_TRUE(ctx.failed());
  EXPECT_EQ(f.provider.calls.size(), 3u);
  EXPECT_EQ(ctx.record.attempts.size(), 3u);
}

TEST(Attempts, AHedgeRacesASlowTargetAndCancelsTheLoser) {
  Fixture f(
      "models:\n  - name: g\n    hedge: {after_ms: 20}\n"
      "    targets:\n      - {provider: openai, model: slow}\n      - {provider: openai, model: fast}\n");
  f.provider.script["slow"] = {{.stall = true}};
  f.provider.script["fast"] = {{200}};
  auto& ctx = f.attempt("g");
  ASSERT_FALSE(ctx.failed()) << ctx.error->message;
  EXPECT_EQ(ctx.answer->target->cfg.model, "fast");
  // The loser's call was cancelled (its upstream connection closed), its record says so, and the target no
  // longer counts it in flight.
  EXPECT_EQ(f.provider.cancelled, (std::vector<std::string>{"slow"}));
  ASSERT_EQ(ctx.record.attempts.size(), 2u);
  EXPECT_EQ(ctx.record.attempts[0].target, "openai/slow");
  EXPECT_EQ(ctx.record.attempts[0].error, "cancelled");
  EXPECT_EQ(ctx.record.attempts[0].reason, "lost the hedge");
  const auto* group = f.rt.catalog.find("g");
  EXPECT_EQ(group->info[0].stats->in_flight.load(), 0);
  EXPECT_EQ(group->info[0].stats->failures.load(), 0u) << "a lost hedge is no failure of its target";
}
