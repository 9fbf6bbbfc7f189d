// Bedrock's embeddings through InvokeModel, whose body is the model family's own format: Amazon Titan Text
// Embeddings (one text a call) and Cohere Embed (up to 96 texts a call).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/aws/aws_target.hpp"
#include "providers/bedrock/bedrock_provider.hpp"
#include "providers/embeddings_util.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::string_view kService = "bedrock";

Error refuse(std::string message, std::string param) {
  return Error::make(ErrorCode::invalid_request, std::move(message), std::move(param));
}

Result<json::object> titan_body(const EmbeddingsRequest& req, const Target& target) {
  const auto& model = target.cfg.model;
  // InvokeModel embeds one text a call; a batch would need as many calls, each able to fail on its own.
  if (req.inputs.size() != 1)
    return std::unexpected(refuse(fmt::format("{} embeds one input a request; send 'input' as one string "
                                              "(a Cohere Embed target takes batches)",
                                              target.label),
                                  "input"));
  json::object body{{"inputText", req.inputs.front()}};
  if (model.find("titan-embed-text-v2") != std::string::npos) {
    body["normalize"] = true;
    if (req.dimensions) body["dimensions"] = *req.dimensions;
  } else if (req.dimensions) {
    return std::unexpected(refuse(fmt::format("{} does not take 'dimensions'", target.label), "dimensions"));
  }
  return body;
}

Result<json::object> cohere_body(const EmbeddingsRequest& req, const Target& target) {
  json::array texts;
  for (const auto& s : req.inputs) texts.emplace_back(s);
  // Cohere needs to know what the vectors are for; documents for a store unless the client says otherwise.
  json::value input_type = "search_document";
  if (auto* t = req.extra.if_contains("input_type"); t && t->is_string()) input_type = *t;
  json::object body{{"texts", std::move(texts)}, {"input_type", std::move(input_type)}};
  if (req.dimensions) {
    if (target.cfg.model.find("embed-v4") == std::string::npos)
      return std::unexpected(
          refuse(fmt::format("{} does not take 'dimensions'", target.label), "dimensions"));
    body["output_dimension"] = *req.dimensions;
  }
  return body;
}

}  // namespace

Result<http::ClientRequest> BedrockProvider::build_embeddings(const EmbeddingsRequest& req,
                                                              const Target& target, std::string_view) const {
  if (auto ok = text_inputs_only(req, target); !ok) return std::unexpected(ok.error());
  const auto& model = target.cfg.model;
  Result<json::object> body;
  if (model.find("titan-embed") != std::string::npos)
    body = titan_body(req, target);
  else if (model.find("cohere.embed") != std::string::npos)
    body = cohere_body(req, target);
  else
    body = std::unexpected(
        refuse(fmt::format("bedrock serves embeddings from Titan Text Embeddings and Cohere Embed "
                           "models; {} is neither",
                           target.label),
               "model"));
  if (!body) return std::unexpected(body.error());
  // request_path is the target's .../model/{id}/converse, the id already encoded.
  std::string path = target.request_path.substr(0, target.request_path.rfind('/')) + "/invoke";
  return aws::signed_post(target, std::move(path), json::serialize(*body), false, kService,
                          "application/json");
}

Result<EmbeddingsResponse> BedrockProvider::decode_embeddings(std::string_view body,
                                                              const EmbeddingsRequest& req) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "bedrock embeddings reply is not a JSON object");
  const auto& o = v.get_object();
  EmbeddingsResponse resp;
  resp.model = req.model;
  if (auto* one = o.if_contains("embedding")) {  // Titan
    auto floats = float_vector(*one, "bedrock");
    if (!floats) return std::unexpected(floats.error());
    resp.vectors.push_back(std::move(*floats));
    resp.input_tokens = json_util::int_field(o, "inputTextTokenCount");
  } else if (auto* many = o.if_contains("embeddings")) {  // Cohere: float arrays, or by type when asked so
    const json::value* list = many;
    if (many->is_object()) list = many->get_object().if_contains("float");
    if (!list || !list->is_array())
      return fail(ErrorCode::upstream_error, "bedrock embeddings reply without float embeddings");
    for (const auto& e : list->get_array()) {
      auto floats = float_vector(e, "bedrock");
      if (!floats) return std::unexpected(floats.error());
      resp.vectors.push_back(std::move(*floats));
    }
    resp.input_tokens = estimate_input_tokens(req);  // Cohere's body carries no count
  } else {
    return fail(ErrorCode::upstream_error, "bedrock embeddings reply without an embedding");
  }
  if (resp.vectors.size() != req.inputs.size())
    return fail(ErrorCode::upstream_error, "bedrock returned a different number of embeddings than inputs");
  return resp;
}

}  // namespace modelmux::providers
