// What the providers' embeddings codecs share: reading a vector of numbers, and a token estimate for the
// upstreams that report none.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>
#include <vector>

#include "modelmux/embeddings.hpp"
#include "modelmux/error.hpp"

namespace modelmux::providers {

// A JSON array of numbers as float32 values; anything else is an upstream_error naming `provider`.
Result<std::vector<float>> float_vector(const boost::json::value& v, std::string_view provider);

// The inputs' tokens by cost::estimate_tokens, for replies without a count.
std::int64_t estimate_input_tokens(const EmbeddingsRequest& req);

}  // namespace modelmux::providers
