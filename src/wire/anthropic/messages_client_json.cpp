// The client side of Anthropic's Messages wire: decoding requests, encoding replies, streams and errors.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/digest.hpp"
#include "core/json_util.hpp"
#include "wire/anthropic/messages_json.hpp"

namespace json = boost::json;

namespace modelmux::anthropic {
namespace {

constexpr auto bad = json_util::invalid_field;

std::string text_of(const json::value& content) {
  if (content.is_string()) return std::string(content.get_string());
  std::string out;
  if (content.is_array())
    for (const auto& b : content.get_array())
      if (b.is_object() && json_util::string_field(b.get_object(), "type") == "text")
        out += json_util::string_field(b.get_object(), "text");
  return out;
}

std::string frame(std::string_view type, json::object data) {
  data["type"] = type;
  return fmt::format("event: {}\ndata: {}\n\n", type, json::serialize(data));
}

Result<void> decode_blocks(const json::value& content, const std::string& where, Role role,
                           ChatRequest& req) {
  Message m;
  m.role = role;
  auto flush = [&] {
    if (!m.content.empty() || !m.tool_calls.empty()) req.messages.push_back(std::move(m));
    m = Message{};
    m.role = role;
  };
  if (content.is_string()) {
    m.content.push_back({ContentPart::Kind::text, std::string(content.get_string()), {}, {}, {}});
    flush();
    return {};
  }
  if (!content.is_array()) return bad(where, where + " must be a string or a list of content blocks");
  for (std::size_t k = 0; k < content.get_array().size(); ++k) {
    std::string bw = fmt::format("{}.{}", where, k);
    const auto& b = content.get_array()[k];
    if (!b.is_object()) return bad(bw, bw + " must be an object");
    const auto& block = b.get_object();
    std::string_view type = json_util::string_field(block, "type");
    if (type == "text") {
      m.content.push_back(
          {ContentPart::Kind::text, std::string(json_util::string_field(block, "text")), {}, {}, {}});
    } else if (type == "image") {
      const json::object* src = nullptr;
      if (auto* s = block.if_contains("source"); s && s->is_object()) src = &s->get_object();
      if (!src) return bad(bw + ".source", bw + ".source must be an object");
      ContentPart part{ContentPart::Kind::image, {}, {}, {}, {}};
      if (json_util::string_field(*src, "type") == "base64") {
        part.media_type = json_util::string_field(*src, "media_type");
        part.image_url =
            fmt::format("data:{};base64,{}", part.media_type, json_util::string_field(*src, "data"));
      } else {
        part.image_url = json_util::string_field(*src, "url");
      }
      m.content.push_back(std::move(part));
    } else if (type == "tool_use") {
      ToolCall call;
      call.id = json_util::string_field(block, "id");
      call.name = json_util::string_field(block, "name");
      if (auto* in = block.if_contains("input")) call.arguments = json::serialize(*in);
      m.tool_calls.push_back(std::move(call));
    } else if (type == "tool_result") {
      flush();
      Message result;
      result.role = Role::tool;
      result.tool_call_id = json_util::string_field(block, "tool_use_id");
      if (auto* c = block.if_contains("content"))
        result.content.push_back({ContentPart::Kind::text, text_of(*c), {}, {}, {}});
      else
        result.content.push_back({ContentPart::Kind::text, {}, {}, {}, {}});
      req.messages.push_back(std::move(result));
    } else if (type == "thinking" || type == "redacted_thinking") {
      continue;  // earlier reasoning has no canonical home yet
    } else if (const json::value* s = type == "document" ? block.if_contains("source") : nullptr;
               s && s->is_object() &&
               (json_util::string_field(s->get_object(), "type") == "base64" ||
                json_util::string_field(s->get_object(), "type") == "text")) {
      const json::object* src = &s->get_object();
      // A document given inline: a file part (as a data URL) that other wires map to their own documents.
      bool text = json_util::string_field(*src, "type") == "text";
      ContentPart part{.kind = ContentPart::Kind::file, .source = bw};
      part.media_type = text ? "text/plain" : json_util::string_field(*src, "media_type");
      std::string_view data = json_util::string_field(*src, "data");
      part.image_url = fmt::format("data:{};base64,{}", part.media_type, text ? digest::base64(data) : data);
      part.filename = json_util::string_field(block, "title");
      m.content.push_back(std::move(part));
    } else {
      // Documents by URL or file id, search results, ...: passed through to Anthropic as they are; a
      // translation to another wire refuses them (wire/parts.hpp).
      m.content.push_back({.kind = ContentPart::Kind::other, .text = std::string(type), .source = bw});
    }
  }
  flush();
  return {};
}

}  // namespace

std::string_view stop_reason(FinishReason r) {
  switch (r) {
    case FinishReason::length:
      return "max_tokens";
    case FinishReason::tool_calls:
      return "tool_use";
    case FinishReason::content_filter:
      return "refusal";
    default:
      return "end_turn";
  }
}

Result<ChatRequest> decode_request(const json::object& body) {
  ChatRequest req;
  auto* model = body.if_contains("model");
  if (!model || !model->is_string() || model->get_string().empty())
    return bad("model", "model: Field required");
  req.model = model->get_string();
  auto* max_tokens = body.if_contains("max_tokens");
  if (!max_tokens || !max_tokens->is_int64() || max_tokens->get_int64() < 1)
    return bad("max_tokens", "max_tokens: Field required (a positive integer)");
  req.max_tokens = max_tokens->get_int64();
  if (auto* s = body.if_contains("system")) {
    Message sys;
    sys.role = Role::system;
    sys.content.push_back({ContentPart::Kind::text, text_of(*s), {}, {}, {}});
    req.messages.push_back(std::move(sys));
  }
  auto* messages = body.if_contains("messages");
  if (!messages || !messages->is_array() || messages->get_array().empty())
    return bad("messages", "messages: at least one message is required");
  for (std::size_t i = 0; i < messages->get_array().size(); ++i) {
    std::string where = fmt::format("messages.{}", i);
    const auto& mv = messages->get_array()[i];
    if (!mv.is_object()) return bad(where, where + " must be an object");
    std::string_view role = json_util::string_field(mv.get_object(), "role");
    if (role != "user" && role != "assistant")
      return bad(where + ".role", where + ".role: Input should be 'user' or 'assistant'");
    auto* content = mv.get_object().if_contains("content");
    if (!content) return bad(where + ".content", where + ".content: Field required");
    if (auto ok =
            decode_blocks(*content, where + ".content", role == "user" ? Role::user : Role::assistant, req);
        !ok)
      return std::unexpected(ok.error());
  }
  if (auto* v = body.if_contains("temperature"); v && v->is_number())
    req.temperature = v->to_number<double>();
  if (auto* v = body.if_contains("top_p"); v && v->is_number()) req.top_p = v->to_number<double>();
  if (auto* v = body.if_contains("stop_sequences"); v && v->is_array())
    for (const auto& s : v->get_array())
      if (s.is_string()) req.stop.emplace_back(s.get_string());
  if (auto* v = body.if_contains("stream"); v && v->is_bool()) req.stream = v->get_bool();
  req.include_usage = req.stream;  // Anthropic streams always report usage
  if (auto* md = body.if_contains("metadata"); md && md->is_object())
    req.user = json_util::string_field(md->get_object(), "user_id");
  if (auto* tools = body.if_contains("tools"); tools && tools->is_array()) {
    for (std::size_t i = 0; i < tools->get_array().size(); ++i) {
      const auto& t = tools->get_array()[i];
      if (!t.is_object() || json_util::string_field(t.get_object(), "name").empty())
        return bad(fmt::format("tools.{}.name", i), fmt::format("tools.{}.name: Field required", i));
      Tool tool;
      tool.name = json_util::string_field(t.get_object(), "name");
      tool.description = json_util::string_field(t.get_object(), "description");
      if (auto* s = t.get_object().if_contains("input_schema")) tool.parameters = *s;
      req.tools.push_back(std::move(tool));
    }
  }
  if (auto* tc = body.if_contains("tool_choice"); tc && tc->is_object()) {
    std::string_view type = json_util::string_field(tc->get_object(), "type");
    if (type == "auto")
      req.tool_choice.mode = ToolChoice::Mode::auto_;
    else if (type == "any")
      req.tool_choice.mode = ToolChoice::Mode::required;
    else if (type == "none")
      req.tool_choice.mode = ToolChoice::Mode::none;
    else if (type == "tool") {
      req.tool_choice.mode = ToolChoice::Mode::named;
      req.tool_choice.name = json_util::string_field(tc->get_object(), "name");
    }
    if (auto* d = tc->get_object().if_contains("disable_parallel_tool_use");
        d && d->is_bool() && d->get_bool())
      req.parallel_tool_calls = false;
  }
  return req;
}

int error_status(const Error& err) {
  return err.code == ErrorCode::overloaded ? 529 : err.http_status;
}

std::string error_body(const Error& err) {
  std::string_view type = "api_error";
  switch (err.code) {
    case ErrorCode::invalid_request:
    case ErrorCode::invalid_json:
    case ErrorCode::context_length:
    case ErrorCode::content_filter:
    case ErrorCode::unprocessable:
      type = "invalid_request_error";
      break;
    case ErrorCode::authentication:
    case ErrorCode::invalid_api_key:
      type = "authentication_error";
      break;
    case ErrorCode::permission_denied:
    case ErrorCode::model_not_allowed:
    case ErrorCode::forbidden:
      type = "permission_error";
      break;
    case ErrorCode::not_found:
    case ErrorCode::model_not_found:
      type = "not_found_error";
      break;
    case ErrorCode::payload_too_large:
      type = "request_too_large";
      break;
    case ErrorCode::rate_limited:
    case ErrorCode::budget_exceeded:
    case ErrorCode::rate_limit_exceeded:
      type = "rate_limit_error";
      break;
    case ErrorCode::overloaded:
      type = "overloaded_error";
      break;
    default:
      break;
  }
  return json::serialize(
      json::object{{"type", "error"}, {"error", json::object{{"type", type}, {"message", err.message}}}});
}

std::string StreamEncoder::close_block() {
  if (open_index_ < 0) return {};
  std::string out = frame("content_block_stop", {{"index", open_index_}});
  open_index_ = -1;
  open_tool_ = -1;
  return out;
}

std::string StreamEncoder::encode(const StreamEvent& ev) {
  std::string out;
  if (!started_) {
    started_ = true;
    if (ev.kind == StreamEvent::Kind::start) {
      if (ev.id.starts_with("msg_")) id_ = ev.id;
      if (!ev.model.empty()) model_ = ev.model;
    }
    json::object message{{"id", id_},
                         {"type", "message"},
                         {"role", "assistant"},
                         {"model", model_},
                         {"content", json::array{}},
                         {"stop_reason", nullptr},
                         {"stop_sequence", nullptr},
                         {"usage", json::object{{"input_tokens", 0}, {"output_tokens", 0}}}};
    out += frame("message_start", {{"message", std::move(message)}});
  }
  switch (ev.kind) {
    case StreamEvent::Kind::start:
      break;
    case StreamEvent::Kind::text_delta:
      if (open_index_ < 0 || open_kind_ != Block::text) {
        out += close_block();
        open_index_ = next_index_++;
        open_kind_ = Block::text;
        out +=
            frame("content_block_start",
                  {{"index", open_index_}, {"content_block", json::object{{"type", "text"}, {"text", ""}}}});
      }
      out +=
          frame("content_block_delta",
                {{"index", open_index_}, {"delta", json::object{{"type", "text_delta"}, {"text", ev.text}}}});
      break;
    case StreamEvent::Kind::tool_call_delta:
      if (open_index_ < 0 || open_kind_ != Block::tool || open_tool_ != ev.tool_index) {
        out += close_block();
        open_index_ = next_index_++;
        open_kind_ = Block::tool;
        open_tool_ = ev.tool_index;
        json::object block{{"type", "tool_use"}, {"id", ev.tool_id}, {"name", ev.tool_name}};
        block["input"] = json::object{};
        out += frame("content_block_start", {{"index", open_index_}, {"content_block", std::move(block)}});
      }
      if (!ev.tool_arguments.empty())
        out += frame(
            "content_block_delta",
            {{"index", open_index_},
             {"delta", json::object{{"type", "input_json_delta"}, {"partial_json", ev.tool_arguments}}}});
      break;
    case StreamEvent::Kind::reasoning_delta:
      // A thinking block without a signature: the thinking came from another provider, so there is none
      // Anthropic could check (a client sending it back to Anthropic must drop it).
      if (open_index_ < 0 || open_kind_ != Block::thinking) {
        out += close_block();
        open_index_ = next_index_++;
        open_kind_ = Block::thinking;
        out += frame(
            "content_block_start",
            {{"index", open_index_},
             {"content_block", json::object{{"type", "thinking"}, {"thinking", ""}, {"signature", ""}}}});
      }
      out += frame("content_block_delta",
                   {{"index", open_index_},
                    {"delta", json::object{{"type", "thinking_delta"}, {"thinking", ev.text}}}});
      break;
    case StreamEvent::Kind::finish:
      finish_ = ev.finish_reason;
      break;
    case StreamEvent::Kind::usage:
      usage_ = ev.usage;
      break;
  }
  return out;
}

std::string StreamEncoder::finish() {
  std::string out = started_ ? std::string() : encode(StreamEvent{});
  out += close_block();
  out += frame("message_delta",
               {{"delta", json::object{{"stop_reason", stop_reason(finish_)}, {"stop_sequence", nullptr}}},
                {"usage", usage_json(usage_)}});
  out += frame("message_stop", {});
  return out;
}

std::string StreamEncoder::error_frame(const Error& err) {
  return "event: error\ndata: " + error_body(err) + "\n\n";
}

}  // namespace modelmux::anthropic
