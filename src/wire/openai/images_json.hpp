// OpenAI's image-generation wire format (POST /images/generations) <-> the canonical image model: the
// client surface decodes requests and encodes replies, OpenAI-format upstreams the other way round.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "modelmux/error.hpp"
#include "modelmux/images.hpp"

namespace modelmux::openai {

// Validates a client's body; every problem is an invalid_request naming the field.
Result<ImageRequest> decode_image_request(const boost::json::object& body);
boost::json::object encode_image_request(const ImageRequest& req, std::string_view upstream_model);
Result<ImageResponse> decode_image_response(const boost::json::object& body);
boost::json::object encode_image_response(const ImageResponse& resp);

}  // namespace modelmux::openai
