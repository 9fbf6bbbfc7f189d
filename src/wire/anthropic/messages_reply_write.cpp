// An Anthropic message written straight into text (messages_json.hpp, write_reply): the same bytes as
// serializing encode_reply's tree, without building it (the tree, its serialization and its destruction
// were ~10k instructions of a translated request). messages_reply_write_test.cpp holds the two byte for
// byte.
#include <boost/json.hpp>
#include <charconv>

#include "core/json_util.hpp"
#include "wire/anthropic/messages_json.hpp"

namespace modelmux::anthropic {
namespace {

void append_int(std::string& out, std::int64_t n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}

}  // namespace

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
  out += ",\"stop_sequence\":null,\"usage\":{\"input_tokens\":";
  // Anthropic counts cache reads and writes apart from input_tokens.
  Usage u = r.usage.value_or(Usage{});
  append_int(out, u.input_tokens - u.cached_input_tokens - u.cache_write_input_tokens);
  out += ",\"cache_read_input_tokens\":";
  append_int(out, u.cached_input_tokens);
  out += ",\"output_tokens\":";
  append_int(out, u.output_tokens);
  if (u.cache_write_input_tokens) {
    out += ",\"cache_creation_input_tokens\":";
    append_int(out, u.cache_write_input_tokens);
  }
  out += "}}";
  return out;
}

}  // namespace modelmux::anthropic
