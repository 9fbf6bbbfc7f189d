// The canonical embeddings model: the OpenAI surface decodes into it and every provider that serves
// embeddings encodes from it.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace modelmux {

enum class EmbeddingEncoding : std::uint8_t { float_, base64 };

struct EmbeddingsRequest {
  std::string model;
  std::vector<std::string> inputs;
  // The client sent token ids (OpenAI's int[] / int[][] input): only an OpenAI-wire upstream can take them,
  // from the client's own body; `inputs` is then empty.
  bool token_input = false;
  std::optional<std::int64_t> dimensions;
  EmbeddingEncoding encoding = EmbeddingEncoding::float_;
  std::string user;
  boost::json::object extra;  // fields with no canonical home
};

struct EmbeddingsResponse {
  std::vector<std::vector<float>> vectors;  // one per input, in input order
  std::int64_t input_tokens = 0;
  std::string model;
  std::optional<double>
      cost_usd;  // set by the gateway: usage x its price table; unset when either is unknown
};

}  // namespace modelmux
