// The receive stage: the answering target's reply taken in. A whole reply is read, its usage noted, and
// decoded into the canonical reply unless it goes back to the client as it came (pass-through). A stream is
// relayed to the client as it arrives: the upstream's own bytes on the pass-through path, canonical events
// otherwise; only its end waits for the respond stage.
//
// No co_await here is part of a condition or a && / ||: GCC 12 miscompiles some of those (a coroutine
// resumed with a garbage frame), so each result goes into a variable first.
#include <fmt/format.h>

#include "pipeline/responder.hpp"
#include "pipeline/stages/stages.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::pipeline::stages {
namespace {

namespace asio = boost::asio;

// A read that failed because the gateway cut the request (its shutdown's grace period ran out) says so.
Error read_failure(const Context& ctx, Error e) {
  if (ctx.out.interrupted() == Responder::Interruption::shutdown)
    return Error::make(ErrorCode::unavailable, "the gateway is shutting down: this answer was cut short");
  return e;
}

// What watches a passed-through reply: the surface's own observer when it has one (a Responses reply),
// else the provider's.
std::unique_ptr<providers::ReplyObserver> reply_observer(const Context& ctx, bool stream) {
  if (auto own = ctx.surface.reply_observer(ctx, stream)) return own;
  const auto& target = *ctx.answer->target;
  return target.provider->reply_observer(stream, stream && adds_stream_usage(ctx, target));
}

// The whole reply of ctx.op, decoded; usage from it.
Result<void> decode_whole(Context& ctx, std::string_view body) {
  const auto& provider = *ctx.answer->target->provider;
  switch (ctx.op) {
    case Operation::chat: {
      auto reply = provider.decode_chat(body, ctx.chat);
      if (!reply) return std::unexpected(reply.error());
      ctx.chat_reply = std::move(*reply);
      ctx.usage = ctx.chat_reply.usage;
      return {};
    }
    case Operation::embeddings: {
      auto reply = provider.decode_embeddings(body, *ctx.embeddings);
      if (!reply) return std::unexpected(reply.error());
      ctx.embeddings_reply = std::move(*reply);
      if (ctx.embeddings_reply->model.empty()) ctx.embeddings_reply->model = ctx.embeddings->model;
      ctx.usage = Usage{.input_tokens = ctx.embeddings_reply->input_tokens};
      return {};
    }
    case Operation::images: {
      auto reply = provider.decode_image(body, *ctx.images);
      if (!reply) return std::unexpected(reply.error());
      ctx.images_reply = std::move(*reply);
      ctx.usage = ctx.images_reply->usage;
      return {};
    }
  }
  return fail(ErrorCode::internal, "unknown operation");
}

// A whole reply, read: its usage, and the body to relay or the canonical reply.
void take_whole(Context& ctx, Result<std::string>& body) {
  ctx.record.upstream = since(ctx.answer->sent);
  if (!body) {
    ctx.fail(read_failure(ctx, std::move(body.error())));
    return;
  }
  if (ctx.passthrough) {
    if (auto observer = reply_observer(ctx, false)) {
      observer->whole(*body);
      ctx.usage = observer->usage();
    }
    if (ctx.surface.relays_as_is(ctx, *body)) {
      ctx.reply_body = std::move(*body);
      return;
    }
    ctx.passthrough = false;
  }
  if (auto ok = decode_whole(ctx, *body); !ok) ctx.fail(std::move(ok.error()));
}

asio::awaitable<void> receive_whole(Context& ctx) {
  auto body = co_await ctx.answer->reply->read_all();
  take_whole(ctx, body);
}

// Same wire on both sides: the upstream's bytes go to the client as they arrive, read for usage on the way.
asio::awaitable<void> relay_bytes(Context& ctx) {
  auto& answer = *ctx.answer;
  auto observer = reply_observer(ctx, true);
  bool filters = observer && observer->filters();
  std::string forward;  // what reaches the client when the observer hides events the gateway asked for
  for (;;) {
    auto piece = co_await answer.reply->read_some();
    if (!piece) {
      ctx.fail(read_failure(ctx, std::move(piece.error())));
      break;
    }
    if (piece->empty()) break;
    std::string_view out = *piece;
    if (filters) {
      forward.clear();
      observer->feed(*piece, &forward);
      out = forward;
    } else if (observer) {
      observer->feed(*piece, nullptr);
    }
    bool sent = co_await ctx.out.stream_bytes(ctx, out);
    if (!sent) {
      ctx.client_gone = true;
      co_return;
    }
  }
  if (!observer) co_return;
  forward.clear();
  observer->finish(&forward);
  if (!forward.empty()) {
    bool sent = co_await ctx.out.stream_bytes(ctx, forward);
    if (!sent) ctx.client_gone = true;
  }
  ctx.usage = observer->usage();
  // The upstream's error event already reached the client with the bytes: recorded, not sent again.
  if (auto e = observer->error(); e && ctx.record.error.empty()) ctx.record.error = to_string(e->code);
}

// Different wires: the provider's stream decoded into canonical events, which the responder encodes.
asio::awaitable<void> relay_events(Context& ctx) {
  auto& answer = *ctx.answer;
  auto decoder = answer.target->provider->stream_decoder(ctx.chat);
  std::vector<StreamEvent> events;
  for (;;) {
    auto piece = co_await answer.reply->read_some();
    Result<void> fed = piece ? (piece->empty() ? decoder->finish(events) : decoder->feed(*piece, events))
                             : Result<void>(std::unexpected(piece.error()));
    for (const auto& ev : events)
      if (ev.kind == StreamEvent::Kind::usage) ctx.usage = ev.usage;
    if (!events.empty()) {
      bool sent = co_await ctx.out.stream_events(ctx, events);
      if (!sent) {
        ctx.client_gone = true;
        co_return;
      }
    }
    events.clear();
    if (!fed) {
      Error e = read_failure(ctx, std::move(fed.error()));
      if (!e.provider.empty())  // an upstream's error event: its words go out scrubbed, as in attempts
        e.message = ctx.rt.redactor.upstream_message(
            e.message, fmt::format("{} failed ({})", ctx.record.target, to_string(e.code)));
      ctx.fail(std::move(e));
      co_return;
    }
    if (piece->empty()) co_return;
  }
}

asio::awaitable<void> receive_stream(Context& ctx) {
  bool begun = co_await ctx.out.begin_stream(ctx);
  if (!begun) {
    ctx.client_gone = true;
    co_return;
  }
  if (ctx.passthrough)
    co_await relay_bytes(ctx);
  else
    co_await relay_events(ctx);
  ctx.record.upstream = since(ctx.answer->sent);
}

}  // namespace

// Most whole replies were read entirely while their attempt was checked: taken without a coroutine.
bool receive_at_once(Context& ctx) {
  if (ctx.chat.stream) return false;
  Result<std::string> body;
  if (!ctx.answer->reply->whole_if_here(body)) return false;
  ctx.passthrough = passes_through(ctx, *ctx.answer->target);
  take_whole(ctx, body);
  return true;
}

// (a plain function returning the coroutine it picks: no frame of its own)
asio::awaitable<void> receive(Context& ctx) {
  ctx.passthrough = passes_through(ctx, *ctx.answer->target);
  return ctx.chat.stream ? receive_stream(ctx) : receive_whole(ctx);
}

}  // namespace modelmux::pipeline::stages
