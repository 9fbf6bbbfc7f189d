// Image generation on a SageMaker endpoint. SageMaker has no image API of its own, so the contract with
// the container is this gateway's: the request is {"prompt", "n" (when not 1), "width" and "height" (when a
// size is asked)} as application/json, and the reply a JSON object with the base64 images in "images" (or
// "generated_images", what JumpStart's Stable Diffusion answers) as a list of strings, or one "image"
// string. The attempts stage takes only JSON replies, so raw image bytes (image/png) are not accepted.
// SageMaker returns no links: response_format url is a 400, and unset it answers b64_json.
#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/aws/aws_target.hpp"
#include "providers/images_util.hpp"
#include "providers/sagemaker/sagemaker_provider.hpp"

namespace json = boost::json;

namespace modelmux::providers {

Result<http::ClientRequest> SagemakerProvider::build_image(const ImageRequest& req,
                                                           const Target& target) const {
  if (auto ok = require_b64(req, name()); !ok) return std::unexpected(ok.error());
  json::object body{{"prompt", req.prompt}};
  if (req.n != 1) body["n"] = req.n;
  if (req.width > 0) {
    body["width"] = req.width;
    body["height"] = req.height;
  }
  return aws::signed_post(target, target.request_path, json::serialize(body), false, "sagemaker",
                          "application/json");
}

Result<ImageResponse> SagemakerProvider::decode_image(std::string_view body, const ImageRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "sagemaker image reply is not a JSON object");
  const auto& o = v.get_object();
  if (auto* one = o.if_contains("image"); one && one->is_string()) {
    json::array list{*one};
    json::value wrapped(std::move(list));
    return images_from_base64(&wrapped, "sagemaker image reply");
  }
  const json::value* list = o.if_contains("images");
  if (!list) list = o.if_contains("generated_images");
  return images_from_base64(list, "sagemaker image reply");
}

}  // namespace modelmux::providers
