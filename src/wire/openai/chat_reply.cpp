// OpenAI chat-completions replies: usage, whole replies, and the chat.completion.chunk stream, both ways.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "wire/openai/chat_json.hpp"

namespace json = boost::json;

namespace modelmux::openai {

using json_util::as_integer;

Usage decode_usage(const json::object& u) {
  Usage usage;
  if (auto* v = u.if_contains("prompt_tokens")) usage.input_tokens = as_integer(*v).value_or(0);
  if (auto* v = u.if_contains("completion_tokens")) usage.output_tokens = as_integer(*v).value_or(0);
  if (auto* d = u.if_contains("prompt_tokens_details"); d && d->is_object())
    if (auto* v = d->get_object().if_contains("cached_tokens"))
      usage.cached_input_tokens = as_integer(*v).value_or(0);
  if (auto* d = u.if_contains("completion_tokens_details"); d && d->is_object())
    if (auto* v = d->get_object().if_contains("reasoning_tokens"))
      usage.reasoning_tokens = as_integer(*v).value_or(0);
  return usage;
}

namespace {

// The model's thinking, as OpenAI-compatible servers that show it write it: `reasoning_content`
// (DeepSeek, vLLM) or `reasoning` (OpenRouter). OpenAI's own API keeps it hidden.
std::string_view reasoning_of(const json::object& message_or_delta) {
  if (auto r = json_util::string_field(message_or_delta, "reasoning_content"); !r.empty()) return r;
  return json_util::string_field(message_or_delta, "reasoning");
}

}  // namespace

Result<ChatResponse> decode_chat_response(const json::object& body) {
  auto malformed = [](std::string what) {
    return fail(ErrorCode::upstream_error, "malformed upstream reply: " + what);
  };
  ChatResponse r;
  r.id = json_util::string_field(body, "id");
  r.model = json_util::string_field(body, "model");
  if (auto* c = body.if_contains("created")) r.created = as_integer(*c).value_or(0);
  auto* choices = body.if_contains("choices");
  if (!choices || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array()[0].is_object())
    return malformed("no choices");
  const auto& choice = choices->get_array()[0].get_object();
  auto* msg = choice.if_contains("message");
  if (!msg || !msg->is_object()) return malformed("choices[0].message missing");
  r.message.role = Role::assistant;
  if (auto ok = decode_message_content(
          msg->get_object().contains("content") ? msg->get_object().at("content") : json::value(), "content",
          r.message);
      !ok)
    return malformed("choices[0].message.content");
  r.message.reasoning = reasoning_of(msg->get_object());
  if (auto* tc = msg->get_object().if_contains("tool_calls"); tc && tc->is_array()) {
    for (const auto& c : tc->get_array()) {
      if (!c.is_object()) continue;
      ToolCall call;
      call.id = json_util::string_field(c.get_object(), "id");
      if (auto* f = c.get_object().if_contains("function"); f && f->is_object()) {
        call.name = json_util::string_field(f->get_object(), "name");
        call.arguments = json_util::string_field(f->get_object(), "arguments");
      }
      r.message.tool_calls.push_back(std::move(call));
    }
  }
  r.finish_reason = finish_reason_from_string(json_util::string_field(choice, "finish_reason"));
  if (auto* u = body.if_contains("usage"); u && u->is_object()) r.usage = decode_usage(u->get_object());
  return r;
}

Result<void> ChunkDecoder::feed(std::string_view data, std::vector<StreamEvent>& out) {
  if (data == "[DONE]") {
    done_ = true;
    return {};
  }
  boost::system::error_code ec;
  json::value v = json_util::parse(data, ec);
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "malformed upstream stream chunk");
  const auto& o = v.get_object();
  if (auto* e = o.if_contains("error"); e && e->is_object()) {
    auto err = Error::make(ErrorCode::upstream_error,
                           std::string(json_util::string_field(e->get_object(), "message")));
    if (err.message.empty()) err.message = "upstream sent an error inside the stream";
    return std::unexpected(std::move(err));
  }
  if (!started_) {
    started_ = true;
    StreamEvent ev;
    ev.kind = StreamEvent::Kind::start;
    ev.id = json_util::string_field(o, "id");
    ev.model = json_util::string_field(o, "model");
    out.push_back(std::move(ev));
  }
  if (auto* choices = o.if_contains("choices"); choices && choices->is_array()) {
    for (const auto& c : choices->get_array()) {
      if (!c.is_object()) continue;
      const auto& choice = c.get_object();
      if (auto* d = choice.if_contains("delta"); d && d->is_object()) {
        const auto& delta = d->get_object();
        if (auto r = reasoning_of(delta); !r.empty()) {
          StreamEvent ev;
          ev.kind = StreamEvent::Kind::reasoning_delta;
          ev.text = r;
          out.push_back(std::move(ev));
        }
        if (auto* t = delta.if_contains("content"); t && t->is_string() && !t->get_string().empty()) {
          StreamEvent ev;
          ev.kind = StreamEvent::Kind::text_delta;
          ev.text = t->get_string();
          out.push_back(std::move(ev));
        }
        if (auto* tcs = delta.if_contains("tool_calls"); tcs && tcs->is_array()) {
          for (const auto& tc : tcs->get_array()) {
            if (!tc.is_object()) continue;
            StreamEvent ev;
            ev.kind = StreamEvent::Kind::tool_call_delta;
            if (auto* idx = tc.get_object().if_contains("index"))
              ev.tool_index = static_cast<int>(as_integer(*idx).value_or(0));
            ev.tool_id = json_util::string_field(tc.get_object(), "id");
            if (auto* f = tc.get_object().if_contains("function"); f && f->is_object()) {
              ev.tool_name = json_util::string_field(f->get_object(), "name");
              ev.tool_arguments = json_util::string_field(f->get_object(), "arguments");
            }
            out.push_back(std::move(ev));
          }
        }
      }
      if (auto fr = json_util::string_field(choice, "finish_reason"); !fr.empty()) {
        StreamEvent ev;
        ev.kind = StreamEvent::Kind::finish;
        ev.finish_reason = finish_reason_from_string(fr);
        out.push_back(std::move(ev));
      }
    }
  }
  if (auto* u = o.if_contains("usage"); u && u->is_object()) {
    StreamEvent ev;
    ev.kind = StreamEvent::Kind::usage;
    ev.usage = decode_usage(u->get_object());
    out.push_back(std::move(ev));
  }
  return {};
}

json::object ChunkEncoder::base(json::storage_ptr sp) const {
  return json::object(
      {{"id", id_}, {"object", "chat.completion.chunk"}, {"created", created_}, {"model", model_}}, sp);
}

std::vector<std::string> ChunkEncoder::encode(const StreamEvent& ev) {
  if (ev.kind == StreamEvent::Kind::start) {
    if (!ev.id.empty()) id_ = ev.id;
    if (!ev.model.empty()) model_ = ev.model;
  }
  if (ev.kind == StreamEvent::Kind::usage && !include_usage_) return {};
  // One event's tree, serialized at once: its nodes in a stack arena.
  json_util::Scratch scratch;
  json::storage_ptr sp = scratch.storage();
  json::object o = base(sp);
  json::object delta(sp);
  json::value finish(nullptr, sp);
  switch (ev.kind) {
    case StreamEvent::Kind::start:
      delta["role"] = "assistant";
      delta["content"] = "";
      break;
    case StreamEvent::Kind::text_delta:
      delta["content"] = ev.text;
      break;
    case StreamEvent::Kind::reasoning_delta:
      delta["reasoning_content"] = ev.text;
      break;
    case StreamEvent::Kind::tool_call_delta: {
      json::object call({{"index", ev.tool_index}}, sp);
      if (!ev.tool_id.empty()) {
        call["id"] = ev.tool_id;
        call["type"] = "function";
      }
      json::object fn(sp);
      if (!ev.tool_name.empty()) fn["name"] = ev.tool_name;
      fn["arguments"] = ev.tool_arguments;
      call["function"] = std::move(fn);
      delta["tool_calls"] = json::array({std::move(call)}, sp);
      break;
    }
    case StreamEvent::Kind::finish:
      finish = to_string(ev.finish_reason);
      break;
    case StreamEvent::Kind::usage:
      o["choices"] = json::array(sp);
      o["usage"] = encode_usage(ev.usage, sp);
      return {json::serialize(o)};
  }
  o["choices"] = json::array({json::object({{"index", 0},
                                            {"delta", std::move(delta)},
                                            {"logprobs", nullptr},
                                            {"finish_reason", std::move(finish)}},
                                           sp)},
                             sp);
  return {json::serialize(o)};
}

}  // namespace modelmux::openai
