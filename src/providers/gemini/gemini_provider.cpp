#include "providers/gemini/gemini_provider.hpp"

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "wire/gemini/gemini_json.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::string_view kGenerate = ":generateContent";
constexpr std::string_view kStreamGenerate = ":streamGenerateContent?alt=sse";
constexpr std::size_t kMaxEventBytes = 16u << 20;

// Each SSE event is one GenerateContentResponse chunk: text and whole function calls for candidates[0],
// the finishReason on the last one, usageMetadata (cumulative) on the chunks. Google reports a failure
// after the 200 either as an event or as a bare JSON error body in the stream, so this reads lines itself
// rather than through wire::SseParser, which drops lines that are not SSE fields.
class GeminiStreamDecoder final : public StreamDecoder {
 public:
  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    pending_.append(bytes);
    Result<void> status;
    std::size_t start = 0;
    for (;;) {
      auto nl = pending_.find('\n', start);
      if (nl == std::string::npos) break;
      status = on_line(std::string_view(pending_).substr(start, nl - start), out);
      start = nl + 1;
      if (!status) break;
    }
    pending_.erase(0, start);
    if (status && pending_.size() > kMaxEventBytes)
      return fail(ErrorCode::upstream_error, "gemini stream line too large");
    return status;
  }

  Result<void> finish(std::vector<StreamEvent>& out) override {
    if (!pending_.empty()) {
      std::string last = std::move(pending_);
      pending_.clear();
      if (auto r = on_line(last, out); !r) return r;
    }
    if (auto r = dispatch(out); !r) return r;
    if (!raw_.empty())
      return fail(ErrorCode::upstream_error, "malformed gemini stream: text that is neither SSE nor JSON");
    if (!finished_) return fail(ErrorCode::upstream_error, "gemini stream ended before a finishReason");
    if (usage_) {
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::usage;
      ev.usage = *usage_;
      out.push_back(std::move(ev));
    }
    return {};
  }

 private:
  Result<void> on_line(std::string_view line, std::vector<StreamEvent>& out) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) return dispatch(out);
    if (line.starts_with("data:")) {
      line.remove_prefix(5);
      if (line.starts_with(' ')) line.remove_prefix(1);
      if (has_data_) data_.push_back('\n');
      data_.append(line);
      has_data_ = true;
      if (data_.size() > kMaxEventBytes)
        return fail(ErrorCode::upstream_error, "gemini stream event too large");
      return {};
    }
    if (line.starts_with(':') || line.starts_with("event:") || line.starts_with("id:") ||
        line.starts_with("retry:"))
      return {};
    // Not an SSE field: part of a bare JSON error body, complete once a line closes it.
    raw_.append(line).push_back('\n');
    if (raw_.size() > kMaxEventBytes)
      return fail(ErrorCode::upstream_error, "gemini stream error body too large");
    if (line.find_last_not_of(" \t") == std::string_view::npos || line[line.find_last_not_of(" \t")] != '}')
      return {};
    boost::system::error_code ec;
    json_util::Scratch scratch;
    json::value v = json_util::parse(raw_, ec, scratch.storage());
    if (ec) return {};
    raw_.clear();
    return chunk(v, out);
  }

  Result<void> dispatch(std::vector<StreamEvent>& out) {
    if (!has_data_) return {};
    has_data_ = false;
    std::string data = std::move(data_);
    data_.clear();
    boost::system::error_code ec;
    json_util::Scratch scratch;
    json::value v = json_util::parse(data, ec, scratch.storage());
    if (ec) return fail(ErrorCode::upstream_error, "malformed gemini stream event");
    return chunk(v, out);
  }

  Result<void> chunk(const json::value& v, std::vector<StreamEvent>& out) {
    if (!v.is_object()) return fail(ErrorCode::upstream_error, "malformed gemini stream event");
    const auto& o = v.get_object();
    if (auto* e = o.if_contains("error"); e && e->is_object())
      return std::unexpected(gemini::error_of(0, {}, e->get_object()));
    auto piece = gemini::read_piece(o, next_call_);
    if (!piece) return std::unexpected(piece.error());
    if (piece->usage) usage_ = piece->usage;
    if (finished_) return {};  // only usage may still change after the finish
    if (!started_) {
      started_ = true;
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::start;
      ev.id = std::move(piece->id);
      ev.model = std::move(piece->model);
      out.push_back(std::move(ev));
    }
    if (!piece->reasoning.empty()) {
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::reasoning_delta;
      ev.text = std::move(piece->reasoning);
      out.push_back(std::move(ev));
    }
    if (!piece->text.empty()) {
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::text_delta;
      ev.text = std::move(piece->text);
      out.push_back(std::move(ev));
    }
    for (auto& call : piece->calls) {
      // Gemini sends each function call whole: its one delta carries the complete arguments.
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::tool_call_delta;
      ev.tool_index = tool_count_++;
      ev.tool_id = std::move(call.id);
      ev.tool_name = std::move(call.name);
      ev.tool_arguments = std::move(call.arguments);
      out.push_back(std::move(ev));
    }
    bool blocked = !piece->block_reason.empty() && piece->finish_reason.empty();
    if (blocked || !piece->finish_reason.empty()) {
      finished_ = true;
      StreamEvent ev;
      ev.kind = StreamEvent::Kind::finish;
      ev.finish_reason = blocked ? FinishReason::content_filter
                                 : gemini::finish_reason(piece->finish_reason, tool_count_ > 0);
      out.push_back(std::move(ev));
    }
    return {};
  }

  std::string pending_;  // bytes after the last complete line
  std::string data_;     // data lines of the event being read
  bool has_data_ = false;
  std::string raw_;  // lines of a bare JSON body
  bool started_ = false;
  bool finished_ = false;
  int next_call_ = 0;
  int tool_count_ = 0;
  std::optional<Usage> usage_;
};

}  // namespace

void GeminiProvider::prepare(Target& target) const {
  std::string_view model = target.cfg.model;
  if (model.starts_with("models/")) model.remove_prefix(7);  // Google's resource name form
  target.request_path = target.base.path + "/models/" + std::string(model) + std::string(kGenerate);
  prepare_json_headers(
      target, "text/event-stream",
      target.cfg.api_key.empty() ? std::string() : "x-goog-api-key: " + target.cfg.api_key + "\r\n");
}

Result<http::ClientRequest> GeminiProvider::build_chat(const ChatRequest& req, const Target& target) const {
  auto body = gemini::encode_request(req, target.cfg.model);
  if (!body) return std::unexpected(body.error());
  apply_provider_options(*body, req.extra, target.cfg.provider);
  auto request = json_post(target, json::serialize(*body), req.stream);
  if (req.stream) request.target = stream_path(target);
  return request;
}

std::string GeminiProvider::stream_path(const Target& target) {
  return target.request_path.substr(0, target.request_path.size() - kGenerate.size()) +
         std::string(kStreamGenerate);
}

Result<ChatResponse> GeminiProvider::decode_chat(std::string_view body, const ChatRequest&) const {
  boost::system::error_code ec;
  json_util::Scratch scratch;
  auto v = json_util::parse(body, ec, scratch.storage());
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "gemini reply is not a JSON object");
  return gemini::decode_reply(v.get_object());
}

std::unique_ptr<StreamDecoder> GeminiProvider::stream_decoder(const ChatRequest&) const {
  return std::make_unique<GeminiStreamDecoder>();
}

Error GeminiProvider::map_error(int status, std::string_view retry_after, std::string_view body) const {
  return gemini::error_of(status, retry_after, body);
}

}  // namespace modelmux::providers
