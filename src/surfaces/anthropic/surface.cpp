#include "surfaces/anthropic/surface.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "pipeline/attempts.hpp"
#include "pipeline/intake.hpp"
#include "wire/anthropic/messages_json.hpp"

namespace json = boost::json;
namespace asio = boost::asio;

namespace modelmux::surfaces::anthropic {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t);
}

// Every provider is reached through the canonical model here: decode its reply, encode Anthropic's.
asio::awaitable<void> answer(http::Exchange& ex, pipeline::Answer& answer, const ChatRequest& req,
                             observability::AccessRecord& rec) {
  const auto& provider = *answer.target->provider;
  std::string fallback_id = "msg_" + std::string(ex.request_id());
  std::string attempts = std::to_string(rec.attempts.size());
  std::array<http::HeaderView, 2> headers{http::HeaderView{"x-modelmux-target", answer.target->label},
                                          http::HeaderView{"x-modelmux-attempts", attempts}};
  if (!req.stream) {
    auto body = co_await answer.reply->read_all();
    Result<ChatResponse> resp = body ? provider.decode_chat(*body, req) : std::unexpected(body.error());
    if (!resp) {
      rec.error = to_string(resp.error().code);
      co_await respond_error(ex, resp.error());
      co_return;
    }
    rec.usage = resp->usage;
    rec.upstream = since(answer.sent);
    co_await ex.respond(200, "application/json", json::serialize(::modelmux::anthropic::encode_reply(*resp, fallback_id)),
                        headers);
    co_return;
  }
  auto decoder = provider.stream_decoder(req);
  ::modelmux::anthropic::StreamEncoder encoder(fallback_id, req.model);
  std::vector<StreamEvent> events;
  if (!co_await ex.begin_stream(200, "text/event-stream", headers)) co_return;
  for (;;) {
    auto piece = co_await answer.reply->read_some();
    Result<void> fed = piece ? (piece->empty() ? decoder->finish(events) : decoder->feed(*piece, events))
                             : Result<void>(std::unexpected(piece.error()));
    std::string out;
    for (const auto& ev : events) {
      if (ev.kind == StreamEvent::Kind::usage) rec.usage = ev.usage;
      out += encoder.encode(ev);
    }
    events.clear();
    if (!fed) {
      rec.error = to_string(fed.error().code);
      out += ::modelmux::anthropic::StreamEncoder::error_frame(fed.error());
      co_await ex.write(out);
      co_await ex.end_stream();
      co_return;
    }
    if (!co_await ex.write(out)) co_return;
    if (piece->empty()) break;
  }
  rec.upstream = since(answer.sent);
  co_await ex.write(encoder.finish());
  co_await ex.end_stream();
}

}  // namespace

asio::awaitable<void> respond_error(http::Exchange& ex, const Error& err) {
  if (ex.streaming()) {
    co_await ex.write(::modelmux::anthropic::StreamEncoder::error_frame(err));
    co_await ex.end_stream();
    co_return;
  }
  std::string seconds = err.retry_after ? std::to_string(err.retry_after->count()) : std::string();
  std::array<http::HeaderView, 1> retry_after{http::HeaderView{"retry-after", seconds}};
  co_await ex.respond(static_cast<unsigned>(::modelmux::anthropic::error_status(err)), "application/json",
                      ::modelmux::anthropic::error_body(err), http::HeaderViews(retry_after.data(), err.retry_after ? 1 : 0));
}

asio::awaitable<void> messages(http::Exchange& ex, const pipeline::Runtime& rt) {
  observability::AccessRecord rec;
  rec.request_id = ex.request_id();
  rec.method = "POST";
  rec.path = "/v1/messages";
  // decode
  auto parsed = pipeline::parse_body(ex.request().body);
  bool rewritten = false;
  Result<routing::Preferences> prefs =
      parsed ? pipeline::preferences(ex.request().headers, &parsed->get_object(), rewritten, rt.config.routing)
             : Result<routing::Preferences>(std::unexpected(parsed.error()));
  Result<ChatRequest> req = prefs ? ::modelmux::anthropic::decode_request(parsed->get_object())
                                  : Result<ChatRequest>(std::unexpected(prefs.error()));
  // route
  Result<routing::Plan> plan = pipeline::route_chat(rt, req, prefs, rec);
  if (!req) {
    rec.error = to_string(req.error().code);
    co_await respond_error(ex, req.error());
  } else {
    // attempts
    auto got = co_await pipeline::attempt_targets(
        rt, *plan, *req, [&](const providers::Target& t) { return t.provider->build_chat(*req, t); }, rec.attempts);
    if (!got) {
      rec.error = to_string(got.error().code);
      co_await respond_error(ex, got.error());
    } else {
      rec.target = got->target->label;
      co_await answer(ex, *got, *req, rec);
    }
  }
  // accounting
  rec.status = ex.status();
  rec.total = since(ex.started());
  observability::write_access_log(rec);
}

}  // namespace modelmux::surfaces::anthropic
