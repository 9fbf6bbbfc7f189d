// Google's Gemini API: POST {base}/models/{model}:generateContent, streams from
// :streamGenerateContent?alt=sse (SSE of GenerateContentResponse objects), the key in x-goog-api-key.
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

class GeminiProvider final : public Provider {
 public:
  std::string_view name() const override { return "gemini"; }
  Wire wire() const override { return Wire::gemini; }
  std::string default_api_base() const override { return "https://generativelanguage.googleapis.com/v1beta"; }
  void prepare(Target& target) const override;

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  // Pass-through for Gemini clients: gemini_passthrough.cpp.
  Result<http::ClientRequest> build_passthrough(const PassthroughBody& body,
                                                const Target& target) const override;
  std::unique_ptr<ReplyObserver> reply_observer(bool stream, bool hide_stream_usage) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;
  // Image generation: see this provider's *_images.cpp.
  Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const override;
  Result<ImageResponse> decode_image(std::string_view body, const ImageRequest& req) const override;

  // POST {base}/models/{model}:batchEmbedContents; Google reports no token count, so it is estimated.
  Result<http::ClientRequest> build_embeddings(const EmbeddingsRequest& req, const Target& target,
                                               std::string_view client_body = {}) const override;
  Result<EmbeddingsResponse> decode_embeddings(std::string_view body,
                                               const EmbeddingsRequest& req) const override;

  // models/{model}:streamGenerateContent?alt=sse on the target's base.
  static std::string stream_path(const Target& target);
};

}  // namespace modelmux::providers
