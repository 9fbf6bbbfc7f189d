#include "wire/tgi/tgi_json.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"

namespace json = boost::json;

namespace modelmux::tgi {
namespace {

std::string_view role_tag(Role role) {
  switch (role) {
    case Role::system:
    case Role::developer:
      return "System";
    case Role::assistant:
      return "Assistant";
    default:
      return "User";
  }
}

Result<void> refuse(std::string what, std::string param) {
  return fail(
      ErrorCode::invalid_request,
      fmt::format("sagemaker_format tgi renders a plain prompt and cannot carry {}; serve the endpoint "
                  "with an OpenAI-compatible container (sagemaker_format: openai) for that",
                  what),
      std::move(param));
}

// Usage from a TGI `details` object: it counts generated tokens only (prompt tokens come back only with
// decoder_input_details, which costs a list of every prompt token).
Usage usage_of(const json::object& details) {
  Usage u;
  u.output_tokens = json_util::int_field(details, "generated_tokens");
  return u;
}

// One line per generation step: `data:{json}` (TGI's SSE) or `{json}` (LMI's JSON lines). Blank lines,
// SSE comments and other SSE fields are skipped.
class TgiStreamDecoder final : public providers::StreamDecoder {
 public:
  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    line_.append(bytes);
    std::size_t start = 0;
    for (std::size_t nl; (nl = line_.find('\n', start)) != std::string::npos; start = nl + 1)
      if (auto r = on_line(std::string_view(line_).substr(start, nl - start), out); !r) return r;
    line_.erase(0, start);
    if (line_.size() > kMaxLine)
      return fail(ErrorCode::upstream_error, "sagemaker tgi stream line too large");
    return {};
  }

  Result<void> finish(std::vector<StreamEvent>& out) override {
    if (!line_.empty()) {
      std::string last = std::move(line_);
      line_.clear();
      if (auto r = on_line(last, out); !r) return r;
    }
    if (!finished_)
      return fail(ErrorCode::upstream_error, "sagemaker tgi stream ended before its final details");
    return {};
  }

 private:
  static constexpr std::size_t kMaxLine = 16u << 20;

  Result<void> on_line(std::string_view line, std::vector<StreamEvent>& out) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("data:")) {
      line.remove_prefix(5);
      if (line.starts_with(' ')) line.remove_prefix(1);
    } else if (line.empty() || line[0] != '{') {
      return {};  // a blank separator, an SSE comment or another SSE field
    }
    if (line.empty() || finished_) return {};
    boost::system::error_code ec;
    json::value v = json_util::parse(line, ec);
    if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "malformed sagemaker tgi stream line");
    const auto& o = v.get_object();
    if (auto* e = o.if_contains("error"); e && !e->is_null()) {
      std::string msg = e->is_string() ? std::string(e->get_string()) : json::serialize(*e);
      return fail(Error::make(ErrorCode::upstream_error, "sagemaker tgi stream error: " + msg));
    }
    if (!started_) {
      started_ = true;
      out.push_back(StreamEvent{.kind = StreamEvent::Kind::start});
    }
    if (auto* t = o.if_contains("token"); t && t->is_object()) {
      const auto& token = t->get_object();
      auto* special = token.if_contains("special");
      bool is_special = special && special->is_bool() && special->get_bool();
      // Special tokens (the end-of-sequence token's "</s>") are markup, not text.
      if (auto text = json_util::string_field(token, "text"); !text.empty() && !is_special) {
        StreamEvent ev{.kind = StreamEvent::Kind::text_delta};
        ev.text = text;
        out.push_back(std::move(ev));
      }
    }
    auto* details = o.if_contains("details");
    auto* generated = o.if_contains("generated_text");
    if (details && details->is_object()) {
      const auto& d = details->get_object();
      finished_ = true;
      out.push_back(StreamEvent{.kind = StreamEvent::Kind::finish,
                                .finish_reason = finish_reason(json_util::string_field(d, "finish_reason"))});
      StreamEvent usage{.kind = StreamEvent::Kind::usage};
      usage.usage = usage_of(d);
      out.push_back(std::move(usage));
    } else if (generated && generated->is_string()) {
      // The last step names the whole text; without details its end reason is unknown.
      finished_ = true;
      out.push_back(StreamEvent{.kind = StreamEvent::Kind::finish, .finish_reason = FinishReason::stop});
    }
    return {};
  }

  std::string line_;
  bool started_ = false;
  bool finished_ = false;
};

}  // namespace

std::string render_prompt(const std::vector<Message>& messages) {
  std::string prompt;
  for (const auto& m : messages) prompt += fmt::format("{}: {}\n\n", role_tag(m.role), m.text());
  prompt += "Assistant:";
  return prompt;
}

Result<json::object> encode_request(const ChatRequest& req) {
  if (!req.tools.empty()) return std::unexpected(refuse("tools", "tools").error());
  if (req.response_format.type != ResponseFormat::Type::text)
    return std::unexpected(refuse("a JSON response_format", "response_format").error());
  for (std::size_t i = 0; i < req.messages.size(); ++i) {
    const auto& m = req.messages[i];
    std::string param = fmt::format("messages[{}]", i);
    if (m.role == Role::tool || !m.tool_calls.empty())
      return std::unexpected(refuse("tool calls", param).error());
    for (const auto& p : m.content)
      if (p.kind == ContentPart::Kind::image)
        return std::unexpected(refuse("images", param + ".content").error());
  }
  // TGI refuses a temperature of 0 and a top_p of 1 ("must be strictly positive", "must be < 1.0"):
  // both mean greedy or unrestricted decoding, which is what leaving them out asks for.
  json::object params{{"details", true}, {"return_full_text", false}};
  if (req.max_tokens) params["max_new_tokens"] = *req.max_tokens;
  if (req.temperature && *req.temperature > 0) params["temperature"] = *req.temperature;
  if (req.top_p && *req.top_p > 0 && *req.top_p < 1) params["top_p"] = *req.top_p;
  if (req.seed) params["seed"] = *req.seed;
  if (!req.stop.empty()) {
    json::array stop;
    for (const auto& s : req.stop) stop.emplace_back(s);
    params["stop"] = std::move(stop);
  }
  json::object o{{"inputs", render_prompt(req.messages)}, {"parameters", std::move(params)}};
  if (req.stream) o["stream"] = true;
  return o;
}

FinishReason finish_reason(std::string_view reason) {
  if (reason == "length") return FinishReason::length;
  return FinishReason::stop;  // eos_token, stop_sequence
}

Result<ChatResponse> decode_reply(std::string_view body, std::string_view model) {
  boost::system::error_code ec;
  json::value v = json_util::parse(body, ec);
  if (ec) return fail(ErrorCode::upstream_error, "sagemaker tgi reply is not JSON");
  // SageMaker's /invocations answers a list with one generation; TGI's own /generate an object.
  if (v.is_array() && !v.get_array().empty()) v = v.get_array()[0];
  if (!v.is_object() || !v.get_object().contains("generated_text"))
    return fail(ErrorCode::upstream_error, "sagemaker tgi reply has no generated_text");
  const auto& o = v.get_object();
  ChatResponse r;
  r.model = model;
  r.message.role = Role::assistant;
  r.message.content.push_back(ContentPart{.text = std::string(json_util::string_field(o, "generated_text"))});
  r.finish_reason = FinishReason::stop;
  if (auto* d = o.if_contains("details"); d && d->is_object()) {
    r.finish_reason = finish_reason(json_util::string_field(d->get_object(), "finish_reason"));
    r.usage = usage_of(d->get_object());
  }
  return r;
}

std::unique_ptr<providers::StreamDecoder> stream_decoder() {
  return std::make_unique<TgiStreamDecoder>();
}

}  // namespace modelmux::tgi
