#include "cost/tokens.hpp"

#include <boost/json/serialize.hpp>

namespace modelmux::cost {

namespace {
// OpenAI documents ~4 framing tokens per message and 85 + 170 per 512px tile for images; a typical
// 1024x1024 image at high detail is 765, at low detail 85.
constexpr std::int64_t kPerMessage = 4;
constexpr std::int64_t kImageHigh = 765;
constexpr std::int64_t kImageLow = 85;
}  // namespace

std::int64_t estimate_input_tokens(const ChatRequest& req) {
  std::int64_t total = 3;  // the reply's priming
  for (const auto& m : req.messages) {
    total += kPerMessage;
    for (const auto& part : m.content) {
      if (part.kind == ContentPart::Kind::text)
        total += estimate_tokens(part.text);
      else
        total += part.detail == "low" ? kImageLow : kImageHigh;
    }
    for (const auto& call : m.tool_calls)
      total += estimate_tokens(call.name) + estimate_tokens(call.arguments) + 3;
  }
  for (const auto& tool : req.tools)
    total += estimate_tokens(tool.name) + estimate_tokens(tool.description) +
             estimate_tokens(boost::json::serialize(tool.parameters)) + 8;
  return total;
}

}  // namespace modelmux::cost
