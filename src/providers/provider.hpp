// A provider adapter: builds the upstream request from canonical types (or prepares a same-format body for
// pass-through), decodes replies and streams, and maps upstream errors into the one Error type. It knows
// nothing of routing, keys or caching.
#pragma once

#include <atomic>
#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/json_scan.hpp"
#include "http/client.hpp"
#include "http/message.hpp"
#include "modelmux/chat.hpp"
#include "modelmux/embeddings.hpp"
#include "modelmux/error.hpp"
#include "modelmux/images.hpp"

namespace modelmux::providers {

namespace asio = boost::asio;

// The format of the bodies a provider's upstream takes and gives (src/wire/<format>/). When a client's
// surface speaks the same one, the client's body goes upstream as it is (only the model rewritten) and the
// reply's bytes come back as they are: the pass-through path. (openai_responses, OpenAI's Responses API, is
// a surface's wire that no provider speaks: its requests always go through the canonical model.)
enum class Wire : std::uint8_t {
  none,
  openai,
  anthropic,
  gemini,
  bedrock,
  sagemaker,
  ollama,
  openai_responses
};

// A client's body in the provider's own wire, for pass-through.
struct PassthroughBody {
  std::string_view text;              // as the client sent it (minus fields meant for the gateway)
  const boost::json::object& fields;  // the same, parsed
  bool stream = false;                // from the body, or from the path where the wire says so (Gemini)
  // Ask the upstream for streamed usage the client did not ask for (accounting needs it); the matching
  // reply_observer then hides those events from the client.
  bool add_stream_usage = false;
  // The client's headers, for those a provider passes on (Anthropic's anthropic-beta); null when none.
  const http::HeaderList* client_headers = nullptr;
  // The body's wire (the client's surface's), for a provider that takes more than its own (speaks()).
  Wire wire = Wire::none;
  // Where `text` holds its one top-level `model` value, when the decode stage's scan saw it: with_model
  // then rewrites it without looking for it.
  std::optional<json_scan::Span> model_at;
};

// A same-wire body with its top-level `model` set to `model`, the rest byte for byte (re-serialized only
// when the client wrote the key with escapes).
std::string with_model(const PassthroughBody& body, std::string_view model);

class Provider;

// What a provider keeps per target from its own configuration keys (AWS credentials and region), made by
// its prepare(); each provider derives its own.
struct TargetState {
  virtual ~TargetState() = default;
  // The secrets it holds (credentials resolved from the environment), which no message may show.
  virtual void secrets(std::vector<std::string>&) const {}
};

// What a target's requests are built with when its credential comes from the store (`api_key:
// credential:NAME`, `aws_credential: NAME`): its header lines and provider state, prepared from the stored
// value. Replaced whole when the credential is; a request in flight keeps the one it started with.
struct Prepared {
  std::string headers[2];  // as Target::prepared_headers
  std::shared_ptr<const TargetState> state;
};
struct LiveCredential {
  enum class Kind : unsigned char { api_key, aws };
  std::string name;  // the stored credential's
  Kind kind = Kind::api_key;
  std::atomic<std::shared_ptr<const Prepared>> current;  // null until the credential is stored and opens
};
// A stored credential's value: an API key, or AWS keys.
struct CredentialValue {
  std::string api_key;
  std::string aws_access_key_id, aws_secret_access_key, aws_session_token;
};

// A configured upstream: provider + upstream model + credentials, resolved once at config load.
struct Target {
  config::TargetConfig cfg;
  const Provider* provider = nullptr;
  std::shared_ptr<const TargetState> state;
  std::shared_ptr<LiveCredential> live;  // set when the credential is a stored one
  http::Url base;
  std::string label;  // provider/model, for logs and headers
  // Its quota's and budget's counter: the label and the address, so two deployments of one model are two.
  std::string counter;
  http::ClientTimeouts timeouts;
  // Upstream header lines the provider renders once per target (auth, content type, extra headers),
  // for a plain and for a streamed request, and the request path.
  std::string prepared_headers[2];
  std::string request_path;
  // Whether the gateway may ask this target for streamed usage the client did not ask for.
  bool stream_usage = false;
  // The wall clock for request signing (AWS SigV4 dates each request); tests pin it. Empty: the system's.
  std::function<std::chrono::system_clock::time_point()> clock;
};

// Incremental decoder of a streamed reply into canonical events.
class StreamDecoder {
 public:
  virtual ~StreamDecoder() = default;
  virtual Result<void> feed(std::string_view bytes, std::vector<StreamEvent>& out) = 0;
  // End of the upstream body; a stream that ended before its terminator is an error.
  virtual Result<void> finish(std::vector<StreamEvent>& out) = 0;
};

// Watches a passed-through reply (whole or streamed) for what accounting needs, without re-encoding it.
// When it also filters (it hides events the gateway asked for on its own behalf), `forward` receives the
// bytes the client should get; otherwise every byte goes to the client as it came.
class ReplyObserver {
 public:
  virtual ~ReplyObserver() = default;
  virtual bool filters() const { return false; }
  virtual void feed(std::string_view bytes, std::string* forward) = 0;
  virtual void finish(std::string* forward) = 0;
  // A whole reply read at once (not streamed): an observer may read it in place rather than keep a copy.
  virtual void whole(std::string_view body) {
    feed(body, nullptr);
    finish(nullptr);
  }
  virtual std::optional<Usage> usage() const = 0;
  // An error the upstream reported inside a 2xx reply (e.g. an error event in a stream).
  virtual std::optional<Error> error() const = 0;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual std::string_view name() const = 0;
  virtual Wire wire() const = 0;
  // Whether `target` takes bodies of `w` as they are (pass-through): its own wire, and for an OpenAI
  // target configured with `responses_api: true` the Responses API's too.
  virtual bool speaks(Wire w, const Target&) const { return w == wire(); }
  // Used when a target sets no api_base; empty means api_base is required.
  virtual std::string default_api_base() const { return {}; }
  // The target keys this provider reads beyond the common ones (config::kTargetKeys); any other is a
  // configuration error naming its line.
  virtual std::vector<std::string_view> config_keys() const { return {}; }
  // Work done once per target at config load: checking its own keys (config::raise at their origin),
  // resolving credentials, rendering its fixed headers.
  virtual void prepare(Target&) const {}

  virtual Result<http::ClientRequest> build_chat(const ChatRequest& req, const Target& target) const = 0;
  // For pass-through: the client's body in this provider's own wire format, for this target (model
  // rewritten). Providers whose wire no surface speaks keep the default, an internal error.
  virtual Result<http::ClientRequest> build_passthrough(const PassthroughBody& body,
                                                        const Target& target) const;

  // Decoding may depend on what was asked (a JSON schema served through a forced tool, for one).
  virtual Result<ChatResponse> decode_chat(std::string_view body, const ChatRequest& req) const = 0;
  virtual std::unique_ptr<StreamDecoder> stream_decoder(const ChatRequest& req) const = 0;
  virtual std::unique_ptr<ReplyObserver> reply_observer(bool stream, bool hide_stream_usage) const;
  virtual Error map_error(int status, std::string_view retry_after, std::string_view body) const = 0;
  // An upstream's error reply with its headers; by default map_error with the Retry-After header. For
  // providers that type their errors in a header (AWS's x-amzn-ErrorType).
  virtual Error map_error_reply(const http::Reply& reply, std::string_view body) const;

  // Image generation (POST /v1/images/generations). By default a provider generates none: a 400 naming it.
  virtual Result<http::ClientRequest> build_image(const ImageRequest& req, const Target& target) const;
  virtual Result<ImageResponse> decode_image(std::string_view body, const ImageRequest& req) const;
  // Embeddings. `client_body` is the client's own body when its surface speaks this provider's wire: the
  // upstream takes it as it is (model rewritten), token-id inputs included. Providers without embeddings
  // answer a 400 naming themselves.
  virtual Result<http::ClientRequest> build_embeddings(const EmbeddingsRequest& req, const Target& target,
                                                       std::string_view client_body = {}) const;
  virtual Result<EmbeddingsResponse> decode_embeddings(std::string_view body,
                                                       const EmbeddingsRequest& req) const;

  // The path of the provider's cheapest authenticated call (listing models), for validating a credential
  // (POST /admin/v1/credentials/{name}/validate); empty when it has none to offer.
  virtual std::string validation_path(const Target& target) const { return target.base.path + "/models"; }

  // Sends a built request; the network by default, in-process for the mock.
  virtual asio::awaitable<Result<std::unique_ptr<http::Reply>>> send(const Target& target,
                                                                     http::ClientRequest request) const;
};

// The registry: one line per provider in registry.cpp.
const Provider* find(std::string_view name);
std::vector<std::string_view> names();

// Resolves a target's configuration; errors name the config file and line.
Target make_target(const config::TargetConfig& cfg);

// `target` prepared by its provider with `value` in place of its configured credential; a ConfigError's
// message when the value does not fit the provider.
Result<std::shared_ptr<const Prepared>> prepare_with(const Target& target, const CredentialValue& value);
// The header lines and provider state a request to `target` is built with now, and what keeps them alive
// while it is in flight (null for a target whose credential is in its configuration).
struct Current {
  std::string_view headers;
  const TargetState* state;
  std::shared_ptr<const void> keep_alive;
};
Current current(const Target& target, bool stream);

// Renders a target's upstream headers once, for a plain and a streamed request: JSON content type, the
// accept type (`stream_accept` when streaming), the provider's `auth_lines` ("name: value\r\n", may be
// empty), then the headers the configuration adds.
void prepare_json_headers(Target& target, std::string_view stream_accept, std::string_view auth_lines);
// A POST of `body` to the target's prepared path, with its prepared headers.
http::ClientRequest json_post(const Target& target, std::string body, bool stream);

// A 400 for token-id inputs, which only an OpenAI-wire upstream takes (from the client's body).
Result<void> text_inputs_only(const EmbeddingsRequest& req, const Target& target);

// An upstream's HTTP error as the one Error type: the status decides code and retryability (4xx statuses
// reach the client as they are, 5xx become 502/503); `code_for_400` refines a 400 (context length,
// content filter) from what the provider's body said.
Error error_from_status(std::string_view provider, int status, std::string_view retry_after,
                        std::string_view message, ErrorCode code_for_400 = ErrorCode::invalid_request);

// The documented key for provider-specific request fields (README, "Provider options"): the object at
// body.provider_options.<provider> (the target's configured provider name) is merged into the top level
// of the body sent to a target of that provider, its fields winning over the translated ones; other
// providers' entries are ignored and the key itself never goes upstream.
inline constexpr std::string_view kProviderOptions = "provider_options";
void apply_provider_options(boost::json::object& upstream_body, const boost::json::object& client_fields,
                            std::string_view provider);

// Retry-After as seconds, from either delta-seconds or an HTTP date.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value);

}  // namespace modelmux::providers
