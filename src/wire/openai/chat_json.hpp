// OpenAI's chat-completions wire format <-> the canonical model. Both the OpenAI client surface (decode
// requests, encode replies) and the OpenAI-family providers (encode requests, decode replies) use it.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::openai {

// Validates a client's request body; every problem is an invalid_request naming the field.
Result<ChatRequest> decode_chat_request(const boost::json::object& body);
// The same into a fresh `out` (the pipeline's request context, which is not moved for it).
Result<void> decode_chat_request(const boost::json::object& body, ChatRequest& out);
// Every node in `storage` (json_util::Scratch for a tree serialized at once).
boost::json::object encode_chat_request(const ChatRequest& req, std::string_view upstream_model,
                                        boost::json::storage_ptr storage = {});
// A message's `content` (a string, null, or content parts) into `m`; errors name `field`. Replies share it.
Result<void> decode_message_content(const boost::json::value& v, std::string_view field, Message& m);

// A function tool's fields (name, description, parameters, strict), as chat completions nest them under
// `function` and the Responses API writes them flat; nullopt when the name is missing or empty.
std::optional<Tool> tool_from(const boost::json::object& fields);

// "auto", "none" or "required" as a tool-choice mode (the Responses API shares them); nullopt otherwise.
std::optional<ToolChoice::Mode> tool_choice_mode(std::string_view s);

Result<ChatResponse> decode_chat_response(const boost::json::object& body);
// A chat.completion for `resp`, with `id` and `created` as its own, written straight into text with no tree
// between (chat_reply_write.cpp).
std::string write_chat_response(const ChatResponse& resp, std::string_view id, std::int64_t created);

Usage decode_usage(const boost::json::object& usage);
// Usage as OpenAI writes it: appended as text (a whole reply's), or as an object in `storage` (a stream's
// last chunk) read from that same text, so the two cannot drift apart (chat_reply_write.cpp).
void append_usage(std::string& out, const Usage& usage);
boost::json::object encode_usage(const Usage& usage, boost::json::storage_ptr storage = {});

// Decodes one `data:` payload of a chat.completion.chunk stream into events. `[DONE]` yields nothing and
// sets done. An error object inside the stream becomes an Error.
class ChunkDecoder {
 public:
  Result<void> feed(std::string_view data, std::vector<StreamEvent>& out);
  bool done() const { return done_; }

 private:
  bool started_ = false;
  bool done_ = false;
};

// Encodes canonical stream events as chat.completion.chunk payloads (without the SSE framing). The start
// event sets the chunks' id and model; usage becomes a chunk only when the client asked for it.
class ChunkEncoder {
 public:
  // `fallback_id` and `fallback_model` stand until (and unless) the upstream names its own.
  ChunkEncoder(std::string fallback_id, std::string fallback_model, bool include_usage, std::int64_t created)
      : id_(std::move(fallback_id)),
        model_(std::move(fallback_model)),
        created_(created),
        include_usage_(include_usage) {}
  // Returns the payloads this event produces (zero or one).
  std::vector<std::string> encode(const StreamEvent& ev);

 private:
  boost::json::object base(boost::json::storage_ptr storage) const;
  std::string id_, model_;
  std::int64_t created_;
  bool include_usage_;
};

}  // namespace modelmux::openai
