#include "surfaces/openai/surface.hpp"

#include <boost/json.hpp>

#include "pipeline/context.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/openai/embeddings_json.hpp"
#include "wire/openai/images_json.hpp"

namespace json = boost::json;

namespace modelmux::surfaces {
namespace {

// chat.completion.chunk payloads as SSE, ending with OpenAI's [DONE].
class ChunkStream final : public StreamEncoder {
 public:
  ChunkStream(std::string id, std::string model, bool include_usage)
      : chunks_(std::move(id), std::move(model), include_usage, openai::unix_now()) {}
  void encode(const StreamEvent& ev, std::string& out) override {
    for (auto& payload : chunks_.encode(ev)) out.append("data: ").append(payload).append("\n\n");
  }
  void finish(std::string& out) override { out.append("data: [DONE]\n\n"); }

 private:
  ::modelmux::openai::ChunkEncoder chunks_;
};

}  // namespace

Result<void> OpenAiSurface::decode(pipeline::Context& ctx) const {
  const auto& body = *ctx.fields;
  switch (ctx.op) {
    case pipeline::Operation::chat:
      return ::modelmux::openai::decode_chat_request(body, ctx.chat);
    case pipeline::Operation::embeddings: {
      auto req = ::modelmux::openai::decode_embeddings_request(body);
      if (!req) return std::unexpected(req.error());
      ctx.embeddings = std::move(*req);
      return {};
    }
    case pipeline::Operation::images: {
      auto req = ::modelmux::openai::decode_image_request(body);
      if (!req) return std::unexpected(req.error());
      ctx.images = std::move(*req);
      return {};
    }
  }
  return fail(ErrorCode::internal, "unknown operation");
}

// Some OpenAI-compatible servers ignore encoding_format and answer floats, which the OpenAI SDKs (asking for
// base64 by default) would misread: such a reply is re-encoded as asked.
bool OpenAiSurface::relays_as_is(const pipeline::Context& ctx, std::string_view body) const {
  return ctx.op != pipeline::Operation::embeddings || ctx.embeddings->encoding != EmbeddingEncoding::base64 ||
         !::modelmux::openai::has_float_vectors(body);
}

std::string OpenAiSurface::encode_chat(const pipeline::Context& ctx) const {
  const ChatResponse& r = ctx.chat_reply;
  // Upstreams that give no id or time (Ollama) still get an OpenAI-shaped reply.
  std::string fallback;
  std::string_view id = r.id;
  if (id.empty()) id = fallback = "chatcmpl-" + std::string(ctx.request_id);
  return ::modelmux::openai::write_chat_response(r, id, r.created == 0 ? openai::unix_now() : r.created);
}

std::string OpenAiSurface::encode_embeddings(const pipeline::Context& ctx) const {
  return ::modelmux::openai::encode_embeddings_response(*ctx.embeddings_reply, ctx.embeddings->encoding);
}

std::string OpenAiSurface::encode_images(const pipeline::Context& ctx) const {
  json::object out = ::modelmux::openai::encode_image_response(*ctx.images_reply);
  if (ctx.images_reply->created == 0) out["created"] = openai::unix_now();
  return json::serialize(out);
}

std::unique_ptr<StreamEncoder> OpenAiSurface::stream_encoder(const pipeline::Context& ctx) const {
  return std::make_unique<ChunkStream>("chatcmpl-" + std::string(ctx.request_id), ctx.chat.model,
                                       ctx.chat.include_usage);
}

ErrorReply OpenAiSurface::encode_error(const Error& err) const {
  return {static_cast<unsigned>(err.http_status), openai::error_body(err)};
}

// An error that ends a stream already under way, in the shape the OpenAI SDK raises as an APIError.
std::string OpenAiSurface::stream_error(const Error& err) const {
  return "data: " + openai::error_body(err) + "\n\n";
}

const OpenAiSurface& openai_surface() {
  static const OpenAiSurface surface;
  return surface;
}

namespace openai {

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

std::string_view error_type(const Error& e) {
  switch (e.http_status) {
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "invalid_request_error";
    case 429:
      return "rate_limit_error";
    default:
      return e.http_status >= 500 ? "server_error" : "invalid_request_error";
  }
}

}  // namespace

std::string error_body(const Error& err) {
  json::object e{{"message", err.message}, {"type", error_type(err)}};
  if (err.param.empty())
    e["param"] = nullptr;
  else
    e["param"] = err.param;
  e["code"] = to_string(err.code);
  return json::serialize(json::object{{"error", std::move(e)}});
}

boost::asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt) {
  json::array data;
  for (const auto& g : rt.catalog.groups())
    data.push_back(json::object{
        {"id", g.name}, {"object", "model"}, {"created", rt.started_at}, {"owned_by", "modelmux"}});
  json::object list;
  list["object"] = "list";
  list["data"] = std::move(data);
  co_await ex.respond(200, "application/json", json::serialize(list));
}

}  // namespace openai
}  // namespace modelmux::surfaces
