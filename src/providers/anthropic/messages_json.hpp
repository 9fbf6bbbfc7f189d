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

Result<boost::json::object> encode_request(const ChatRequest& req, std::string_view upstream_model);
Result<ChatResponse> decode_reply(const boost::json::object& body, const ChatRequest& req);

FinishReason finish_reason(std::string_view stop_reason);
// input = input + cache reads + cache writes (all prompt tokens), cached = cache reads.
Usage usage_of(const boost::json::object& usage);
// An Anthropic error body ({"type":"error","error":{"type","message"}}) as (type, message).
std::pair<std::string, std::string> error_fields(std::string_view body);

}  // namespace modelmux::anthropic
