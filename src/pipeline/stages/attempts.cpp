// The attempts stage: the plan's targets called in turn until one answers (pipeline/attempts.hpp), each
// sent the request its provider takes: the client's own body when the provider speaks the surface's wire
// (pass-through), the canonical request in the provider's format otherwise.
#include "pipeline/attempts.hpp"

#include <boost/json/serialize.hpp>

#include "core/json_util.hpp"
#include "pipeline/stages/stages.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::pipeline::stages {
namespace {

// The output limit in a body of the surface's own wire.
void set_max_tokens(boost::json::object& body, providers::Wire wire, std::int64_t n) {
  switch (wire) {
    case providers::Wire::gemini: {
      auto& gc = body["generationConfig"];
      if (!gc.is_object()) gc = boost::json::object();
      gc.get_object()["maxOutputTokens"] = n;
      return;
    }
    case providers::Wire::openai_responses:
      body["max_output_tokens"] = n;
      return;
    case providers::Wire::openai:
      // Reasoning models take only max_completion_tokens; the client's choice of field is kept.
      if (body.contains("max_completion_tokens")) {
        body["max_completion_tokens"] = n;
        return;
      }
      [[fallthrough]];
    default:
      body["max_tokens"] = n;
  }
}

Result<http::ClientRequest> passthrough_request(const Context& ctx, const providers::Target& t,
                                                std::optional<std::int64_t> max_tokens) {
  const auto& provider = *t.provider;
  const auto wire = ctx.surface.wire();
  bool add_usage = adds_stream_usage(ctx, t);
  // The surface may have a body of its own for this target (a Responses request whose earlier turns it
  // does not hold).
  std::optional<std::string> rewritten = ctx.surface.passthrough_body(ctx, t);
  std::string_view body = rewritten ? std::string_view(*rewritten) : ctx.body;
  if (!max_tokens && !ctx.fields->contains(providers::kProviderOptions))
    return provider.build_passthrough({body, *ctx.fields, ctx.chat.stream, add_usage, ctx.headers, wire,
                                       rewritten ? std::nullopt : ctx.model_at},
                                      t);
  // Provider options differ per target, or a budget lowered max_tokens: this target's body is written
  // afresh (a rare path).
  boost::json::object own = *ctx.fields;
  if (own.empty() || rewritten) {  // a scanned body left no tree; a rewritten one is not the tree's
    boost::system::error_code ec;
    auto tree = json_util::parse(body, ec);
    if (!ec && tree.is_object()) own = std::move(tree.get_object());
  }
  providers::apply_provider_options(own, *ctx.fields, t.cfg.provider);
  if (max_tokens) set_max_tokens(own, wire, *max_tokens);
  std::string text = boost::json::serialize(own);
  return provider.build_passthrough({text, own, ctx.chat.stream, add_usage, ctx.headers, wire}, t);
}

Result<http::ClientRequest> translated_chat(const Context& ctx, const providers::Target& t,
                                            std::optional<std::int64_t> max_tokens) {
  if (!max_tokens) return t.provider->build_chat(ctx.chat, t);
  ChatRequest capped = ctx.chat;
  capped.max_tokens = max_tokens;
  return t.provider->build_chat(capped, t);
}

Result<http::ClientRequest> upstream_request(const Context& ctx, const providers::Target& t,
                                             std::optional<std::int64_t> max_tokens) {
  const auto& provider = *t.provider;
  if (t.live && !t.live->current.load(std::memory_order_acquire)) {
    // Another target may have one: the plan moves on.
    auto e = Error::make(ErrorCode::unavailable,
                         fmt::format("target {} has no usable credential: credential {} is not stored, or "
                                     "does not open under this instance's keys",
                                     t.label, t.live->name));
    e.retryable = true;
    return fail(std::move(e));
  }
  bool same_wire = passes_through(ctx, t);
  if (!same_wire && ctx.same_wire_only) return std::unexpected(*ctx.same_wire_only);
  switch (ctx.op) {
    case Operation::chat:
      return same_wire ? passthrough_request(ctx, t, max_tokens) : translated_chat(ctx, t, max_tokens);
    case Operation::embeddings:
      return provider.build_embeddings(*ctx.embeddings, t, same_wire ? ctx.body : std::string_view());
    case Operation::images:
      return provider.build_image(*ctx.images, t);
  }
  return fail(ErrorCode::internal, "unknown operation");
}

}  // namespace

// (a plain function returning the attempts coroutine: no frame of its own)
boost::asio::awaitable<void> attempts(Context& ctx) {
  return attempt_targets(ctx, upstream_request);
}

}  // namespace modelmux::pipeline::stages
