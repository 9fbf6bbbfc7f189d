// The attempts stage: the plan's targets called in turn until one answers (pipeline/attempts.hpp), each
// sent the request its provider takes: the client's own body when the provider speaks the surface's wire
// (pass-through), the canonical request in the provider's format otherwise.
#include "pipeline/attempts.hpp"

#include <boost/json/serialize.hpp>

#include "pipeline/stages/stages.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::pipeline::stages {
namespace {

Result<http::ClientRequest> passthrough_request(const Context& ctx, const providers::Target& t) {
  const auto& provider = *t.provider;
  bool add_usage = adds_stream_usage(ctx, t);
  if (!ctx.fields->contains(providers::kProviderOptions))
    return provider.build_passthrough({ctx.body, *ctx.fields, ctx.chat.stream, add_usage, ctx.headers}, t);
  // Provider options differ per target: this target's body is written afresh (a rare path).
  boost::json::object own = *ctx.fields;
  providers::apply_provider_options(own, *ctx.fields, t.cfg.provider);
  std::string text = boost::json::serialize(own);
  return provider.build_passthrough({text, own, ctx.chat.stream, add_usage, ctx.headers}, t);
}

Result<http::ClientRequest> upstream_request(const Context& ctx, const providers::Target& t) {
  const auto& provider = *t.provider;
  bool same_wire = provider.wire() == ctx.surface.wire();
  if (!same_wire && ctx.same_wire_only) return std::unexpected(*ctx.same_wire_only);
  switch (ctx.op) {
    case Operation::chat:
      return same_wire ? passthrough_request(ctx, t) : provider.build_chat(ctx.chat, t);
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
