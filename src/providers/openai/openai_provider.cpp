#include "providers/openai/openai_provider.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>

#include "core/json_scan.hpp"
#include "core/json_util.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/openai/chat_reply_scan.hpp"
#include "wire/openai/images_json.hpp"
#include "wire/parts.hpp"
#include "wire/sse/sse.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::string_view kAzureApiVersion = "2024-10-21";

class OpenAiStreamDecoder final : public StreamDecoder {
 public:
  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    Result<void> status;
    bool ok = sse_.feed(bytes, [&](const wire::SseEvent& ev) {
      if (status && !chunks_.done()) status = chunks_.feed(ev.data, out);
    });
    if (!ok) return fail(ErrorCode::upstream_error, "upstream stream event too large");
    for (const auto& ev : out)
      if (ev.kind == StreamEvent::Kind::finish) finished_ = true;
    return status;
  }
  Result<void> finish(std::vector<StreamEvent>& out) override {
    Result<void> status;
    sse_.finish([&](const wire::SseEvent& ev) {
      if (status && !chunks_.done()) status = chunks_.feed(ev.data, out);
    });
    if (!status) return status;
    for (const auto& ev : out)
      if (ev.kind == StreamEvent::Kind::finish) finished_ = true;
    if (!chunks_.done() && !finished_)
      return fail(ErrorCode::upstream_error, "upstream stream ended before it was complete");
    return {};
  }

 private:
  wire::SseParser sse_;
  openai::ChunkDecoder chunks_;
  bool finished_ = false;
};

// Every `"key": <integer>` of a usage object, nested details included, in one forward pass (usage objects
// hold only numbers and objects, so no string value can hide a quote).
Usage usage_from_span(std::string_view u) {
  Usage usage;
  std::size_t i = 0;
  while ((i = u.find('"', i)) != std::string_view::npos) {
    std::size_t end = u.find('"', i + 1);
    if (end == std::string_view::npos) break;
    std::string_view key = u.substr(i + 1, end - i - 1);
    std::size_t j = end + 1;
    while (j < u.size() && (u[j] == ' ' || u[j] == '\n' || u[j] == '\r' || u[j] == '\t')) ++j;
    if (j < u.size() && u[j] == ':') {
      ++j;
      while (j < u.size() && (u[j] == ' ' || u[j] == '\n' || u[j] == '\r' || u[j] == '\t')) ++j;
      std::int64_t v = 0;
      auto [ptr, ec] = std::from_chars(u.data() + j, u.data() + u.size(), v);
      if (ec == std::errc()) {
        if (key == "prompt_tokens")
          usage.input_tokens = v;
        else if (key == "completion_tokens")
          usage.output_tokens = v;
        else if (key == "cached_tokens")
          usage.cached_input_tokens = v;
        else if (key == "reasoning_tokens")
          usage.reasoning_tokens = v;
        j = static_cast<std::size_t>(ptr - u.data());
      }
    }
    i = j;
  }
  return usage;
}

std::optional<Usage> usage_of(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  return openai::decode_usage(v.get_object());
}

// Reads usage (and in-stream errors) from bytes on their way to the client. Only events that mention
// "usage" or "error" are parsed, so the relay stays cheap. With hide_usage it also drops the usage-only
// chunk (`"choices":[]` with usage) that the gateway asked for without the client: whole events are then
// forwarded as they complete.
class OpenAiReplyObserver final : public ReplyObserver {
 public:
  OpenAiReplyObserver(bool stream, bool hide_usage) : stream_(stream), hide_usage_(stream && hide_usage) {}

  bool filters() const override { return hide_usage_; }

  void feed(std::string_view bytes, std::string* forward) override {
    if (!stream_) {
      if (body_.size() < kMaxBody) body_.append(bytes);
      return;
    }
    if (!hide_usage_ || !forward) {
      sse_.feed(bytes, [&](const wire::SseEvent& ev) { inspect(ev.data); });
      return;
    }
    pending_.append(bytes);
    std::size_t start = 0;
    for (;;) {
      std::size_t end = event_end(pending_, start);
      if (end == std::string::npos) break;
      pass_event(std::string_view(pending_).substr(start, end - start), *forward);
      start = end;
    }
    pending_.erase(0, start);
  }

  void finish(std::string* forward) override {
    if (stream_) {
      if (hide_usage_ && forward) {
        if (!pending_.empty()) pass_event(pending_, *forward);
        pending_.clear();
      }
      sse_.finish([&](const wire::SseEvent& ev) { inspect(ev.data); });
      return;
    }
    read_usage(body_);
  }
  void whole(std::string_view body) override {
    if (stream_) return ReplyObserver::whole(body);
    read_usage(body);
  }
  std::optional<Usage> usage() const override { return usage_; }
  std::optional<Error> error() const override { return error_; }

 private:
  static constexpr std::size_t kMaxBody = 4u << 20;

  // OpenAI puts usage last; a raw `"usage"` can only be a key (quotes inside strings are escaped), so
  // the last one is found from the end instead of walking the whole reply.
  void read_usage(std::string_view body) {
    auto span = json_scan::find_last_key(body, "usage");
    if (!span) return;
    std::string_view u = body.substr(span->begin, span->end - span->begin);
    if (u.empty() || u[0] != '{') return;
    usage_ = usage_from_span(u);
  }

  // One past the blank line that ends the event starting at `from`, or npos.
  static std::size_t event_end(const std::string& s, std::size_t from) {
    std::size_t lf = s.find("\n\n", from), crlf = s.find("\r\n\r\n", from);
    if (lf == std::string::npos && crlf == std::string::npos) return std::string::npos;
    if (crlf == std::string::npos || (lf != std::string::npos && lf < crlf)) return lf + 2;
    return crlf + 4;
  }

  void pass_event(std::string_view raw, std::string& forward) {
    bool usage_only = false;
    wire::SseParser one;
    auto on = [&](const wire::SseEvent& ev) { usage_only = inspect(ev.data) || usage_only; };
    one.feed(raw, on);
    one.finish(on);
    if (!usage_only) forward.append(raw);
  }

  // Records usage and errors; true when the event is a usage-only chunk (no choices).
  bool inspect(std::string_view data) {
    bool has_usage = data.find("\"usage\"") != std::string_view::npos;
    bool has_error = data.find("\"error\"") != std::string_view::npos;
    if (!has_usage && !has_error) return false;
    boost::system::error_code ec;
    auto v = json_util::parse(data, ec);
    if (ec || !v.is_object()) return false;
    bool usage_only = false;
    if (auto* u = v.get_object().if_contains("usage"); u && u->is_object()) {
      usage_ = usage_of(*u);
      auto* choices = v.get_object().if_contains("choices");
      usage_only = choices && choices->is_array() && choices->get_array().empty();
    }
    if (auto* e = v.get_object().if_contains("error"); e && !e->is_null()) {
      auto [msg, code] = openai_error_fields(data);
      error_ = Error::make(ErrorCode::upstream_error, msg.empty() ? "error inside the stream" : msg);
    }
    return usage_only;
  }

  bool stream_;
  bool hide_usage_;
  std::string body_;
  std::string pending_;  // the start of an event not yet complete (filtering only)
  wire::SseParser sse_;
  std::optional<Usage> usage_;
  std::optional<Error> error_;
};

}  // namespace

std::pair<std::string, std::string> openai_error_fields(std::string_view body) {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object()) return {std::string(body.substr(0, 300)), {}};
  const auto& o = v.get_object();
  auto text = [](const json::value* x) -> std::string {
    if (!x) return {};
    if (x->is_string()) return std::string(x->get_string());
    if (x->is_null()) return {};
    return json::serialize(*x);
  };
  if (auto* e = o.if_contains("error")) {
    if (e->is_object())
      return {text(e->get_object().if_contains("message")), text(e->get_object().if_contains("code"))};
    if (e->is_string()) return {std::string(e->get_string()), {}};
  }
  if (auto* m = o.if_contains("message")) return {text(m), {}};
  if (auto* d = o.if_contains("detail")) return {text(d), {}};
  return {std::string(body.substr(0, 300)), {}};
}

std::vector<std::string_view> OpenAiProvider::config_keys() const {
  if (flavor_.azure) return {"api_version"};
  // `responses_api`: whether the upstream serves /responses, so that Responses clients' requests go to it
  // as they are, its own state included (default: only OpenAI's own API; most compatible servers do not).
  return {"responses_api"};
}

bool OpenAiProvider::speaks(Wire w, const Target& target) const {
  if (w == Wire::openai) return true;
  if (w != Wire::openai_responses || flavor_.azure) return false;
  if (const auto* set = target.cfg.provider_keys.find("responses_api")) return set->value == "true";
  // OpenAI itself serves it; another server behind the openai provider says so with responses_api: true.
  return flavor_.name == "openai" && target.base.host == "api.openai.com";
}

std::string OpenAiProvider::validation_path(const Target& target) const {
  if (!flavor_.azure) return target.base.path + "/models";
  std::string_view given = target.cfg.provider_keys.get("api_version");
  return target.base.path +
         "/openai/models?api-version=" + std::string(given.empty() ? kAzureApiVersion : given);
}

void OpenAiProvider::prepare(Target& target) const {
  if (const auto* set = target.cfg.provider_keys.find("responses_api");
      set && set->value != "true" && set->value != "false")
    config::raise(set->origin, fmt::format("\"{}\" is not one of: true, false", set->value));
  if (flavor_.azure) {
    // Azure addresses a deployment (the target's model) and versions the API in the query.
    std::string_view given = target.cfg.provider_keys.get("api_version");
    std::string version(given.empty() ? kAzureApiVersion : given);
    target.request_path = target.base.path + "/openai/deployments/" + target.cfg.model +
                          "/chat/completions?api-version=" + version;
  } else {
    target.request_path = target.base.path + "/chat/completions";
  }
  target.stream_usage = target.cfg.stream_usage.value_or(flavor_.accepts_stream_options);
  std::string auth;
  if (!target.cfg.api_key.empty())
    auth = (flavor_.azure ? "api-key: " : "authorization: Bearer ") + target.cfg.api_key + "\r\n";
  prepare_json_headers(target, "text/event-stream", auth);
}

Result<http::ClientRequest> OpenAiProvider::build_chat(const ChatRequest& req, const Target& target) const {
  if (auto ok = wire::parts_carried(req, "an OpenAI-format upstream through translation", true); !ok)
    return std::unexpected(ok.error());
  json_util::Scratch scratch;  // (the tree is serialized below and not kept)
  auto body = openai::encode_chat_request(req, target.cfg.model, scratch.storage());
  apply_provider_options(body, req.extra, target.cfg.provider);
  return json_post(target, json::serialize(body), req.stream);
}

Result<http::ClientRequest> OpenAiProvider::build_passthrough(const PassthroughBody& client,
                                                              const Target& target) const {
  std::string out = with_model(client, target.cfg.model);
  if (client.wire == Wire::openai_responses) {
    auto r = json_post(target, std::move(out), client.stream);
    r.target = target.base.path + "/responses";
    return r;
  }
  if (client.add_stream_usage) {
    json::object options{{"include_usage", true}};
    if (auto* so = client.fields.if_contains("stream_options"); so && so->is_object()) {
      options = so->get_object();
      options["include_usage"] = true;
    }
    std::string replacement = json::serialize(options);
    auto existing = json_scan::find_top_level(out, "stream_options");
    if (!existing.empty()) {
      out = json_scan::replace(out, existing, replacement);
    } else {
      auto close = out.find_last_of('}');  // the body is a valid object: its last brace closes it
      out.insert(close, ",\"stream_options\":" + replacement);
    }
  }
  return json_post(target, std::move(out), client.stream);
}

Result<ChatResponse> OpenAiProvider::decode_chat(std::string_view body, const ChatRequest&) const {
  if (ChatResponse fast; openai::scan_chat_response(body, fast)) return fast;
  boost::system::error_code ec;
  json_util::Scratch scratch;
  auto v = json_util::parse(body, ec, scratch.storage());
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "upstream reply is not a JSON object");
  return openai::decode_chat_response(v.get_object());
}

std::unique_ptr<StreamDecoder> openai_stream_decoder() {
  return std::make_unique<OpenAiStreamDecoder>();
}

std::unique_ptr<StreamDecoder> OpenAiProvider::stream_decoder(const ChatRequest&) const {
  return openai_stream_decoder();
}

std::unique_ptr<ReplyObserver> OpenAiProvider::reply_observer(bool stream, bool hide_stream_usage) const {
  return std::make_unique<OpenAiReplyObserver>(stream, hide_stream_usage);
}

Error OpenAiProvider::map_error(int status, std::string_view retry_after, std::string_view body) const {
  auto [message, code] = openai_error_fields(body);
  ErrorCode for_400 = ErrorCode::invalid_request;
  if (code.find("context_length") != std::string::npos)
    for_400 = ErrorCode::context_length;
  else if (code.find("content_filter") != std::string::npos ||
           code.find("content_policy") != std::string::npos)
    for_400 = ErrorCode::content_filter;
  return error_from_status(name(), status, retry_after, message, for_400);
}

Result<http::ClientRequest> OpenAiProvider::build_image(const ImageRequest& req, const Target& target) const {
  auto r = json_post(target, json::serialize(openai::encode_image_request(req, target.cfg.model)), false);
  // The chat path with its last two segments swapped (an Azure api-version query stays).
  std::string path = target.request_path;
  if (auto at = path.find("/chat/completions"); at != std::string::npos)
    path.replace(at, 17, "/images/generations");
  r.target = std::move(path);
  return r;
}

Result<ImageResponse> OpenAiProvider::decode_image(std::string_view body, const ImageRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object())
    return fail(ErrorCode::upstream_error, "upstream image reply is not a JSON object");
  return openai::decode_image_response(v.get_object());
}

}  // namespace modelmux::providers
