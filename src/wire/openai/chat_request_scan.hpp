// The common shape of an OpenAI chat request decoded straight from its bytes, without building a JSON tree:
// the pass-through path's decode stage, where parsing the body into a tree and reading the tree again was the
// largest piece of the gateway's own CPU per request (bench/results/cpu.md).
#pragma once

#include <string_view>

#include "core/json_scan.hpp"
#include "modelmux/chat.hpp"

namespace modelmux::openai {

// Decodes `body` into `out` when it is a JSON object of the shape most clients send: keys model, messages
// (each with a role other than tool, a string content, an optional string name), stream, max_tokens or
// max_completion_tokens, temperature, top_p, seed, user; strings in ASCII with the simple escapes. The result
// is then exactly what decode_chat_request gives for the same body.
//
// Anything else (another key, an escape in a key, a number it would have to round, a byte it would have to
// validate as UTF-8, and every malformed or invalid body) returns false with `out` unspecified: the caller
// resets it and takes the full path, which accepts or refuses it with its 400 naming the field.
//
// `model_at`, when given, receives the span of the one top-level `model` value in `body`: the pass-through
// rewrites it there without looking for it again (providers::with_model).
bool scan_chat_request(std::string_view body, ChatRequest& out, json_scan::Span* model_at = nullptr);

}  // namespace modelmux::openai
