#include "pipeline/attempts.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <random>

#include "core/json_util.hpp"
#include "pipeline/governed.hpp"
#include "pipeline/responder.hpp"

namespace modelmux::pipeline {

namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;
using routing::Candidate;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// A reply that first gives back the bytes read while the attempt was checked, then reads on.
class ReplayReply final : public http::Reply {
 public:
  ReplayReply(std::unique_ptr<http::Reply> inner, std::string head, bool inner_done)
      : inner_(std::move(inner)), head_(std::move(head)), inner_done_(inner_done) {}
  int status() const override { return inner_->status(); }
  std::string_view header(std::string_view name) const override { return inner_->header(name); }
  asio::awaitable<Result<std::string>> read_all(std::size_t limit) override {
    // A whole body read during the check is handed over, not copied.
    if (inner_done_ && !head_sent_) {
      head_sent_ = true;
      if (head_.size() > limit)
        co_return fail(ErrorCode::upstream_error, "the upstream's reply is too large");
      co_return std::move(head_);
    }
    co_return co_await http::Reply::read_all(limit);
  }
  asio::awaitable<Result<std::string_view>> read_some() override {
    if (!head_sent_) {
      head_sent_ = true;
      if (!head_.empty()) co_return std::string_view(head_);
    }
    if (inner_done_) co_return std::string_view();
    co_return co_await inner_->read_some();
  }

 private:
  std::unique_ptr<http::Reply> inner_;
  std::string head_;
  bool inner_done_;
  bool head_sent_ = false;
};

std::string shorten(std::string_view s) {
  return std::string(s.substr(0, 200));
}

bool content_event(const StreamEvent& ev) {
  // Reasoning counts: once the model's thinking reaches the client, a fallback would no longer be invisible.
  return ((ev.kind == StreamEvent::Kind::text_delta || ev.kind == StreamEvent::Kind::reasoning_delta) &&
          !ev.text.empty()) ||
         ev.kind == StreamEvent::Kind::tool_call_delta || ev.kind == StreamEvent::Kind::finish;
}

// Errors that say something about the request rather than the target: they neither trip the breaker nor
// move on (except for the two with their own fallbacks).
bool blames_request(const Error& e) {
  return !e.retryable;
}

constexpr std::size_t kMaxHeldBytes = 1u << 20;

// Reads the start of a 2xx reply: a stream up to its first content, a whole body otherwise. A failure
// here (an error event in the stream, a cut, a malformed body) is the attempt's failure.
asio::awaitable<Result<std::string>> check_reply(http::Reply& reply, const providers::Provider& provider,
                                                 const ChatRequest& req, bool& ended) {
  if (!req.stream) {
    auto body = co_await reply.read_all();
    if (!body) co_return std::unexpected(body.error());
    ended = true;
    // A cut or garbled body rarely ends where a JSON document does; checking its two ends costs nothing,
    // where a full syntax check would be a tenth of the pass-through path's CPU.
    if (!json_util::looks_whole(*body))
      co_return fail(ErrorCode::upstream_error, "the upstream's reply is not a whole JSON document");
    co_return std::move(*body);
  }
  auto decoder = provider.stream_decoder(req);
  std::vector<StreamEvent> events;
  std::string head;
  for (;;) {
    auto piece = co_await reply.read_some();
    if (!piece) co_return std::unexpected(piece.error());
    bool end = piece->empty();
    auto fed = end ? decoder->finish(events) : decoder->feed(*piece, events);
    if (!fed) {
      Error e = fed.error();
      // Nothing has reached the client yet: any failure here may go to another target.
      if (e.code != ErrorCode::context_length && e.code != ErrorCode::content_filter) e.retryable = true;
      co_return std::unexpected(std::move(e));
    }
    head.append(*piece);
    // An upstream may send comments or empty deltas before any content, forever; what is held for replay
    // is bounded, and such an upstream fails like any other (the client has seen nothing yet).
    if (head.size() > kMaxHeldBytes)
      co_return fail(ErrorCode::upstream_error,
                     fmt::format("the upstream sent over {} KiB before any content", kMaxHeldBytes >> 10));
    if (end) {
      ended = true;
      co_return head;
    }
    for (const auto& ev : events)
      if (content_event(ev)) co_return head;
    events.clear();
  }
}

// Why an attempt was cancelled, for its record.
std::string_view cancelled_because(const Context& ctx) {
  switch (ctx.out.interrupted()) {
    case Responder::Interruption::client_gone:
      return "the client closed its connection";
    case Responder::Interruption::shutdown:
      return "the gateway shut down";
    case Responder::Interruption::none:
      break;
  }
  return "lost the hedge";
}

// The request was interrupted while its attempts ran: nothing more is tried.
void stop(Context& ctx) {
  if (ctx.out.interrupted() == Responder::Interruption::client_gone) {
    ctx.client_gone = true;
    ctx.fail(Error::make(ErrorCode::unavailable, "the client closed its connection"));
  } else {
    ctx.fail(Error::make(ErrorCode::unavailable, "the gateway is shutting down"));
  }
}

struct Attempt {
  const providers::Target* target;
  const routing::TargetInfo* info;
};

// One call to one target, with its outcome fed to the target's statistics and breaker.
asio::awaitable<Result<Answer>> attempt_one(const Context& ctx, Attempt at, BuildRequest build,
                                            observability::AttemptRecord& rec) {
  const auto& rt = ctx.rt;
  const auto& req = ctx.chat;
  const auto& target = *at.target;
  auto& stats = *at.info->stats;
  const auto& clock = rt.router.clock();
  rec.target = target.label;
  auto admit = stats.breaker.admit(clock.now());
  if (admit == routing::Breaker::Admit::no) {
    rec.error = "circuit_open";
    co_return fail(ErrorCode::unavailable, fmt::format("circuit open for {}", target.label));
  }
  bool probe = admit == routing::Breaker::Admit::probe;
  // A probe whose attempt is cancelled (a lost hedge) must give its slot back.
  struct ProbeSlot {
    routing::Breaker* b;
    ~ProbeSlot() {
      if (b) b->abandon_probe();
    }
  } slot{probe ? &stats.breaker : nullptr};

  // Governance: the worst case reserved against the request's budgets and the target's quota first.
  governance::Hold hold;
  std::optional<std::int64_t> max_tokens;
  if (rt.governor) {
    auto held = reserve_attempt(ctx, target, *at.info, max_tokens);
    if (!held) {
      rec.error = std::string(to_string(held.error().code));
      rec.reason = shorten(held.error().message);
      co_return std::unexpected(std::move(held.error()));
    }
    hold = std::move(*held);
  }

  auto request = build(ctx, target, max_tokens);
  if (!request) co_return std::unexpected(request.error());
  if (target.live) ctx.gov.credential = target.live->name;
  request->abortable = &ctx.upstream_calls;
  routing::InFlight in_flight(&stats);
  auto started = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started);
  };
  // The per-attempt timeout caps the target's own first-byte timeout.
  const providers::Target* sent_to = &target;
  // (a Target is large: built only when a cap applies, and on the heap, not in this frame, which must stay
  // under the 1,020 bytes Asio recycles)
  std::unique_ptr<providers::Target> capped;
  if (const auto& limit = rt.config.routing.retries.attempt_timeout;
      limit && *limit < target.timeouts.first_byte) {
    capped = std::make_unique<providers::Target>(target);
    capped->timeouts.first_byte = *limit;
    sent_to = capped.get();
  }
  auto reply = co_await target.provider->send(*sent_to, std::move(*request));
  Error err;
  if (reply && (*reply)->status() >= 200 && (*reply)->status() < 300) {
    rec.status = (*reply)->status();
    bool ended = false;
    auto head = co_await check_reply(**reply, *target.provider, req, ended);
    if (head) {
      rec.latency = elapsed();
      slot.b = nullptr;
      stats.on_success(clock.now(), static_cast<double>(rec.latency.count()), probe);
      Answer a;
      a.target = &target;
      a.info = at.info;
      a.reply = std::make_unique<ReplayReply>(std::move(*reply), std::move(*head), ended);
      a.sent = started;
      a.in_flight = std::move(in_flight);
      a.hold = std::move(hold);
      a.capped_max_tokens = max_tokens.value_or(0);
      co_return a;
    }
    err = std::move(head.error());
  } else if (!reply) {
    err = std::move(reply.error());
  } else {
    auto& r = **reply;
    rec.status = r.status();
    auto body = co_await r.read_all(1u << 20);
    err = target.provider->map_error_reply(r, body ? std::string_view(*body) : "");
  }
  // The gateway's own words (network failures, timeouts) name the target they concern; an upstream's own are
  // bounded and scrubbed of secrets and internals before anyone sees them.
  if (err.provider.empty()) {
    err.provider = std::string(target.provider->name());
    err.message = fmt::format("{}: {}", target.label, err.message);
  } else {
    err.message = rt.redactor.upstream_message(
        err.message, fmt::format("{} failed ({})", target.label, to_string(err.code)));
  }
  // A cancelled attempt (the loser of a hedge, or an interrupted request's) says nothing of the target: no
  // failure is counted, and a probe's slot goes back (ProbeSlot).
  bool hedge_lost =
      (co_await asio::this_coro::cancellation_state).cancelled() != asio::cancellation_type::none;
  if (hedge_lost || ctx.out.interrupted() != Responder::Interruption::none) {
    rec.error = "cancelled";
    rec.reason = cancelled_because(ctx);
    rec.latency = elapsed();
    co_return std::unexpected(std::move(err));
  }
  rec.error = std::string(to_string(err.code));
  rec.reason = shorten(err.message);
  rec.latency = elapsed();
  slot.b = nullptr;
  if (blames_request(err))
    stats.breaker.on_success(clock.now(), probe);  // the target answered
  else
    stats.on_failure(clock.now(), err.code, probe);
  co_return std::unexpected(std::move(err));
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
    if (!r && ++finished < started) co_await hold.async_wait(tuple_awaitable);
    co_return r;
  };
  auto branch_a = [&]() -> asio::awaitable<Result<Answer>> {
    auto r = co_await attempt_one(ctx, first, build, rec_a);
    if (!r) start_second.cancel();  // no reason to wait for the delay any more
    co_return co_await settle(std::move(r));
  };
  auto branch_b = [&]() -> asio::awaitable<Result<Answer>> {
    co_await start_second.async_wait(tuple_awaitable);
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
  auto& log = ctx.record.attempts;
  const auto& rc = rt.config.routing.retries;
  const auto& clock = rt.router.clock();
  auto ex = co_await asio::this_coro::executor;
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
    Result<Answer> got = std::unexpected(Error());  // (set below; an Error made here would cost strings)
    const auto& g = *c->group;
    if (attempts == 1 && g.hedge.enabled && plan.candidates.size() > 1) {
      got = co_await hedged(ctx, attempt_of(*c), hedge_delay(g, c->info()), build);
      ++attempts;
    } else {
      observability::AttemptRecord rec;
      got = co_await attempt_one(ctx, attempt_of(*c), build, rec);
      log.push_back(std::move(rec));
    }
    if (got) {
      ctx.record.target = got->target->label;
      ctx.answer.emplace(std::move(*got));
      co_return;
    }
    if (ctx.out.interrupted() != Responder::Interruption::none) {
      stop(ctx);
      co_return;
    }
    Error err = std::move(got.error());
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
