// Gemini GenerateContentResponse and error bodies -> canonical replies, usage and errors.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

#include "core/json_util.hpp"
#include "providers/provider.hpp"
#include "wire/gemini/gemini_json.hpp"

namespace json = boost::json;

namespace modelmux::gemini {
namespace {

constexpr std::string_view kSignatureMark = "_ts_";

std::int64_t count(const json::object& o, std::string_view key) {
  return json_util::int_field(o, key);
}

// "43s" or "0.5s" (a protobuf Duration in JSON), rounded up to whole seconds.
std::optional<std::chrono::seconds> retry_delay_of(const json::object& error) {
  auto* details = error.if_contains("details");
  if (!details || !details->is_array()) return std::nullopt;
  for (const auto& d : details->get_array()) {
    if (!d.is_object() || !json_util::string_field(d.get_object(), "@type").ends_with("google.rpc.RetryInfo"))
      continue;
    std::string delay(json_util::string_field(d.get_object(), "retryDelay"));
    if (delay.empty() || delay.back() != 's') return std::nullopt;
    delay.pop_back();
    char* end = nullptr;
    double secs = std::strtod(delay.c_str(), &end);
    if (end == delay.c_str() || *end != '\0' || secs < 0 || secs > 86400) return std::nullopt;
    return std::chrono::seconds(static_cast<long>(std::ceil(secs)));
  }
  return std::nullopt;
}

std::string_view error_reason(const json::object& error) {
  if (auto* details = error.if_contains("details"); details && details->is_array())
    for (const auto& d : details->get_array())
      if (d.is_object() && json_util::string_field(d.get_object(), "@type").ends_with("google.rpc.ErrorInfo"))
        return json_util::string_field(d.get_object(), "reason");
  return {};
}

}  // namespace

Usage usage_of(const json::object& u) {
  Usage usage;
  usage.input_tokens = count(u, "promptTokenCount") + count(u, "toolUsePromptTokenCount");
  usage.reasoning_tokens = count(u, "thoughtsTokenCount");
  usage.output_tokens = count(u, "candidatesTokenCount") + usage.reasoning_tokens;
  usage.cached_input_tokens = count(u, "cachedContentTokenCount");
  return usage;
}

std::string tool_call_id(int ordinal, std::string_view signature) {
  std::string id = fmt::format("call_{}", ordinal);
  if (signature.empty()) return id;
  id += kSignatureMark;
  // base64url without padding: ids travel through clients that may not expect '+', '/' or '='.
  for (char c : signature) {
    if (c == '=') break;
    id.push_back(c == '+' ? '-' : c == '/' ? '_' : c);
  }
  return id;
}

std::string thought_signature_of(std::string_view id) {
  if (!id.starts_with("call_")) return {};
  auto mark = id.find(kSignatureMark, 5);
  if (mark == std::string_view::npos || mark == 5) return {};
  for (char c : id.substr(5, mark - 5))
    if (c < '0' || c > '9') return {};
  std::string sig;
  for (char c : id.substr(mark + kSignatureMark.size())) sig.push_back(c == '-' ? '+' : c == '_' ? '/' : c);
  if (sig.empty()) return {};
  while (sig.size() % 4) sig.push_back('=');
  return sig;
}

Result<ReplyPiece> read_piece(const json::object& o, int& next_call) {
  ReplyPiece piece;
  piece.id = json_util::string_field(o, "responseId");
  piece.model = json_util::string_field(o, "modelVersion");
  if (auto* u = o.if_contains("usageMetadata"); u && u->is_object()) piece.usage = usage_of(u->get_object());
  if (auto* f = o.if_contains("promptFeedback"); f && f->is_object())
    piece.block_reason = json_util::string_field(f->get_object(), "blockReason");
  auto* candidates = o.if_contains("candidates");
  if (!candidates || !candidates->is_array() || candidates->get_array().empty()) return piece;
  const auto& first = candidates->get_array()[0];
  if (!first.is_object())
    return fail(ErrorCode::upstream_error, "malformed gemini reply: candidates[0] is not an object");
  const auto& candidate = first.get_object();
  piece.finish_reason = json_util::string_field(candidate, "finishReason");
  auto* content = candidate.if_contains("content");
  if (!content || !content->is_object()) return piece;  // a blocked candidate has no content
  auto* parts = content->get_object().if_contains("parts");
  if (!parts || !parts->is_array()) return piece;
  for (const auto& pv : parts->get_array()) {
    if (!pv.is_object()) continue;
    const auto& part = pv.get_object();
    // Thought summaries (includeThoughts) are the model's reasoning, not its answer.
    if (auto* thought = part.if_contains("thought"); thought && thought->is_bool() && thought->get_bool()) {
      if (auto* t = part.if_contains("text"); t && t->is_string()) piece.reasoning += t->get_string();
      continue;
    }
    if (auto* t = part.if_contains("text"); t && t->is_string()) piece.text += t->get_string();
    if (auto* fc = part.if_contains("functionCall"); fc && fc->is_object()) {
      ToolCall call;
      call.id = tool_call_id(next_call++, json_util::string_field(part, "thoughtSignature"));
      call.name = json_util::string_field(fc->get_object(), "name");
      auto* args = fc->get_object().if_contains("args");
      call.arguments = args && !args->is_null() ? json::serialize(*args) : std::string("{}");
      piece.calls.push_back(std::move(call));
    }
  }
  return piece;
}

FinishReason finish_reason(std::string_view r, bool had_tool_calls) {
  if (r == "MAX_TOKENS") return FinishReason::length;
  if (r == "SAFETY" || r == "RECITATION" || r == "BLOCKLIST" || r == "PROHIBITED_CONTENT" || r == "SPII" ||
      r == "IMAGE_SAFETY" || r == "IMAGE_PROHIBITED_CONTENT" || r == "IMAGE_RECITATION")
    return FinishReason::content_filter;
  // STOP, and the reasons OpenAI has no word for (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL, ...).
  return had_tool_calls ? FinishReason::tool_calls : FinishReason::stop;
}

Result<ChatResponse> decode_reply(const json::object& body) {
  int next_call = 0;
  auto piece = read_piece(body, next_call);
  if (!piece) return std::unexpected(piece.error());
  ChatResponse r;
  r.id = std::move(piece->id);
  r.model = std::move(piece->model);
  r.message.role = Role::assistant;
  r.usage = piece->usage;
  auto* candidates = body.if_contains("candidates");
  bool none = !candidates || !candidates->is_array() || candidates->get_array().empty();
  if (none && piece->block_reason.empty())
    return fail(ErrorCode::upstream_error, "malformed gemini reply: no candidates and no promptFeedback");
  // A refused prompt is an answer, not an error, the way OpenAI reports its own content filter.
  r.finish_reason =
      none ? FinishReason::content_filter : finish_reason(piece->finish_reason, !piece->calls.empty());
  r.message.tool_calls = std::move(piece->calls);
  r.message.reasoning = std::move(piece->reasoning);
  if (!piece->text.empty() || r.message.tool_calls.empty())
    r.message.content.push_back({ContentPart::Kind::text, std::move(piece->text), {}, {}, {}});
  return r;
}

Error error_of(int http_status, std::string_view retry_after, const json::object& error) {
  std::string_view message = json_util::string_field(error, "message");
  std::string_view status = json_util::string_field(error, "status");
  int code = http_status ? http_status : static_cast<int>(json_util::int_field(error, "code"));
  if (code < 400 || code > 599) code = 500;
  bool too_long = message.find("input token count") != std::string_view::npos ||
                  message.find("exceeds the maximum number of tokens") != std::string_view::npos;
  std::string text = status.empty() ? std::string(message) : fmt::format("{}: {}", status, message);
  Error e = providers::error_from_status("gemini", code, retry_after, text,
                                         too_long ? ErrorCode::context_length : ErrorCode::invalid_request);
  if (error_reason(error) == "API_KEY_INVALID") {  // Google answers a wrong key with 400
    e.code = ErrorCode::authentication;
    e.http_status = 401;
    e.retryable = false;
  } else if (status == "DEADLINE_EXCEEDED" || code == 504) {
    e.code = ErrorCode::timeout;
    e.http_status = 504;
    e.retryable = true;
  }
  if (!e.retry_after) e.retry_after = retry_delay_of(error);
  return e;
}

Error error_of(int http_status, std::string_view retry_after, std::string_view body) {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (!ec && v.is_object())
    if (auto* e = v.get_object().if_contains("error"); e && e->is_object())
      return error_of(http_status, retry_after, e->get_object());
  return providers::error_from_status("gemini", http_status ? http_status : 502, retry_after,
                                      body.substr(0, 300));
}

}  // namespace modelmux::gemini
