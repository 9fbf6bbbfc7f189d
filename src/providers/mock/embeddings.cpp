#include <boost/json.hpp>

#include "cost/tokens.hpp"
#include "providers/mock/generator.hpp"
#include "wire/openai/embeddings_json.hpp"

namespace json = boost::json;

namespace modelmux::mock {
namespace {

constexpr std::int64_t kDefaultDimensions = 8;

// A vector that depends only on the text and its length, with values in [-1, 1], so tests can compare
// replies across encodings and targets.
std::vector<float> vector_for(std::string_view text, std::int64_t dimensions) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : text) h = (h ^ c) * 1099511628211ull;
  std::vector<float> v(static_cast<std::size_t>(dimensions));
  for (std::size_t j = 0; j < v.size(); ++j) {
    h = h * 6364136223846793005ull + 1442695040888963407ull;
    v[j] = static_cast<float>(static_cast<double>(h >> 11) / static_cast<double>(1ull << 53) * 2.0 - 1.0);
  }
  return v;
}

}  // namespace

Result<std::string> embeddings(const json::object& request) {
  auto req = openai::decode_embeddings_request(request);
  if (!req) return std::unexpected(req.error());
  std::vector<std::string> texts = req->inputs;
  if (req->token_input) {
    // Token ids stand for text the mock cannot see: each id list (as JSON) seeds its vector.
    const auto& input = request.at("input").get_array();
    if (!input.empty() && input.front().is_array())
      for (const auto& ids : input) texts.push_back(json::serialize(ids));
    else
      texts.push_back(json::serialize(input));
  }
  if (req->dimensions && *req->dimensions > 4096)
    return fail(ErrorCode::invalid_request, "'dimensions' must be at most 4096 for the mock", "dimensions");
  EmbeddingsResponse resp;
  resp.model = req->model;
  for (const auto& t : texts) {
    resp.vectors.push_back(vector_for(t, req->dimensions.value_or(kDefaultDimensions)));
    resp.input_tokens += std::max<std::int64_t>(cost::estimate_tokens(t), 1);
  }
  return openai::encode_embeddings_response(resp, req->encoding);
}

}  // namespace modelmux::mock
