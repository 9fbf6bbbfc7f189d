// Google's Gemini API (generateContent) wire format <-> the canonical model.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::gemini {

// The request body for models/{model}:generateContent (the model goes in the path, not the body).
// `upstream_model` decides how reasoning_effort is expressed (a token budget for Gemini 2.x, a level after).
Result<boost::json::object> encode_request(const ChatRequest& req, std::string_view upstream_model);

// Gemini returns no tool call ids, and Gemini 2.5/3 attach a thoughtSignature to function calls that must
// come back on the same call in the next turn. OpenAI and Anthropic clients echo only the id, name and
// arguments, so the id carries the signature: call_<n> or call_<n>_ts_<signature in base64url>.
std::string tool_call_id(int ordinal, std::string_view thought_signature);
// The signature an id carries (standard base64, as Gemini sent it), or empty.
std::string thought_signature_of(std::string_view id);

// What one GenerateContentResponse (a whole reply, or one streamed chunk) says about candidates[0].
struct ReplyPiece {
  std::string id;     // responseId
  std::string model;  // modelVersion
  std::string text;       // the text parts, thoughts left out
  std::string reasoning;  // the thought parts (summaries, with includeThoughts)
  std::vector<ToolCall> calls;
  std::string finish_reason;  // candidates[0].finishReason, empty while generating
  std::string block_reason;   // promptFeedback.blockReason: the prompt was refused, no candidates
  std::optional<Usage> usage;
};
// `next_call` numbers the function calls across the pieces of one reply.
Result<ReplyPiece> read_piece(const boost::json::object& response, int& next_call);

FinishReason finish_reason(std::string_view gemini_reason, bool had_tool_calls);
Result<ChatResponse> decode_reply(const boost::json::object& body);

// Google's error body {"error":{"code","message","status","details"}} (as a reply, or inside a stream) as
// the one Error type; `http_status` is the reply's status, or 0 to take the body's own code.
Error error_of(int http_status, std::string_view retry_after, std::string_view body);
Error error_of(int http_status, std::string_view retry_after, const boost::json::object& error);

}  // namespace modelmux::gemini
