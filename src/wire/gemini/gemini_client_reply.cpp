// The Gemini surface's replies: canonical replies, streams, embeddings and errors in Google's shapes, as
// @google/genai reads them. Every candidate has content.role "model" and non-empty parts (the SDK's chats
// drop a turn otherwise), stream chunks are single `data:` lines ended by a blank line, with no [DONE], and
// nothing ever carries a continuationToken (the SDK would post the request again).
#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "wire/gemini/gemini_json.hpp"

namespace json = boost::json;

namespace modelmux::gemini {
namespace {

std::string_view reason_of(FinishReason r) {
  switch (r) {
    case FinishReason::length:
      return "MAX_TOKENS";
    case FinishReason::content_filter:
      return "SAFETY";
    default:
      return "STOP";  // Gemini ends a turn of function calls with STOP too
  }
}

// Google reports thoughts apart from the candidates' tokens; the canonical usage counts them in the output.
json::object usage_metadata(const Usage& u) {
  json::object o{{"promptTokenCount", u.input_tokens},
                 {"candidatesTokenCount", u.output_tokens - u.reasoning_tokens},
                 {"totalTokenCount", u.input_tokens + u.output_tokens}};
  if (u.reasoning_tokens) o["thoughtsTokenCount"] = u.reasoning_tokens;
  if (u.cached_input_tokens) o["cachedContentTokenCount"] = u.cached_input_tokens;
  return o;
}

json::object function_call(const ToolCall& c) {
  json::object args = json_util::arguments_object(c.arguments).value_or(json::object{});
  return json::object{
      {"functionCall", json::object{{"name", c.name}, {"args", std::move(args)}, {"id", c.id}}}};
}

json::object candidate(json::array parts) {
  if (parts.empty()) parts.push_back(json::object{{"text", ""}});
  return json::object{{"content", json::object{{"parts", std::move(parts)}, {"role", "model"}}},
                      {"index", 0}};
}

// google.rpc status names by HTTP status (AIP-193); statuses Google has no name for get the nearest one.
std::string_view status_name(int http) {
  switch (http) {
    case 400:
    case 413:
    case 422:
      return "INVALID_ARGUMENT";
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "PERMISSION_DENIED";
    case 404:
      return "NOT_FOUND";
    case 405:
    case 501:
      return "UNIMPLEMENTED";
    case 408:
    case 504:
      return "DEADLINE_EXCEEDED";
    case 409:
      return "ABORTED";
    case 429:
      return "RESOURCE_EXHAUSTED";
    case 499:
      return "CANCELLED";
    case 502:
    case 503:
      return "UNAVAILABLE";
    default:
      return http >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
  }
}

json::object error_object(const Error& err) {
  std::string reason(to_string(err.code));
  for (auto& c : reason) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  json::array details{json::object{
      {"@type", "type.googleapis.com/google.rpc.ErrorInfo"}, {"reason", reason}, {"domain", "modelmux"}}};
  if (err.retry_after)
    details.push_back(json::object{{"@type", "type.googleapis.com/google.rpc.RetryInfo"},
                                   {"retryDelay", fmt::format("{}s", err.retry_after->count())}});
  return json::object{{"code", err.http_status},
                      {"message", err.message},
                      {"status", status_name(err.http_status)},
                      {"details", std::move(details)}};
}

}  // namespace

json::object encode_client_reply(const ChatResponse& r, std::string_view fallback_id) {
  json::array parts;
  if (!r.message.reasoning.empty())
    parts.push_back(json::object{{"text", r.message.reasoning}, {"thought", true}});
  if (std::string text = r.message.text(); !text.empty())
    parts.push_back(json::object{{"text", std::move(text)}});
  for (const auto& c : r.message.tool_calls) parts.push_back(function_call(c));
  json::object cand = candidate(std::move(parts));
  cand["finishReason"] = reason_of(r.finish_reason);
  json::object out{{"candidates", json::array{std::move(cand)}}};
  if (r.usage) out["usageMetadata"] = usage_metadata(*r.usage);
  out["modelVersion"] = r.model;
  out["responseId"] = r.id.empty() ? std::string(fallback_id) : r.id;
  return out;
}

std::string encode_client_embeddings(const EmbeddingsResponse& resp, bool batch) {
  auto values = [](const std::vector<float>& v) {
    json::array a;
    a.reserve(v.size());
    for (float x : v) a.emplace_back(static_cast<double>(x));
    return json::object{{"values", std::move(a)}};
  };
  if (!batch)
    return json::serialize(
        json::object{{"embedding", resp.vectors.empty() ? json::object{} : values(resp.vectors[0])}});
  json::array list;
  for (const auto& v : resp.vectors) list.push_back(values(v));
  return json::serialize(json::object{{"embeddings", std::move(list)}});
}

std::string client_error_body(const Error& err) {
  return json::serialize(json::object{{"error", error_object(err)}});
}

void ClientStreamEncoder::chunk(json::array parts, std::string& out, bool last) {
  json::object cand = candidate(std::move(parts));
  if (last) cand["finishReason"] = reason_of(finish_);
  json::object o{{"candidates", json::array{std::move(cand)}}};
  if (last && usage_) o["usageMetadata"] = usage_metadata(*usage_);
  o["modelVersion"] = model_;
  o["responseId"] = id_;
  out.append("data: ").append(json::serialize(o)).append("\r\n\r\n");
}

void ClientStreamEncoder::encode(const StreamEvent& ev, std::string& out) {
  switch (ev.kind) {
    case StreamEvent::Kind::start:
      if (!ev.id.empty()) id_ = ev.id;
      if (!ev.model.empty()) model_ = ev.model;
      break;
    case StreamEvent::Kind::text_delta:
      if (!ev.text.empty()) chunk(json::array{json::object{{"text", ev.text}}}, out, false);
      break;
    case StreamEvent::Kind::reasoning_delta:
      if (!ev.text.empty())
        chunk(json::array{json::object{{"text", ev.text}, {"thought", true}}}, out, false);
      break;
    case StreamEvent::Kind::tool_call_delta: {
      // Gemini sends a call whole: the pieces are gathered and go out on the last chunk.
      if (ev.tool_index < 0 || ev.tool_index > 1024) break;
      auto i = static_cast<std::size_t>(ev.tool_index);
      if (calls_.size() <= i) calls_.resize(i + 1);
      if (!ev.tool_id.empty()) calls_[i].id = ev.tool_id;
      if (!ev.tool_name.empty()) calls_[i].name = ev.tool_name;
      calls_[i].arguments += ev.tool_arguments;
      break;
    }
    case StreamEvent::Kind::finish:
      finish_ = ev.finish_reason;
      break;
    case StreamEvent::Kind::usage:
      usage_ = ev.usage;
      break;
  }
}

void ClientStreamEncoder::finish(std::string& out) {
  json::array parts;
  for (const auto& c : calls_)
    if (!c.name.empty()) parts.push_back(function_call(c));
  chunk(std::move(parts), out, true);
}

std::string ClientStreamEncoder::error_frame(const Error& err) {
  // A numeric `code` is what makes the SDK raise it; without one it ends the stream as if all were well.
  return "data: " + client_error_body(err) + "\r\n\r\n";
}

}  // namespace modelmux::gemini
