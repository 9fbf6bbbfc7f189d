// What the providers that return image bytes share (Bedrock, Gemini Imagen, SageMaker): refusing a request
// for links, and reading a list of base64 images.
#pragma once

#include <boost/json/value.hpp>
#include <string_view>

#include "modelmux/error.hpp"
#include "modelmux/images.hpp"

namespace modelmux::providers {

// A 400 naming response_format when the client asked for links from a provider that returns bytes.
Result<void> require_b64(const ImageRequest& req, std::string_view provider);
// A provider's list of base64 images (strings) as a reply; an upstream_error naming `what` when it is no
// such list.
Result<ImageResponse> images_from_base64(const boost::json::value* list, std::string_view what);

}  // namespace modelmux::providers
