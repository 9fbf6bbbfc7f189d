// The log stage: the request's access record, once, on every exit (pipeline.cpp's backstop calls it for a
// request whose coroutine is destroyed mid-way). A client that left before its answer was complete is
// recorded as 499, with the usage that was actually reported and nothing invented.
#include "pipeline/responder.hpp"
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {

void log(Context& ctx) {
  if (ctx.logged) return;
  ctx.logged = true;
  auto& rec = ctx.record;
  rec.request_id = ctx.request_id;
  rec.status = ctx.client_gone ? 499 : ctx.out.status();
  if (ctx.client_gone && rec.error.empty()) rec.error = "client_closed";
  if (ctx.error && rec.error.empty()) rec.error = to_string(ctx.error->code);
  rec.usage = ctx.usage;
  rec.cost_usd = ctx.cost_usd;
  rec.total = since(ctx.started);
  if (ctx.rt.config.server.access_log) observability::write_access_log(rec);
}

}  // namespace modelmux::pipeline::stages
