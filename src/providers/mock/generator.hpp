// Deterministic OpenAI-format replies for the in-process mock provider and the standalone mock-server: the
// reply is "mock: " + the last user message (or N filler words), with estimated usage.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "modelmux/error.hpp"

namespace modelmux::mock {

struct Shape {
  int response_tokens = 0;  // > 0: that many filler words instead of the echo
  int chunks = 0;           // > 0: split the streamed content into that many pieces; 0: one per word
};

// Checks what OpenAI itself would reject (missing model or messages, roles, content types).
Result<void> validate(const boost::json::object& request);

std::string reply_text(const boost::json::object& request, const Shape& shape);

// A whole chat.completion body.
std::string completion(const boost::json::object& request, const Shape& shape);

// The SSE frames of a streamed reply ("data: {...}\n\n" each, ending with "data: [DONE]\n\n").
std::vector<std::string> stream_frames(const boost::json::object& request, const Shape& shape);

// A whole /v1/embeddings reply: deterministic vectors of `dimensions` values (8 by default) per input,
// as floats or base64 as asked; an invalid_request for what OpenAI would refuse.
Result<std::string> embeddings(const boost::json::object& request);

// An OpenAI error body.
std::string error_body(std::string_view message, std::string_view type, std::string_view code);

}  // namespace modelmux::mock
