// Gemini's embeddings: models/{model}:batchEmbedContents, one EmbedContentRequest per input.
#include <boost/json.hpp>

#include "providers/embeddings_util.hpp"
#include "providers/gemini/gemini_provider.hpp"

namespace json = boost::json;

namespace modelmux::providers {

Result<http::ClientRequest> GeminiProvider::build_embeddings(const EmbeddingsRequest& req, const Target& target,
                                                             std::string_view) const {
  if (auto ok = text_inputs_only(req, target); !ok) return std::unexpected(ok.error());
  std::string_view model = target.cfg.model;
  if (model.starts_with("models/")) model.remove_prefix(7);
  std::string resource = "models/" + std::string(model);
  json::array requests;
  for (const auto& text : req.inputs) {
    json::object r{{"model", resource},
                   {"content", json::object{{"parts", json::array{json::object{{"text", text}}}}}}};
    if (req.dimensions) r["outputDimensionality"] = *req.dimensions;
    requests.push_back(std::move(r));
  }
  auto request = json_post(target, json::serialize(json::object{{"requests", std::move(requests)}}), false);
  request.target = target.base.path + "/" + resource + ":batchEmbedContents";
  return request;
}

Result<EmbeddingsResponse> GeminiProvider::decode_embeddings(std::string_view body, const EmbeddingsRequest& req) const {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "gemini embeddings reply is not a JSON object");
  auto* list = v.get_object().if_contains("embeddings");
  if (!list || !list->is_array()) return fail(ErrorCode::upstream_error, "gemini embeddings reply without embeddings");
  if (list->get_array().size() != req.inputs.size())
    return fail(ErrorCode::upstream_error, "gemini returned a different number of embeddings than inputs");
  EmbeddingsResponse resp;
  resp.model = req.model;
  for (const auto& e : list->get_array()) {
    const json::value* values = e.is_object() ? e.get_object().if_contains("values") : nullptr;
    if (!values) return fail(ErrorCode::upstream_error, "gemini embedding without values");
    auto floats = float_vector(*values, "gemini");
    if (!floats) return std::unexpected(floats.error());
    resp.vectors.push_back(std::move(*floats));
  }
  resp.input_tokens = estimate_input_tokens(req);
  return resp;
}

}  // namespace modelmux::providers
