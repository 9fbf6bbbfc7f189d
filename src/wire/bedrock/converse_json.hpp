// Bedrock Runtime's Converse API wire format <-> the canonical model: the request body (the model id
// travels in the path), the reply, stop reasons, usage, and AWS error types.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"

namespace modelmux::bedrock {

// `model_id` is the upstream model (some models refuse some parameter combinations).
Result<boost::json::object> encode_request(const ChatRequest& req, std::string_view model_id);
Result<ChatResponse> decode_reply(const boost::json::object& body, const ChatRequest& req);

FinishReason finish_reason(std::string_view stop_reason);
// input = inputTokens + cache reads + cache writes (all prompt tokens, as Bedrock counts cached ones
// apart); cached = cacheReadInputTokens.
Usage usage_of(const boost::json::object& usage);

// An AWS error type ("ThrottlingException", the x-amzn-ErrorType header's first part, or an in-stream
// ":exception-type" such as "throttlingException") with its message as the one Error type. `status` is
// the HTTP status when there is one (0 inside a stream).
Error error_from_type(std::string_view type, int status, std::string_view retry_after,
                      std::string_view message);

}  // namespace modelmux::bedrock
