// Imagen through the Gemini API: POST {base}/models/{model}:predict with {"instances": [{"prompt"}],
// "parameters": {"sampleCount", "aspectRatio"}} -> {"predictions": [{"bytesBase64Encoded", "mimeType"}]}
// (the shapes googleapis/js-genai's generateImages converters use). Imagen returns no links:
// response_format url is a 400, and unset it answers b64_json.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

#include "core/json_util.hpp"
#include "providers/gemini/gemini_provider.hpp"
#include "providers/images_util.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

// Imagen takes an aspect ratio, not a size: the supported one within 3% of the asked width / height.
Result<std::string> aspect_ratio(const ImageRequest& req) {
  static constexpr std::pair<std::string_view, double> kRatios[] = {
      {"1:1", 1.0}, {"3:4", 0.75}, {"4:3", 4.0 / 3}, {"9:16", 9.0 / 16}, {"16:9", 16.0 / 9}};
  double asked = static_cast<double>(req.width) / req.height;
  for (auto [name, ratio] : kRatios)
    if (std::abs(asked / ratio - 1) < 0.03) return std::string(name);
  return fail(ErrorCode::invalid_request,
              fmt::format("gemini (Imagen) makes 1:1, 3:4, 4:3, 9:16 or 16:9 images; size {} is none of them",
                          req.size),
              "size");
}

}  // namespace

Result<http::ClientRequest> GeminiProvider::build_image(const ImageRequest& req, const Target& target) const {
  if (auto ok = require_b64(req, name()); !ok) return std::unexpected(ok.error());
  json::object params{{"sampleCount", req.n}};
  if (req.width > 0) {
    auto ratio = aspect_ratio(req);
    if (!ratio) return std::unexpected(ratio.error());
    params["aspectRatio"] = *ratio;
  }
  json::object body{{"instances", json::array{json::object{{"prompt", req.prompt}}}},
                    {"parameters", std::move(params)}};
  auto request = json_post(target, json::serialize(body), false);
  // request_path is the model's :generateContent; :predict is the same model's other method.
  request.target = target.request_path.substr(0, target.request_path.rfind(':')) + ":predict";
  return request;
}

Result<ImageResponse> GeminiProvider::decode_image(std::string_view body, const ImageRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "gemini image reply is not a JSON object");
  auto* predictions = v.get_object().if_contains("predictions");
  // Every image filtered out for safety: Imagen answers without predictions.
  if (!predictions || !predictions->is_array() || predictions->get_array().empty())
    return fail(ErrorCode::content_filter,
                "gemini (Imagen) returned no images: the prompt or every image was filtered");
  ImageResponse r;
  for (const auto& p : predictions->get_array()) {
    if (!p.is_object()) continue;
    if (auto b64 = json_util::string_field(p.get_object(), "bytesBase64Encoded"); !b64.empty())
      r.data.push_back(GeneratedImage{.b64_json = std::string(b64)});
  }
  if (r.data.empty())
    return fail(ErrorCode::content_filter, "gemini (Imagen) returned no images: every one was filtered");
  return r;
}

}  // namespace modelmux::providers
