// The Responses surface's decoder on arbitrary bytes: never crash; a refusal says why; whatever
// decodes holds at least one message, and its response object and stream events encode without fault.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/openai/responses/reply.hpp"
#include "wire/openai/responses/request.hpp"

namespace responses = modelmux::openai::responses;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  auto v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !v.is_object()) return 0;
  // An item_reference to "ref" names a stored assistant message; anything else names nothing.
  auto lookup = [](std::string_view id) -> std::optional<boost::json::value> {
    if (id != "ref") return std::nullopt;
    return boost::json::parse(R"({"type":"message","role":"assistant","id":"ref","content":"earlier"})");
  };
  // The body is also its own history, as if an earlier response had sent it.
  boost::json::array history;
  if (const auto* in = v.get_object().if_contains("input"); in && in->is_array()) history = in->get_array();
  modelmux::ChatRequest req;
  auto r = responses::decode_request(v.get_object(), history, lookup, "resp_fuzz", req);
  if (!r) {
    if (r.error().message.empty()) std::abort();
    return 0;
  }
  if (req.messages.empty()) {
    if (!r->openai_only) std::abort();  // (hosted-tool items alone: only an OpenAI target takes them)
    return 0;
  }
  modelmux::ChatResponse reply;
  reply.message = req.messages.back();
  responses::Head head{.id = "resp_fuzz", .model = req.model, .echo = r->echo};
  (void)boost::json::serialize(responses::encode_response(head, reply));
  responses::EventEncoder events(head, nullptr);
  std::string out;
  for (const auto& m : req.messages) {
    events.encode({.kind = modelmux::StreamEvent::Kind::text_delta, .text = m.text()}, out);
    for (std::size_t i = 0; i < m.tool_calls.size(); ++i)
      events.encode({.kind = modelmux::StreamEvent::Kind::tool_call_delta,
                     .tool_index = static_cast<int>(i),
                     .tool_id = m.tool_calls[i].id,
                     .tool_name = m.tool_calls[i].name,
                     .tool_arguments = m.tool_calls[i].arguments},
                    out);
  }
  events.finish(out);
  return 0;
}
