#include "pipeline/governed.hpp"

#include <fmt/format.h>
#include <strings.h>

#include <cmath>
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

}  // namespace modelmux::pipeline
