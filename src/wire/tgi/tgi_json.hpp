// Hugging Face Text Generation Inference's generate API, as SageMaker's TGI (and LMI) containers serve it
// on /invocations: {"inputs": prompt, "parameters": {...}, "stream": bool} -> [{"generated_text",
// "details"}], or, streamed, one {"token": {...}, "generated_text", "details"} per line (SSE `data:` lines
// from TGI, bare JSON lines from LMI).
//
// The generate API takes a prompt, not messages, so the messages are rendered with one fixed, role-tagged
// template (no model's own chat template is known here):
//
//   System: {text}\n\n User: {text}\n\n Assistant: {text}\n\n ... Assistant:
//
// (each "Role: text" block separated by a blank line, ending with "Assistant:" for the model to continue).
// A TGI container that serves the Messages API (/v1/chat/completions, TGI >= 1.4.5) applies the model's
// own template: configure such endpoints with `sagemaker_format: openai` instead.
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

#include "modelmux/chat.hpp"
#include "modelmux/error.hpp"
#include "providers/provider.hpp"

namespace modelmux::tgi {

// The prompt the template above renders.
std::string render_prompt(const std::vector<Message>& messages);
// Tools, images, tool messages and JSON response formats have no place in a prompt: a 400 naming them.
Result<boost::json::object> encode_request(const ChatRequest& req);
// The reply names no model: it is reported as the one the client asked for.
Result<ChatResponse> decode_reply(std::string_view body, std::string_view model);
FinishReason finish_reason(std::string_view reason);

// The container's streamed lines (already out of SageMaker's framing) as canonical events.
std::unique_ptr<providers::StreamDecoder> stream_decoder();

}  // namespace modelmux::tgi
