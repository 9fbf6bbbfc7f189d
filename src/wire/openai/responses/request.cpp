// Responses-API requests into the canonical request: the request's fields (tools, tool_choice, text.format,
// reasoning, ...), what its response repeats, and its input as items with ids
// (wire/openai/responses/items.cpp turns items into messages).
#include "wire/openai/responses/request.hpp"

#include <fmt/format.h>

#include <array>

#include "core/json_util.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/openai/responses/field.hpp"

namespace json = boost::json;

namespace modelmux::openai::responses {
namespace {

using ::modelmux::openai::tool_choice_mode;
using ::modelmux::openai::tool_from;

using json_util::as_integer;
using json_util::as_number;
using json_util::string_field;

// Tools that OpenAI runs on its side: the canonical model has no way to run them on another provider.
constexpr std::array<std::string_view, 14> kHostedTools = {"web_search",
                                                           "web_search_preview",
                                                           "web_search_preview_2025_03_11",
                                                           "file_search",
                                                           "code_interpreter",
                                                           "computer_use_preview",
                                                           "computer",
                                                           "image_generation",
                                                           "mcp",
                                                           "local_shell",
                                                           "shell",
                                                           "apply_patch",
                                                           "custom",
                                                           "tool_search"};

bool hosted(std::string_view type) {
  for (auto t : kHostedTools)
    if (t == type) return true;
  return false;
}

Result<void> decode_tools(const json::value& v, ChatRequest& req, std::optional<Error>& openai_only) {
  if (v.is_null()) return {};
  if (!v.is_array()) return bad("tools", "must be an array");
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    std::string where = fmt::format("tools[{}]", i);
    const auto* t = v.get_array()[i].if_object();
    if (!t) return bad(where, "must be an object");
    auto type = string_field(*t, "type");
    if (hosted(type)) {
      // Only an OpenAI target given the request as it is can run it: the others refuse with this.
      if (!openai_only)
        openai_only = bad(where + ".type", fmt::format("\"{}\" is a tool OpenAI hosts: only an OpenAI target "
                                                       "(responses_api: true) can run it",
                                                       type))
                          .error();
      continue;
    }
    if (type != "function") return bad(where + ".type", "must be \"function\"");
    auto tool = tool_from(*t);
    if (!tool) return bad(where + ".name", "must be a non-empty string");
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
      return bad("tool_choice",
                 "must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\"}");
    tc.mode = *mode;
    return {};
  }
  const auto* o = v.if_object();
  if (o && string_field(*o, "type") == "function" && !string_field(*o, "name").empty()) {
    tc.mode = ToolChoice::Mode::named;
    tc.name = string_field(*o, "name");
    return {};
  }
  return bad("tool_choice", "must be \"auto\", \"none\", \"required\" or {\"type\": \"function\", \"name\"}");
}

Result<void> decode_text(const json::value& v, ChatRequest& req) {
  if (v.is_null()) return {};
  if (!v.is_object()) return bad("text", "must be an object");
  const auto* f = v.get_object().if_contains("format");
  if (!f || f->is_null()) return {};
  if (!f->is_object()) return bad("text.format", "must be an object");
  const auto& fo = f->get_object();
  auto type = string_field(fo, "type");
  auto& rf = req.response_format;
  if (type == "text") {
    rf.type = ResponseFormat::Type::text;
  } else if (type == "json_object") {
    rf.type = ResponseFormat::Type::json_object;
  } else if (type == "json_schema") {
    rf.type = ResponseFormat::Type::json_schema;
    rf.schema_name = string_field(fo, "name");
    if (rf.schema_name.empty()) return bad("text.format.name", "must be a non-empty string");
    const auto* s = fo.if_contains("schema");
    if (!s || !s->is_object()) return bad("text.format.schema", "must be an object (a JSON schema)");
    rf.schema = *s;
    if (const auto* st = fo.if_contains("strict"); st && st->is_bool()) rf.strict = st->get_bool();
  } else {
    return bad("text.format.type", "must be text, json_object or json_schema");
  }
  return {};
}

// Fields the canonical request has no use for and no target needs: accepted, not carried.
bool ignored(std::string_view key) {
  for (std::string_view k :
       {"include", "truncation", "service_tier", "top_logprobs", "prompt_cache_key", "safety_identifier",
        "stream_options", "max_tool_calls", "prompt_cache_retention"})
    if (k == key) return true;
  return false;
}

json::object default_echo() {
  return json::object{{"instructions", nullptr},
                      {"max_output_tokens", nullptr},
                      {"metadata", json::object()},
                      {"parallel_tool_calls", true},
                      {"previous_response_id", nullptr},
                      {"reasoning", json::object{{"effort", nullptr}, {"summary", nullptr}}},
                      {"store", true},
                      {"temperature", 1.0},
                      {"text", json::object{{"format", json::object{{"type", "text"}}}}},
                      {"tool_choice", "auto"},
                      {"tools", json::array()},
                      {"top_p", 1.0},
                      {"truncation", "disabled"},
                      {"user", nullptr}};
}

// The request's input as items with ids, item references replaced by what they name.
Result<json::array> own_items(const json::value& input, const ItemLookup& lookup,
                              std::string_view response_id) {
  json::array items;
  if (input.is_string()) {
    items.push_back(json::object{
        {"type", "message"},
        {"role", "user"},
        {"content", json::array{json::object{{"type", "input_text"}, {"text", input.get_string()}}}}});
  } else if (input.is_array()) {
    for (std::size_t i = 0; i < input.get_array().size(); ++i) {
      const auto& v = input.get_array()[i];
      const auto* o = v.if_object();
      if (o && string_field(*o, "type") == "item_reference") {
        auto id = string_field(*o, "id");
        auto found = id.empty() ? std::nullopt : lookup(id);
        if (!found)
          return bad(fmt::format("input[{}].id", i),
                     fmt::format("names no stored item of this key (\"{}\")", std::string_view(id)));
        items.push_back(std::move(*found));
      } else {
        items.push_back(v);
      }
    }
  } else {
    return bad("input", "must be a string or an array of input items");
  }
  for (std::size_t i = 0; i < items.size(); ++i)
    if (auto* o = items[i].if_object(); o && !o->contains("id"))
      (*o)["id"] =
          item_id(string_field(*o, "type") == "function_call_output" ? "fco" : "msg", response_id, i, "in");
  return items;
}

}  // namespace

Result<std::string> previous_response_id(const json::object& body) {
  const auto* v = body.if_contains("previous_response_id");
  if (!v || v->is_null()) return std::string();
  if (!v->is_string() || v->get_string().empty())
    return bad("previous_response_id", "must be a non-empty string");
  return std::string(v->get_string());
}

Result<Request> decode_request(const json::object& body, const json::array& history, const ItemLookup& lookup,
                               std::string_view response_id, ChatRequest& req) {
  Request r;
  r.echo = default_echo();
  const json::value* input = nullptr;
  std::string instructions;
  for (const auto& kv : body) {
    std::string_view key = kv.key();
    const json::value& v = kv.value();
    if (key == "model") {
      if (!v.is_string() || v.get_string().empty()) return bad("model", "must be a non-empty string");
      req.model = v.get_string();
    } else if (key == "input") {
      input = &v;
    } else if (key == "instructions") {
      if (!v.is_string() && !v.is_null()) return bad("instructions", "must be a string");
      if (v.is_string()) instructions = v.get_string();
      r.echo["instructions"] = v;
    } else if (key == "previous_response_id") {
      if (v.is_string()) r.previous_response_id = v.get_string();
      r.echo["previous_response_id"] = v;
    } else if (key == "stream") {
      if (!v.is_bool() && !v.is_null()) return bad("stream", "must be a boolean");
      req.stream = v.is_bool() && v.get_bool();
    } else if (key == "store") {
      if (!v.is_bool() && !v.is_null()) return bad("store", "must be a boolean");
      r.store = !v.is_bool() || v.get_bool();
      r.echo["store"] = r.store;
    } else if (key == "temperature" || key == "top_p") {
      if (v.is_null()) continue;
      auto n = as_number(v);
      if (!n) return bad(std::string(key), "must be a number");
      (key == "temperature" ? req.temperature : req.top_p) = *n;
      r.echo[key] = *n;
    } else if (key == "max_output_tokens") {
      if (v.is_null()) continue;
      auto n = as_integer(v);
      if (!n || *n < 1) return bad("max_output_tokens", "must be a positive integer");
      req.max_tokens = *n;
      r.echo[key] = *n;
    } else if (key == "tools") {
      if (auto ok = decode_tools(v, req, r.openai_only); !ok) return std::unexpected(ok.error());
      if (!v.is_null()) r.echo[key] = v;
    } else if (key == "tool_choice") {
      if (auto ok = decode_tool_choice(v, req); !ok) return std::unexpected(ok.error());
      if (!v.is_null()) r.echo[key] = v;
    } else if (key == "parallel_tool_calls") {
      if (v.is_null()) continue;
      if (!v.is_bool()) return bad("parallel_tool_calls", "must be a boolean");
      req.parallel_tool_calls = v.get_bool();
      r.echo[key] = v;
    } else if (key == "text") {
      if (auto ok = decode_text(v, req); !ok) return std::unexpected(ok.error());
      if (v.is_object() && v.get_object().contains("format")) r.echo[key] = v;
    } else if (key == "reasoning") {
      if (v.is_null()) continue;
      if (!v.is_object()) return bad("reasoning", "must be an object");
      const auto* effort = v.get_object().if_contains("effort");
      if (effort && !effort->is_string() && !effort->is_null())
        return bad("reasoning.effort", "must be a string");
      if (effort && effort->is_string()) req.reasoning_effort = effort->get_string();
      auto& echo = r.echo["reasoning"].as_object();
      for (const auto& [k, val] : v.get_object()) echo[k] = val;
    } else if (key == "metadata") {
      if (v.is_null()) continue;
      if (!v.is_object()) return bad("metadata", "must be an object of strings");
      for (const auto& [k, val] : v.get_object())
        if (!val.is_string()) return bad(fmt::format("metadata.{}", std::string_view(k)), "must be a string");
      r.echo[key] = v;
    } else if (key == "user") {
      if (!v.is_string() && !v.is_null()) return bad("user", "must be a string");
      if (v.is_string()) req.user = v.get_string();
      r.echo[key] = v;
    } else if (key == "background") {
      if (v.is_bool() && v.get_bool())
        return bad("background",
                   "is not supported: this gateway answers in the request (use stream instead)");
    } else if (key == "conversation" || key == "prompt") {
      if (!v.is_null())
        return bad(std::string(key),
                   "is not supported: it names state kept by OpenAI; use previous_response_id");
    } else if (key == "provider_options") {
      req.extra.emplace(key, v);
    } else if (!ignored(key) && !r.openai_only) {
      // (OpenAI may know a parameter newer than this gateway: an OpenAI target given the body takes it)
      r.openai_only =
          bad(std::string(key), "is not a parameter of the Responses API that this gateway translates")
              .error();
    }
  }
  if (req.model.empty()) return bad("model", "is required");
  if (!input) return bad("input", "is required");
  auto items = own_items(*input, lookup, response_id);
  if (!items) return std::unexpected(items.error());
  r.input_items = std::move(*items);
  // The instructions come first and hold only for this response: a continuation does not inherit them.
  if (!instructions.empty())
    req.messages.push_back(Message{.role = Role::system, .content = {ContentPart{.text = instructions}}});
  // Items of OpenAI's hosted tools in an earlier turn (a web search's call) are OpenAI's record of what its
  // answer, which stays, was made from: another provider continues without them.
  std::optional<Error> earlier_hosted;
  if (auto ok = append_items(history, "previous_response_id", req.messages, &earlier_hosted); !ok)
    return std::unexpected(ok.error());
  if (auto ok = append_items(r.input_items, "input", req.messages, &r.openai_only); !ok)
    return std::unexpected(ok.error());
  // (an input of hosted-tool items alone is an OpenAI target's to take: the others refuse it by name)
  if (req.messages.empty() && !r.openai_only) return bad("input", "must hold at least one item");
  // Usage always ends a response: asked of OpenAI-format upstreams' streams too.
  req.include_usage = true;
  return r;
}

}  // namespace modelmux::openai::responses
