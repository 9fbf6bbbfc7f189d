#include "wire/bedrock/converse_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>

#include "core/json_util.hpp"
#include "providers/anthropic/claude_models.hpp"
#include "providers/provider.hpp"
#include "wire/parts.hpp"

namespace json = boost::json;

namespace modelmux::bedrock {
namespace {

Result<json::object> image_block(const ContentPart& p, std::size_t i) {
  std::string param = fmt::format("messages[{}].content", i);
  auto data = p.base64_data();
  if (data.empty())
    return fail(ErrorCode::invalid_request,
                fmt::format("messages[{}]: bedrock takes images as base64 data URLs, not links", i), param);
  std::string_view media = p.image_media_type();
  std::string format;
  if (media == "image/png")
    format = "png";
  else if (media == "image/jpeg" || media == "image/jpg")
    format = "jpeg";
  else if (media == "image/gif")
    format = "gif";
  else if (media == "image/webp")
    format = "webp";
  else
    return fail(
        ErrorCode::invalid_request,
        fmt::format("messages[{}]: bedrock takes png, jpeg, gif or webp images, not \"{}\"", i, media),
        param);
  return json::object{{"image", json::object{{"format", format}, {"source", json::object{{"bytes", data}}}}}};
}

// A file part as a Converse document block. Converse names each document (letters, digits, single spaces,
// hyphens, parentheses and brackets only) and takes a closed list of formats.
Result<json::object> document_block(const ContentPart& p, std::size_t n) {
  constexpr std::string_view kWhat = "Bedrock's Converse API";
  if (!p.file_id.empty())
    return std::unexpected(
        wire::part_not_carried(p, kWhat, "a file_id names a file in another provider's store"));
  static constexpr std::pair<std::string_view, std::string_view> kFormats[] = {
      {"application/pdf", "pdf"},
      {"text/csv", "csv"},
      {"application/msword", "doc"},
      {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"},
      {"application/vnd.ms-excel", "xls"},
      {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"},
      {"text/html", "html"},
      {"text/plain", "txt"},
      {"text/markdown", "md"}};
  std::string_view media = p.image_media_type();
  auto format =
      std::find_if(std::begin(kFormats), std::end(kFormats), [&](auto& f) { return f.first == media; });
  if (format == std::end(kFormats))
    return std::unexpected(wire::part_not_carried(
        p, kWhat,
        fmt::format("it takes pdf, csv, doc, docx, xls, xlsx, html, txt or md documents, not {}",
                    media.empty() ? "an unknown type" : media)));
  std::string name;
  for (char c : p.filename.substr(0, p.filename.rfind('.'))) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '(' || c == ')' || c == '[' ||
              c == ']';
    char out = ok ? c : ' ';
    if (out == ' ' && (name.empty() || name.back() == ' ')) continue;
    name += out;
  }
  while (!name.empty() && name.back() == ' ') name.pop_back();
  if (name.empty()) name = fmt::format("document-{}", n + 1);
  return json::object{{"document", json::object{{"format", format->second},
                                                {"name", std::move(name)},
                                                {"source", json::object{{"bytes", p.base64_data()}}}}}};
}

// Appends content blocks as a turn, merged into the previous turn of the same role (Converse wants roles
// to alternate, starting with the user).
void append_turn(json::array& messages, std::string_view role, json::array blocks) {
  if (blocks.empty()) return;
  if (!messages.empty() && messages.back().as_object().at("role").as_string() == role) {
    auto& content = messages.back().as_object()["content"].as_array();
    for (auto& b : blocks) content.push_back(std::move(b));
    return;
  }
  messages.push_back(json::object{{"role", role}, {"content", std::move(blocks)}});
}

Result<json::array> encode_messages(const ChatRequest& req, json::array& system, bool& has_tool_blocks) {
  json::array messages;
  std::size_t documents = 0;  // (unnamed documents are numbered)
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    json::array blocks;
    switch (m.role) {
      case Role::system:
      case Role::developer:
        if (auto text = m.text(); !text.empty()) system.push_back(json::object{{"text", std::move(text)}});
        continue;
      case Role::tool:
        has_tool_blocks = true;
        blocks.push_back(json::object{
            {"toolResult", json::object{{"toolUseId", m.tool_call_id},
                                        {"content", json::array{json::object{{"text", m.text()}}}}}}});
        append_turn(messages, "user", std::move(blocks));
        continue;
      case Role::user:
      case Role::assistant:
        break;
    }
    for (const auto& p : m.content) {
      if (p.kind == ContentPart::Kind::image) {
        auto block = image_block(p, i);
        if (!block) return std::unexpected(block.error());
        blocks.push_back(std::move(*block));
      } else if (p.kind == ContentPart::Kind::file) {
        auto block = document_block(p, documents++);
        if (!block) return std::unexpected(block.error());
        blocks.push_back(std::move(*block));
      } else if (p.kind == ContentPart::Kind::other) {
        return std::unexpected(wire::part_not_carried(p, "Bedrock's Converse API"));
      } else if (!p.text.empty() || (m.content.size() == 1 && m.tool_calls.empty())) {
        // Converse refuses blank text blocks; one is kept only when it is all the turn says.
        blocks.push_back(json::object{{"text", p.text}});
      }
    }
    for (std::size_t k = 0; k < m.tool_calls.size(); ++k) {
      const auto& c = m.tool_calls[k];
      auto input = json_util::arguments_object(c.arguments);
      std::string param = fmt::format("messages[{}].tool_calls[{}].function.arguments", i, k);
      if (!input) return fail(ErrorCode::invalid_request, param + " is not a JSON object", param);
      has_tool_blocks = true;
      blocks.push_back(json::object{
          {"toolUse", json::object{{"toolUseId", c.id}, {"name", c.name}, {"input", std::move(*input)}}}});
    }
    append_turn(messages, m.role == Role::user ? "user" : "assistant", std::move(blocks));
  }
  return messages;
}

}  // namespace

Result<json::object> encode_request(const ChatRequest& req, std::string_view model_id) {
  json::array system;
  bool has_tool_blocks = false;
  auto messages = encode_messages(req, system, has_tool_blocks);
  if (!messages) return std::unexpected(messages.error());
  if (messages->empty())
    return fail(ErrorCode::invalid_request, "bedrock needs at least one user or assistant message",
                "messages");
  json::object o{{"messages", std::move(*messages)}};
  if (!system.empty()) o["system"] = std::move(system);

  json::object inference;
  if (req.max_tokens) inference["maxTokens"] = *req.max_tokens;
  if (req.temperature) inference["temperature"] = *req.temperature;
  // Claude Sonnet/Haiku 4.5 and Opus 4.1 on refuse both (see claude_models.hpp).
  if (req.top_p && !(req.temperature && anthropic::takes_one_sampling_parameter(model_id)))
    inference["topP"] = *req.top_p;
  if (!req.stop.empty()) {
    json::array stops;
    for (const auto& s : req.stop) stops.emplace_back(s);
    inference["stopSequences"] = std::move(stops);
  }
  if (!inference.empty()) o["inferenceConfig"] = std::move(inference);

  // Converse has no "none" tool choice: tools are left out instead, unless the conversation already holds
  // tool blocks, which Converse refuses without a toolConfig.
  bool none = req.tool_choice.mode == ToolChoice::Mode::none;
  if (!req.tools.empty() && (!none || has_tool_blocks)) {
    json::array tools;
    for (const auto& t : req.tools) {
      json::object spec{{"name", t.name}};
      if (!t.description.empty()) spec["description"] = t.description;
      spec["inputSchema"] = json::object{
          {"json", t.parameters.is_null() ? json::value(json::object{{"type", "object"}}) : t.parameters}};
      tools.push_back(json::object{{"toolSpec", std::move(spec)}});
    }
    json::object config{{"tools", std::move(tools)}};
    switch (req.tool_choice.mode) {
      case ToolChoice::Mode::unset:
      case ToolChoice::Mode::none:
        break;
      case ToolChoice::Mode::auto_:
        config["toolChoice"] = json::object{{"auto", json::object{}}};
        break;
      case ToolChoice::Mode::required:
        config["toolChoice"] = json::object{{"any", json::object{}}};
        break;
      case ToolChoice::Mode::named:
        config["toolChoice"] = json::object{{"tool", json::object{{"name", req.tool_choice.name}}}};
        break;
    }
    o["toolConfig"] = std::move(config);
  }

  // Structured output is native (outputConfig.textFormat); Converse takes the schema as JSON text. Any JSON
  // object (json_object) is the schema {"type": "object"}.
  if (req.response_format.type == ResponseFormat::Type::json_schema ||
      req.response_format.type == ResponseFormat::Type::json_object) {
    bool any = req.response_format.type == ResponseFormat::Type::json_object;
    json::object schema{
        {"schema", any ? std::string(R"({"type":"object"})") : json::serialize(req.response_format.schema)}};
    if (!req.response_format.schema_name.empty()) schema["name"] = req.response_format.schema_name;
    o["outputConfig"] = json::object{
        {"textFormat", json::object{{"type", "json_schema"},
                                    {"structure", json::object{{"jsonSchema", std::move(schema)}}}}}};
  }
  return o;
}

FinishReason finish_reason(std::string_view s) {
  if (s == "end_turn" || s == "stop_sequence") return FinishReason::stop;
  if (s == "max_tokens" || s == "model_context_window_exceeded") return FinishReason::length;
  if (s == "tool_use") return FinishReason::tool_calls;
  if (s == "guardrail_intervened" || s == "content_filtered") return FinishReason::content_filter;
  if (s.empty()) return FinishReason::none;
  return FinishReason::stop;  // malformed_model_output, malformed_tool_use: the turn ended all the same
}

Usage usage_of(const json::object& u) {
  Usage usage;
  usage.cached_input_tokens = json_util::int_field(u, "cacheReadInputTokens");
  usage.cache_write_input_tokens = json_util::int_field(u, "cacheWriteInputTokens");
  usage.input_tokens =
      json_util::int_field(u, "inputTokens") + usage.cached_input_tokens + usage.cache_write_input_tokens;
  usage.output_tokens = json_util::int_field(u, "outputTokens");
  return usage;
}

Result<ChatResponse> decode_reply(const json::object& body, const ChatRequest& req) {
  ChatResponse r;
  r.model = req.model;  // Converse names no model in its reply
  r.message.role = Role::assistant;
  const json::value* content = nullptr;
  if (auto* out = body.if_contains("output"); out && out->is_object())
    if (auto* m = out->get_object().if_contains("message"); m && m->is_object())
      content = m->get_object().if_contains("content");
  if (!content || !content->is_array())
    return fail(ErrorCode::upstream_error, "malformed Bedrock reply: no output.message.content");
  std::string text;
  for (const auto& b : content->get_array()) {
    if (!b.is_object()) continue;
    const auto& block = b.get_object();
    if (auto* t = block.if_contains("text"); t && t->is_string()) {
      text += t->get_string();
    } else if (auto* u = block.if_contains("toolUse"); u && u->is_object()) {
      ToolCall call;
      call.id = json_util::string_field(u->get_object(), "toolUseId");
      call.name = json_util::string_field(u->get_object(), "name");
      auto* in = u->get_object().if_contains("input");
      call.arguments = in && !in->is_null() ? json::serialize(*in) : std::string("{}");  // always JSON
      r.message.tool_calls.push_back(std::move(call));
    } else if (auto* rc = block.if_contains("reasoningContent"); rc && rc->is_object()) {
      // {"reasoningText": {"text", "signature"}} or {"redactedContent"}: only text is readable.
      if (auto* rt = rc->get_object().if_contains("reasoningText"); rt && rt->is_object())
        r.message.reasoning += json_util::string_field(rt->get_object(), "text");
    }
    // Citations and the like have no canonical home.
  }
  if (!text.empty() || r.message.tool_calls.empty())
    r.message.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  r.finish_reason = finish_reason(json_util::string_field(body, "stopReason"));
  if (auto* u = body.if_contains("usage"); u && u->is_object()) r.usage = usage_of(u->get_object());
  return r;
}

Error error_from_type(std::string_view type, int status, std::string_view retry_after,
                      std::string_view message) {
  // Stream exceptions are named in camelCase; HTTP error types in PascalCase.
  std::string t(type);
  if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
  // The status each type stands for, where it says more than (or there is no) HTTP status.
  int as = status;
  if (t == "ThrottlingException" || t == "ModelNotReadyException" || t == "ServiceQuotaExceededException")
    as = 429;
  else if (t == "ValidationException")
    as = 400;
  else if (t == "AccessDeniedException")
    as = 403;
  else if (t == "ResourceNotFoundException")
    as = 404;
  else if (t == "ModelTimeoutException")
    as = 408;
  else if (t == "ServiceUnavailableException")
    as = 503;
  else if (t == "InternalServerException" || t == "ModelErrorException" || t == "ModelStreamErrorException")
    as = 502;
  else if (t == "UnrecognizedClientException" || t == "InvalidSignatureException" ||
           t == "ExpiredTokenException" || t == "IncompleteSignatureException" ||
           t == "MissingAuthenticationTokenException")
    as = 401;
  if (as == 0) as = 502;
  bool too_long = message.find("Input is too long") != std::string_view::npos ||
                  message.find("too many input tokens") != std::string_view::npos ||
                  message.find("prompt is too long") != std::string_view::npos;
  std::string text = t.empty() ? std::string(message) : fmt::format("{}: {}", t, message);
  Error e = providers::error_from_status("bedrock", as, retry_after, text,
                                         too_long ? ErrorCode::context_length : ErrorCode::invalid_request);
  if (status == 0) e.message = "bedrock stream error: " + text;
  return e;
}

}  // namespace modelmux::bedrock
