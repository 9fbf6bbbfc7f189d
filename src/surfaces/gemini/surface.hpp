// The Gemini surface: POST /v1beta/models/{model}:generateContent, :streamGenerateContent, :embedContent and
// :batchEmbedContents (and /v1/), so the @google/genai SDK works unchanged with its base URL pointed at
// modelmux, whatever provider serves the model; a Gemini upstream gets the body passed through. Also the
// SDK's models.list / models.get and countTokens. Errors leave as Google's error bodies.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::surfaces {

class GeminiSurface final : public ClientSurface {
 public:
  std::string_view name() const override { return "gemini"; }
  providers::Wire wire() const override { return providers::Wire::gemini; }
  Result<void> decode(pipeline::Context& ctx) const override;
  // Embeddings replies are always decoded and encoded again: Google's carry no token count, which the
  // decoder estimates for accounting.
  bool relays_as_is(const pipeline::Context& ctx, std::string_view body) const override;

  std::string encode_chat(const pipeline::Context& ctx) const override;
  std::string encode_embeddings(const pipeline::Context& ctx) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const pipeline::Context& ctx) const override;
  ErrorReply encode_error(const Error& err) const override;
  std::string stream_error(const Error& err) const override;
};

const GeminiSurface& gemini_surface();

namespace gemini {
// GET /v1beta/models and /v1beta/models/{model}: the configured model groups as Google's Model objects.
boost::asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt);
boost::asio::awaitable<void> get_model(http::Exchange& ex, const pipeline::Runtime& rt, std::string model);
// POST /v1beta/models/{model}:countTokens: the gateway's own estimate, no provider called.
boost::asio::awaitable<void> count_tokens(http::Exchange& ex, const pipeline::Runtime& rt, std::string model);
}  // namespace gemini

}  // namespace modelmux::surfaces
