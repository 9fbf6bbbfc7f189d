#include "providers/embeddings_util.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "cost/tokens.hpp"

namespace modelmux::providers {

Result<std::vector<float>> float_vector(const boost::json::value& v, std::string_view provider) {
  if (!v.is_array()) return fail(ErrorCode::upstream_error, fmt::format("{} embedding is not an array", provider));
  std::vector<float> out;
  out.reserve(v.get_array().size());
  for (const auto& x : v.get_array()) {
    if (!x.is_number())
      return fail(ErrorCode::upstream_error, fmt::format("{} embedding holds a value that is not a number", provider));
    out.push_back(static_cast<float>(x.to_number<double>()));
  }
  return out;
}

std::int64_t estimate_input_tokens(const EmbeddingsRequest& req) {
  std::int64_t n = 0;
  for (const auto& s : req.inputs) n += cost::estimate_tokens(s);
  return n;
}

}  // namespace modelmux::providers
