#include "providers/images_util.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

namespace modelmux::providers {

Result<void> require_b64(const ImageRequest& req, std::string_view provider) {
  if (req.response_format == "url")
    return fail(
        ErrorCode::invalid_request,
        fmt::format("provider {} returns image bytes, not links: ask for response_format b64_json", provider),
        "response_format");
  return {};
}

Result<ImageResponse> images_from_base64(const boost::json::value* list, std::string_view what) {
  if (!list || !list->is_array() || list->get_array().empty())
    return fail(ErrorCode::upstream_error, fmt::format("{} holds no images", what));
  ImageResponse r;
  for (const auto& item : list->get_array()) {
    if (!item.is_string() || item.get_string().empty())
      return fail(ErrorCode::upstream_error,
                  fmt::format("{} holds something other than base64 images", what));
    r.data.push_back(GeneratedImage{.b64_json = std::string(item.get_string())});
  }
  return r;
}

}  // namespace modelmux::providers
