// Google's Gemini API (generateContent) wire format <-> the canonical model.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/chat.hpp"
#include "modelmux/embeddings.hpp"
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
  std::string id;         // responseId
  std::string model;      // modelVersion
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
// usageMetadata as canonical usage: OpenAI counts reasoning inside completion_tokens, and so does the
// canonical Usage, where Gemini reports the two apart; tool-use prompt tokens are input the model read.
Usage usage_of(const boost::json::object& usage_metadata);
Result<ChatResponse> decode_reply(const boost::json::object& body);

// Google's error body {"error":{"code","message","status","details"}} (as a reply, or inside a stream) as
// the one Error type; `http_status` is the reply's status, or 0 to take the body's own code.
Error error_of(int http_status, std::string_view retry_after, std::string_view body);
Error error_of(int http_status, std::string_view retry_after, const boost::json::object& error);

// The client side of the same wire (the Gemini surface, models/{model}:generateContent and friends):
// gemini_client_request.cpp and gemini_client_reply.cpp.

// A client's GenerateContentRequest as the canonical request; `model` and `stream` come from the path. What
// only a Gemini upstream could carry (a PDF part, code execution, Google Search, a cached content) is kept
// out of the canonical request and named in `gemini_only`, the 400 a target of another wire gets.
Result<ChatRequest> decode_client_request(const boost::json::object& body, std::string model, bool stream,
                                          std::optional<Error>& gemini_only);
// embedContent ({content, taskType, ...}) or batchEmbedContents ({requests: [...]}) as canonical embeddings.
Result<EmbeddingsRequest> decode_client_embeddings(const boost::json::object& body, std::string model,
                                                   bool batch);
// Google's OpenAPI-subset schema (`parameters`, `responseSchema`: upper-case types, `nullable`) as the
// JSON Schema every other provider takes.
boost::json::value json_schema_of(const boost::json::value& google_schema);

boost::json::object encode_client_reply(const ChatResponse& resp, std::string_view fallback_id);
std::string encode_client_embeddings(const EmbeddingsResponse& resp, bool batch);
// Google's error body {"error":{"code","message","status","details"}} for an Error.
std::string client_error_body(const Error& err);

// Canonical stream events as GenerateContentResponse chunks, one `data:` line each (all the SDK reads).
// Function calls go out whole, as Gemini sends them, with the finish reason and usage on the last chunk.
class ClientStreamEncoder {
 public:
  ClientStreamEncoder(std::string fallback_id, std::string model)
      : id_(std::move(fallback_id)), model_(std::move(model)) {}
  void encode(const StreamEvent& ev, std::string& out);
  void finish(std::string& out);
  static std::string error_frame(const Error& err);

 private:
  void chunk(boost::json::array parts, std::string& out, bool last);
  std::string id_, model_;
  std::vector<ToolCall> calls_;
  FinishReason finish_ = FinishReason::stop;
  std::optional<Usage> usage_;
};

}  // namespace modelmux::gemini
