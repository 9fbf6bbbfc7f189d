// An OpenAI chat.completion written straight into text (chat_json.hpp, write_chat_response). On a
// translated exchange building it as a tree, serializing and destroying that cost ~12k instructions of a
// ~60k request; written directly it is a small part of that. chat_reply_write_test.cpp checks what a JSON
// parser reads back, and pins the bytes of a common reply.
#include "core/json_util.hpp"
#include "wire/openai/chat_json.hpp"

namespace modelmux::openai {

void append_usage(std::string& out, const Usage& u) {
  using json_util::append_int;
  out += "{\"prompt_tokens\":";
  append_int(out, u.input_tokens);
  out += ",\"completion_tokens\":";
  append_int(out, u.output_tokens);
  out += ",\"total_tokens\":";
  append_int(out, u.total());
  if (u.cached_input_tokens) {
    out += ",\"prompt_tokens_details\":{\"cached_tokens\":";
    append_int(out, u.cached_input_tokens);
    out += '}';
  }
  if (u.reasoning_tokens) {
    out += ",\"completion_tokens_details\":{\"reasoning_tokens\":";
    append_int(out, u.reasoning_tokens);
    out += '}';
  }
  out += '}';
}

boost::json::object encode_usage(const Usage& u, boost::json::storage_ptr storage) {
  std::string text;
  append_usage(text, u);
  boost::system::error_code ec;  // (text written above: always an object)
  return json_util::parse(text, ec, std::move(storage)).as_object();
}
std::string write_chat_response(const ChatResponse& r, std::string_view id, std::int64_t created) {
  using json_util::append_int;
  using json_util::append_quoted;
  std::string text = r.message.text();
  std::string out;
  out.reserve(320 + id.size() + r.model.size() + text.size() + r.message.reasoning.size());
  out += "{\"id\":";
  append_quoted(out, id);
  out += ",\"object\":\"chat.completion\",\"created\":";
  append_int(out, created);
  out += ",\"model\":";
  append_quoted(out, r.model);
  out += ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":";
  if (text.empty() && !r.message.tool_calls.empty())
    out += "null";
  else
    append_quoted(out, text);
  if (!r.message.tool_calls.empty()) {
    out += ",\"tool_calls\":[";
    for (std::size_t i = 0; i < r.message.tool_calls.size(); ++i) {
      const auto& c = r.message.tool_calls[i];
      out += i ? ",{\"id\":" : "{\"id\":";
      append_quoted(out, c.id);
      out += ",\"type\":\"function\",\"function\":{\"name\":";
      append_quoted(out, c.name);
      out += ",\"arguments\":";
      append_quoted(out, c.arguments);
      out += "}}";
    }
    out += ']';
  }
  out += ",\"refusal\":null";
  if (!r.message.reasoning.empty()) {
    out += ",\"reasoning_content\":";
    append_quoted(out, r.message.reasoning);
  }
  out += "},\"logprobs\":null,\"finish_reason\":";
  if (auto fr = to_string(r.finish_reason); fr.empty())
    out += "null";
  else
    append_quoted(out, fr);
  out += "}]";
  if (r.usage) {
    out += ",\"usage\":";
    append_usage(out, *r.usage);
  }
  out += '}';
  return out;
}

}  // namespace modelmux::openai
