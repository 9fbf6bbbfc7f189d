// Gemini's embeddings: models/{model}:batchEmbedContents, one EmbedContentRequest per input; a Gemini
// client's own embedContent or batchEmbedContents body goes to the same method, the model rewritten.
#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/embeddings_util.hpp"
#include "providers/gemini/gemini_provider.hpp"

namespace json = boost::json;

namespace modelmux::providers {

namespace {

std::string resource_of(const Target& target) {
  std::string_view model = target.cfg.model;
  if (model.starts_with("models/")) model.remove_prefix(7);
  return "models/" + std::string(model);
}

// A Gemini client's body, each request's `model` naming the target's model (Google refuses a batch whose
// requests name another model than the path).
http::ClientRequest passthrough_embeddings(std::string_view client_body, const Target& target) {
  boost::system::error_code ec;
  json::value body = json_util::parse(client_body, ec);
  std::string resource = resource_of(target);
  bool batch = !ec && body.is_object() && body.get_object().contains("requests");
  if (batch) {
    for (auto& r : body.get_object()["requests"].as_array())
      if (r.is_object() && r.get_object().contains("model")) r.get_object()["model"] = resource;
  } else if (!ec && body.is_object() && body.get_object().contains("model")) {
    body.get_object()["model"] = resource;
  }
  auto request = json_post(target, json::serialize(body), false);
  request.target = target.base.path + "/" + resource + (batch ? ":batchEmbedContents" : ":embedContent");
  return request;
}

}  // namespace

Result<http::ClientRequest> GeminiProvider::build_embeddings(const EmbeddingsRequest& req,
                                                             const Target& target,
                                                             std::string_view client_body) const {
  if (!client_body.empty()) return passthrough_embeddings(client_body, target);
  if (auto ok = text_inputs_only(req, target); !ok) return std::unexpected(ok.error());
  std::string resource = resource_of(target);
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

Result<EmbeddingsResponse> GeminiProvider::decode_embeddings(std::string_view body,
                                                             const EmbeddingsRequest& req) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "gemini embeddings reply is not a JSON object");
  auto* list = v.get_object().if_contains("embeddings");
  json::array single;  // embedContent answers {"embedding": {...}}
  if (auto* one = v.get_object().if_contains("embedding"); !list && one) {
    single.push_back(*one);
    list = nullptr;
  }
  const json::array* items = list && list->is_array() ? &list->get_array()
                             : single.empty()         ? nullptr
                                                      : &single;
  if (!items) return fail(ErrorCode::upstream_error, "gemini embeddings reply without embeddings");
  if (items->size() != req.inputs.size())
    return fail(ErrorCode::upstream_error, "gemini returned a different number of embeddings than inputs");
  EmbeddingsResponse resp;
  resp.model = req.model;
  for (const auto& e : *items) {
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
