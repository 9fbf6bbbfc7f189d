#include "surfaces/gemini/surface.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cost/tokens.hpp"
#include "pipeline/context.hpp"
#include "pipeline/stages/stages.hpp"
#include "surfaces/http_responder.hpp"
#include "wire/gemini/gemini_json.hpp"

namespace json = boost::json;

namespace modelmux::surfaces {
namespace {

namespace wire = ::modelmux::gemini;

// (no string literal inside a co_await expression: GCC 12 fails to copy the array into the coroutine frame)
constexpr std::string_view kJson = "application/json";

// Google's model names go by "models/<id>"; the path gives the id.
std::string group_of(std::string_view model) {
  if (model.starts_with("models/")) model.remove_prefix(7);
  return std::string(model);
}

class ChunkStream final : public StreamEncoder {
 public:
  ChunkStream(std::string id, std::string model) : chunks_(std::move(id), std::move(model)) {}
  void encode(const StreamEvent& ev, std::string& out) override { chunks_.encode(ev, out); }
  void finish(std::string& out) override { chunks_.finish(out); }

 private:
  wire::ClientStreamEncoder chunks_;
};

json::object model_object(const routing::ModelGroup& g) {
  return json::object{
      {"name", "models/" + g.name},
      {"displayName", g.name},
      {"description", "a model group served by modelmux"},
      {"supportedGenerationMethods", json::array{"generateContent", "streamGenerateContent", "countTokens",
                                                 "embedContent", "batchEmbedContents"}}};
}

boost::asio::awaitable<void> not_found(http::Exchange& ex, std::string_view model) {
  co_await respond_error(
      ex, gemini_surface(),
      Error::make(ErrorCode::model_not_found,
                  fmt::format("models/{} is not found: no model group of that name is configured", model),
                  "model"));
}

}  // namespace

Result<void> GeminiSurface::decode(pipeline::Context& ctx) const {
  const auto& body = *ctx.fields;
  std::string model = group_of(ctx.model_in_path);
  if (ctx.op == pipeline::Operation::embeddings) {
    auto req = wire::decode_client_embeddings(body, std::move(model), ctx.action == "batchEmbedContents");
    if (!req) return std::unexpected(req.error());
    ctx.embeddings = std::move(*req);
    return {};
  }
  auto req = wire::decode_client_request(body, std::move(model), ctx.action == "streamGenerateContent",
                                         ctx.same_wire_only);
  if (!req) return std::unexpected(req.error());
  ctx.chat = std::move(*req);
  return {};
}

bool GeminiSurface::relays_as_is(const pipeline::Context& ctx, std::string_view) const {
  return ctx.op != pipeline::Operation::embeddings;
}

std::string GeminiSurface::encode_chat(const pipeline::Context& ctx) const {
  return json::serialize(wire::encode_client_reply(ctx.chat_reply, ctx.request_id));
}

std::string GeminiSurface::encode_embeddings(const pipeline::Context& ctx) const {
  return wire::encode_client_embeddings(*ctx.embeddings_reply, ctx.action == "batchEmbedContents");
}

std::unique_ptr<StreamEncoder> GeminiSurface::stream_encoder(const pipeline::Context& ctx) const {
  return std::make_unique<ChunkStream>(std::string(ctx.request_id), ctx.chat.model);
}

ErrorReply GeminiSurface::encode_error(const Error& err) const {
  return {static_cast<unsigned>(err.http_status), wire::client_error_body(err)};
}

std::string GeminiSurface::stream_error(const Error& err) const {
  return wire::ClientStreamEncoder::error_frame(err);
}

const GeminiSurface& gemini_surface() {
  static const GeminiSurface surface;
  return surface;
}

namespace gemini {

boost::asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt) {
  json::array models;
  for (const auto& g : rt.catalog.groups()) models.push_back(model_object(g));
  std::string body = json::serialize(json::object{{"models", std::move(models)}});
  co_await ex.respond(200, kJson, std::move(body));
}

boost::asio::awaitable<void> get_model(http::Exchange& ex, const pipeline::Runtime& rt, std::string model) {
  const auto* group = rt.catalog.find(group_of(model));
  if (!group) {
    co_await not_found(ex, model);
    co_return;
  }
  co_await ex.respond(200, kJson, json::serialize(model_object(*group)));
}

boost::asio::awaitable<void> count_tokens(http::Exchange& ex, const pipeline::Runtime& rt,
                                          std::string model) {
  std::string group = group_of(model);
  if (!rt.catalog.find(group)) {
    co_await not_found(ex, model);
    co_return;
  }
  auto body = pipeline::stages::parse_body(ex.request().body);
  Result<ChatRequest> req = std::unexpected(Error{});
  if (body) {
    // countTokens takes {contents} or a whole {generateContentRequest}.
    const json::object* request = &body->get_object();
    if (auto* inner = request->if_contains("generateContentRequest"); inner && inner->is_object())
      request = &inner->get_object();
    std::optional<Error> gemini_only;
    req = wire::decode_client_request(*request, group, false, gemini_only);
  } else {
    req = std::unexpected(body.error());
  }
  if (!req) {
    co_await respond_error(ex, gemini_surface(), req.error());
    co_return;
  }
  std::string tokens = json::serialize(json::object{{"totalTokens", cost::estimate_input_tokens(*req)}});
  co_await ex.respond(200, kJson, std::move(tokens));
}

}  // namespace gemini
}  // namespace modelmux::surfaces
