// Anthropic's Messages API: x-api-key and anthropic-version headers, /messages, its SSE event stream.
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

class AnthropicProvider final : public Provider {
 public:
  std::string_view name() const override { return "anthropic"; }
  Wire wire() const override { return Wire::anthropic; }
  std::string default_api_base() const override { return "https://api.anthropic.com/v1"; }
  void prepare(Target& target) const override;

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  // Pass-through for Anthropic clients: anthropic_passthrough.cpp.
  Result<http::ClientRequest> build_passthrough(const PassthroughBody& body,
                                                const Target& target) const override;
  std::unique_ptr<ReplyObserver> reply_observer(bool stream, bool hide_stream_usage) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;
};

}  // namespace modelmux::providers
