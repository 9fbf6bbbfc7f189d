// The log stage: the request's access record, once, on every exit (pipeline.cpp's backstop calls it for a
// request whose coroutine is destroyed mid-way). A client that left before its answer was complete is
// recorded as 499, with the usage that was actually reported and nothing invented. An auto-routed request's
// outcome (answered by its group or not) goes to the group's calibration here, on every exit.
#include "pipeline/responder.hpp"
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {
namespace {

// Whether a request that ended in `e` tells something about its group (an upstream failure, a refusal, a
// prompt too long for it) rather than about the request itself (a bad field, a client that left).
bool group_failed(const Error& e) {
  return e.http_status >= 500 || e.http_status == 408 || e.http_status == 429 ||
         e.code == ErrorCode::timeout || e.code == ErrorCode::content_filter ||
         e.code == ErrorCode::context_length;
}

// An auto-routed request tells its group's calibration whether the group answered it.
void observe_auto(const Context& ctx) {
  const auto& d = ctx.plan->auto_decision;
  const auto* group = d->chosen_member().group;
  bool answered = false;
  if (ctx.answer && !ctx.error)
    for (const auto& info : group->info) answered = answered || ctx.answer->info == &info;
  if (!answered && ctx.error && !group_failed(*ctx.error)) return;
  group->calibration->routed(ctx.rt.router.clock().now(), answered);
}

}  // namespace

void log(Context& ctx) {
  if (ctx.logged) return;
  ctx.logged = true;
  auto& rec = ctx.record;
  rec.request_id = ctx.request_id;
  rec.status = ctx.client_gone ? 499 : ctx.out.status();
  if (ctx.client_gone && rec.error.empty()) rec.error = "client_closed";
  if (ctx.plan && ctx.plan->auto_decision && !ctx.client_gone) observe_auto(ctx);
  if (ctx.error && rec.error.empty()) rec.error = to_string(ctx.error->code);
  rec.usage = ctx.usage;
  rec.cost_usd = ctx.cost_usd;
  rec.total = since(ctx.started);
  if (ctx.rt.config.server.access_log) observability::write_access_log(rec);
}

}  // namespace modelmux::pipeline::stages
