// Ollama's native embeddings: POST /api/embed {"model","input":[...],"dimensions"?}.
#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/embeddings_util.hpp"
#include "providers/ollama/ollama_provider.hpp"

namespace json = boost::json;

namespace modelmux::providers {

Result<http::ClientRequest> OllamaProvider::build_embeddings(const EmbeddingsRequest& req,
                                                             const Target& target, std::string_view) const {
  if (auto ok = text_inputs_only(req, target); !ok) return std::unexpected(ok.error());
  json::array input;
  for (const auto& s : req.inputs) input.emplace_back(s);
  json::object body{{"model", target.cfg.model}, {"input", std::move(input)}};
  if (req.dimensions) body["dimensions"] = *req.dimensions;
  auto request = json_post(target, json::serialize(body), false);
  request.target = target.base.path + "/api/embed";
  return request;
}

Result<EmbeddingsResponse> OllamaProvider::decode_embeddings(std::string_view body,
                                                             const EmbeddingsRequest& req) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "ollama embeddings reply is not a JSON object");
  const auto& o = v.get_object();
  auto* list = o.if_contains("embeddings");
  if (!list || !list->is_array())
    return fail(ErrorCode::upstream_error, "ollama embeddings reply without embeddings");
  EmbeddingsResponse resp;
  resp.model = json_util::string_field(o, "model");
  for (const auto& e : list->get_array()) {
    auto floats = float_vector(e, "ollama");
    if (!floats) return std::unexpected(floats.error());
    resp.vectors.push_back(std::move(*floats));
  }
  if (resp.vectors.size() != req.inputs.size())
    return fail(ErrorCode::upstream_error, "ollama returned a different number of embeddings than inputs");
  resp.input_tokens = o.contains("prompt_eval_count") ? json_util::int_field(o, "prompt_eval_count")
                                                      : estimate_input_tokens(req);
  return resp;
}

}  // namespace modelmux::providers
