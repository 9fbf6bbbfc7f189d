#include "surfaces/openai/surface.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/json.hpp>
#include <charconv>

#include "pipeline/attempts.hpp"
#include "pipeline/intake.hpp"
#include "wire/openai/chat_json.hpp"

namespace json = boost::json;
namespace asio = boost::asio;

namespace modelmux::surfaces::openai {
namespace {

using Clock = std::chrono::steady_clock;
using observability::AccessRecord;

std::string_view error_type(const Error& e) {
  switch (e.http_status) {
    case 401: return "authentication_error";
    case 403: return "permission_error";
    case 404: return "invalid_request_error";
    case 429: return "rate_limit_error";
    default: return e.http_status >= 500 ? "server_error" : "invalid_request_error";
  }
}

std::chrono::microseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t);
}

// An error that ends a stream already under way, in the shape the OpenAI SDK raises as an APIError.
std::string stream_error_frame(const Error& err) { return "data: " + error_body(err) + "\n\n"; }

// Same wire on both sides: relay the upstream's bytes as they arrive, reading usage on the way.
// Whether the gateway asks this target for streamed usage the client did not ask for (accounting needs it).
bool adds_stream_usage(const ChatRequest& req, const providers::Target& target) {
  return req.stream && !req.include_usage && target.stream_usage;
}

asio::awaitable<void> relay(http::Exchange& ex, pipeline::Answer& answer, const ChatRequest& req, AccessRecord& rec) {
  bool stream = req.stream;
  auto& reply = *answer.reply;
  auto observer = answer.target->provider->reply_observer(stream, adds_stream_usage(req, *answer.target));
  std::string forward;  // used when the observer filters what reaches the client
  std::array<char, 24> digits;
  auto headers = route_headers(*answer.target, rec.attempts.size(), digits);
  if (!stream) {
    auto body = co_await reply.read_all();
    if (!body) {
      rec.error = to_string(body.error().code);
      co_await respond_error(ex, body.error());
      co_return;
    }
    if (observer) {
      observer->feed(*body, nullptr);
      observer->finish(nullptr);
      rec.usage = observer->usage();
    }
    rec.upstream = since(answer.sent);
    co_await ex.respond(200, "application/json", std::move(*body), headers);
    co_return;
  }
  if (!co_await ex.begin_stream(200, "text/event-stream", headers)) co_return;
  for (;;) {
    auto piece = co_await reply.read_some();
    if (!piece) {
      rec.error = to_string(piece.error().code);
      co_await ex.write(stream_error_frame(piece.error()));
      break;
    }
    if (piece->empty()) break;
    std::string_view out = *piece;
    if (observer && observer->filters()) {
      forward.clear();
      observer->feed(*piece, &forward);
      out = forward;
    } else if (observer) {
      observer->feed(*piece, nullptr);
    }
    if (!co_await ex.write(out)) {
      rec.error = "client_disconnected";
      co_return;
    }
  }
  if (observer) {
    forward.clear();
    observer->finish(&forward);
    if (!forward.empty()) co_await ex.write(forward);
    rec.usage = observer->usage();
    if (auto e = observer->error()) rec.error = to_string(e->code);
  }
  rec.upstream = since(answer.sent);
  co_await ex.end_stream();
}

// Different wires: decode the provider's reply into canonical form and encode it as OpenAI's.
asio::awaitable<void> translate(http::Exchange& ex, pipeline::Answer& answer, const ChatRequest& req,
                                AccessRecord& rec) {
  const auto& provider = *answer.target->provider;
  std::array<char, 24> digits;
  auto headers = route_headers(*answer.target, rec.attempts.size(), digits);
  auto& reply = *answer.reply;
  if (!req.stream) {
    auto body = co_await reply.read_all();
    Result<ChatResponse> resp = body ? provider.decode_chat(*body, req) : std::unexpected(body.error());
    if (!resp) {
      rec.error = to_string(resp.error().code);
      co_await respond_error(ex, resp.error());
      co_return;
    }
    // Upstreams that give no id or time (Ollama) still get an OpenAI-shaped reply.
    if (resp->id.empty()) resp->id = "chatcmpl-" + std::string(ex.request_id());
    if (resp->created == 0)
      resp->created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    rec.usage = resp->usage;
    rec.upstream = since(answer.sent);
    co_await ex.respond(200, "application/json", json::serialize(::modelmux::openai::encode_chat_response(*resp)), headers);
    co_return;
  }
  auto decoder = provider.stream_decoder(req);
  ::modelmux::openai::ChunkEncoder encoder(
      "chatcmpl-" + std::string(ex.request_id()), req.model, req.include_usage,
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count());
  std::vector<StreamEvent> events;
  if (!co_await ex.begin_stream(200, "text/event-stream", headers)) co_return;
  auto emit = [&]() -> asio::awaitable<bool> {
    std::string out;
    for (const auto& ev : events) {
      if (ev.kind == StreamEvent::Kind::usage) rec.usage = ev.usage;
      for (auto& payload : encoder.encode(ev)) out += "data: " + payload + "\n\n";
    }
    events.clear();
    co_return co_await ex.write(out);
  };
  for (;;) {
    auto piece = co_await reply.read_some();
    Result<void> fed = piece ? (piece->empty() ? decoder->finish(events) : decoder->feed(*piece, events))
                             : Result<void>(std::unexpected(piece.error()));
    if (!co_await emit()) co_return;
    if (!fed) {
      rec.error = to_string(fed.error().code);
      co_await ex.write(stream_error_frame(fed.error()));
      co_await ex.end_stream();
      co_return;
    }
    if (piece->empty()) break;
  }
  rec.upstream = since(answer.sent);
  co_await ex.write("data: [DONE]\n\n");
  co_await ex.end_stream();
}

}  // namespace

// The routing headers every routed response carries; `digits` must outlive the returned views.
std::array<http::HeaderView, 2> route_headers(const providers::Target& target, std::size_t attempts,
                                              std::array<char, 24>& digits) {
  auto [end, ec] = std::to_chars(digits.data(), digits.data() + digits.size(), attempts);
  return {http::HeaderView{"x-modelmux-target", target.label},
          http::HeaderView{"x-modelmux-attempts", std::string_view(digits.data(), static_cast<std::size_t>(end - digits.data()))}};
}

std::string error_body(const Error& err) {
  json::object e{{"message", err.message}, {"type", error_type(err)}};
  if (err.param.empty()) e["param"] = nullptr;
  else e["param"] = err.param;
  e["code"] = to_string(err.code);
  return json::serialize(json::object{{"error", std::move(e)}});
}

asio::awaitable<void> respond_error(http::Exchange& ex, const Error& err) {
  std::string seconds = err.retry_after ? std::to_string(err.retry_after->count()) : std::string();
  std::array<http::HeaderView, 1> retry_after{http::HeaderView{"retry-after", seconds}};
  http::HeaderViews headers(retry_after.data(), err.retry_after ? 1 : 0);
  if (ex.streaming()) {
    co_await ex.write(stream_error_frame(err));
    co_await ex.end_stream();
    co_return;
  }
  co_await ex.respond(static_cast<unsigned>(err.http_status), "application/json", error_body(err), headers);
}

asio::awaitable<void> chat_completions(http::Exchange& ex, const pipeline::Runtime& rt) {
  const auto& http_req = ex.request();
  AccessRecord rec;
  rec.request_id = ex.request_id();
  rec.method = "POST";
  rec.path = "/v1/chat/completions";
  auto fail_with = [&](Error err) -> asio::awaitable<void> {
    rec.error = to_string(err.code);
    co_await respond_error(ex, err);
  };

  // decode
  std::string_view body = http_req.body;
  unsigned char arena_buffer[2048];  // most request trees fit; larger ones spill to the heap
  json::monotonic_resource arena(arena_buffer, sizeof arena_buffer);  // one request's tree, freed at once
  auto parsed = pipeline::parse_body(body, &arena);
  bool rewritten = false;
  Result<routing::Preferences> prefs =
      parsed ? pipeline::preferences(http_req.headers, &parsed->get_object(), rewritten, rt.config.routing)
             : Result<routing::Preferences>(std::unexpected(parsed.error()));
  Result<ChatRequest> req = prefs ? ::modelmux::openai::decode_chat_request(parsed->get_object())
                                  : Result<ChatRequest>(std::unexpected(prefs.error()));
  // The body without the fields meant for the gateway, for upstreams that take it as it is.
  std::string stripped;
  if (rewritten) {
    stripped = json::serialize(parsed->get_object());
    body = stripped;
  }
  // route
  Result<routing::Plan> plan = pipeline::route_chat(rt, req, prefs, rec);
  if (!req) {
    co_await fail_with(req.error());
  } else {
    // attempts
    const auto& fields = parsed->get_object();
    bool has_options = fields.contains(providers::kProviderOptions);
    pipeline::BuildRequest build = [&](const providers::Target& t) -> Result<http::ClientRequest> {
      if (t.provider->wire() != providers::Wire::openai_chat) return t.provider->build_chat(*req, t);
      if (!has_options) return t.provider->build_passthrough(body, fields, t, adds_stream_usage(*req, t));
      // Provider options differ per target: this target's body is written afresh (a rare path).
      json::object own = fields;
      providers::apply_provider_options(own, fields, t.cfg.provider);
      std::string text = json::serialize(own);
      return t.provider->build_passthrough(text, own, t, adds_stream_usage(*req, t));
    };
    auto answer = co_await pipeline::attempt_targets(rt, *plan, *req, build, rec.attempts);
    if (!answer) {
      co_await fail_with(answer.error());
    } else {
      rec.target = answer->target->label;
      if (answer->target->provider->wire() == providers::Wire::openai_chat)
        co_await relay(ex, *answer, *req, rec);
      else
        co_await translate(ex, *answer, *req, rec);
    }
  }
  // accounting
  rec.status = ex.status();
  rec.total = since(ex.started());
  observability::write_access_log(rec);
}

asio::awaitable<void> list_models(http::Exchange& ex, const pipeline::Runtime& rt) {
  json::array data;
  for (const auto& g : rt.catalog.groups())
    data.push_back(json::object{{"id", g.name}, {"object", "model"}, {"created", rt.started_at}, {"owned_by", "modelmux"}});
  json::object list;
  list["object"] = "list";
  list["data"] = std::move(data);
  co_await ex.respond(200, "application/json", json::serialize(list));
}

}  // namespace modelmux::surfaces::openai
