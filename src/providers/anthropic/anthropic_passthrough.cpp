// Anthropic clients reaching an Anthropic upstream: their body goes as it is (only `model` rewritten, so
// thinking signatures, cache_control and beta fields survive), with their anthropic-beta header, and the
// reply's bytes come back as they are, read for usage on the way.
#include <boost/json.hpp>

#include "core/json_scan.hpp"
#include "core/json_util.hpp"
#include "providers/anthropic/anthropic_provider.hpp"
#include "wire/anthropic/messages_json.hpp"
#include "wire/sse/sse.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

// Usage from message_start (input, cache) and message_delta (output; newer streams repeat the input), and
// an error event's type and message; every other event passes unread.
class AnthropicReplyObserver final : public ReplyObserver {
 public:
  explicit AnthropicReplyObserver(bool stream) : stream_(stream) {}

  void feed(std::string_view bytes, std::string*) override {
    if (!stream_) {
      if (body_.size() < kMaxBody) body_.append(bytes);
      return;
    }
    sse_.feed(bytes, [&](const wire::SseEvent& ev) { inspect(ev); });
  }

  void finish(std::string*) override {
    if (stream_) {
      sse_.finish([&](const wire::SseEvent& ev) { inspect(ev); });
      return;
    }
    // A reply ends with its usage; a raw `"usage"` followed by a colon can only be a key.
    auto span = json_scan::find_last_key(body_, "usage");
    if (!span) return;
    boost::system::error_code ec;
    auto v = json_util::parse(std::string_view(body_).substr(span->begin, span->end - span->begin), ec);
    if (!ec && v.is_object()) usage_ = anthropic::usage_of(v.get_object());
  }

  std::optional<Usage> usage() const override { return usage_; }
  std::optional<Error> error() const override { return error_; }

 private:
  static constexpr std::size_t kMaxBody = 4u << 20;

  void inspect(const wire::SseEvent& ev) {
    // Anthropic names every event; an unnamed one is read for the type its data gives.
    std::string_view type = ev.event;
    if (!type.empty() && type != "message_start" && type != "message_delta" && type != "error") return;
    boost::system::error_code ec;
    auto v = json_util::parse(ev.data, ec);
    if (ec || !v.is_object()) return;
    const auto& o = v.get_object();
    if (type.empty()) type = json_util::string_field(o, "type");
    bool start = type == "message_start", delta = type == "message_delta";
    if (!start && !delta && type != "error") return;
    if (start) {
      auto* m = o.if_contains("message");
      auto* u = m && m->is_object() ? m->get_object().if_contains("usage") : nullptr;
      if (u && u->is_object()) usage_ = anthropic::usage_of(u->get_object());
    } else if (delta) {
      if (auto* u = o.if_contains("usage"); u && u->is_object()) {
        if (!usage_) usage_ = Usage{};
        anthropic::add_delta_usage(*usage_, u->get_object());
      }
    } else {
      auto [type, message] = anthropic::error_fields(ev.data);
      error_ = Error::make(ErrorCode::upstream_error, message.empty() ? "error inside the stream" : message);
    }
  }

  bool stream_;
  std::string body_;
  wire::SseParser sse_;
  std::optional<Usage> usage_;
  std::optional<Error> error_;
};

}  // namespace

Result<http::ClientRequest> AnthropicProvider::build_passthrough(const PassthroughBody& client,
                                                                 const Target& target) const {
  auto request = json_post(target, with_model(client, target.cfg.model), client.stream);
  // Beta features (and the fields they bring) are switched on by this header, which only the client knows.
  if (client.client_headers)
    if (auto beta = client.client_headers->get("anthropic-beta"); !beta.empty())
      request.headers.emplace_back("anthropic-beta", std::string(beta));
  return request;
}

std::unique_ptr<ReplyObserver> AnthropicProvider::reply_observer(bool stream, bool) const {
  return std::make_unique<AnthropicReplyObserver>(stream);
}

}  // namespace modelmux::providers
