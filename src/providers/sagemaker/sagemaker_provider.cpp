#include "providers/sagemaker/sagemaker_provider.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "providers/aws/aws_error.hpp"
#include "providers/aws/aws_target.hpp"
#include "providers/aws/sigv4.hpp"
#include "providers/openai/openai_provider.hpp"
#include "wire/aws/event_stream.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/parts.hpp"
#include "wire/tgi/tgi_json.hpp"

namespace json = boost::json;

namespace modelmux::providers {
namespace {

constexpr std::string_view kService = "sagemaker";
constexpr std::string_view kEventStream = "application/vnd.amazon.eventstream";

// prepare() gives a target with `sagemaker_format: tgi` the TGI adapter.
bool is_tgi(const Target& target) {
  return target.provider == &sagemaker_tgi_provider();
}

bool mentions_context_length(std::string_view text) {
  for (std::string_view s : {"maximum context length", "context length", "`inputs` tokens + `max_new_tokens`",
                             "Input is too long", "too many input tokens"})
    if (text.find(s) != std::string_view::npos) return true;
  return false;
}

// A SageMaker error type (x-amzn-ErrorType, or an in-stream :exception-type) as the one Error type.
// `status` is 0 inside a stream. ModelError (424) is the container's own 4xx/5xx: its OriginalStatusCode
// decides, so a container's 400 is the client's fault and its 5xx or 429 are worth another target.
Error error_from_type(std::string_view type, int status, std::string_view retry_after,
                      std::string_view body) {
  std::string message = aws::error_message(body);
  int as = status;
  if (type == "ModelError") {
    boost::system::error_code ec;
    auto v = json_util::parse(body, ec);
    std::int64_t original = 0;
    if (!ec && v.is_object()) {
      const auto& o = v.get_object();
      original = json_util::int_field(o, "OriginalStatusCode");
      if (auto om = json_util::string_field(o, "OriginalMessage"); !om.empty())
        message = fmt::format("{} (the container answered {}: {})", message, original, om.substr(0, 1000));
    }
    as = original >= 400 && original < 500 ? static_cast<int>(original) : 502;
  } else if (type == "ModelNotReadyException" || type == "ThrottlingException") {
    as = 429;
  } else if (type == "ValidationError") {
    as = 400;
  } else if (type == "ServiceUnavailable") {
    as = 503;
  } else if (type == "InternalFailure" || type == "InternalDependencyException" ||
             type == "InternalStreamFailure" || type == "ModelStreamError") {
    as = 502;
  } else if (type == "AccessDeniedException") {
    as = 403;
  } else if (type == "UnrecognizedClientException" || type == "InvalidSignatureException" ||
             type == "ExpiredTokenException" || type == "IncompleteSignatureException" ||
             type == "MissingAuthenticationTokenException") {
    as = 401;
  }
  if (as == 0) as = 502;
  std::string text = type.empty() ? message : fmt::format("{}: {}", type, message);
  Error e = error_from_status(
      "sagemaker", as, retry_after, text,
      mentions_context_length(text) ? ErrorCode::context_length : ErrorCode::invalid_request);
  if (status == 0) e.message = "sagemaker stream error: " + text;
  return e;
}

// The response stream: PayloadPart events whose payload is the container's bytes (the Bytes blob is the
// event payload itself, not base64 JSON), fed in order to the container format's own decoder.
class SagemakerStreamDecoder final : public StreamDecoder {
 public:
  explicit SagemakerStreamDecoder(std::unique_ptr<StreamDecoder> inner) : inner_(std::move(inner)) {}

  Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) override {
    messages_.clear();
    auto framed = frames_.feed(bytes, messages_);
    for (const auto& m : messages_) {
      std::string_view kind = m.header(":message-type");
      if (kind == "exception")
        return std::unexpected(error_from_type(m.header(":exception-type"), 0, "", m.payload));
      if (kind == "error")
        return std::unexpected(error_from_type(m.header(":error-code"), 0, "", m.header(":error-message")));
      if (kind != "event")
        return fail(ErrorCode::upstream_error, "sagemaker stream message without :message-type event");
      if (m.header(":event-type") != "PayloadPart")
        continue;  // event types added later carry no payload bytes
      if (auto r = inner_->feed(m.payload, out); !r) return r;
    }
    return framed;
  }

  Result<void> finish(std::vector<StreamEvent>& out) override {
    if (frames_.partial()) return fail(ErrorCode::upstream_error, "sagemaker stream cut inside an event");
    return inner_->finish(out);
  }

 private:
  std::unique_ptr<StreamDecoder> inner_;
  aws::EventStreamDecoder frames_;
  std::vector<aws::EventMessage> messages_;
};

}  // namespace

std::vector<std::string_view> SagemakerProvider::config_keys() const {
  std::vector<std::string_view> keys(std::begin(aws::kConfigKeys), std::end(aws::kConfigKeys));
  keys.push_back("sagemaker_format");
  return keys;
}

void SagemakerProvider::prepare(Target& target) const {
  if (const auto* format = target.cfg.provider_keys.find("sagemaker_format")) {
    if (format->value != "openai" && format->value != "tgi")
      config::raise(format->origin, fmt::format("\"{}\" is not one of: openai, tgi", format->value));
    if (format->value == "tgi") target.provider = &sagemaker_tgi_provider();
  }
  aws::prepare_target(target, "runtime.sagemaker", kEventStream);
  // The endpoint name is one path segment (SigV4 encodes the path once more when signing).
  target.request_path =
      target.base.path + "/endpoints/" + aws::uri_encode(target.cfg.model, false) + "/invocations";
  // OpenAI-compatible containers (vLLM, SGLang, LMI) stream usage when asked; TGI's generate API cannot.
  target.stream_usage = !is_tgi(target) && target.cfg.stream_usage.value_or(true);
}

Result<http::ClientRequest> SagemakerProvider::build_chat(const ChatRequest& req,
                                                          const Target& target) const {
  if (auto ok = wire::parts_carried(req, "a SageMaker endpoint", false); !ok)
    return std::unexpected(ok.error());
  std::string body;
  if (is_tgi(target)) {
    auto o = tgi::encode_request(req);
    if (!o) return std::unexpected(o.error());
    apply_provider_options(*o, req.extra, target.cfg.provider);
    body = json::serialize(*o);
  } else {
    json::object o = openai::encode_chat_request(req, target.cfg.model);
    // The container serves one model whatever its name, and vLLM refuses a name it was not started with:
    // the endpoint name is no model name, so none is sent.
    o.erase("model");
    // Streamed usage is asked for even when the client did not ask (accounting reads it; the client's
    // stream gets the usage chunk only when it asked).
    if (req.stream && target.stream_usage) o["stream_options"] = json::object{{"include_usage", true}};
    apply_provider_options(o, req.extra, target.cfg.provider);
    body = json::serialize(o);
  }
  std::string path = req.stream ? target.request_path + "-response-stream" : target.request_path;
  return aws::signed_post(target, std::move(path), std::move(body), req.stream, kService, kEventStream);
}

Result<ChatResponse> SagemakerProvider::decode_chat(std::string_view body, const ChatRequest&) const {
  boost::system::error_code ec;
  auto v = json_util::parse(body, ec);
  if (ec || !v.is_object()) return fail(ErrorCode::upstream_error, "sagemaker reply is not a JSON object");
  return openai::decode_chat_response(v.get_object());
}

std::unique_ptr<StreamDecoder> SagemakerProvider::stream_decoder(const ChatRequest&) const {
  return std::make_unique<SagemakerStreamDecoder>(openai_stream_decoder());
}

Error SagemakerProvider::map_error(int status, std::string_view retry_after, std::string_view body) const {
  return error_from_type(aws::error_type("", body), status, retry_after, body);
}

Error SagemakerProvider::map_error_reply(const http::Reply& reply, std::string_view body) const {
  return error_from_type(aws::error_type(reply.header("x-amzn-errortype"), body), reply.status(),
                         reply.header("retry-after"), body);
}

namespace {

class TgiSagemakerProvider final : public Provider {
 public:
  std::string_view name() const override { return base_.name(); }
  Wire wire() const override { return Wire::sagemaker; }
  Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const override {
    return base_.build_chat(req, target);
  }
  Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const override {
    return tgi::decode_reply(body, req.model);
  }
  std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest&) const override {
    return std::make_unique<SagemakerStreamDecoder>(tgi::stream_decoder());
  }
  Error map_error(int status, std::string_view retry_after, std::string_view body) const override {
    return base_.map_error(status, retry_after, body);
  }
  Error map_error_reply(const http::Reply& reply, std::string_view body) const override {
    return base_.map_error_reply(reply, body);
  }
  // An image endpoint's contract does not depend on the chat format.
  Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const override {
    return base_.build_image(req, target);
  }
  Result<ImageResponse> decode_image(std::string_view body, const ImageRequest& req) const override {
    return base_.decode_image(body, req);
  }

 private:
  SagemakerProvider base_;
};

}  // namespace

const Provider& sagemaker_tgi_provider() {
  static const TgiSagemakerProvider tgi;
  return tgi;
}

}  // namespace modelmux::providers
