#include "providers/embeddings_util.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "cost/tokens.hpp"

namespace modelmux::providers {

Result<std::vector<float>> float_vector(const boost::json::value& v, std::string_view provider) {
  if (!v.is_array())
    return fail(ErrorCode::upstream_error, fmt::format("{} embedding is not an array", provider));
  std::vector<float> out;
  out.reserve(v.get_array().size());
  for (const auto& x : v.get_array()) {
    if (!x.is_number())
      return fail(ErrorCode::upstream_error,
                  fmt::format("{} embedding holds a value that is not a number", provider));
    double d = x.to_number<double>();
    // Converting a double beyond float's range is undefined; no real embedding holds one.
    if (!(std::fabs(d) <= std::numeric_limits<float>::max()))
      return fail(ErrorCode::upstream_error,
                  fmt::format("{} embedding holds a value beyond float32", provider));
    out.push_back(static_cast<float>(d));
  }
  return out;
}

std::int64_t estimate_input_tokens(const EmbeddingsRequest& req) {
  std::int64_t n = 0;
  for (const auto& s : req.inputs) n += cost::estimate_tokens(s);
  return n;
}

}  // namespace modelmux::providers
