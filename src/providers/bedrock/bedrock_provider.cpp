#include "providers/bedrock/bedrock_provider.hpp"

#include <boost/json.hpp>
#include <unordered_map>
#include <unordered_set>

#include "core/json_util.hpp"
#include "providers/aws/aws_error.hpp"
#include "providers/aws/aws_target.hpp"
#include "providers/aws/sigv4.hpp"
#include "wire/aws/event_stream.hpp"
#include "wire/bedrock/converse_json.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::string_view kService = "bedrock";
constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";

const json::object* object_at(const json::object& o, std::string_view key) {
  auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->get_object() : nullptr;
}

// ConverseStream's events (messageStart, contentBlockStart/Delta/Stop, messageStop, metadata) in AWS
// event-stream frames as canonical events. Exceptions inside the stream are errors, and so is a stream
// that ends before its metadata event: Bedrock always sends one last.
class BedrockStreamDecoder final : public StreamDecoder {
 public:
  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    messages_.clear();
    auto framed = frames_.feed(bytes, messages_);
    for (const auto& m : messages_)
      if (auto r = on_message(m, out); !r) return r;
    return framed;
  }

  Result<void> finish(std::vector<StreamEvent>&) override {
    if (frames_.partial()) return fail(ErrorCode::upstream_error, "bedrock stream cut inside an event");
    if (!stopped_) return fail(ErrorCode::upstream_error, "bedrock stream ended before messageStop");
    if (!metadata_) return fail(ErrorCode::upstream_error, "bedrock stream ended before its metadata event");
    return {};
  }

 private:
  Result<void> on_message(const aws::EventMessage& m, std::vector<StreamEvent>& out) {
    std::string_view kind = m.header(":message-type");
    if (kind == "exception")
      return std::unexpected(
          bedrock::error_from_type(m.header(":exception-type"), 0, "", aws::error_message(m.payload)));
    if (kind == "error")
      return std::unexpected(
          bedrock::error_from_type(m.header(":error-code"), 0, "", m.header(":error-message")));
    if (kind != "event")
      return fail(ErrorCode::upstream_error, "bedrock stream message without :message-type event");
    boost::system::error_code ec;
    json_util::Scratch scratch;
    json::value v = json_util::parse(m.payload, ec, scratch.storage());
    if (ec || !v.is_object())
      return fail(ErrorCode::upstream_error, "malformed bedrock stream event payload");
    const auto& o = v.get_object();
    std::string_view type = m.header(":event-type");
    auto block_index = json_util::int_field(o, "contentBlockIndex");
    if (type == "messageStart") {
      out.push_back(StreamEvent{.kind = StreamEvent::Kind::start});
    } else if (type == "contentBlockStart") {
      const json::object* start = object_at(o, "start");
      const json::object* tool = start ? object_at(*start, "toolUse") : nullptr;
      if (!tool) return {};
      int ordinal = next_tool_++;
      tool_of_block_[block_index] = ordinal;
      StreamEvent ev{.kind = StreamEvent::Kind::tool_call_delta, .tool_index = ordinal};
      ev.tool_id = json_util::string_field(*tool, "toolUseId");
      ev.tool_name = json_util::string_field(*tool, "name");
      out.push_back(std::move(ev));
    } else if (type == "contentBlockDelta") {
      const json::object* delta = object_at(o, "delta");
      if (!delta) return {};
      if (auto text = json_util::string_field(*delta, "text"); !text.empty()) {
        StreamEvent ev{.kind = StreamEvent::Kind::text_delta};
        ev.text = text;
        out.push_back(std::move(ev));
      } else if (const json::object* tool = object_at(*delta, "toolUse")) {
        auto it = tool_of_block_.find(block_index);
        auto piece = json_util::string_field(*tool, "input");
        if (it == tool_of_block_.end() || piece.empty()) return {};
        StreamEvent ev{.kind = StreamEvent::Kind::tool_call_delta, .tool_index = it->second};
        ev.tool_arguments = piece;
        with_arguments_.insert(block_index);
        out.push_back(std::move(ev));
      } else if (const json::object* reasoning = object_at(*delta, "reasoningContent")) {
        // {"text": ...} pieces; a "signature" or "redactedContent" piece has nothing readable.
        auto piece = json_util::string_field(*reasoning, "text");
        if (piece.empty()) return {};
        StreamEvent ev{.kind = StreamEvent::Kind::reasoning_delta};
        ev.text = piece;
        out.push_back(std::move(ev));
      }
      // Citation deltas have no canonical home.
    } else if (type == "contentBlockStop") {
      // A tool without parameters streams no input: its arguments are still JSON, "{}".
      auto it = tool_of_block_.find(block_index);
      if (it == tool_of_block_.end() || with_arguments_.contains(block_index)) return {};
      StreamEvent ev{.kind = StreamEvent::Kind::tool_call_delta, .tool_index = it->second};
      ev.tool_arguments = "{}";
      out.push_back(std::move(ev));
    } else if (type == "messageStop") {
      stopped_ = true;
      out.push_back(
          StreamEvent{.kind = StreamEvent::Kind::finish,
                      .finish_reason = bedrock::finish_reason(json_util::string_field(o, "stopReason"))});
    } else if (type == "metadata") {
      metadata_ = true;
      StreamEvent ev{.kind = StreamEvent::Kind::usage};
      if (const json::object* u = object_at(o, "usage")) ev.usage = bedrock::usage_of(*u);
      out.push_back(std::move(ev));
    }
    // Event types added later carry nothing for the client.
    return {};
  }

  aws::EventStreamDecoder frames_;
  std::vector<aws::EventMessage> messages_;
  std::unordered_map<std::int64_t, int> tool_of_block_;
  std::unordered_set<std::int64_t> with_arguments_;  // tool blocks that streamed some input
  int next_tool_ = 0;
  bool stopped_ = false;
  bool metadata_ = false;
};

}  // namespace

std::vector<std::string_view> BedrockProvider::config_keys() const {
  return {std::begin(aws::kConfigKeys), std::end(aws::kConfigKeys)};
}

void BedrockProvider::prepare(Target& target) const {
  aws::prepare_target(target, "bedrock-runtime", kEventStream);
  // The model id is one path segment: ':' and '/' of inference profiles and ARNs are encoded (and SigV4
  // encodes the path once more when signing, as the AWS SDKs do).
  target.request_path = target.base.path + "/model/" + aws::uri_encode(target.cfg.model, false) + "/converse";
}

Result<http::ClientRequest> BedrockProvider::build_chat(const ChatRequest& req, const Target& target) const {
  auto body = bedrock::encode_request(req, target.cfg.model);
  if (!body) return std::unexpected(body.error());
  apply_provider_options(*body, req.extra, target.cfg.provider);  // e.g. additionalModelRequestFields
  std::string path = req.stream ? target.request_path + "-stream" : target.request_path;
  return aws::signed_post(target, std::move(path), json::serialize(*body), req.stream, kService,
                          kEventStream);
}

Result<ChatResponse> BedrockProvider::decode_chat(std::string_view body, const ChatRequest& req) const {
  boost::system::error_code ec;
  json_util::Scratch scratch;
  auto v = json_util::parse(body, ec, scratch.storage());
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "bedrock reply is not a JSON object");
  return bedrock::decode_reply(v.get_object(), req);
}

std::unique_ptr<StreamDecoder> BedrockProvider::stream_decoder(const ChatRequest&) const {
  return std::make_unique<BedrockStreamDecoder>();
}

Error BedrockProvider::map_error(int status, std::string_view retry_after, std::string_view body) const {
  return bedrock::error_from_type(aws::error_type("", body), status, retry_after, aws::error_message(body));
}

Error BedrockProvider::map_error_reply(const http::Reply& reply, std::string_view body) const {
  return bedrock::error_from_type(aws::error_type(reply.header("x-amzn-errortype"), body), reply.status(),
                                  reply.header("retry-after"), aws::error_message(body));
}

}  // namespace modelmux::providers
