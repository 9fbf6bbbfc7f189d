// An Anthropic message written straight into text (messages_json.hpp, write_reply): built as a tree,
// serialized and destroyed it was ~10k instructions of a translated request. messages_reply_write_test.cpp
// checks what a JSON parser reads back, and pins the bytes of a common reply.
#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "wire/anthropic/messages_json.hpp"

namespace modelmux::anthropic {

void append_usage(std::string& out, const Usage& u) {
  using json_util::append_int;
  out += "{\"input_tokens\":";
  append_int(out, u.input_tokens - u.cached_input_tokens - u.cache_write_input_tokens);
  out += ",\"cache_read_input_tokens\":";
  append_int(out, u.cached_input_tokens);
  out += ",\"output_tokens\":";
  append_int(out, u.output_tokens);
  if (u.cache_write_input_tokens) {
    out += ",\"cache_creation_input_tokens\":";
    append_int(out, u.cache_write_input_tokens);
  }
  out += '}';
}

boost::json::object usage_json(const Usage& u) {
  std::string text;
  append_usage(text, u);
  boost::system::error_code ec;  // (text written above: always an object)
  return json_util::parse(text, ec).as_object();
}
std::string write_reply(const ChatResponse& r, std::string_view fallback_id) {
  using json_util::append_quoted;
  std::string text = r.message.text();
  std::string out;
  out.reserve(320 + fallback_id.size() + r.model.size() + text.size() + r.message.reasoning.size());
  out += "{\"id\":";
  append_quoted(out, r.id.starts_with("msg_") ? std::string_view(r.id) : fallback_id);
  out += ",\"type\":\"message\",\"role\":\"assistant\",\"model\":";
  append_quoted(out, r.model);
  out += ",\"content\":[";
  bool first = true;
  auto block = [&](std::string_view type) {
    out += first ? "{\"type\":\"" : ",{\"type\":\"";
    first = false;
    out += type;
    out += '"';
  };
  if (!r.message.reasoning.empty()) {
    block("thinking");
    out += ",\"thinking\":";
    append_quoted(out, r.message.reasoning);
    out += ",\"signature\":\"\"}";
  }
  if (!text.empty() || r.message.tool_calls.empty()) {
    block("text");
    out += ",\"text\":";
    append_quoted(out, text);
    out += '}';
  }
  for (const auto& c : r.message.tool_calls) {
    block("tool_use");
    out += ",\"id\":";
    append_quoted(out, c.id);
    out += ",\"name\":";
    append_quoted(out, c.name);
    out += ",\"input\":";
    // (arguments that are no JSON object still give the client an input: {})
    out += boost::json::serialize(json_util::arguments_object(c.arguments).value_or(boost::json::object{}));
    out += '}';
  }
  out += "],\"stop_reason\":";
  append_quoted(out, stop_reason(r.finish_reason));
  out += ",\"stop_sequence\":null,\"usage\":";
  append_usage(out, r.usage.value_or(Usage{}));
  out += '}';
  return out;
}

}  // namespace modelmux::anthropic
