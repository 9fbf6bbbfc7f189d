// Anthropic's Messages API wire format <-> the canonical model.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::anthropic {

// The name of the tool that carries a json_schema response format (Anthropic has no JSON mode of its
// own on this path): the request forces it, and its input is the answer.
std::string forced_json_tool(const ChatRequest& req);

// Every node in `storage` (json_util::Scratch for a tree serialized at once).
Result<boost::json::object> encode_request(const ChatRequest& req, std::string_view upstream_model,
                                           boost::json::storage_ptr storage = {});
Result<ChatResponse> decode_reply(const boost::json::object& body, const ChatRequest& req);

FinishReason finish_reason(std::string_view stop_reason);
// input = input + cache reads + cache writes (all prompt tokens), cached = cache reads.
Usage usage_of(const boost::json::object& usage);
// A stream's message_delta usage on top of message_start's: the output so far, and the input counts, which
// newer streams repeat (cumulative) there and older ones leave out.
void add_delta_usage(Usage& usage, const boost::json::object& delta_usage);
// An Anthropic error body ({"type":"error","error":{"type","message"}}) as (type, message).
std::pair<std::string, std::string> error_fields(std::string_view body);

}  // namespace modelmux::anthropic

namespace modelmux::anthropic {

// The client side of the same wire (the /v1/messages surface): a client's request into canonical form,
// a canonical reply and stream back into Anthropic's shapes, and errors as Anthropic error bodies.
Result<ChatRequest> decode_request(const boost::json::object& body);
// A message for `resp` written straight into text with no tree between (messages_reply_write.cpp); its id is
// resp's when that is Anthropic's own (msg_...), `fallback_id` otherwise.
std::string write_reply(const ChatResponse& resp, std::string_view fallback_id);
// Usage as Anthropic writes it: input_tokens without cache reads and writes, which have fields of their own.
// Appended as text (a whole reply's), or as an object (a stream's message_delta) read from that same text,
// so the two cannot drift apart (messages_reply_write.cpp).
void append_usage(std::string& out, const Usage& u);
boost::json::object usage_json(const Usage& u);
// A finish reason as Anthropic's stop_reason.
std::string_view stop_reason(FinishReason r);
std::string error_body(const Error& err);
int error_status(const Error& err);  // Anthropic answers overload with 529

// Canonical stream events -> Anthropic SSE frames ("event: ...\ndata: {...}\n\n"). Blocks are opened and
// closed as the content switches between thinking, text and tool calls; message_delta and message_stop come
// at the end, when stop reason and usage are both known.
class StreamEncoder {
 public:
  StreamEncoder(std::string fallback_id, std::string fallback_model)
      : id_(std::move(fallback_id)), model_(std::move(fallback_model)) {}
  std::string encode(const StreamEvent& ev);
  std::string finish();
  static std::string error_frame(const Error& err);

 private:
  std::string close_block();
  std::string id_, model_;
  int next_index_ = 0;
  int open_index_ = -1;
  enum class Block : std::uint8_t { text, thinking, tool } open_kind_ = Block::text;
  int open_tool_ = -1;  // the OpenAI tool index of the open tool_use block
  bool started_ = false;
  FinishReason finish_ = FinishReason::stop;
  Usage usage_;
};

}  // namespace modelmux::anthropic
