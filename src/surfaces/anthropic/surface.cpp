#include "surfaces/anthropic/surface.hpp"

#include <boost/json.hpp>

#include "pipeline/context.hpp"
#include "wire/anthropic/messages_json.hpp"

namespace modelmux::surfaces {
namespace {

std::string fallback_id(const pipeline::Context& ctx) {
  return "msg_" + std::string(ctx.request_id);
}

class MessageStream final : public StreamEncoder {
 public:
  MessageStream(std::string id, std::string model) : frames_(std::move(id), std::move(model)) {}
  void encode(const StreamEvent& ev, std::string& out) override { out += frames_.encode(ev); }
  void finish(std::string& out) override { out += frames_.finish(); }

 private:
  ::modelmux::anthropic::StreamEncoder frames_;
};

}  // namespace

Result<void> AnthropicSurface::decode(pipeline::Context& ctx) const {
  auto req = ::modelmux::anthropic::decode_request(*ctx.fields);
  if (!req) return std::unexpected(req.error());
  ctx.chat = std::move(*req);
  return {};
}

std::string AnthropicSurface::encode_chat(const pipeline::Context& ctx) const {
  return ::modelmux::anthropic::write_reply(ctx.chat_reply, fallback_id(ctx));
}

std::unique_ptr<StreamEncoder> AnthropicSurface::stream_encoder(const pipeline::Context& ctx) const {
  return std::make_unique<MessageStream>(fallback_id(ctx), ctx.chat.model);
}

ErrorReply AnthropicSurface::encode_error(const Error& err) const {
  return {static_cast<unsigned>(::modelmux::anthropic::error_status(err)),
          ::modelmux::anthropic::error_body(err)};
}

std::string AnthropicSurface::stream_error(const Error& err) const {
  return ::modelmux::anthropic::StreamEncoder::error_frame(err);
}

const AnthropicSurface& anthropic_surface() {
  static const AnthropicSurface surface;
  return surface;
}

}  // namespace modelmux::surfaces
