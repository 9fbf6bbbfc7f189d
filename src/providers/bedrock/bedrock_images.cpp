// Bedrock image generation through InvokeModel (POST /model/{id}/invoke) in the request shape that Amazon
// Titan Image Generator and Amazon Nova Canvas share: a TEXT_IMAGE task; the reply's "images" are base64.
// Bedrock returns no links: response_format url is a 400, and unset it answers b64_json.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/aws/aws_target.hpp"
#include "providers/bedrock/bedrock_provider.hpp"
#include "providers/images_util.hpp"

namespace json = boost::json;

namespace modelmux::providers {

Result<http::ClientRequest> BedrockProvider::build_image(const ImageRequest& req,
                                                         const Target& target) const {
  if (auto ok = require_b64(req, name()); !ok) return std::unexpected(ok.error());
  json::object config{{"numberOfImages", req.n}};
  if (req.width > 0) {
    config["width"] = req.width;
    config["height"] = req.height;
  }
  // OpenAI's hd (dall-e-3) and high (gpt-image) ask for the better of the two qualities Bedrock offers.
  if (req.quality == "hd" || req.quality == "high")
    config["quality"] = "premium";
  else if (!req.quality.empty() && req.quality != "auto")
    config["quality"] = "standard";
  json::object body{{"taskType", "TEXT_IMAGE"},
                    {"textToImageParams", json::object{{"text", req.prompt}}},
                    {"imageGenerationConfig", std::move(config)}};
  // request_path ends in /converse: the model's InvokeModel path sits beside it.
  std::string path = target.request_path.substr(0, target.request_path.rfind('/')) + "/invoke";
  return aws::signed_post(target, std::move(path), json::serialize(body), false, "bedrock",
                          "application/json");
}

Result<ImageResponse> BedrockProvider::decode_image(std::string_view body, const ImageRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "bedrock image reply is not a JSON object");
  const auto& o = v.get_object();
  // Nova Canvas reports a refused prompt in "error" beside (or instead of) the images.
  if (auto err = json_util::string_field(o, "error"); !err.empty())
    return fail(ErrorCode::content_filter, fmt::format("bedrock image generation refused: {}", err));
  return images_from_base64(o.if_contains("images"), "bedrock image reply");
}

}  // namespace modelmux::providers
