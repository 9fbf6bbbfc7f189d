// AWS Bedrock Runtime through its Converse and ConverseStream APIs: requests signed with SigV4 (service
// "bedrock"), replies as JSON or as a binary AWS event stream.
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

class BedrockProvider final : public Provider {
 public:
  std::string_view name() const override { return "bedrock"; }
  Wire wire() const override { return Wire::bedrock; }
  // Only to pass make_target's check: prepare() puts the target's own region in the host.
  std::string default_api_base() const override { return "https://bedrock-runtime.us-east-1.amazonaws.com"; }
  // Resolves credentials and region (a config error when there are none) and the request paths.
  std::vector<std::string_view> config_keys() const override;  // the AWS keys
  void prepare(Target& target) const override;
  // Its cheapest authenticated call is on another host (the control plane): not offered yet.
  std::string validation_path(const Target&) const override { return {}; }

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;

  // InvokeModel (POST /model/{id}/invoke) for Titan Text Embeddings (one input a call, so one input a
  // request) and Cohere Embed (a batch of texts); other model ids are refused with a 400.
  Result<http::ClientRequest> build_embeddings(const EmbeddingsRequest& req, const Target& target,
                                               std::string_view client_body = {}) const override;
  Result<EmbeddingsResponse> decode_embeddings(std::string_view body,
                                               const EmbeddingsRequest& req) const override;
  Error map_error_reply(const http::Reply& reply, std::string_view body) const override;
  // Image generation: see this provider's *_images.cpp.
  Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const override;
  Result<ImageResponse> decode_image(std::string_view body, const ImageRequest& req) const override;
};

}  // namespace modelmux::providers
