// The OpenAI family's embeddings: the client's body passes through with only the model rewritten.
#include <boost/json.hpp>

#include "core/json_scan.hpp"
#include "core/json_util.hpp"
#include "providers/openai/openai_provider.hpp"
#include "wire/openai/embeddings_json.hpp"

namespace json = boost::json;

namespace modelmux::providers {

Result<http::ClientRequest> OpenAiProvider::build_embeddings(const EmbeddingsRequest& req,
                                                             const Target& target,
                                                             std::string_view client_body) const {
  std::string body;
  auto spans =
      client_body.empty() ? std::vector<json_scan::Span>{} : json_scan::find_top_level(client_body, "model");
  if (!spans.empty()) {
    body = json_scan::replace(client_body, spans, json::serialize(json::value(target.cfg.model)));
  } else {
    if (auto ok = text_inputs_only(req, target); !ok) return std::unexpected(ok.error());
    body = json::serialize(openai::encode_embeddings_request(req, target.cfg.model));
  }
  auto request = json_post(target, std::move(body), false);
  // The chat path was rendered once at load; embeddings sit beside it (before Azure's query string).
  std::string path = target.request_path;
  if (auto at = path.rfind("/chat/completions"); at != std::string::npos)
    path.replace(at, std::string_view("/chat/completions").size(), "/embeddings");
  request.target = std::move(path);
  return request;
}

Result<EmbeddingsResponse> OpenAiProvider::decode_embeddings(std::string_view body,
                                                             const EmbeddingsRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "upstream embeddings reply is not a JSON object");
  return openai::decode_embeddings_response(v.get_object());
}

}  // namespace modelmux::providers
