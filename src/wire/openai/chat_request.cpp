// OpenAI chat-completions requests: a client's body validated into the canonical request (every problem
// a 400 naming the field), and the canonical request written as an upstream body.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "wire/openai/chat_json.hpp"

namespace json = boost::json;

namespace modelmux::openai {
namespace {

using json_util::as_integer;
using json_util::as_number;

std::unexpected<Error> bad(std::string param, std::string message) {
  return json_util::invalid_field(std::move(param), std::move(message));
}

// A field's path in the request ("messages[2].content[0].text"), formatted only when an error names it:
// valid requests, the common case, never pay for the string.
class Path {
 public:
  explicit Path(std::string_view name) : name_(name) {}
  Path(const Path& parent, std::string_view name) : parent_(&parent), name_(name) {}
  Path(const Path& parent, std::size_t index) : parent_(&parent), index_(index), indexed_(true) {}
  std::string str() const {
    std::string s = parent_ ? parent_->str() : std::string();
    if (indexed_) return s + "[" + std::to_string(index_) + "]";
    if (parent_) s += '.';
    return s.append(name_);
  }

 private:
  const Path* parent_ = nullptr;
  std::string_view name_;
  std::size_t index_ = 0;
  bool indexed_ = false;
};

std::unexpected<Error> bad(const Path& at, std::string_view problem) {
  std::string where = at.str();
  return bad(where, fmt::format("{} {}", where, problem));
}

Result<void> decode_content(const json::value& v, const Path& where, Message& m) {
  if (v.is_null()) return {};
  if (v.is_string()) {
    m.content.push_back({ContentPart::Kind::text, std::string(v.get_string()), {}, {}, {}});
    return {};
  }
  if (!v.is_array()) return bad(where, "must be a string or an array of content parts");
  const auto& parts = v.get_array();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Path pw(where, i);
    if (!parts[i].is_object()) return bad(pw, "must be an object");
    const auto& p = parts[i].get_object();
    auto type = json_util::string_field(p, "type");
    if (type == "text") {
      auto* t = p.if_contains("text");
      if (!t || !t->is_string()) return bad(Path(pw, "text"), "must be a string");
      m.content.push_back({ContentPart::Kind::text, std::string(t->get_string()), {}, {}, {}});
    } else if (type == "image_url") {
      auto* iu = p.if_contains("image_url");
      ContentPart part{ContentPart::Kind::image, {}, {}, {}, {}};
      if (iu && iu->is_string()) {
        part.image_url = iu->get_string();
      } else if (iu && iu->is_object() && iu->get_object().contains("url") &&
                 iu->get_object().at("url").is_string()) {
        part.image_url = iu->get_object().at("url").get_string();
        part.detail = json_util::string_field(iu->get_object(), "detail");
      } else {
        return bad(Path(pw, "image_url"), "must be an object with a string url");
      }
      part.media_type = part.image_media_type();
      m.content.push_back(std::move(part));
    } else if (type == "file") {
      // {"file": {"filename", "file_data": "data:<type>;base64,..."} or {"file_id"}}
      auto* f = p.if_contains("file");
      if (!f || !f->is_object()) return bad(Path(pw, "file"), "must be an object");
      const auto& fo = f->get_object();
      ContentPart part{.kind = ContentPart::Kind::file};
      part.image_url = json_util::string_field(fo, "file_data");
      part.file_id = json_util::string_field(fo, "file_id");
      part.filename = json_util::string_field(fo, "filename");
      if (part.image_url.empty() == part.file_id.empty())
        return bad(Path(pw, "file"), "must have one of file_data (a data: URL) or file_id");
      if (!part.image_url.empty() && part.base64_data().empty())
        return bad(Path(Path(pw, "file"), "file_data"), "must be a base64 data: URL");
      part.media_type = part.image_media_type();
      part.source = pw.str();
      m.content.push_back(std::move(part));
    } else if (type.empty()) {
      return bad(Path(pw, "type"), "must be a string");
    } else {
      // Audio, refusals, ...: carried only by pass-through (the original body); a translation refuses it.
      m.content.push_back({.kind = ContentPart::Kind::other, .text = std::string(type), .source = pw.str()});
    }
  }
  return {};
}

Result<void> decode_message(const json::value& v, const Path& where, Message& m) {
  if (!v.is_object()) return bad(where, "must be an object");
  const auto& o = v.get_object();
  auto* role = o.if_contains("role");
  if (!role || !role->is_string()) return bad(Path(where, "role"), "must be a string");
  auto r = role_from_string(role->get_string());
  if (!r)
    return bad(Path(where, "role"),
               fmt::format("\"{}\" is not one of system, developer, user, assistant, tool",
                           std::string_view(role->get_string())));
  m.role = *r;
  if (auto* c = o.if_contains("content")) {
    if (auto ok = decode_content(*c, Path(where, "content"), m); !ok) return ok;
  } else if (m.role != Role::assistant) {
    return bad(Path(where, "content"), "is required");
  }
  if (auto* n = o.if_contains("name"); n && n->is_string()) m.name = n->get_string();
  if (m.role == Role::tool) {
    auto* id = o.if_contains("tool_call_id");
    if (!id || !id->is_string()) return bad(Path(where, "tool_call_id"), "must be a string");
    m.tool_call_id = id->get_string();
  }
  if (auto* tc = o.if_contains("tool_calls"); tc && !tc->is_null()) {
    Path calls(where, "tool_calls");
    if (!tc->is_array()) return bad(calls, "must be an array");
    for (std::size_t k = 0; k < tc->get_array().size(); ++k) {
      const auto& c = tc->get_array()[k];
      const json::object* fn = nullptr;
      if (c.is_object()) {
        if (auto* f = c.get_object().if_contains("function"); f && f->is_object()) fn = &f->get_object();
      }
      if (!fn || !fn->contains("name") || !fn->at("name").is_string())
        return bad(Path(Path(Path(calls, k), "function"), "name"), "must be a string");
      ToolCall call;
      call.id = json_util::string_field(c.get_object(), "id");
      call.name = fn->at("name").get_string();
      call.arguments = json_util::string_field(*fn, "arguments");
      m.tool_calls.push_back(std::move(call));
    }
  }
  return {};
}

Result<void> decode_tools(const json::value& v, ChatRequest& req) {
  if (v.is_null()) return {};
  if (!v.is_array()) return bad("tools", "tools must be an array");
  Path tools("tools");
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    Path where(tools, i);
    const auto& t = v.get_array()[i];
    const json::object* fn = nullptr;
    if (t.is_object())
      if (auto* f = t.get_object().if_contains("function"); f && f->is_object()) fn = &f->get_object();
    if (!fn) return bad(Path(where, "function"), "must be an object");
    auto tool = tool_from(*fn);
    if (!tool) return bad(Path(Path(where, "function"), "name"), "must be a non-empty string");
    req.tools.push_back(std::move(*tool));
  }
  return {};
}

Result<void> decode_tool_choice(const json::value& v, ChatRequest& req) {
  auto& tc = req.tool_choice;
  if (v.is_null()) return {};
  if (v.is_string()) {
    auto mode = tool_choice_mode(v.get_string());
    if (!mode)
      return bad("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or a named function");
    tc.mode = *mode;
    return {};
  }
  if (v.is_object()) {
    if (auto* f = v.get_object().if_contains("function"); f && f->is_object()) {
      if (auto* n = f->get_object().if_contains("name"); n && n->is_string()) {
        tc.mode = ToolChoice::Mode::named;
        tc.name = n->get_string();
        return {};
      }
    }
  }
  return bad("tool_choice", "tool_choice.function.name must be a string");
}

Result<void> decode_response_format(const json::value& v, ChatRequest& req) {
  if (v.is_null()) return {};
  if (!v.is_object()) return bad("response_format", "response_format must be an object");
  auto type = json_util::string_field(v.get_object(), "type");
  auto& rf = req.response_format;
  if (type == "text") {
    rf.type = ResponseFormat::Type::text;
  } else if (type == "json_object") {
    rf.type = ResponseFormat::Type::json_object;
  } else if (type == "json_schema") {
    rf.type = ResponseFormat::Type::json_schema;
    auto* js = v.get_object().if_contains("json_schema");
    if (!js || !js->is_object())
      return bad("response_format.json_schema", "response_format.json_schema must be an object");
    rf.schema_name = json_util::string_field(js->get_object(), "name");
    if (auto* s = js->get_object().if_contains("schema")) rf.schema = *s;
    if (auto* s = js->get_object().if_contains("strict"); s && s->is_bool()) rf.strict = s->get_bool();
  } else {
    return bad("response_format.type", "response_format.type must be text, json_object or json_schema");
  }
  return {};
}

}  // namespace

std::optional<Tool> tool_from(const json::object& fields) {
  Tool tool;
  tool.name = json_util::string_field(fields, "name");
  if (tool.name.empty()) return std::nullopt;
  tool.description = json_util::string_field(fields, "description");
  if (const auto* p = fields.if_contains("parameters")) tool.parameters = *p;
  if (const auto* s = fields.if_contains("strict"); s && s->is_bool()) tool.strict = s->get_bool();
  return tool;
}

std::optional<ToolChoice::Mode> tool_choice_mode(std::string_view s) {
  if (s == "auto") return ToolChoice::Mode::auto_;
  if (s == "none") return ToolChoice::Mode::none;
  if (s == "required") return ToolChoice::Mode::required;
  return std::nullopt;
}

Result<void> decode_message_content(const json::value& v, std::string_view field, Message& m) {
  return decode_content(v, Path(field), m);
}

Result<ChatRequest> decode_chat_request(const json::object& body) {
  ChatRequest req;
  if (auto ok = decode_chat_request(body, req); !ok) return std::unexpected(ok.error());
  return req;
}

Result<void> decode_chat_request(const json::object& body, ChatRequest& req) {
  for (const auto& kv : body) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model") {
      if (!v.is_string() || v.get_string().empty()) return bad("model", "model must be a non-empty string");
      req.model = v.get_string();
    } else if (key == "messages") {
      if (!v.is_array()) return bad("messages", "messages must be an array");
      const auto& arr = v.get_array();
      req.messages.resize(arr.size());
      Path messages("messages");
      for (std::size_t i = 0; i < arr.size(); ++i)
        if (auto ok = decode_message(arr[i], Path(messages, i), req.messages[i]); !ok)
          return std::unexpected(ok.error());
    } else if (key == "stream") {
      if (!v.is_bool() && !v.is_null()) return bad("stream", "stream must be a boolean");
      req.stream = v.is_bool() && v.get_bool();
    } else if (key == "stream_options") {
      if (v.is_null()) continue;
      if (!v.is_object()) return bad("stream_options", "stream_options must be an object");
      if (auto* iu = v.get_object().if_contains("include_usage")) {
        if (!iu->is_bool())
          return bad("stream_options.include_usage", "stream_options.include_usage must be a boolean");
        req.include_usage = iu->get_bool();
      }
    } else if (key == "temperature" || key == "top_p") {
      if (v.is_null()) continue;
      auto n = as_number(v);
      if (!n) return bad(std::string(key), fmt::format("{} must be a number", key));
      (key == "temperature" ? req.temperature : req.top_p) = *n;
    } else if (key == "max_tokens" || key == "max_completion_tokens") {
      if (v.is_null()) continue;
      auto n = as_integer(v);
      if (!n || *n < 0) return bad(std::string(key), fmt::format("{} must be a non-negative integer", key));
      req.max_tokens = *n;
    } else if (key == "seed") {
      if (v.is_null()) continue;
      auto n = as_integer(v);
      if (!n) return bad("seed", "seed must be an integer");
      req.seed = *n;
    } else if (key == "stop") {
      if (v.is_null()) continue;
      if (v.is_string()) {
        req.stop.emplace_back(v.get_string());
      } else if (v.is_array()) {
        for (const auto& s : v.get_array()) {
          if (!s.is_string()) return bad("stop", "stop must be a string or an array of strings");
          req.stop.emplace_back(s.get_string());
        }
      } else {
        return bad("stop", "stop must be a string or an array of strings");
      }
    } else if (key == "user") {
      if (!v.is_string() && !v.is_null()) return bad("user", "user must be a string");
      if (v.is_string()) req.user = v.get_string();
    } else if (key == "reasoning_effort") {
      if (!v.is_string() && !v.is_null()) return bad("reasoning_effort", "reasoning_effort must be a string");
      if (v.is_string()) req.reasoning_effort = v.get_string();
    } else if (key == "tools") {
      if (auto ok = decode_tools(v, req); !ok) return std::unexpected(ok.error());
    } else if (key == "tool_choice") {
      if (auto ok = decode_tool_choice(v, req); !ok) return std::unexpected(ok.error());
    } else if (key == "parallel_tool_calls") {
      if (v.is_null()) continue;
      if (!v.is_bool()) return bad("parallel_tool_calls", "parallel_tool_calls must be a boolean");
      req.parallel_tool_calls = v.get_bool();
    } else if (key == "response_format") {
      if (auto ok = decode_response_format(v, req); !ok) return std::unexpected(ok.error());
    } else {
      req.extra.emplace(key, v);
    }
  }
  if (req.model.empty()) return bad("model", "model is required");
  if (!body.contains("messages")) return bad("messages", "messages is required");
  if (req.messages.empty()) return bad("messages", "messages must contain at least one message");
  return {};
}

json::object encode_chat_request(const ChatRequest& req, std::string_view upstream_model,
                                 json::storage_ptr sp) {
  json::object o(req.extra, sp);
  o["model"] = upstream_model;
  json::array msgs(sp);
  for (const auto& m : req.messages) {
    json::object jm(sp);
    jm["role"] = to_string(m.role);
    bool only_text = std::all_of(m.content.begin(), m.content.end(),
                                 [](const ContentPart& p) { return p.kind == ContentPart::Kind::text; });
    if (m.content.empty()) {
      jm["content"] = nullptr;
    } else if (only_text) {
      jm["content"] = m.text();
    } else {
      json::array parts(sp);
      for (const auto& p : m.content) {
        if (p.kind == ContentPart::Kind::text) {
          parts.push_back(json::object({{"type", "text"}, {"text", p.text}}, sp));
        } else if (p.kind == ContentPart::Kind::file) {
          json::object f;
          if (!p.filename.empty()) f["filename"] = p.filename;
          if (!p.file_id.empty()) f["file_id"] = p.file_id;
          if (!p.image_url.empty()) f["file_data"] = p.image_url;
          parts.push_back(json::object{{"type", "file"}, {"file", std::move(f)}});
        } else if (p.kind == ContentPart::Kind::other) {
          continue;  // (refused before encoding: chat_parts_carried)
        } else {
          json::object iu{{"url", p.image_url}};
          if (!p.detail.empty()) iu["detail"] = p.detail;
          parts.push_back(json::object{{"type", "image_url"}, {"image_url", std::move(iu)}});
        }
      }
      jm["content"] = std::move(parts);
    }
    if (!m.name.empty()) jm["name"] = m.name;
    if (!m.tool_call_id.empty()) jm["tool_call_id"] = m.tool_call_id;
    if (!m.tool_calls.empty()) {
      json::array calls(sp);
      for (const auto& c : m.tool_calls)
        calls.push_back(
            json::object({{"id", c.id},
                          {"type", "function"},
                          {"function", json::object({{"name", c.name}, {"arguments", c.arguments}}, sp)}},
                         sp));
      jm["tool_calls"] = std::move(calls);
    }
    msgs.push_back(std::move(jm));
  }
  o["messages"] = std::move(msgs);
  if (req.stream) {
    o["stream"] = true;
    if (req.include_usage) o["stream_options"] = json::object({{"include_usage", true}}, sp);
  }
  if (req.temperature) o["temperature"] = *req.temperature;
  if (req.top_p) o["top_p"] = *req.top_p;
  if (req.max_tokens) o["max_tokens"] = *req.max_tokens;
  if (req.seed) o["seed"] = *req.seed;
  if (!req.stop.empty()) {
    json::array s(sp);
    for (const auto& x : req.stop) s.emplace_back(x);
    o["stop"] = std::move(s);
  }
  if (!req.user.empty()) o["user"] = req.user;
  if (!req.reasoning_effort.empty()) o["reasoning_effort"] = req.reasoning_effort;
  if (!req.tools.empty()) {
    json::array tools(sp);
    for (const auto& t : req.tools) {
      json::object fn({{"name", t.name}}, sp);
      if (!t.description.empty()) fn["description"] = t.description;
      if (!t.parameters.is_null()) fn["parameters"] = t.parameters;
      if (t.strict) fn["strict"] = true;
      tools.push_back(json::object({{"type", "function"}, {"function", std::move(fn)}}, sp));
    }
    o["tools"] = std::move(tools);
  }
  switch (req.tool_choice.mode) {
    case ToolChoice::Mode::unset:
      break;
    case ToolChoice::Mode::auto_:
      o["tool_choice"] = "auto";
      break;
    case ToolChoice::Mode::none:
      o["tool_choice"] = "none";
      break;
    case ToolChoice::Mode::required:
      o["tool_choice"] = "required";
      break;
    case ToolChoice::Mode::named:
      o["tool_choice"] =
          json::object{{"type", "function"}, {"function", json::object{{"name", req.tool_choice.name}}}};
      break;
  }
  if (req.parallel_tool_calls) o["parallel_tool_calls"] = *req.parallel_tool_calls;
  switch (req.response_format.type) {
    case ResponseFormat::Type::text:
      break;
    case ResponseFormat::Type::json_object:
      o["response_format"] = json::object{{"type", "json_object"}};
      break;
    case ResponseFormat::Type::json_schema: {
      json::object js{
          {"name", req.response_format.schema_name.empty() ? "response" : req.response_format.schema_name},
          {"schema", req.response_format.schema}};
      if (req.response_format.strict) js["strict"] = true;
      o["response_format"] = json::object{{"type", "json_schema"}, {"json_schema", std::move(js)}};
      break;
    }
  }
  return o;
}

}  // namespace modelmux::openai
