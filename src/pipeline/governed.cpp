#include "pipeline/governed.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <boost/asio/async_result.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>
#include <functional>
#include <mutex>
#include <vector>

#include "pipeline/responder.hpp"

namespace modelmux::pipeline {
namespace {

namespace asio = boost::asio;
using governance::Meter;

// A counter's name in words: "key key_1f2e", "end user alice of key key_1f2e", "model group gpt-4o".
std::string describe(std::string_view counter) {
  auto colon = counter.find(':');
  std::string_view kind = counter.substr(0, colon), rest = counter.substr(colon + 1);
  if (kind == "eu") {
    // eu:key:<id>:<end user> or eu:team:<id>:<end user>
    auto a = rest.find(':'), b = rest.find(':', a + 1);
    return fmt::format("end user {} of {} {}", rest.substr(b + 1), rest.substr(0, a),
                       rest.substr(a + 1, b - a - 1));
  }
  if (kind == "group") return fmt::format("model group {}", rest);
  if (kind == "target") return fmt::format("upstream {}", rest.substr(0, rest.find('@')));
  return fmt::format("{} {}", kind, rest);
}

std::string_view per(Meter m) {
  switch (m) {
    case Meter::requests:
      return "requests per minute";
    case Meter::tokens:
      return "tokens per minute";
    case Meter::parallel:
      return "requests in parallel";
    case Meter::usd:
      break;
  }
  return "USD";
}

// The ledger's row for a request, whatever became of it, written over `r`: every field, since `r` is the
// row this thread filled last (its strings keep their capacity, so filling it allocates nothing).
void fill_ledger_row(store::LedgerRow& r, const Context& ctx, const governance::Charges& budgets) {
  const auto& t = ctx.gov;
  r.ts_ms = t.at;
  r.request_id.assign(ctx.request_id);
  const auto* k = t.who.key;
  r.key_id.assign(k ? std::string_view(k->id) : std::string_view());
  r.user_id.assign(k ? std::string_view(k->user_id) : std::string_view());
  r.team_id.assign(k ? std::string_view(k->team_id) : std::string_view());
  r.end_user.assign(t.end_user);
  r.credential.assign(t.credential);
  r.model.assign(ctx.chat.model);
  const auto* target = ctx.answer ? ctx.answer->target : nullptr;
  r.target.assign(target ? std::string_view(target->label) : std::string_view());
  r.provider.assign(target ? target->provider->name() : std::string_view());
  r.upstream_model.assign(target ? std::string_view(target->cfg.model) : std::string_view());
  const auto& u = ctx.usage;
  r.input_tokens = u ? u->input_tokens : 0;
  r.output_tokens = u ? u->output_tokens : 0;
  r.cached_tokens = u ? u->cached_input_tokens : 0;
  r.cache_write_tokens = u ? u->cache_write_input_tokens : 0;
  r.reasoning_tokens = u ? u->reasoning_tokens : 0;
  r.cost_usd = ctx.cost_usd.value_or(0);
  // The status the client gets: a stream's went out with its head; a whole answer's is about to.
  if (ctx.client_gone)
    r.status = 499;
  else if (ctx.out.streaming())
    r.status = static_cast<int>(ctx.out.status());
  else
    r.status = ctx.error ? ctx.error->http_status : 200;
  if (ctx.client_gone)
    r.error.assign("client_closed");
  else if (ctx.error)
    r.error.assign(to_string(ctx.error->code));
  else
    r.error.assign(ctx.record.error);
  r.latency_ms = std::chrono::duration_cast<std::chrono::milliseconds>(since(ctx.started)).count();
  r.attempts = static_cast<int>(ctx.record.attempts.size());
  r.stream = ctx.chat.stream;
  r.cache_hit = false;
  r.path.assign(ctx.record.path);
  r.budgets.resize(budgets.size());
  for (std::size_t i = 0; i < budgets.size(); ++i) {
    r.budgets[i].first.assign(budgets[i].first);
    r.budgets[i].second = budgets[i].second;
  }
}

// Rows committed by the store's writer thread, waiting to resume their requests on one io_context (one
// per worker thread). The writer posts one drain per burst of rows, not one handler per row: a post from
// a foreign thread allocates, takes the scheduler's lock and may wake the worker out of epoll. The
// io_context is kept busy (outstanding work) while any row it waits on is not yet committed.
class CommitMailbox final : public asio::execution_context::service {
 public:
  using key_type = CommitMailbox;
  static inline asio::execution_context::id id;
  explicit CommitMailbox(asio::execution_context& ctx) : service(ctx) {}

  struct Waiter {
    std::move_only_function<void()> resume;  // the awaiting coroutine's handler (a pointer: kept inline)
    CommitMailbox* box = nullptr;
  };

  // On the worker's thread, as a row is appended: `ex` is the awaiting coroutine's executor.
  void expect(const asio::any_io_executor& ex) {
    if (pending_++ > 0) return;
    std::lock_guard lock(mu_);
    if (!ex_) ex_ = ex;
    work_ = asio::prefer(ex, asio::execution::outstanding_work.tracked);
  }
  // On the writer's thread: `w`'s row is committed.
  void ready(Waiter* w) {
    bool post = false;
    {
      std::lock_guard lock(mu_);
      ready_.push_back(w);
      post = !std::exchange(posted_, true);
    }
    if (post) asio::post(ex_, [this] { drain(); });
  }

 private:
  void drain() {
    {
      std::lock_guard lock(mu_);
      std::swap(batch_, ready_);
      posted_ = false;
    }
    pending_ -= batch_.size();
    if (pending_ == 0) work_ = nullptr;  // (this handler keeps the io_context running meanwhile)
    for (Waiter* w : batch_) {
      auto resume = std::move(w->resume);  // (resumed, the coroutine may free `w`: its frame holds it)
      resume();
    }
    batch_.clear();
  }
  void shutdown() override {
    // The io_context goes with rows still waiting: their coroutines are destroyed, not resumed.
    std::vector<Waiter*> left;
    {
      std::lock_guard lock(mu_);
      left.swap(ready_);
    }
    for (Waiter* w : left) auto drop = std::move(w->resume);
    work_ = nullptr;
  }

  std::mutex mu_;
  std::vector<Waiter*> ready_;  // committed, not yet resumed (mu_)
  bool posted_ = false;         // a drain is on its way (mu_)
  asio::any_io_executor ex_;    // set once, under mu_, before the first row is appended
  // Worker thread only:
  std::size_t pending_ = 0;  // rows appended, not yet resumed
  asio::any_io_executor work_;
  std::vector<Waiter*> batch_;
};

// Appends a row (the store copies it) and completes once it is committed, resumed through the mailbox of
// the awaiting coroutine's io_context. `w` lives in the awaiting coroutine's frame.
template <class Token>
auto async_commit(store::Store& st, const store::LedgerRow& row, CommitMailbox::Waiter& w, Token&& token) {
  return asio::async_initiate<Token, void()>(
      [&st, &w](auto handler, const store::LedgerRow* row) {
        auto ex = asio::get_associated_executor(handler);
        auto& box = asio::use_service<CommitMailbox>(asio::query(ex, asio::execution::context));
        box.expect(ex);
        w.box = &box;
        w.resume = [h = std::move(handler)]() mutable { std::move(h)(); };
        st.append(*row, [&w] { w.box->ready(&w); });
      },
      token, &row);
}

}  // namespace

std::string_view presented_key(const http::HeaderList& headers) {
  std::string_view auth = headers.get("authorization");
  if (auth.size() > 7 && strncasecmp(auth.data(), "bearer ", 7) == 0) {
    auth.remove_prefix(7);
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    return auth;
  }
  if (auto k = headers.get("x-api-key"); !k.empty()) return k;
  return headers.get("x-goog-api-key");
}

std::int64_t worst_output(const Context& ctx, const cost::ModelPrice* price) {
  if (ctx.op != Operation::chat) return 0;
  if (ctx.chat.max_tokens && *ctx.chat.max_tokens > 0) return *ctx.chat.max_tokens;
  if (price && price->max_output > 0) return price->max_output;
  return ctx.rt.config.auth.default_max_output;
}

double worst_cost(const Context& ctx, const cost::ModelPrice* price) {
  return price ? price->cost(ctx.plan->input_tokens, worst_output(ctx, price)) : 0;
}

Result<governance::Hold> reserve_attempt(const Context& ctx, const providers::Target& target,
                                         const routing::TargetInfo& info,
                                         std::optional<std::int64_t>& max_tokens) {
  auto& gov = *ctx.rt.governor;
  governance::Ask ask;
  governance::Governor::attempt_claims(ctx.gov.who, ctx.gov.scopes, target, ask);
  if (ask.claims.empty()) return governance::Hold();
  const auto* price = info.price;
  std::int64_t input = ctx.plan->input_tokens, output = worst_output(ctx, price);
  double input_usd = price ? price->cost(input, 0) : 0;
  double per_token = price ? price->output / 1e6 : 0;
  ask.usd_max = input_usd + static_cast<double>(output) * per_token;
  // The default policy pays for what fits: at least the input and one token of output.
  bool may_cap =
      !ctx.rt.config.auth.refuse_over_budget && ctx.op == Operation::chat && output > 1 && per_token > 0;
  ask.usd_min = may_cap ? input_usd + per_token : ask.usd_max;
  ask.tokens = input + output;
  ask.at = ctx.gov.at;
  auto grant = gov.counters().reserve(ask, governance::now_ms(), ctx.rt.config.auth.lease.count());
  if (!grant) return std::unexpected(refusal_error(ask, grant.error(), ctx.gov));
  if (may_cap && grant->usd + 1e-12 < ask.usd_max)
    max_tokens = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::floor((grant->usd - input_usd) / per_token)));
  return governance::Hold(&gov.counters(), std::move(*grant));
}

Error refusal_error(const governance::Ask& ask, const governance::Refusal& no,
                    const governance::Ticket& ticket) {
  const auto& c = ask.claims[no.claim];
  std::string who = describe(c.counter);
  bool target = c.counter.starts_with("target:");
  if (no.meter == Meter::usd) {
    std::string reset =
        no.resets_at ? fmt::format("; it resets at {}", governance::utc(no.resets_at)) : std::string();
    return Error::make(
        ErrorCode::budget_exceeded,
        fmt::format("Budget exceeded for {}: ${} per {}, ${:.6f} left, this request may cost up to "
                    "${:.6f}{}",
                    who, c.limit, to_string(c.period), no.remaining, ask.usd_min, reset));
  }
  if (no.never)
    // More tokens than the limit allows in any minute: waiting will not help, a smaller max_tokens will.
    return Error::make(
        ErrorCode::rate_limit_exceeded,
        fmt::format("Request too large for {}: it may use up to {} tokens, over the limit of {} {}", who,
                    ask.tokens, c.limit, per(no.meter)));
  Error e = Error::make(ErrorCode::rate_limit_exceeded,
                        fmt::format("Rate limit reached for {}: {} {}; retry in {:.3f} s", who, c.limit,
                                    per(no.meter), static_cast<double>(no.retry_after) / 1000));
  e.retry_after = std::chrono::seconds((no.retry_after + 999) / 1000);
  e.retryable = target;  // an upstream's quota: the attempts may wait for it like for its own Retry-After
  ticket.retry_after_ms = no.retry_after;
  return e;
}

asio::awaitable<void> record_spend(Context& ctx, const governance::Charges& budgets) {
  // One row per thread, reused: it is filled here and copied into the store's queue by the initiation,
  // which asio runs as this coroutine suspends, before anything else runs on this thread.
  thread_local store::LedgerRow row;
  fill_ledger_row(row, ctx, budgets);
  // Durable at once (the store's journal): the response goes on. Otherwise it waits for the commit.
  if (ctx.rt.governor->store().append_durable(row)) co_return;
  CommitMailbox::Waiter waiter;
  co_await async_commit(ctx.rt.governor->store(), row, waiter, asio::use_awaitable);
}

}  // namespace modelmux::pipeline
