// The admit stage (governance on only), once the plan is known: the key's and its team's model
// allow-lists (403 model_not_allowed), the request's own cost ceiling (targets whose worst case exceeds it
// leave the plan), and the rate limits of every scope the request falls in (key, user, team, end user,
// model group), taken at once or not at all: a refusal is 429 rate_limit_exceeded with the exact wait.
// Budgets are reserved per attempt, where the target and so the price are known (pipeline/governed.cpp).
#include <fmt/format.h>

#include "pipeline/governed.hpp"
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {
namespace {

bool allowed(const governance::Identity& who, std::string_view model) {
  if (!who.key) return true;
  return governance::model_allowed(who.key->models, model) &&
         (!who.team || governance::model_allowed(who.team->models, model));
}

// Targets whose worst case is over the ceiling leave the plan; none left is budget_exceeded.
void apply_ceiling(Context& ctx, double ceiling) {
  auto& plan = *ctx.plan;
  bool any = false;
  double cheapest = -1;
  for (auto& c : plan.candidates) {
    if (!c.eligible) continue;
    double worst = worst_cost(ctx, c.info().price);
    if (worst > ceiling) {
      c.eligible = false;
      c.excluded = routing::Exclusion::over_ceiling;
      if (cheapest < 0 || worst < cheapest) cheapest = worst;
    } else {
      any = true;
    }
  }
  if (!any)
    ctx.fail(
        Error::make(ErrorCode::budget_exceeded,
                    fmt::format("No target of model {} can answer within the request's cost ceiling of ${}: "
                                "the cheapest may cost up to ${:.6f} (lower max_tokens or raise the ceiling)",
                                ctx.chat.model, ceiling, cheapest)));
}

}  // namespace

void admit(Context& ctx) {
  auto& gov = *ctx.rt.governor;
  auto& t = ctx.gov;
  if (!allowed(t.who, ctx.chat.model))
    return ctx.fail(Error::make(
        ErrorCode::model_not_allowed,
        fmt::format("The API key {} may not use the model `{}`", t.who.key->id, ctx.chat.model), "model"));
  std::string_view end_user = ctx.headers ? ctx.headers->get("x-modelmux-user") : std::string_view();
  t.end_user = std::string(end_user.empty() ? std::string_view(ctx.chat.user) : end_user);
  ctx.record.end_user = t.end_user;
  t.scopes = governance::Governor::scopes(t.who, t.end_user);
  if (ctx.prefs.max_cost_usd) {
    apply_ceiling(ctx, *ctx.prefs.max_cost_usd);
    if (ctx.failed()) return;
  }
  governance::Ask ask;
  governance::Governor::admission_claims(t.who, t.scopes, *ctx.plan->requested, ask);
  if (ask.claims.empty()) return;
  // Tokens are taken at their worst: the input and the most output any of the plan's targets may give.
  std::int64_t output = 0;
  for (const auto& c : ctx.plan->candidates)
    if (c.eligible) output = std::max(output, worst_output(ctx, c.info().price));
  ask.tokens = ctx.plan->input_tokens + output;
  ask.at = t.at;
  // (Now is when the auth stage read the clock: the stages from there to here run without a wait.)
  auto grant = gov.counters().reserve(ask, t.at, ctx.rt.config.auth.lease.count());
  if (!grant) return ctx.fail(refusal_error(ask, grant.error(), t));
  t.requests = grant->requests;
  t.tokens = grant->tokens;
  t.admission = governance::Hold(&gov.counters(), std::move(*grant));
}

}  // namespace modelmux::pipeline::stages
