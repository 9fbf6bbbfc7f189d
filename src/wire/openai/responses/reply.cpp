// Responses-API response objects and stream events from canonical replies. A stream's items open as their
// first delta arrives and close when another kind of item starts or the stream ends; function calls stay
// open until the end, since parallel calls may interleave their argument deltas.
#include "wire/openai/responses/reply.hpp"

#include <boost/json/serialize.hpp>

#include "core/json_util.hpp"
#include "wire/openai/responses/request.hpp"

namespace json = boost::json;

namespace modelmux::openai::responses {
namespace {

// A finished call's arguments are JSON: a tool without parameters gets {}, never an empty string.
std::string whole_arguments(std::string args) {
  return args.empty() ? "{}" : args;
}

json::object text_part(std::string_view text) {
  return json::object{
      {"type", "output_text"}, {"annotations", json::array()}, {"logprobs", json::array()}, {"text", text}};
}

json::object message_item(std::string_view id, std::string_view status, json::array content) {
  return json::object{{"id", id},
                      {"type", "message"},
                      {"status", status},
                      {"role", "assistant"},
                      {"content", std::move(content)}};
}

json::object reasoning_item(std::string_view id, json::array summary) {
  return json::object{{"id", id}, {"type", "reasoning"}, {"summary", std::move(summary)}};
}

json::object summary_part(std::string_view text) {
  return json::object{{"type", "summary_text"}, {"text", text}};
}

json::object call_item(std::string_view id, std::string_view status, std::string_view call_id,
                       std::string_view name, std::string_view arguments) {
  return json::object{{"id", id},           {"type", "function_call"},
                      {"status", status},   {"arguments", arguments},
                      {"call_id", call_id}, {"name", name}};
}

std::string_view incomplete_reason(FinishReason f) {
  return f == FinishReason::content_filter ? "content_filter" : "max_output_tokens";
}

}  // namespace

std::string_view status_of(FinishReason finish) {
  return finish == FinishReason::length || finish == FinishReason::content_filter ? "incomplete"
                                                                                  : "completed";
}

json::object encode_usage(const Usage& u) {
  return json::object{{"input_tokens", u.input_tokens},
                      {"input_tokens_details", json::object{{"cached_tokens", u.cached_input_tokens}}},
                      {"output_tokens", u.output_tokens},
                      {"output_tokens_details", json::object{{"reasoning_tokens", u.reasoning_tokens}}},
                      {"total_tokens", u.total()}};
}

Usage decode_usage(const json::object& u) {
  Usage out;
  out.input_tokens = json_util::int_field(u, "input_tokens");
  out.output_tokens = json_util::int_field(u, "output_tokens");
  if (const auto* d = u.if_contains("input_tokens_details"); d && d->is_object())
    out.cached_input_tokens = json_util::int_field(d->get_object(), "cached_tokens");
  if (const auto* d = u.if_contains("output_tokens_details"); d && d->is_object())
    out.reasoning_tokens = json_util::int_field(d->get_object(), "reasoning_tokens");
  return out;
}

json::array output_items(const Message& m, std::string_view response_id) {
  json::array out;
  if (!m.reasoning.empty())
    out.push_back(
        reasoning_item(item_id("rs", response_id, out.size()), json::array{summary_part(m.reasoning)}));
  std::string text = m.text();
  if (!text.empty() || m.tool_calls.empty())
    out.push_back(
        message_item(item_id("msg", response_id, out.size()), "completed", json::array{text_part(text)}));
  for (const auto& call : m.tool_calls) {
    std::string id = item_id("fc", response_id, out.size());
    out.push_back(call_item(id, "completed", call.id.empty() ? "call_" + id : call.id, call.name,
                            whole_arguments(call.arguments)));
  }
  return out;
}

json::object response_object(const Head& head, std::string_view status, json::array output,
                             const std::optional<Usage>& usage, FinishReason finish, const Error* error) {
  json::object r{
      {"id", head.id},       {"object", "response"}, {"created_at", head.created_at}, {"status", status},
      {"background", false}, {"error", nullptr},     {"incomplete_details", nullptr}};
  if (error)
    r["error"] = json::object{{"code", to_string(error->code)}, {"message", error->message}};
  else if (status == "incomplete")
    r["incomplete_details"] = json::object{{"reason", incomplete_reason(finish)}};
  for (const auto& [k, v] : head.echo) r[k] = v;
  r["model"] = head.model;
  r["output"] = std::move(output);
  r["usage"] = usage ? json::value(encode_usage(*usage)) : json::value(nullptr);
  return r;
}

json::object encode_response(const Head& head, const ChatResponse& reply) {
  return response_object(head, status_of(reply.finish_reason), output_items(reply.message, head.id),
                         reply.usage, reply.finish_reason);
}

// ---- streams

namespace {
void frame(std::string_view type, const json::object& payload, std::string& out) {
  out.append("event: ").append(type).append("\ndata: ").append(json::serialize(payload)).append("\n\n");
}
}  // namespace

void error_event(const Error& err, std::int64_t sequence, std::string& out) {
  json::object e{{"type", "error"}, {"code", to_string(err.code)}, {"message", err.message}};
  e["param"] = err.param.empty() ? json::value(nullptr) : json::value(err.param);
  e["sequence_number"] = sequence;
  frame("error", e, out);
}

void EventEncoder::emit(std::string_view type, json::object payload, std::string& out) {
  payload["type"] = type;
  payload["sequence_number"] = sequence_++;
  frame(type, payload, out);
}

void EventEncoder::begin(std::string& out) {
  if (begun_) return;
  begun_ = true;
  auto r = response_object(head_, "in_progress", json::array(), std::nullopt, FinishReason::none);
  emit("response.created", json::object{{"response", r}}, out);
  emit("response.in_progress", json::object{{"response", std::move(r)}}, out);
}

std::size_t EventEncoder::open_item(std::string_view type, std::string& out) {
  std::size_t index = items_.size();
  Item item;
  if (type == "message")
    item.json = message_item(item_id("msg", head_.id, index), "in_progress", json::array());
  else
    item.json = reasoning_item(item_id("rs", head_.id, index), json::array());
  items_.push_back(item);
  emit("response.output_item.added", json::object{{"output_index", index}, {"item", item.json}}, out);
  std::string_view id = item.json.at("id").as_string();
  if (type == "message")
    emit(
        "response.content_part.added",
        json::object{{"item_id", id}, {"output_index", index}, {"content_index", 0}, {"part", text_part("")}},
        out);
  else if (type == "reasoning")
    emit("response.reasoning_summary_part.added",
         json::object{
             {"item_id", id}, {"output_index", index}, {"summary_index", 0}, {"part", summary_part("")}},
         out);
  return index;
}

void EventEncoder::close(std::size_t index, std::string& out) {
  Item& item = items_[index];
  if (!item.open) return;
  item.open = false;
  std::string id(item.json.at("id").as_string());
  std::string_view type = item.json.at("type").as_string();
  if (type == "message") {
    emit("response.output_text.done",
         json::object{{"item_id", id},
                      {"output_index", index},
                      {"content_index", 0},
                      {"text", item.text},
                      {"logprobs", json::array()}},
         out);
    emit("response.content_part.done",
         json::object{
             {"item_id", id}, {"output_index", index}, {"content_index", 0}, {"part", text_part(item.text)}},
         out);
    item.json = message_item(id, "completed", json::array{text_part(item.text)});
    message_.reset();
  } else if (type == "reasoning") {
    emit("response.reasoning_summary_text.done",
         json::object{{"item_id", id}, {"output_index", index}, {"summary_index", 0}, {"text", item.text}},
         out);
    emit("response.reasoning_summary_part.done",
         json::object{{"item_id", id},
                      {"output_index", index},
                      {"summary_index", 0},
                      {"part", summary_part(item.text)}},
         out);
    item.json = reasoning_item(id, json::array{summary_part(item.text)});
    reasoning_.reset();
  } else {
    item.text = whole_arguments(std::move(item.text));
    std::string name(item.json.at("name").as_string());
    emit("response.function_call_arguments.done",
         json::object{{"item_id", id}, {"output_index", index}, {"name", name}, {"arguments", item.text}},
         out);
    item.json["status"] = "completed";
    item.json["arguments"] = item.text;
  }
  emit("response.output_item.done", json::object{{"output_index", index}, {"item", item.json}}, out);
}

// A new kind of item starts: the message or reasoning under way ends (calls stay open, see above).
void EventEncoder::close_all_but(std::string_view kind, std::string& out) {
  if (kind != "message" && message_) close(*message_, out);
  if (kind != "reasoning" && reasoning_) close(*reasoning_, out);
}

void EventEncoder::encode(const StreamEvent& ev, std::string& out) {
  if (ended_) return;
  begin(out);
  switch (ev.kind) {
    case StreamEvent::Kind::start:
      // The upstream's id and model are its own: the response keeps the gateway's id and the client's model.
      return;
    case StreamEvent::Kind::text_delta: {
      if (ev.text.empty()) return;
      close_all_but("message", out);
      if (!message_) message_ = open_item("message", out);
      Item& item = items_[*message_];
      item.text += ev.text;
      emit("response.output_text.delta",
           json::object{{"item_id", item.json.at("id")},
                        {"output_index", *message_},
                        {"content_index", 0},
                        {"delta", ev.text},
                        {"logprobs", json::array()}},
           out);
      return;
    }
    case StreamEvent::Kind::reasoning_delta: {
      if (ev.text.empty()) return;
      close_all_but("reasoning", out);
      if (!reasoning_) reasoning_ = open_item("reasoning", out);
      Item& item = items_[*reasoning_];
      item.text += ev.text;
      emit("response.reasoning_summary_text.delta",
           json::object{{"item_id", item.json.at("id")},
                        {"output_index", *reasoning_},
                        {"summary_index", 0},
                        {"delta", ev.text}},
           out);
      return;
    }
    case StreamEvent::Kind::tool_call_delta: {
      std::optional<std::size_t> index;
      for (auto [tool, i] : calls_)
        if (tool == ev.tool_index) index = i;
      if (!index) {
        close_all_but("function_call", out);
        // The item is announced with its name and call id, which the first delta carries.
        std::size_t i = items_.size();
        std::string fc = item_id("fc", head_.id, i);
        Item item;
        item.json =
            call_item(fc, "in_progress", ev.tool_id.empty() ? "call_" + fc : ev.tool_id, ev.tool_name, "");
        items_.push_back(std::move(item));
        calls_.emplace_back(ev.tool_index, i);
        emit("response.output_item.added", json::object{{"output_index", i}, {"item", items_[i].json}}, out);
        index = i;
      }
      Item& item = items_[*index];
      if (!ev.tool_name.empty() && item.json.at("name").as_string().empty()) item.json["name"] = ev.tool_name;
      if (ev.tool_arguments.empty()) return;
      item.text += ev.tool_arguments;
      emit("response.function_call_arguments.delta",
           json::object{
               {"item_id", item.json.at("id")}, {"output_index", *index}, {"delta", ev.tool_arguments}},
           out);
      return;
    }
    case StreamEvent::Kind::finish:
      finish_ = ev.finish_reason;
      return;
    case StreamEvent::Kind::usage:
      usage_ = ev.usage;
      return;
  }
}

json::array EventEncoder::output() const {
  json::array out;
  for (const auto& item : items_) out.push_back(item.json);
  return out;
}

void EventEncoder::finish(std::string& out) {
  if (ended_) return;
  begin(out);
  for (std::size_t i = 0; i < items_.size(); ++i) close(i, out);
  ended_ = true;
  std::string_view status = status_of(finish_);
  auto r = response_object(head_, status, output(), usage_, finish_);
  emit(status == "completed" ? "response.completed" : "response.incomplete", json::object{{"response", r}},
       out);
  if (on_end_) on_end_(r);
}

void EventEncoder::fail(const Error& err, std::string& out) {
  if (ended_) return;
  begin(out);
  ended_ = true;
  error_event(err, sequence_++, out);
  auto r = response_object(head_, "failed", output(), usage_, finish_, &err);
  emit("response.failed", json::object{{"response", r}}, out);
  if (on_end_) on_end_(r);
}

}  // namespace modelmux::openai::responses
