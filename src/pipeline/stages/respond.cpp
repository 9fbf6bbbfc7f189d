// The respond stage: the answer's last bytes. A whole reply or an error goes out at once; a stream that the
// receive stage relayed gets its end (or its error frame). Nothing is sent to a client that has gone.
#include "pipeline/responder.hpp"
#include "pipeline/stages/stages.hpp"

namespace modelmux::pipeline::stages {

namespace {
boost::asio::awaitable<void> nothing() {
  co_return;
}
}  // namespace

// A whole answer is usually taken by the client's socket at once: sent without a coroutine.
bool respond_at_once(Context& ctx) {
  if (ctx.client_gone) return true;
  return !ctx.out.streaming() && ctx.out.respond_at_once(ctx);
}

// (a plain function returning the responder's coroutine: no frame of its own)
boost::asio::awaitable<void> respond(Context& ctx) {
  if (ctx.client_gone) return nothing();
  return ctx.out.streaming() ? ctx.out.end_stream(ctx) : ctx.out.respond(ctx);
}

}  // namespace modelmux::pipeline::stages
