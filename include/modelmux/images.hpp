// The canonical image-generation model (OpenAI's POST /v1/images/generations is the client surface; every
// image-capable provider encodes from it).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "modelmux/chat.hpp"

namespace modelmux {

struct ImageRequest {
  std::string model;
  std::string prompt;
  std::int64_t n = 1;
  std::string size;  // as asked ("1024x1024", "auto"), empty when unset
  int width = 0;     // parsed from size when it is WxH; 0 otherwise
  int height = 0;
  // "url" or "b64_json"; empty when unset. Providers that only return bytes answer b64_json when it is
  // unset and refuse an explicit "url".
  std::string response_format;
  std::string quality;
  std::string style;
  std::string user;
  boost::json::object extra;  // other fields, passed through to OpenAI-format upstreams
};

struct GeneratedImage {
  std::string b64_json;
  std::string url;
  std::string revised_prompt;
};

struct ImageResponse {
  std::int64_t created = 0;
  std::vector<GeneratedImage> data;
  std::optional<Usage> usage;
};

}  // namespace modelmux
