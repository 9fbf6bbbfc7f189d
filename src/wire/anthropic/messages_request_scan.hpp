// The common shape of an Anthropic Messages request decoded straight from its bytes, without building a
// JSON tree: the decode stage of the /v1/messages surface, as openai::scan_chat_request is for
// /v1/chat/completions.
#pragma once

#include <string_view>

#include "core/json_scan.hpp"
#include "modelmux/chat.hpp"

namespace modelmux::anthropic {

// Decodes `body` into `out` when it is a JSON object of the shape most clients send: keys model, max_tokens
// (a positive integer), messages (each with role user or assistant and a string content), system (a
// string), stream, temperature, top_p (null or numbers), stop_sequences (strings), metadata (user_id only);
// strings in ASCII with the simple escapes; each key at most once. The result is then exactly what
// decode_request gives for the same body.
//
// Anything else (content blocks, tools, another key: the gateway's own strategy, router, budget_limit and
// provider_options among them, a byte it would have to validate as UTF-8, every malformed or invalid
// body) returns false with `out` unspecified: the caller resets it and takes the full path, which accepts
// or refuses it with its 400 naming the field.
//
// `model_at`, when given, receives the span of the top-level `model` value (providers::with_model).
bool scan_request(std::string_view body, ChatRequest& out, json_scan::Span* model_at = nullptr);

}  // namespace modelmux::anthropic
