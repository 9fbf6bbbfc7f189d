// OpenAI's embeddings wire format <-> the canonical model: the OpenAI surface decodes requests and encodes
// replies with it, the OpenAI-family providers encode requests and decode replies.
#pragma once

#include <boost/json/object.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/embeddings.hpp"
#include "modelmux/error.hpp"

namespace modelmux::openai {

// Validates a client's /v1/embeddings body; every problem is an invalid_request naming the field.
Result<EmbeddingsRequest> decode_embeddings_request(const boost::json::object& body);
boost::json::object encode_embeddings_request(const EmbeddingsRequest& req, std::string_view upstream_model);

// A reply's vectors come as float arrays or as base64 strings, whichever the request asked for.
Result<EmbeddingsResponse> decode_embeddings_response(const boost::json::object& body);
// The whole {"object":"list","data":[...],"model","usage"} body; vectors as `encoding` says.
std::string encode_embeddings_response(const EmbeddingsResponse& resp, EmbeddingEncoding encoding);

// Whether a reply's first embedding is a float array (found by scanning, without parsing the reply).
bool has_float_vectors(std::string_view body);

// OpenAI's base64 embedding: the vector's float32 values as little-endian bytes, in standard base64.
std::string floats_to_base64(std::span<const float> values);
Result<std::vector<float>> floats_from_base64(std::string_view text);

}  // namespace modelmux::openai
