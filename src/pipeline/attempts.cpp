// The attempts stage's walk over the route plan (attempts.hpp): candidates in turn, rounds of retries with
// backoff, fallbacks by error, and the hedged first attempt. One attempt itself is attempt_one.cpp.
#include "pipeline/attempts.hpp"

#include <fmt/format.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <random>

#include "core/awaited.hpp"
#include "pipeline/attempt_one.hpp"
#include "pipeline/responder.hpp"

namespace modelmux::pipeline {

namespace {

namespace asio = boost::asio;
using routing::Candidate;

// The request was interrupted while its attempts ran: nothing more is tried.
void stop(Context& ctx) {
  if (ctx.out.interrupted() == Responder::Interruption::client_gone) {
    ctx.client_gone = true;
    ctx.fail(Error::make(ErrorCode::unavailable, "the client closed its connection"));
  } else {
    ctx.fail(Error::make(ErrorCode::unavailable, "the gateway is shutting down"));
  }
}

Attempt attempt_of(const Candidate& c) {
  return {&c.target(), &c.info()};
}

// The first attempt raced against a second one started after the hedging delay (or at once when the first
// fails before it). Returns the winner, or the last failure when both fail; the loser is cancelled, which
// closes its upstream connection.
asio::awaitable<Result<Answer>> hedged(Context& ctx, Attempt first, std::chrono::nanoseconds delay,
                                       BuildRequest build) {
  using namespace asio::experimental::awaitable_operators;
  auto& plan = *ctx.plan;
  auto& log = ctx.record.attempts;
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer start_second(ex, delay);
  asio::steady_timer hold(ex, asio::steady_timer::time_point::max());
  int finished = 0, started = 1;
  observability::AttemptRecord rec_a, rec_b;
  bool b_ran = false;
  auto settle = [&](Result<Answer> r) -> asio::awaitable<Result<Answer>> {
    // A failed branch waits for the other; the race ends with the first success or the second failure.
    if (!r && ++finished < started) co_await hold.async_wait(awaited);
    co_return r;
  };
  auto branch_a = [&]() -> asio::awaitable<Result<Answer>> {
    auto r = co_await attempt_one(ctx, first, build, rec_a);
    if (!r) start_second.cancel();  // no reason to wait for the delay any more
    co_return co_await settle(std::move(r));
  };
  auto branch_b = [&]() -> asio::awaitable<Result<Answer>> {
    co_await start_second.async_wait(awaited);
    Candidate* c = plan.next();
    if (!c) co_return co_await settle(fail(ErrorCode::unavailable, "no second target to hedge with"));
    ++started;
    b_ran = true;
    auto r = co_await attempt_one(ctx, attempt_of(*c), build, rec_b);
    co_return co_await settle(std::move(r));
  };
  auto winner = co_await (branch_a() || branch_b());
  log.push_back(std::move(rec_a));
  if (b_ran) log.push_back(std::move(rec_b));
  co_return winner.index() == 0 ? std::move(std::get<0>(winner)) : std::move(std::get<1>(winner));
}

std::chrono::nanoseconds hedge_delay(const routing::ModelGroup& g, const routing::TargetInfo& first) {
  if (!g.hedge.after_p95) return g.hedge.after;
  const auto& h = first.stats->histogram;
  // Too few observations for a p95: the configured delay, or a second, whichever the group gives.
  if (h.count() < 20)
    return g.hedge.after.count() > 0 ? std::chrono::nanoseconds(g.hedge.after) : std::chrono::seconds(1);
  return std::chrono::microseconds(static_cast<std::int64_t>(h.quantile(0.95)));
}

// One attempt, or the first one hedged when its group says so. (A plain function returning the coroutine it
// picks: no frame of its own. An unhedged attempt's record is in the request's list from its start, where
// attempt_one fills it in; nothing else adds to the list meanwhile.)
asio::awaitable<Result<Answer>> attempt_or_hedge(Context& ctx, const Candidate& c, bool hedge,
                                                 BuildRequest build) {
  if (hedge) return hedged(ctx, attempt_of(c), hedge_delay(*c.group, c.info()), build);
  return attempt_one(ctx, attempt_of(c), build, ctx.record.attempts.emplace_back());
}

}  // namespace

asio::awaitable<void> attempt_targets(Context& ctx, BuildRequest build) {
  // While upstreams are waited for, a client that leaves interrupts the request, which cancels the upstream
  // call (closing its connection); so does the end of a shutdown's grace period.
  ctx.out.watch();
  struct Unwatch {
    Responder& out;
    ~Unwatch() { out.unwatch(); }
  } unwatch{ctx.out};
  const auto& rt = ctx.rt;
  auto& plan = *ctx.plan;
  const auto& rc = rt.config.routing.retries;
  const auto& clock = rt.router.clock();
  std::optional<Error> last;
  std::int64_t min_context = 0;
  const routing::ModelGroup* only = nullptr;
  std::vector<routing::Nanos> not_before;  // Retry-After per candidate, filled on the first failure
  int attempts = 0, round = 0;
  thread_local std::minstd_rand jitter(std::random_device{}());
  // A candidate's Retry-After; one asking for longer than we would wait is out of this request's retries.
  auto hold_off = [&](std::size_t idx, std::chrono::nanoseconds ra) {
    not_before[idx] =
        ra > rc.max_retry_after ? std::numeric_limits<routing::Nanos>::max() : clock.now() + ra.count();
  };

  while (attempts < rc.max_attempts) {
    Candidate* c = plan.next(min_context, only);
    if (!c) {
      if (round >= rc.max_retries || !last || !last->retryable) break;
      ++round;
      plan.new_round();
      // Full jitter: a uniform wait in [0, min(cap, base * 2^round)], and never before the soonest
      // Retry-After among the candidates still worth retrying.
      auto cap =
          std::min<std::int64_t>(rc.backoff_max.count(), rc.backoff_base.count() << std::min(round - 1, 20));
      std::chrono::nanoseconds wait =
          std::chrono::milliseconds(std::uniform_int_distribution<std::int64_t>(0, cap)(jitter));
      routing::Nanos now = clock.now(), soonest = std::numeric_limits<routing::Nanos>::max();
      for (std::size_t i = 0; i < plan.candidates.size(); ++i)
        if (plan.candidates[i].eligible)
          soonest = std::min(soonest, i < not_before.size() ? not_before[i] : 0);
      if (soonest == std::numeric_limits<routing::Nanos>::max())
        break;  // every candidate asked for too long a wait
      wait = std::max(wait, std::chrono::nanoseconds(soonest - now));
      co_await clock.sleep(wait);
      if (ctx.out.interrupted() != Responder::Interruption::none) {
        stop(ctx);
        co_return;
      }
      continue;
    }
    auto idx = static_cast<std::size_t>(c - plan.candidates.data());
    if (!not_before.empty() && not_before[idx] > clock.now())
      continue;  // inside its Retry-After: another first
    ++attempts;
    bool hedge = attempts == 1 && c->group->hedge.enabled && plan.candidates.size() > 1;
    if (hedge) ++attempts;
    auto got = co_await attempt_or_hedge(ctx, *c, hedge, build);
    if (got) {
      ctx.record.target = got->target->label;
      ctx.answer.emplace(std::move(*got));
      co_return;
    }
    if (ctx.out.interrupted() != Responder::Interruption::none) {
      stop(ctx);
      co_return;
    }
    Error& err = got.error();
    not_before.resize(plan.candidates.size(), 0);
    c = &plan.candidates[idx];  // (hedging may have taken a second candidate; pointers stay valid until
                                // add_group)
    if (err.code == ErrorCode::budget_exceeded || err.code == ErrorCode::rate_limit_exceeded) {
      // Governance had no room for this target: nothing was sent. Another may be cheaper or have quota; a
      // spent quota is waited for like a Retry-After; the client hears of a budget first.
      --attempts;
      if (err.retry_after) hold_off(idx, *err.retry_after);
      if (!last || last->code != ErrorCode::budget_exceeded) last = std::move(err);
      continue;
    }
    if (err.code == ErrorCode::context_length) {
      // A target with a larger window may take it; the estimate is the floor when the window is unknown.
      const auto* price = c->info().price;
      min_context = std::max(min_context,
                             price && price->context_window > 0 ? price->context_window : plan.input_tokens);
      last = std::move(err);
      continue;
    }
    if (err.code == ErrorCode::content_filter && plan.requested->content_policy && !only) {
      only = plan.requested->content_policy;
      plan.add_group(only);
      not_before.resize(plan.candidates.size(), 0);
      last = std::move(err);
      continue;
    }
    if (err.retry_after) hold_off(idx, *err.retry_after);
    bool retryable = err.retryable;
    last = std::move(err);
    if (!retryable) break;
  }
  if (!last)
    last =
        Error::make(ErrorCode::unavailable, "no target of model " + plan.requested->name + " is available");
  ctx.fail(std::move(*last));
}

}  // namespace modelmux::pipeline
