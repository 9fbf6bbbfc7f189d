// OpenAI and every upstream that speaks its chat-completions wire format.
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

// What sets one OpenAI-format service apart from another.
struct OpenAiFlavor {
  std::string name;
  std::string default_base;            // empty: api_base is required
  bool accepts_stream_options = true;  // some services refuse unknown fields such as stream_options
  bool azure = false;                  // deployment URLs, `api-key` header, api-version query parameter
};

class OpenAiProvider : public Provider {
 public:
  explicit OpenAiProvider(OpenAiFlavor flavor) : flavor_(std::move(flavor)) {}

  std::string_view name() const override { return flavor_.name; }
  Wire wire() const override { return Wire::openai; }
  bool speaks(Wire w, const Target& target) const override;
  std::string default_api_base() const override { return flavor_.default_base; }
  // azure: api_version, the api-version query parameter.
  std::vector<std::string_view> config_keys() const override;
  void prepare(Target& target) const override;
  std::string validation_path(const Target& target) const override;

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  Result<http::ClientRequest> build_passthrough(const PassthroughBody& body,
                                                const Target& target) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  std::unique_ptr<ReplyObserver> reply_observer(bool stream, bool hide_stream_usage) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;
  // POST {base}/images/generations (Azure: the deployment's images/generations), the body as OpenAI's.
  Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const override;
  Result<ImageResponse> decode_image(std::string_view body, const ImageRequest& req) const override;

  // POST {base}/embeddings (Azure: .../deployments/{model}/embeddings?api-version=...).
  Result<http::ClientRequest> build_embeddings(const EmbeddingsRequest& req, const Target& target,
                                               std::string_view client_body = {}) const override;
  Result<EmbeddingsResponse> decode_embeddings(std::string_view body,
                                               const EmbeddingsRequest& req) const override;

 private:
  OpenAiFlavor flavor_;
};

// OpenAI's error body {"error":{"message",...}} and its common variants, as (message, code) text.
std::pair<std::string, std::string> openai_error_fields(std::string_view body);

// A decoder of an OpenAI chat.completion.chunk SSE stream, for providers whose upstream relays one inside
// its own framing (SageMaker's response stream).
std::unique_ptr<StreamDecoder> openai_stream_decoder();

}  // namespace modelmux::providers
