// Responses-API items into canonical messages, in order: consecutive assistant items (reasoning, output
// text, function calls) make one assistant turn, as chat completions carry it; each function_call_output is
// a tool message; content parts become canonical parts, and a part a target cannot carry is kept to be
// refused by name.
#include <fmt/format.h>

#include "core/json_util.hpp"
#include "wire/openai/responses/field.hpp"
#include "wire/openai/responses/request.hpp"

namespace json = boost::json;

namespace modelmux::openai::responses {
namespace {

using json_util::string_field;

// The items OpenAI's hosted tools leave in a conversation (web_search_call, computer_call_output,
// mcp_list_tools, ...).
bool hosted_item(std::string_view type) {
  return type.ends_with("_call") || type.ends_with("_call_output") || type.starts_with("mcp_") ||
         type == "tool_search_output" || type == "compaction";
}

// A content part of a message or a function call's output.
Result<void> append_part(const json::value& v, const std::string& where, Message& m) {
  if (!v.is_object()) return bad(where, "must be an object");
  const auto& p = v.get_object();
  auto type = string_field(p, "type");
  if (type == "input_text" || type == "output_text" || type == "text" || type == "summary_text") {
    const auto* t = p.if_contains("text");
    if (!t || !t->is_string()) return bad(where + ".text", "must be a string");
    m.content.push_back(ContentPart{.text = std::string(t->get_string())});
  } else if (type == "refusal") {
    m.content.push_back(ContentPart{.text = std::string(string_field(p, "refusal"))});
  } else if (type == "input_image") {
    ContentPart part{.kind = ContentPart::Kind::image, .source = where};
    part.image_url = string_field(p, "image_url");
    part.detail = string_field(p, "detail");
    if (part.image_url.empty()) {
      if (!string_field(p, "file_id").empty())
        // An image in OpenAI's files API: only OpenAI can read it.
        part =
            ContentPart{.kind = ContentPart::Kind::other, .text = "input_image (file_id)", .source = where};
      else
        return bad(where + ".image_url", "must be a string (an https or data: URL)");
    }
    part.media_type = part.image_media_type();
    m.content.push_back(std::move(part));
  } else if (type == "input_file") {
    ContentPart part{.kind = ContentPart::Kind::file, .source = where};
    part.image_url = string_field(p, "file_data");
    part.file_id = string_field(p, "file_id");
    part.filename = string_field(p, "filename");
    if (!string_field(p, "file_url").empty()) {
      m.content.push_back(
          {.kind = ContentPart::Kind::other, .text = "input_file (file_url)", .source = where});
      return {};
    }
    if (part.image_url.empty() == part.file_id.empty())
      return bad(where, "must have one of file_data (a base64 data: URL) or file_id");
    if (!part.image_url.empty() && part.base64_data().empty())
      return bad(where + ".file_data", "must be a base64 data: URL");
    part.media_type = part.image_media_type();
    m.content.push_back(std::move(part));
  } else if (type.empty()) {
    return bad(where + ".type", "must be a string");
  } else {
    // input_audio and what comes next: a target that cannot carry it refuses the request by this name.
    m.content.push_back({.kind = ContentPart::Kind::other, .text = std::string(type), .source = where});
  }
  return {};
}

Result<void> append_content(const json::value& v, const std::string& where, Message& m) {
  if (v.is_string()) {
    m.content.push_back(ContentPart{.text = std::string(v.get_string())});
    return {};
  }
  if (!v.is_array()) return bad(where, "must be a string or an array of content parts");
  for (std::size_t i = 0; i < v.get_array().size(); ++i)
    if (auto ok = append_part(v.get_array()[i], fmt::format("{}[{}]", where, i), m); !ok) return ok;
  return {};
}

// Builds messages from items, keeping one assistant turn open across its items.
class Turns {
 public:
  // `openai_only` set: an item of a tool OpenAI hosts is noted there (the first) and skipped, not refused.
  Turns(std::vector<Message>& out, std::optional<Error>* openai_only)
      : out_(out), openai_only_(openai_only) {}

  Message& assistant() {
    if (!open_) {
      out_.push_back(Message{.role = Role::assistant});
      open_ = true;
    }
    return out_.back();
  }
  Message& other(Role role) {
    open_ = false;
    out_.push_back(Message{.role = role});
    return out_.back();
  }

  Result<void> add(const json::value& v, const std::string& where) {
    if (!v.is_object()) return bad(where, "must be an object");
    const auto& o = v.get_object();
    auto type = string_field(o, "type");
    if (type.empty() && !o.contains("type")) type = "message";  // (an EasyInputMessage: role and content)
    if (type == "message") return message(o, where);
    if (type == "function_call") {
      ToolCall call;
      call.id = string_field(o, "call_id");
      call.name = string_field(o, "name");
      call.arguments = string_field(o, "arguments");
      if (call.id.empty()) return bad(where + ".call_id", "must be a non-empty string");
      if (call.name.empty()) return bad(where + ".name", "must be a non-empty string");
      assistant().tool_calls.push_back(std::move(call));
      return {};
    }
    if (type == "function_call_output") {
      auto id = string_field(o, "call_id");
      if (id.empty()) return bad(where + ".call_id", "must be a non-empty string");
      const auto* output = o.if_contains("output");
      if (!output) return bad(where + ".output", "is required");
      Message& m = other(Role::tool);
      m.tool_call_id = id;
      return append_content(*output, where + ".output", m);
    }
    if (type == "reasoning") {
      // What the model showed of its thinking: kept with its turn for providers that take it back.
      Message& m = assistant();
      for (std::string_view list : {"summary", "content"})
        if (const auto* s = o.if_contains(list); s && s->is_array())
          for (const auto& part : s->get_array())
            if (part.is_object()) {
              if (!m.reasoning.empty()) m.reasoning += "\n\n";
              m.reasoning += string_field(part.get_object(), "text");
            }
      return {};
    }
    if (type.empty()) return bad(where + ".type", "must be a string");
    if (!hosted_item(type))
      return bad(where + ".type", fmt::format("\"{}\" is not an item type of the Responses API", type));
    auto e = bad(where + ".type", fmt::format("\"{}\" is an item of a tool OpenAI hosts, which only an "
                                              "OpenAI target given the request as it is can take",
                                              type));
    if (!openai_only_) return e;
    if (!*openai_only_) *openai_only_ = std::move(e.error());
    return {};
  }

 private:
  Result<void> message(const json::object& o, const std::string& where) {
    auto role_name = string_field(o, "role");
    auto role = role_from_string(role_name);
    if (!role || *role == Role::tool)
      return bad(where + ".role", "must be one of user, assistant, system, developer");
    const auto* content = o.if_contains("content");
    if (!content) return bad(where + ".content", "is required");
    Message& m = *role == Role::assistant ? assistant() : other(*role);
    return append_content(*content, where + ".content", m);
  }

  std::vector<Message>& out_;
  std::optional<Error>* openai_only_;
  bool open_ = false;
};

}  // namespace

std::string item_id(std::string_view prefix, std::string_view response_id, std::size_t index,
                    std::string_view tag) {
  auto underscore = response_id.find('_');
  std::string_view random =
      underscore == std::string_view::npos ? response_id : response_id.substr(underscore + 1);
  return fmt::format("{}_{}{}{:02x}", prefix, random, tag, index);
}

Result<void> append_items(const json::array& items, std::string_view field, std::vector<Message>& out,
                          std::optional<Error>* openai_only) {
  Turns turns(out, openai_only);
  for (std::size_t i = 0; i < items.size(); ++i)
    if (auto ok = turns.add(items[i], fmt::format("{}[{}]", field, i)); !ok) return ok;
  return {};
}

}  // namespace modelmux::openai::responses
