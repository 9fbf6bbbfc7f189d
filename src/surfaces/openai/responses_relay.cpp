#include "surfaces/openai/responses_relay.hpp"

#include "core/json_util.hpp"
#include "wire/openai/responses/reply.hpp"
#include "wire/sse/sse.hpp"

namespace json = boost::json;

namespace modelmux::surfaces {
namespace {

// A whole reply is read up to this size (a larger one is relayed, not stored).
constexpr std::size_t kMaxBody = 64u << 20;

class Relay final : public providers::ReplyObserver {
 public:
  Relay(bool stream, std::function<void(const json::object&)> on_response)
      : stream_(stream), on_response_(std::move(on_response)) {}

  void feed(std::string_view bytes, std::string*) override {
    if (!stream_) {
      if (body_.size() + bytes.size() <= kMaxBody) body_.append(bytes);
      return;
    }
    sse_.feed(bytes, [&](const wire::SseEvent& ev) { inspect(ev); });
  }

  void finish(std::string*) override {
    if (stream_) {
      sse_.finish([&](const wire::SseEvent& ev) { inspect(ev); });
      return;
    }
    boost::system::error_code ec;
    auto v = json_util::parse(body_, ec);
    if (!ec && v.is_object()) take(v.get_object());
  }

  std::optional<Usage> usage() const override { return usage_; }
  std::optional<Error> error() const override { return error_; }

 private:
  // Only the events that end a response, or report an error, are parsed: the deltas pass unread.
  void inspect(const wire::SseEvent& ev) {
    std::string_view name = ev.event;
    bool ends = name == "response.completed" || name == "response.incomplete" || name == "response.failed";
    if (!ends && name != "error") return;
    boost::system::error_code ec;
    auto v = json_util::parse(ev.data, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    if (name == "error") {
      upstream_error(json_util::string_field(o, "message"));
    } else if (const auto* r = o.if_contains("response"); r && r->is_object()) {
      take(r->get_object());
    }
  }

  void take(const json::object& r) {
    if (const auto* u = r.if_contains("usage"); u && u->is_object())
      usage_ = openai::responses::decode_usage(u->get_object());
    if (json_util::string_field(r, "status") == "failed") {
      const auto* e = r.if_contains("error");
      upstream_error(e && e->is_object() ? json_util::string_field(e->get_object(), "message") : "");
    }
    if (on_response_ && !json_util::string_field(r, "id").empty()) on_response_(r);
  }

  void upstream_error(std::string_view message) {
    if (error_) return;
    error_ = Error::make(ErrorCode::upstream_error,
                         message.empty() ? "the upstream's response failed" : std::string(message));
    error_->provider = "openai";
  }

  bool stream_;
  std::function<void(const json::object&)> on_response_;
  std::string body_;
  wire::SseParser sse_;
  std::optional<Usage> usage_;
  std::optional<Error> error_;
};

class EventDecoder final : public providers::StreamDecoder {
 public:
  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    if (!sse_.feed(bytes, [&](const wire::SseEvent& ev) { decode(ev, out); }))
      failure_ = Error::make(ErrorCode::upstream_error, "the upstream sent an event over the size limit");
    return result();
  }
  Result<void> finish(std::vector<StreamEvent>& out) override {
    sse_.finish([&](const wire::SseEvent& ev) { decode(ev, out); });
    if (!failure_ && !ended_)
      failure_ = Error::make(ErrorCode::upstream_error, "upstream stream ended before it was complete");
    return result();
  }

 private:
  Result<void> result() const {
    if (!failure_) return {};
    Error e = *failure_;
    e.provider = "openai";
    return std::unexpected(std::move(e));
  }

  void decode(const wire::SseEvent& ev, std::vector<StreamEvent>& out) {
    if (failure_) return;
    boost::system::error_code ec;
    auto v = json_util::parse(ev.data, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    std::string_view type = json_util::string_field(o, "type");
    auto index = static_cast<int>(json_util::int_field(o, "output_index"));
    if (type == "response.output_text.delta") {
      out.push_back(
          {.kind = StreamEvent::Kind::text_delta, .text = std::string(json_util::string_field(o, "delta"))});
    } else if (type == "response.reasoning_summary_text.delta" || type == "response.reasoning_text.delta") {
      out.push_back({.kind = StreamEvent::Kind::reasoning_delta,
                     .text = std::string(json_util::string_field(o, "delta"))});
    } else if (type == "response.output_item.added") {
      const auto* item = o.if_contains("item");
      if (item && item->is_object() && json_util::string_field(item->get_object(), "type") == "function_call")
        out.push_back({.kind = StreamEvent::Kind::tool_call_delta,
                       .tool_index = index,
                       .tool_id = std::string(json_util::string_field(item->get_object(), "call_id")),
                       .tool_name = std::string(json_util::string_field(item->get_object(), "name"))});
    } else if (type == "response.function_call_arguments.delta") {
      out.push_back({.kind = StreamEvent::Kind::tool_call_delta,
                     .tool_index = index,
                     .tool_arguments = std::string(json_util::string_field(o, "delta"))});
    } else if (type == "response.completed" || type == "response.incomplete") {
      ended_ = true;
      FinishReason reason = type == "response.completed" ? FinishReason::stop : FinishReason::length;
      out.push_back({.kind = StreamEvent::Kind::finish, .finish_reason = reason});
      const auto* r = o.if_contains("response");
      const auto* u = r && r->is_object() ? r->get_object().if_contains("usage") : nullptr;
      if (u && u->is_object())
        out.push_back(
            {.kind = StreamEvent::Kind::usage, .usage = openai::responses::decode_usage(u->get_object())});
    } else if (type == "response.failed" || type == "error") {
      std::string_view message = json_util::string_field(o, "message");
      if (const auto* r = o.if_contains("response"); r && r->is_object())
        if (const auto* e = r->get_object().if_contains("error"); e && e->is_object())
          message = json_util::string_field(e->get_object(), "message");
      failure_ = Error::make(ErrorCode::upstream_error,
                             message.empty() ? "the upstream's response failed" : std::string(message));
      failure_->retryable = true;
    }
  }

  wire::SseParser sse_;
  bool ended_ = false;
  std::optional<Error> failure_;
};

}  // namespace

std::unique_ptr<providers::StreamDecoder> responses_stream_decoder() {
  return std::make_unique<EventDecoder>();
}

std::unique_ptr<providers::ReplyObserver> responses_relay(
    bool stream, std::function<void(const json::object&)> on_response) {
  return std::make_unique<Relay>(stream, std::move(on_response));
}

}  // namespace modelmux::surfaces
