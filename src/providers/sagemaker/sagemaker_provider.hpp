// AWS SageMaker Runtime: InvokeEndpoint and InvokeEndpointWithResponseStream, signed with SigV4 (service
// "sagemaker"). The target's model is the endpoint name; `sagemaker_format` says what the container in it
// speaks (OpenAI chat completions, or TGI's generate API). Streamed replies come as an AWS event stream
// whose PayloadPart events carry the container's own bytes, split anywhere.
#pragma once

#include "providers/provider.hpp"

namespace modelmux::providers {

class SagemakerProvider final : public Provider {
 public:
  std::string_view name() const override { return "sagemaker"; }
  // The body is re-encoded for signing and for the container: never a pass-through.
  Wire wire() const override { return Wire::sagemaker; }
  // Only to pass make_target's check: prepare() puts the target's own region in the host.
  std::string default_api_base() const override {
    return "https://runtime.sagemaker.us-east-1.amazonaws.com";
  }
  // The AWS keys, and sagemaker_format: openai (the default) or tgi.
  std::vector<std::string_view> config_keys() const override;
  void prepare(Target& target) const override;
  // Its cheapest authenticated call is on another host (the control plane): not offered yet.
  std::string validation_path(const Target&) const override { return {}; }

  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override;
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override;
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const override;
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override;
  Error map_error_reply(const http::Reply& reply, std::string_view body) const override;
  // Image generation: see this provider's *_images.cpp.
  Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const override;
  Result<ImageResponse> decode_image(std::string_view body, const ImageRequest& req) const override;
};

// The adapter for targets with `sagemaker_format: tgi`. Targets are made with the registry's "sagemaker"
// entry and switched to it in prepare(): decoding a reply needs the format, and only the provider knows it
// then.
const Provider& sagemaker_tgi_provider();

}  // namespace modelmux::providers
