// Ollama's native chat API: POST /api/chat, replies as one JSON object or an NDJSON stream. (Ollama's
// OpenAI-compatible /v1 endpoint is served by `openai_compatible`; the native API is the one that takes
// `format` schemas, `options` and images the way Ollama documents them.)
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

class OllamaProvider final : public Provider {
 public:
  std::string_view name() const override { return "ollama"; }
  Wire wire() const override { return Wire::ollama; }
  std::string default_api_base() const override { return "http://127.0.0.1:11434"; }
  void prepare(Target& target) const override;
  std::string validation_path(const Target& t) const override { return t.base.path + "/api/tags"; }

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;

  // POST {base}/api/embed.
  Result<http::ClientRequest> build_embeddings(const EmbeddingsRequest& req, const Target& target,
                                               std::string_view client_body = {}) const override;
  Result<EmbeddingsResponse> decode_embeddings(std::string_view body,
                                               const EmbeddingsRequest& req) const override;
};

}  // namespace modelmux::providers
