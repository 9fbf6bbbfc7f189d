#include "providers/anthropic/anthropic_provider.hpp"

#include <boost/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/json_util.hpp"
#include "wire/anthropic/messages_json.hpp"
#include "wire/anthropic/messages_reply_scan.hpp"
#include "wire/sse/sse.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::string_view kApiVersion = "2023-06-01";

// Anthropic error types (in bodies and in-stream error events) as the one Error type.
Error error_from_type(std::string_view type, std::string message) {
  ErrorCode code = ErrorCode::upstream_error;
  if (type == "overloaded_error")
    code = ErrorCode::overloaded;
  else if (type == "rate_limit_error")
    code = ErrorCode::rate_limited;
  else if (type == "invalid_request_error")
    code = ErrorCode::invalid_request;
  else if (type == "authentication_error")
    code = ErrorCode::authentication;
  else if (type == "permission_error")
    code = ErrorCode::permission_denied;
  else if (type == "not_found_error")
    code = ErrorCode::not_found;
  else if (type == "request_too_large")
    code = ErrorCode::payload_too_large;
  Error e = Error::make(code, "anthropic: " + (message.empty() ? std::string(type) : message));
  e.provider = "anthropic";
  return e;
}

// message_start .. message_stop as canonical events. Tool calls are numbered from 0 in the order their
// blocks start (OpenAI's index), whatever Anthropic's block index; the forced JSON-schema tool streams as
// text instead.
class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  explicit AnthropicStreamDecoder(std::string forced_tool) : forced_tool_(std::move(forced_tool)) {}

  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    Result<void> status;
    bool ok = sse_.feed(bytes, [&](const wire::SseEvent& ev) {
      if (status) status = on_event(ev.data, out);
    });
    if (!ok) return fail(ErrorCode::upstream_error, "upstream stream event too large");
    return status;
  }

  Result<void> finish(std::vector<StreamEvent>& out) override {
    Result<void> status;
    sse_.finish([&](const wire::SseEvent& ev) {
      if (status) status = on_event(ev.data, out);
    });
    if (!status) return status;
    if (!stopped_) return fail(ErrorCode::upstream_error, "anthropic stream ended before message_stop");
    return {};
  }

 private:
  Result<void> on_event(std::string_view data, std::vector<StreamEvent>& out) {
    boost::system::error_code ec;
    json_util::Scratch scratch;
    json::value v = json_util::parse(data, ec, scratch.storage());
    if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "malformed anthropic stream event");
    const auto& o = v.get_object();
    std::string_view type = json_util::string_field(o, "type");
    if (type == "message_start") {
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::start;
      if (auto* m = o.if_contains("message"); m && m->is_object()) {
        ev.id = json_util::string_field(m->get_object(), "id");
        ev.model = json_util::string_field(m->get_object(), "model");
        if (auto* u = m->get_object().if_contains("usage"); u && u->is_object())
          usage_ = anthropic::usage_of(u->get_object());
      }
      out.push_back(std::move(ev));
    } else if (type == "content_block_start") {
      auto* block = o.if_contains("content_block");
      if (!block || !block->is_object() || json_util::string_field(block->get_object(), "type") != "tool_use")
        return {};
      int index =
          o.contains("index") && o.at("index").is_int64() ? static_cast<int>(o.at("index").get_int64()) : -1;
      std::string name(json_util::string_field(block->get_object(), "name"));
      if (!forced_tool_.empty() && name == forced_tool_) {
        forced_block_ = index;
        return {};
      }
      int ordinal = next_tool_++;
      tool_of_block_[index] = ordinal;
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::tool_call_delta;
      ev.tool_index = ordinal;
      ev.tool_id = json_util::string_field(block->get_object(), "id");
      ev.tool_name = std::move(name);
      out.push_back(std::move(ev));
    } else if (type == "content_block_delta") {
      auto* d = o.if_contains("delta");
      if (!d || !d->is_object()) return {};
      const auto& delta = d->get_object();
      std::string_view dtype = json_util::string_field(delta, "type");
      int index =
          o.contains("index") && o.at("index").is_int64() ? static_cast<int>(o.at("index").get_int64()) : -1;
      StreamEvent ev;
      if (dtype == "text_delta") {
        ev.kind = StreamEvent::Kind::text_delta;
        ev.text = json_util::string_field(delta, "text");
        if (ev.text.empty()) return {};
      } else if (dtype == "input_json_delta" && index == forced_block_) {
        ev.kind = StreamEvent::Kind::text_delta;
        ev.text = json_util::string_field(delta, "partial_json");
        if (ev.text.empty()) return {};
      } else if (dtype == "input_json_delta") {
        auto it = tool_of_block_.find(index);
        if (it == tool_of_block_.end()) return {};
        ev.kind = StreamEvent::Kind::tool_call_delta;
        ev.tool_index = it->second;
        ev.tool_arguments = json_util::string_field(delta, "partial_json");
        if (!ev.tool_arguments.empty()) with_arguments_.insert(index);
      } else if (dtype == "thinking_delta") {
        ev.kind = StreamEvent::Kind::reasoning_delta;
        ev.text = json_util::string_field(delta, "thinking");
        if (ev.text.empty()) return {};
      } else {
        return {};  // signature_delta: Anthropic's own check of its thinking, meaningless to other clients
      }
      out.push_back(std::move(ev));
    } else if (type == "content_block_stop") {
      // A tool without parameters streams no (or only empty) input: its arguments are still JSON, "{}".
      int index =
          o.contains("index") && o.at("index").is_int64() ? static_cast<int>(o.at("index").get_int64()) : -1;
      auto it = tool_of_block_.find(index);
      if (it == tool_of_block_.end() || with_arguments_.contains(index)) return {};
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::tool_call_delta;
      ev.tool_index = it->second;
      ev.tool_arguments = "{}";
      out.push_back(std::move(ev));
    } else if (type == "message_delta") {
      if (auto* u = o.if_contains("usage"); u && u->is_object())
        anthropic::add_delta_usage(usage_, u->get_object());
      if (auto* d = o.if_contains("delta"); d && d->is_object()) {
        std::string_view stop = json_util::string_field(d->get_object(), "stop_reason");
        if (!stop.empty()) {
          StreamEvent ev;
          ev.kind = StreamEvent::Kind::finish;
          ev.finish_reason = forced_block_ >= 0 && stop == "tool_use" && next_tool_ == 0
                                 ? FinishReason::stop
                                 : anthropic::finish_reason(stop);
          out.push_back(std::move(ev));
        }
      }
    } else if (type == "message_stop") {
      stopped_ = true;
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::usage;
      ev.usage = usage_;
      out.push_back(std::move(ev));
    } else if (type == "error") {
      std::string etype, message;
      if (auto* e = o.if_contains("error"); e && e->is_object()) {
        etype = json_util::string_field(e->get_object(), "type");
        message = json_util::string_field(e->get_object(), "message");
      }
      return std::unexpected(error_from_type(etype, std::move(message)));
    }
    // ping and unknown event types carry nothing for the client.
    return {};
  }

  wire::SseParser sse_;
  std::string forced_tool_;
  int forced_block_ = -1;
  std::unordered_map<int, int> tool_of_block_;
  std::unordered_set<int> with_arguments_;  // tool blocks that streamed some input
  int next_tool_ = 0;
  Usage usage_;
  bool stopped_ = false;
};

}  // namespace

void AnthropicProvider::prepare(Target& target) const {
  target.request_path = target.base.path + "/messages";
  std::string auth = "anthropic-version: " + std::string(kApiVersion) + "\r\n";
  if (!target.cfg.api_key.empty()) auth += "x-api-key: " + target.cfg.api_key + "\r\n";
  prepare_json_headers(target, "text/event-stream", auth);
}

Result<http::ClientRequest> AnthropicProvider::build_chat(const ChatRequest& req,
                                                          const Target& target) const {
  json_util::Scratch scratch;  // (the tree is serialized below and not kept)
  auto body = anthropic::encode_request(req, target.cfg.model, scratch.storage());
  if (!body) return std::unexpected(body.error());
  apply_provider_options(*body, req.extra, target.cfg.provider);
  return json_post(target, json::serialize(*body), req.stream);
}

Result<ChatResponse> AnthropicProvider::decode_chat(std::string_view body, const ChatRequest& req) const {
  if (ChatResponse fast; anthropic::scan_reply(body, fast)) return fast;
  boost::system::error_code ec;
  json_util::Scratch scratch;
  auto v = json_util::parse(body, ec, scratch.storage());
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "anthropic reply is not a JSON object");
  return anthropic::decode_reply(v.get_object(), req);
}

std::unique_ptr<StreamDecoder> AnthropicProvider::stream_decoder(const ChatRequest& req) const {
  return std::make_unique<AnthropicStreamDecoder>(anthropic::forced_json_tool(req));
}

Error AnthropicProvider::map_error(int status, std::string_view retry_after, std::string_view body) const {
  auto [type, message] = anthropic::error_fields(body);
  ErrorCode for_400 = message.find("prompt is too long") != std::string::npos ? ErrorCode::context_length
                                                                              : ErrorCode::invalid_request;
  return error_from_status(name(), status, retry_after, message, for_400);
}

}  // namespace modelmux::providers
