#include "wire/anthropic/messages_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "core/digest.hpp"
#include "core/json_util.hpp"
#include "providers/anthropic/claude_models.hpp"
#include "wire/parts.hpp"

namespace json = boost::json;

namespace modelmux::anthropic {
namespace {

constexpr std::int64_t kDefaultMaxTokens = 4096;

json::object image_block(const ContentPart& p) {
  json::object source;
  if (p.image_url.starts_with("data:")) {
    source = {
        {"type", "base64"},
        {"media_type", p.image_media_type().empty() ? std::string_view("image/png") : p.image_media_type()},
        {"data", p.base64_data()}};
  } else {
    source = {{"type", "url"}, {"url", p.image_url}};
  }
  return {{"type", "image"}, {"source", std::move(source)}};
}

// A file part as a document block: a PDF as base64, plain text as text; anything else (and a file_id, which
// names a file in another provider's store) is refused.
Result<json::object> document_block(const ContentPart& p) {
  constexpr std::string_view kWhat = "Anthropic's Messages API";
  if (!p.file_id.empty())
    return std::unexpected(wire::part_not_carried(p, kWhat,
                                                  "a file_id names a file in another provider's store; "
                                                  "send the file's data instead"));
  std::string_view type = p.image_media_type();
  json::object source;
  if (type == "application/pdf") {
    source = {{"type", "base64"}, {"media_type", "application/pdf"}, {"data", p.base64_data()}};
  } else if (type == "text/plain") {
    std::string text;
    if (!digest::unbase64(p.base64_data(), text))
      return std::unexpected(wire::part_not_carried(p, kWhat, "its data is not valid base64"));
    source = {{"type", "text"}, {"media_type", "text/plain"}, {"data", std::move(text)}};
  } else {
    return std::unexpected(wire::part_not_carried(
        p, kWhat, fmt::format("documents are PDF or plain text, not {}", type.empty() ? "unknown" : type)));
  }
  json::object block{{"type", "document"}, {"source", std::move(source)}};
  if (!p.filename.empty()) block["title"] = p.filename;
  return block;
}

// Appends a turn, merging it into the previous one when the roles match (Anthropic alternates roles).
void append_turn(json::array& messages, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  json::storage_ptr sp = messages.storage();
  if (!messages.empty()) {
    auto& last = messages.back().as_object();
    if (last.at("role").as_string() == role) {
      auto& content = last["content"];
      if (content.is_string())
        content = json::array({json::object({{"type", "text"}, {"text", content.as_string()}}, sp)}, sp);
      for (auto& b : blocks) content.as_array().push_back(std::move(b));
      return;
    }
  }
  json::value content(sp);
  if (blocks.size() == 1 && blocks[0].as_object().at("type").as_string() == "text")
    content = blocks[0].as_object().at("text");
  else
    content = std::move(blocks);
  messages.push_back(json::object({{"role", role}, {"content", std::move(content)}}, sp));
}

}  // namespace

std::string forced_json_tool(const ChatRequest& req) {
  const auto& f = req.response_format;
  if (f.type != ResponseFormat::Type::json_schema && f.type != ResponseFormat::Type::json_object) return {};
  std::string name =
      f.type == ResponseFormat::Type::json_schema && !f.schema_name.empty() ? f.schema_name : "response";
  // Never the name of one of the client's own tools.
  while (std::any_of(req.tools.begin(), req.tools.end(), [&](const Tool& t) { return t.name == name; }))
    name += "_json";
  return name;
}

Result<json::object> encode_request(const ChatRequest& req, std::string_view upstream_model,
                                    json::storage_ptr sp) {
  json::object o(sp);
  o["model"] = upstream_model;
  o["max_tokens"] = req.max_tokens.value_or(kDefaultMaxTokens);
  std::string system;
  json::array messages(sp);
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    json::array blocks(sp);
    switch (m.role) {
      case Role::system:
      case Role::developer:
        if (!system.empty()) system += "\n\n";
        system += m.text();
        continue;
      case Role::tool:
        blocks.push_back(json::object(
            {{"type", "tool_result"}, {"tool_use_id", m.tool_call_id}, {"content", m.text()}}, sp));
        append_turn(messages, "user", std::move(blocks));
        continue;
      case Role::user:
      case Role::assistant:
        break;
    }
    for (const auto& p : m.content) {
      if (p.kind == ContentPart::Kind::text) {
        // Anthropic refuses empty text blocks; an empty text is kept only when it is all the turn says.
        bool only = m.content.size() == 1 && m.tool_calls.empty();
        if (!p.text.empty() || only) blocks.push_back(json::object({{"type", "text"}, {"text", p.text}}, sp));
      } else if (p.kind == ContentPart::Kind::image) {
        blocks.push_back(image_block(p));
      } else if (p.kind == ContentPart::Kind::file) {
        auto doc = document_block(p);
        if (!doc) return std::unexpected(doc.error());
        blocks.push_back(std::move(*doc));
      } else {
        return std::unexpected(wire::part_not_carried(p, "Anthropic's Messages API"));
      }
    }
    for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
      const auto& c = m.tool_calls[k];
      auto input = json_util::arguments_object(c.arguments);
      if (!input)
        return fail(ErrorCode::invalid_request,
                    fmt::format("messages[{}].tool_calls[{}].function.arguments is not a JSON object", i, k),
                    fmt::format("messages[{}].tool_calls[{}].function.arguments", i, k));
      blocks.push_back(json::object(
          {{"type", "tool_use"}, {"id", c.id}, {"name", c.name}, {"input", std::move(*input)}}, sp));
    }
    append_turn(messages, m.role == Role::user ? "user" : "assistant", std::move(blocks));
  }
  if (messages.empty())
    return fail(ErrorCode::invalid_request, "Anthropic needs at least one user or assistant message",
                "messages");
  if (!system.empty()) o["system"] = system;
  o["messages"] = std::move(messages);
  if (req.temperature) o["temperature"] = *req.temperature;
  // Newer Claude models refuse both; temperature is the one clients set on purpose (top_p: 1 is a default).
  if (req.top_p && !(req.temperature && takes_one_sampling_parameter(upstream_model)))
    o["top_p"] = *req.top_p;
  if (!req.stop.empty()) {
    json::array stops(sp);
    for (const auto& s : req.stop) stops.emplace_back(s);
    o["stop_sequences"] = std::move(stops);
  }
  if (!req.user.empty()) o["metadata"] = json::object({{"user_id", req.user}}, sp);
  if (req.stream) o["stream"] = true;

  json::array tools(sp);
  for (const auto& t : req.tools) {
    json::object tool({{"name", t.name}}, sp);
    if (!t.description.empty()) tool["description"] = t.description;
    tool["input_schema"] =
        t.parameters.is_null() ? json::value(json::object{{"type", "object"}}) : t.parameters;
    tools.push_back(std::move(tool));
  }
  json::object choice(sp);
  switch (req.tool_choice.mode) {
    case ToolChoice::Mode::unset:
      break;
    case ToolChoice::Mode::auto_:
      choice = {{"type", "auto"}};
      break;
    case ToolChoice::Mode::none:
      choice = {{"type", "none"}};
      break;
    case ToolChoice::Mode::required:
      choice = {{"type", "any"}};
      break;
    case ToolChoice::Mode::named:
      choice = {{"type", "tool"}, {"name", req.tool_choice.name}};
      break;
  }
  // Structured output (a JSON schema, or any JSON object) is a tool whose input is the answer. Alone, it is
  // forced. Beside the client's own tools, the model must call one of them (`any`): a client tool first, as
  // often as it needs, the answer tool last; a tool the client named stays forced; `none` forces the answer.
  if (auto name = forced_json_tool(req); !name.empty()) {
    bool schema = req.response_format.type == ResponseFormat::Type::json_schema;
    bool beside = !req.tools.empty();
    tools.push_back(json::object{
        {"name", name},
        {"description",
         beside ? (schema ? "Call this with your final answer, as JSON that matches this schema, "
                            "once no other tool is needed."
                          : "Call this with your final answer, as a JSON object, once no other "
                            "tool is needed.")
                : (schema ? "Respond with JSON that matches this schema." : "Respond with a JSON object.")},
        {"input_schema",
         schema ? req.response_format.schema : json::value(json::object{{"type", "object"}})}});
    bool keep_named = beside && req.tool_choice.mode == ToolChoice::Mode::named;
    if (!keep_named) {
      bool any = beside && req.tool_choice.mode != ToolChoice::Mode::none;
      choice = any ? json::object{{"type", "any"}} : json::object{{"type", "tool"}, {"name", name}};
    }
  }
  if (req.parallel_tool_calls && !*req.parallel_tool_calls && !tools.empty()) {
    if (choice.empty()) choice = {{"type", "auto"}};
    choice["disable_parallel_tool_use"] = true;
  }
  if (!tools.empty()) o["tools"] = std::move(tools);
  if (!choice.empty()) o["tool_choice"] = std::move(choice);
  return o;
}

FinishReason finish_reason(std::string_view s) {
  if (s == "end_turn" || s == "stop_sequence" || s == "pause_turn") return FinishReason::stop;
  if (s == "max_tokens" || s == "model_context_window_exceeded") return FinishReason::length;
  if (s == "tool_use") return FinishReason::tool_calls;
  if (s == "refusal") return FinishReason::content_filter;
  return FinishReason::none;
}

Usage usage_of(const json::object& u) {
  auto num = [&](std::string_view key) { return json_util::int_field(u, key); };
  Usage usage;
  usage.cached_input_tokens = num("cache_read_input_tokens");
  usage.cache_write_input_tokens = num("cache_creation_input_tokens");
  usage.input_tokens = num("input_tokens") + usage.cached_input_tokens + usage.cache_write_input_tokens;
  usage.output_tokens = num("output_tokens");
  return usage;
}

void add_delta_usage(Usage& usage, const json::object& delta_usage) {
  Usage later = usage_of(delta_usage);
  usage.output_tokens = later.output_tokens;
  if (later.input_tokens > 0) {
    usage.input_tokens = later.input_tokens;
    usage.cached_input_tokens = later.cached_input_tokens;
    usage.cache_write_input_tokens = later.cache_write_input_tokens;
  }
}

Result<ChatResponse> decode_reply(const json::object& body, const ChatRequest& req) {
  ChatResponse r;
  if (auto* id = body.if_contains("id"); id && id->is_string()) r.id = id->get_string();
  if (auto* m = body.if_contains("model"); m && m->is_string()) r.model = m->get_string();
  r.message.role = Role::assistant;
  auto* content = body.if_contains("content");
  if (!content || !content->is_array())
    return fail(ErrorCode::upstream_error, "malformed Anthropic reply: no content");
  std::string forced = forced_json_tool(req);
  std::string text;
  bool answered_by_forced_tool = false;
  for (const auto& b : content->get_array()) {
    if (!b.is_object()) continue;
    const auto& block = b.get_object();
    auto* type = block.if_contains("type");
    if (!type || !type->is_string()) continue;
    if (type->get_string() == "text") {
      if (auto* t = block.if_contains("text"); t && t->is_string()) text += t->get_string();
    } else if (type->get_string() == "tool_use") {
      ToolCall call;
      if (auto* v = block.if_contains("id"); v && v->is_string()) call.id = v->get_string();
      if (auto* v = block.if_contains("name"); v && v->is_string()) call.name = v->get_string();
      if (auto* v = block.if_contains("input")) call.arguments = json::serialize(*v);
      if (!forced.empty() && call.name == forced) {
        text += call.arguments;
        answered_by_forced_tool = true;
      } else {
        r.message.tool_calls.push_back(std::move(call));
      }
    }
    // Thinking is reasoning; redacted_thinking holds nothing readable.
    if (type->get_string() == "thinking") r.message.reasoning += json_util::string_field(block, "thinking");
  }
  if (!text.empty() || r.message.tool_calls.empty())
    r.message.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  std::string_view stop;
  if (auto* s = body.if_contains("stop_reason"); s && s->is_string()) stop = s->get_string();
  // The answer tool ends the turn; a client tool called beside it still asks the client to run it.
  r.finish_reason = answered_by_forced_tool && stop == "tool_use" && r.message.tool_calls.empty()
                        ? FinishReason::stop
                        : finish_reason(stop);
  if (auto* u = body.if_contains("usage"); u && u->is_object()) r.usage = usage_of(u->get_object());
  return r;
}

std::pair<std::string, std::string> error_fields(std::string_view body) {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object()) return {{}, std::string(body.substr(0, 300))};
  if (auto* e = v.get_object().if_contains("error"); e && e->is_object()) {
    std::string type, message;
    if (auto* t = e->get_object().if_contains("type"); t && t->is_string()) type = t->get_string();
    if (auto* m = e->get_object().if_contains("message"); m && m->is_string()) message = m->get_string();
    return {type, message};
  }
  return {{}, std::string(body.substr(0, 300))};
}

}  // namespace modelmux::anthropic
