#include "providers/ollama/ollama_provider.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "wire/parts.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

Result<json::object> encode(const ChatRequest& req, std::string_view model) {
  json::array messages;
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const Message& m = req.messages[i];
    json::object out;
    switch (m.role) {
      case Role::system:
      case Role::developer:
        out["role"] = "system";
        break;
      case Role::user:
        out["role"] = "user";
        break;
      case Role::assistant:
        out["role"] = "assistant";
        break;
      case Role::tool:
        out["role"] = "tool";
        break;
    }
    out["content"] = m.text();
    json::array images;
    for (const auto& p : m.content) {
      if (p.kind != ContentPart::Kind::image) continue;
      auto data = p.base64_data();
      if (data.empty())
        return fail(ErrorCode::invalid_request,
                    fmt::format("messages[{}]: ollama takes images as base64 data URLs, not links", i),
                    fmt::format("messages[{}].content", i));
      images.emplace_back(data);
    }
    if (!images.empty()) out["images"] = std::move(images);
    if (!m.tool_calls.empty()) {
      json::array calls;
      for (const auto& c : m.tool_calls) {
        auto args = json_util::arguments_object(c.arguments);
        if (!args)
          return fail(ErrorCode::invalid_request,
                      fmt::format("messages[{}]: tool call arguments are not a JSON object", i),
                      fmt::format("messages[{}].tool_calls", i));
        calls.push_back(
            json::object{{"function", json::object{{"name", c.name}, {"arguments", std::move(*args)}}}});
      }
      out["tool_calls"] = std::move(calls);
    }
    if (m.role == Role::tool) {
      // Ollama names the tool a result belongs to; find it from the call this result answers.
      for (std::size_t k = i; k-- > 0;)
        for (const auto& c : req.messages[k].tool_calls)
          if (c.id == m.tool_call_id && !out.contains("tool_name")) out["tool_name"] = c.name;
    }
    messages.push_back(std::move(out));
  }
  json::object o{{"model", model}, {"messages", std::move(messages)}, {"stream", req.stream}};
  json::object options;
  if (req.temperature) options["temperature"] = *req.temperature;
  if (req.top_p) options["top_p"] = *req.top_p;
  if (req.max_tokens) options["num_predict"] = *req.max_tokens;
  if (req.seed) options["seed"] = *req.seed;
  if (!req.stop.empty()) {
    json::array stops;
    for (const auto& s : req.stop) stops.emplace_back(s);
    options["stop"] = std::move(stops);
  }
  if (!options.empty()) o["options"] = std::move(options);
  if (!req.tools.empty()) {
    json::array tools;
    for (const auto& t : req.tools) {
      json::object fn{{"name", t.name}};
      if (!t.description.empty()) fn["description"] = t.description;
      fn["parameters"] =
          t.parameters.is_null() ? json::value(json::object{{"type", "object"}}) : t.parameters;
      tools.push_back(json::object{{"type", "function"}, {"function", std::move(fn)}});
    }
    o["tools"] = std::move(tools);
  }
  if (req.response_format.type == ResponseFormat::Type::json_object) o["format"] = "json";
  if (req.response_format.type == ResponseFormat::Type::json_schema) o["format"] = req.response_format.schema;
  return o;
}

std::vector<ToolCall> tool_calls_of(const json::object& message, int& counter) {
  std::vector<ToolCall> calls;
  if (auto* tcs = message.if_contains("tool_calls"); tcs && tcs->is_array()) {
    for (const auto& tc : tcs->get_array()) {
      if (!tc.is_object()) continue;
      ToolCall call;
      call.id = json_util::string_field(tc.get_object(), "id");
      if (call.id.empty()) call.id = fmt::format("call_{}", counter);  // older Ollama sends no ids
      ++counter;
      if (auto* f = tc.get_object().if_contains("function"); f && f->is_object()) {
        call.name = json_util::string_field(f->get_object(), "name");
        if (auto* a = f->get_object().if_contains("arguments"))
          call.arguments = a->is_string() ? std::string(a->get_string()) : json::serialize(*a);
      }
      calls.push_back(std::move(call));
    }
  }
  return calls;
}

FinishReason finish_of(std::string_view done_reason, bool had_tool_calls) {
  if (had_tool_calls) return FinishReason::tool_calls;
  if (done_reason == "length") return FinishReason::length;
  return FinishReason::stop;
}

// One JSON object per line; the last one has "done": true with the counts.
class OllamaStreamDecoder final : public StreamDecoder {
 public:
  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    pending_.append(bytes);
    if (pending_.size() > (16u << 20)) return fail(ErrorCode::upstream_error, "ollama stream line too large");
    std::size_t start = 0;
    for (;;) {
      auto nl = pending_.find('\n', start);
      if (nl == std::string::npos) break;
      auto r = line(std::string_view(pending_).substr(start, nl - start), out);
      start = nl + 1;
      if (!r) return r;
    }
    pending_.erase(0, start);
    return {};
  }

  Result<void> finish(std::vector<StreamEvent>& out) override {
    if (!pending_.empty()) {
      auto r = line(pending_, out);
      pending_.clear();
      if (!r) return r;
    }
    if (!done_) return fail(ErrorCode::upstream_error, "ollama stream ended before done");
    return {};
  }

 private:
  Result<void> line(std::string_view text, std::vector<StreamEvent>& out) {
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.empty()) return {};
    boost::system::error_code ec;
    json::value v = json_util::parse(text, ec);
    if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "malformed ollama stream line");
    const auto& o = v.get_object();
    if (auto e = json_util::string_field(o, "error"); !e.empty()) {
      Error err = Error::make(ErrorCode::upstream_error, "ollama: " + std::string(e));
      err.provider = "ollama";
      return std::unexpected(std::move(err));
    }
    if (!started_) {
      started_ = true;
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::start;
      ev.model = json_util::string_field(o, "model");
      out.push_back(std::move(ev));
    }
    if (auto* m = o.if_contains("message"); m && m->is_object()) {
      if (auto t = json_util::string_field(m->get_object(), "thinking"); !t.empty()) {
        StreamEvent ev;
        ev.kind = StreamEvent::Kind::reasoning_delta;
        ev.text = t;
        out.push_back(std::move(ev));
      }
      if (auto t = json_util::string_field(m->get_object(), "content"); !t.empty()) {
        StreamEvent ev;
        ev.kind = StreamEvent::Kind::text_delta;
        ev.text = t;
        out.push_back(std::move(ev));
      }
      // Ollama sends every call its parser found in one line: each gets its own index.
      int index = tool_counter_;
      for (auto& call : tool_calls_of(m->get_object(), tool_counter_)) {
        StreamEvent ev;
        ev.kind = StreamEvent::Kind::tool_call_delta;
        ev.tool_index = index++;
        ev.tool_id = std::move(call.id);
        ev.tool_name = std::move(call.name);
        ev.tool_arguments = std::move(call.arguments);
        out.push_back(std::move(ev));
      }
    }
    if (auto* d = o.if_contains("done"); d && d->is_bool() && d->get_bool()) {
      done_ = true;
      StreamEvent fin;
      fin.kind = StreamEvent::Kind::finish;
      fin.finish_reason = finish_of(json_util::string_field(o, "done_reason"), tool_counter_ > 0);
      out.push_back(std::move(fin));
      StreamEvent usage;
      usage.kind = StreamEvent::Kind::usage;
      usage.usage.input_tokens = json_util::int_field(o, "prompt_eval_count");
      usage.usage.output_tokens = json_util::int_field(o, "eval_count");
      out.push_back(std::move(usage));
    }
    return {};
  }

  std::string pending_;
  bool started_ = false;
  bool done_ = false;
  int tool_counter_ = 0;
};

}  // namespace

void OllamaProvider::prepare(Target& target) const {
  target.request_path = target.base.path + "/api/chat";
  prepare_json_headers(
      target, "application/x-ndjson",
      target.cfg.api_key.empty() ? std::string() : "authorization: Bearer " + target.cfg.api_key + "\r\n");
}

Result<http::ClientRequest> OllamaProvider::build_chat(const ChatRequest& req, const Target& target) const {
  if (auto ok = wire::parts_carried(req, "Ollama", false); !ok) return std::unexpected(ok.error());
  auto body = encode(req, target.cfg.model);
  if (!body) return std::unexpected(body.error());
  apply_provider_options(*body, req.extra, target.cfg.provider);  // e.g. keep_alive, think
  return json_post(target, json::serialize(*body), req.stream);
}

Result<ChatResponse> OllamaProvider::decode_chat(std::string_view body, const ChatRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "ollama reply is not a JSON object");
  const auto& o = v.get_object();
  auto* m = o.if_contains("message");
  if (!m || !m->is_object()) return fail(ErrorCode::upstream_error, "malformed ollama reply: no message");
  ChatResponse r;
  r.model = json_util::string_field(o, "model");
  r.message.role = Role::assistant;
  int counter = 0;
  r.message.tool_calls = tool_calls_of(m->get_object(), counter);
  r.message.reasoning = json_util::string_field(m->get_object(), "thinking");  // with "think": true
  std::string text(json_util::string_field(m->get_object(), "content"));
  if (!text.empty() || r.message.tool_calls.empty())
    r.message.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  r.finish_reason = finish_of(json_util::string_field(o, "done_reason"), !r.message.tool_calls.empty());
  Usage u;
  u.input_tokens = json_util::int_field(o, "prompt_eval_count");
  u.output_tokens = json_util::int_field(o, "eval_count");
  r.usage = u;
  return r;
}

std::unique_ptr<StreamDecoder> OllamaProvider::stream_decoder(const ChatRequest&) const {
  return std::make_unique<OllamaStreamDecoder>();
}

Error OllamaProvider::map_error(int status, std::string_view retry_after, std::string_view body) const {
  std::string message(body.substr(0, 300));
  boost::system::error_code ec;
  if (auto v = json_util::parse(body, ec); !ec && v.is_object())
    if (auto e = json_util::string_field(v.get_object(), "error"); !e.empty()) message = e;
  return error_from_status(name(), status, retry_after, message);
}

}  // namespace modelmux::providers
