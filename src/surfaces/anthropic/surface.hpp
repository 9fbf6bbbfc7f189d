// The Anthropic surface: POST /v1/messages, so the Anthropic SDK (and tools built on it) use modelmux with
// any provider behind it; an Anthropic upstream gets the client's body passed through. Errors leave as
// Anthropic error bodies.
#pragma once

#include "surfaces/surface.hpp"

namespace modelmux::surfaces {

class AnthropicSurface final : public ClientSurface {
 public:
  std::string_view name() const override { return "anthropic"; }
  providers::Wire wire() const override { return providers::Wire::anthropic; }
  Result<void> decode(pipeline::Context& ctx) const override;

  std::string encode_chat(const pipeline::Context& ctx) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const pipeline::Context& ctx) const override;
  ErrorReply encode_error(const Error& err) const override;
  std::string stream_error(const Error& err) const override;
};

const AnthropicSurface& anthropic_surface();

}  // namespace modelmux::surfaces
