// The common shape of an Anthropic Messages reply decoded straight from its bytes, without building a JSON
// tree: on a translated exchange (an OpenAI, Gemini or Bedrock client served by Claude), parsing the reply
// into a tree and reading it again was the largest piece of the decode.
#pragma once

#include <string_view>

#include "modelmux/chat.hpp"

namespace modelmux::anthropic {

// Decodes `body` into `out` when it is a message of the shape the Messages API sends for a text answer:
// keys id, type, role, model, content (text blocks only: type, text, citations null), stop_reason,
// stop_sequence, usage (the token counts, service_tier, and a cache_creation object of counts); strings in
// ASCII with the simple escapes; each key at most once. The result is then exactly what decode_reply gives
// for the same body, whatever the request (a forced answer tool only ever shows as a tool_use block).
//
// Anything else (tool_use or thinking blocks, another key, a byte it would have to validate as UTF-8, a
// malformed reply) returns false with `out` unspecified: the caller resets it and decodes the tree.
bool scan_reply(std::string_view body, ChatResponse& out);

}  // namespace modelmux::anthropic
