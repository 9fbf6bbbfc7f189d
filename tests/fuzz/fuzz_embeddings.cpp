// Embeddings codecs on arbitrary bytes: the client's request decoder (whatever decodes must re-encode and
// decode to the same inputs), and every provider's reply decoder (upstream bytes are untrusted); a decoded
// reply must encode as OpenAI's in both encodings, and its base64 must read back to the same bits.
#include <bit>
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "providers/provider.hpp"
#include "wire/openai/embeddings_json.hpp"

using namespace modelmux;

namespace {

void check_reply(const EmbeddingsResponse& resp) {
  auto floats = boost::json::parse(openai::encode_embeddings_response(resp, EmbeddingEncoding::float_));
  auto b64 =
      boost::json::parse(openai::encode_embeddings_response(resp, EmbeddingEncoding::base64)).as_object();
  auto back = openai::decode_embeddings_response(b64);
  if (!floats.is_object() || !back || back->vectors.size() != resp.vectors.size()) std::abort();
  for (std::size_t i = 0; i < resp.vectors.size(); ++i) {
    if (back->vectors[i].size() != resp.vectors[i].size()) std::abort();
    for (std::size_t j = 0; j < resp.vectors[i].size(); ++j)
      if (std::bit_cast<std::uint32_t>(back->vectors[i][j]) !=
          std::bit_cast<std::uint32_t>(resp.vectors[i][j]))
        std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  boost::system::error_code ec;
  auto v = boost::json::parse(text, ec);
  if (!ec && v.is_object()) {
    auto req = openai::decode_embeddings_request(v.get_object());
    if (!req && req.error().message.empty()) std::abort();
    if (req && !req->token_input) {
      auto again = openai::decode_embeddings_request(openai::encode_embeddings_request(*req, req->model));
      if (!again || again->inputs != req->inputs || again->dimensions != req->dimensions) std::abort();
    }
  }
  (void)openai::has_float_vectors(text);  // scans untrusted reply bytes
  EmbeddingsRequest asked;
  asked.model = std::string("m");
  for (std::size_t i = 0; i <= size % 3; ++i) asked.inputs.push_back(std::string("text"));
  for (const char* name : {"openai", "gemini", "ollama", "bedrock"}) {
    auto resp = providers::find(name)->decode_embeddings(text, asked);
    if (resp)
      check_reply(*resp);
    else if (resp.error().message.empty())
      std::abort();
  }
  return 0;
}
