// The common shape of an OpenAI-format chat reply decoded straight from its bytes, without building a JSON
// tree: on a translated exchange (an Anthropic, Gemini or Bedrock client served by an OpenAI-format
// upstream), parsing the reply into a tree and reading it again cost ~9k instructions of a ~70k request.
#pragma once

#include <string_view>

#include "modelmux/chat.hpp"

namespace modelmux::openai {

// Decodes `body` into `out` when it is a chat.completion of the shape OpenAI-format servers usually send:
// keys id, object, created, model, choices (one choice: index, message with role, content as a string or
// null, refusal null and an empty annotations list; logprobs null; finish_reason), usage (the token counts
// and their details objects), system_fingerprint, service_tier; strings in ASCII with the simple escapes;
// each key at most once. The result is then exactly what decode_chat_response gives for the same body.
//
// Anything else (tool calls, reasoning, a second choice, another key, a byte it would have to validate as
// UTF-8, a malformed reply) returns false with `out` unspecified: the caller resets it and decodes the tree.
bool scan_chat_response(std::string_view body, ChatResponse& out);

}  // namespace modelmux::openai
