// The OpenAI surface: /v1/chat/completions, /v1/embeddings, /v1/images/generations (and /v1/models), so the
// OpenAI SDKs and everything built on them reach any provider. Errors leave as OpenAI error bodies.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::surfaces {

class OpenAiSurface final : public ClientSurface {
 public:
  std::string_view name() const override { return "openai"; }
  providers::Wire wire() const override { return providers::Wire::openai; }
  Result<void> decode(pipeline::Context& ctx) const override;
  bool relays_as_is(const pipeline::Context& ctx, std::string_view body) const override;

  std::string encode_chat(const pipeline::Context& ctx) const override;
  std::string encode_embeddings(const pipeline::Context& ctx) const override;
  std::string encode_images(const pipeline::Context& ctx) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const pipeline::Context& ctx) const override;
  ErrorReply encode_error(const Error& err) const override;
  std::string stream_error(const Error& err) const override;
};

const OpenAiSurface& openai_surface();

namespace openai {
// The time now as OpenAI writes it (created, created_at): seconds since the epoch.
std::int64_t unix_now();
// An Error as OpenAI's error body ({"error": {message, type, param, code}}).
std::string error_body(const Error& err);
// GET /v1/models: the configured model groups.
boost::asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt);
}  // namespace openai

}  // namespace modelmux::surfaces
