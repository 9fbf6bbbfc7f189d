#include "providers/provider.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>

#include "core/json_scan.hpp"

namespace modelmux::providers {

Result<http::ClientRequest> Provider::build_passthrough(const PassthroughBody&, const Target& target) const {
  return fail(ErrorCode::internal, fmt::format("provider {} cannot take a pass-through body", target.label));
}

namespace {

// `s` as a JSON string.
std::string json_string(std::string_view s) {
  // Model names are plain ASCII: quoted as they are, without building a JSON value to serialize.
  bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  });
  if (!plain) return boost::json::serialize(boost::json::value(s));
  std::string out;
  out.reserve(s.size() + 2);
  return out.append(1, '"').append(s).append(1, '"');
}

}  // namespace

std::string with_model(const PassthroughBody& body, std::string_view model) {
  if (body.model_at) return json_scan::replace(body.text, {&*body.model_at, 1}, json_string(model));
  auto spans = json_scan::find_top_level(body.text, "model");
  if (spans.empty()) {
    boost::json::object copy = body.fields;
    copy["model"] = model;
    return boost::json::serialize(copy);
  }
  return json_scan::replace(body.text, spans, json_string(model));
}

Result<http::ClientRequest> Provider::build_embeddings(const EmbeddingsRequest&, const Target& target,
                                                       std::string_view) const {
  return fail(ErrorCode::invalid_request,
              fmt::format("provider {} does not serve embeddings (target {})", name(), target.label),
              "model");
}

Result<EmbeddingsResponse> Provider::decode_embeddings(std::string_view, const EmbeddingsRequest&) const {
  return fail(ErrorCode::internal, fmt::format("provider {} does not serve embeddings", name()));
}

// Providers that take text only refuse token ids: turning them back into text needs the model's tokenizer.
Result<void> text_inputs_only(const EmbeddingsRequest& req, const Target& target) {
  if (!req.token_input) return {};
  return fail(
      ErrorCode::invalid_request,
      fmt::format("'input' as token ids is served by OpenAI-wire targets only; {} takes text", target.label),
      "input");
}

std::unique_ptr<ReplyObserver> Provider::reply_observer(bool, bool) const {
  return nullptr;
}

Error Provider::map_error_reply(const http::Reply& reply, std::string_view body) const {
  return map_error(reply.status(), reply.header("retry-after"), body);
}

asio::awaitable<Result<std::unique_ptr<http::Reply>>> Provider::send(const Target& target,
                                                                     http::ClientRequest request) const {
  return http::send(target.base, std::move(request), target.timeouts);
}

void apply_provider_options(boost::json::object& upstream_body, const boost::json::object& client_fields,
                            std::string_view provider) {
  upstream_body.erase(kProviderOptions);
  auto* all = client_fields.if_contains(kProviderOptions);
  if (!all || !all->is_object()) return;
  auto* mine = all->get_object().if_contains(provider);
  if (!mine || !mine->is_object()) return;
  for (const auto& [k, v] : mine->get_object()) upstream_body[k] = v;
}

namespace {

// `api_key: credential:NAME` or `aws_credential: NAME`: the target's requests take their credential from
// the store (governance/vault.hpp binds it once the store is open); until then it is prepared without one.
void bind_stored_credential(Target& t) {
  constexpr std::string_view kRef = "credential:";
  std::string_view aws = t.cfg.provider_keys.get("aws_credential");
  if (t.cfg.api_key.starts_with(kRef)) {
    if (!aws.empty()) config::raise(t.cfg.origin, "api_key: credential: and aws_credential are exclusive");
    t.live = std::make_shared<LiveCredential>();
    t.live->name = t.cfg.api_key.substr(kRef.size());
    t.cfg.api_key.clear();
  } else if (!aws.empty()) {
    if (!t.cfg.provider_keys.get("aws_access_key_id").empty())
      config::raise(t.cfg.provider_keys.find("aws_credential")->origin,
                    "is exclusive with aws_access_key_id: the stored credential holds the keys");
    t.live = std::make_shared<LiveCredential>();
    t.live->name = std::string(aws);
    t.live->kind = LiveCredential::Kind::aws;
  } else {
    return;
  }
  if (t.live->name.empty() || t.live->name.find_first_of(" /\t\r\n") != std::string::npos)
    config::raise(t.cfg.origin, fmt::format("\"{}\" is not a credential name", t.live->name));
}

}  // namespace

Target make_target(const config::TargetConfig& cfg) {
  Target t;
  t.cfg = cfg;
  t.provider = find(cfg.provider);
  if (!t.provider) {
    std::string list;
    for (auto n : names()) list += (list.empty() ? "" : ", ") + std::string(n);
    config::raise(cfg.origin, fmt::format("unknown provider \"{}\" (known: {})", cfg.provider, list));
  }
  std::string base = cfg.api_base.empty() ? t.provider->default_api_base() : cfg.api_base;
  if (base.empty()) {
    auto at = cfg.origin;
    at.key = at.key.substr(0, at.key.rfind('.')) + ".api_base";
    config::raise(at, fmt::format("is required for provider {}", cfg.provider));
  }
  auto url = http::parse_url(base);
  if (!url) {
    auto at = cfg.origin;
    at.key = at.key.substr(0, at.key.rfind('.')) + ".api_base";
    config::raise(at, url.error().message);
  }
  t.base = *url;
  auto own = t.provider->config_keys();
  for (const auto& [name, key] : cfg.provider_keys.all()) {
    if (std::find(own.begin(), own.end(), name) != own.end()) continue;
    std::string list;
    for (auto k : config::kTargetKeys) list += (list.empty() ? "" : ", ") + std::string(k);
    for (auto k : own) list += ", " + std::string(k);
    config::raise(key.origin,
                  fmt::format("unknown key for provider {} (expected one of: {})", cfg.provider, list));
  }
  t.label = fmt::format("{}/{}", cfg.provider, cfg.model);
  t.counter = cfg.api_base.empty() ? "target:" + t.label : fmt::format("target:{}@{}", t.label, cfg.api_base);
  t.timeouts = {cfg.timeouts.connect, cfg.timeouts.first_byte, cfg.timeouts.idle};
  bind_stored_credential(t);
  t.provider->prepare(t);
  return t;
}

Result<std::shared_ptr<const Prepared>> prepare_with(const Target& target, const CredentialValue& value) {
  Target copy = target;
  copy.live.reset();
  if (target.live && target.live->kind == LiveCredential::Kind::aws) {
    auto origin = copy.cfg.origin;
    copy.cfg.provider_keys.set("aws_access_key_id", {value.aws_access_key_id, origin});
    copy.cfg.provider_keys.set("aws_secret_access_key", {value.aws_secret_access_key, origin});
    copy.cfg.provider_keys.set("aws_session_token", {value.aws_session_token, origin});
  } else {
    copy.cfg.api_key = value.api_key;
  }
  try {
    copy.provider->prepare(copy);
  } catch (const config::ConfigError& e) {
    return fail(ErrorCode::invalid_request, e.what());
  }
  auto p = std::make_shared<Prepared>();
  p->headers[0] = std::move(copy.prepared_headers[0]);
  p->headers[1] = std::move(copy.prepared_headers[1]);
  p->state = std::move(copy.state);
  return std::shared_ptr<const Prepared>(std::move(p));
}

Current current(const Target& target, bool stream) {
  if (!target.live) return {target.prepared_headers[stream ? 1 : 0], target.state.get(), nullptr};
  auto now = target.live->current.load(std::memory_order_acquire);
  if (!now) return {target.prepared_headers[stream ? 1 : 0], target.state.get(), nullptr};
  return {now->headers[stream ? 1 : 0], now->state.get(), now};
}

void prepare_json_headers(Target& target, std::string_view stream_accept, std::string_view auth_lines) {
  for (int stream = 0; stream < 2; ++stream) {
    std::string h = "content-type: application/json\r\naccept: ";
    h += stream ? stream_accept : "application/json";
    h += "\r\n";
    h += auth_lines;
    for (const auto& [k, v] : target.cfg.headers) h += k + ": " + v + "\r\n";
    target.prepared_headers[stream] = std::move(h);
  }
}

http::ClientRequest json_post(const Target& target, std::string body, bool stream) {
  http::ClientRequest r;
  r.method = "POST";
  r.target = target.request_path;
  auto now = current(target, stream);
  r.prepared_headers = now.headers;
  r.keep_alive = std::move(now.keep_alive);
  r.body = std::move(body);
  return r;
}

Result<http::ClientRequest> Provider::build_image(const ImageRequest&, const Target&) const {
  return fail(ErrorCode::invalid_request, fmt::format("provider {} does not generate images", name()),
              "model");
}

Result<ImageResponse> Provider::decode_image(std::string_view, const ImageRequest&) const {
  return fail(ErrorCode::invalid_request, fmt::format("provider {} does not generate images", name()),
              "model");
}

Error error_from_status(std::string_view provider, int status, std::string_view retry_after,
                        std::string_view message, ErrorCode code_for_400) {
  ErrorCode ec;
  switch (status) {
    case 400:
      ec = code_for_400;
      break;
    case 401:
      ec = ErrorCode::authentication;
      break;
    case 403:
      ec = ErrorCode::permission_denied;
      break;
    case 404:
      ec = ErrorCode::not_found;
      break;
    case 408:
      ec = ErrorCode::timeout;
      break;
    case 409:
      ec = ErrorCode::conflict;
      break;
    case 413:
      ec = ErrorCode::payload_too_large;
      break;
    case 422:
      ec = ErrorCode::unprocessable;
      break;
    case 429:
      ec = ErrorCode::rate_limited;
      break;
    case 503:
    case 529:
      ec = ErrorCode::overloaded;
      break;
    default:
      ec = status >= 500 ? ErrorCode::upstream_error : ErrorCode::invalid_request;
      break;
  }
  Error e = Error::make(ec, fmt::format("{} upstream returned {}: {}", provider, status,
                                        message.empty() ? std::string_view("(no message)") : message));
  e.provider = provider;
  if (status >= 400 && status < 500 && ec != ErrorCode::timeout) e.http_status = status;
  if (ec == ErrorCode::conflict) e.retryable = true;
  e.retry_after = parse_retry_after(retry_after);
  return e;
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) {
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  if (v.find_first_not_of("0123456789.") == std::string_view::npos) {
    double secs = 0;
    try {
      secs = std::stod(std::string(v));
    } catch (const std::exception&) {
      return std::nullopt;
    }
    return std::chrono::seconds(static_cast<long>(secs + 0.999));
  }
  std::tm tm{};
  std::string s(v);
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  auto when = timegm(&tm);
  auto now = std::time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

}  // namespace modelmux::providers
