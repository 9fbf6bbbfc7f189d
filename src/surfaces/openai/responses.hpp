// The Responses surface: POST /v1/responses (what OpenAI's SDKs and agent frameworks now call by default)
// served by any provider through the canonical model, with stored responses that a later request continues
// by previous_response_id (on any provider), and GET/DELETE /v1/responses/{id} and its input_items.
// Responses are stored per key (runtime's ResponseStore) unless the request says store: false. An OpenAI
// target with `responses_api: true` is given the request as it is (hosted tools included), and its reply
// comes back as it came, stored on the way.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"
#include "surfaces/surface.hpp"

namespace modelmux::surfaces {

class ResponsesSurface final : public ClientSurface {
 public:
  std::string_view name() const override { return "openai-responses"; }
  providers::Wire wire() const override { return providers::Wire::openai_responses; }
  Result<void> decode(pipeline::Context& ctx) const override;

  std::string encode_chat(const pipeline::Context& ctx) const override;
  std::unique_ptr<StreamEncoder> stream_encoder(const pipeline::Context& ctx) const override;
  std::optional<std::string> passthrough_body(const pipeline::Context& ctx,
                                              const providers::Target& target) const override;
  std::unique_ptr<providers::ReplyObserver> reply_observer(const pipeline::Context& ctx,
                                                           bool stream) const override;
  std::unique_ptr<providers::StreamDecoder> passthrough_stream_decoder() const override;
  ErrorReply encode_error(const Error& err) const override;
  std::string stream_error(const Error& err) const override;
};

const ResponsesSurface& responses_surface();

namespace responses {
// GET /v1/responses/{id}, DELETE /v1/responses/{id}, GET /v1/responses/{id}/input_items: the caller's
// own stored responses (another key's are a 404, as if they did not exist).
boost::asio::awaitable<void> retrieve(http::Exchange& ex, const pipeline::Runtime& rt, std::string id);
boost::asio::awaitable<void> remove(http::Exchange& ex, const pipeline::Runtime& rt, std::string id);
boost::asio::awaitable<void> input_items(http::Exchange& ex, const pipeline::Runtime& rt, std::string id);
}  // namespace responses

}  // namespace modelmux::surfaces
