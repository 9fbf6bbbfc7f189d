// The built-in mock: OpenAI's wire format answered in-process, so `make run` serves a model with no network
// and no keys, and the library can be tried with nothing configured.
#pragma once

#include "providers/openai/openai_provider.hpp"

namespace modelmux::providers {

class MockProvider final : public OpenAiProvider {
 public:
  MockProvider() : OpenAiProvider({"mock", "http://mock.invalid/v1"}) {}
  asio::awaitable<Result<std::unique_ptr<http::Reply>>> send(const Target& target,
                                                             http::ClientRequest request) const override;
  // The in-process mock serves chat only: not OpenAI's images route, but the base class's refusal.
  Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const override {
    return Provider::build_image(req, target);
  }
};

}  // namespace modelmux::providers
