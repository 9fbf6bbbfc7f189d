// POST /v1/embeddings. Routing and attempts are chat's: a stand-in chat request (the model, and the inputs
// as one user message) lets the router estimate tokens and pick targets unchanged. OpenAI-wire targets get
// the client's body with the model rewritten and their reply relayed as it came; the others translate.
#include <boost/json.hpp>

#include "pipeline/attempts.hpp"
#include "pipeline/embeddings_intake.hpp"
#include "pipeline/intake.hpp"
#include "wire/openai/embeddings_json.hpp"
#include "surfaces/openai/surface.hpp"

namespace json = boost::json;
namespace asio = boost::asio;

namespace modelmux::surfaces::openai {
namespace {

using Clock = std::chrono::steady_clock;

std::chrono::microseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t);
}

bool same_wire(const providers::Target& t) { return t.provider->wire() == providers::Wire::openai_chat; }

asio::awaitable<void> answer_with(http::Exchange& ex, pipeline::Answer& answer, const EmbeddingsRequest& req,
                                  observability::AccessRecord& rec) {
  const auto& provider = *answer.target->provider;
  std::array<char, 24> digits;
  auto headers = route_headers(*answer.target, rec.attempts.size(), digits);
  auto body = co_await answer.reply->read_all();
  if (!body) {
    rec.error = to_string(body.error().code);
    co_await respond_error(ex, body.error());
    co_return;
  }
  rec.upstream = since(answer.sent);
  if (same_wire(*answer.target)) {
    if (auto observer = provider.reply_observer(false, false)) {
      observer->feed(*body, nullptr);
      observer->finish(nullptr);
      rec.usage = observer->usage();
    }
    // Some OpenAI-compatible servers ignore encoding_format and answer floats, which the OpenAI SDKs (asking
    // for base64 by default) would misread: such a reply is re-encoded as asked.
    if (req.encoding != EmbeddingEncoding::base64 || !::modelmux::openai::has_float_vectors(*body)) {
      co_await ex.respond(200, "application/json", std::move(*body), headers);
      co_return;
    }
  }
  auto resp = provider.decode_embeddings(*body, req);
  if (!resp) {
    rec.error = to_string(resp.error().code);
    co_await respond_error(ex, resp.error());
    co_return;
  }
  if (resp->model.empty()) resp->model = req.model;
  rec.usage = Usage{.input_tokens = resp->input_tokens};
  co_await ex.respond(200, "application/json", ::modelmux::openai::encode_embeddings_response(*resp, req.encoding),
                      headers);
}

}  // namespace

asio::awaitable<void> embeddings(http::Exchange& ex, const pipeline::Runtime& rt) {
  const auto& http_req = ex.request();
  observability::AccessRecord rec;
  rec.request_id = ex.request_id();
  rec.method = "POST";
  rec.path = "/v1/embeddings";

  // decode
  std::string_view body = http_req.body;
  auto parsed = pipeline::parse_body(body);
  bool rewritten = false;
  Result<routing::Preferences> prefs =
      parsed ? pipeline::preferences(http_req.headers, &parsed->get_object(), rewritten, rt.config.routing)
             : Result<routing::Preferences>(std::unexpected(parsed.error()));
  Result<EmbeddingsRequest> req = prefs ? ::modelmux::openai::decode_embeddings_request(parsed->get_object())
                                        : Result<EmbeddingsRequest>(std::unexpected(prefs.error()));
  std::string stripped;  // the body without the fields meant for the gateway
  if (rewritten) {
    stripped = json::serialize(parsed->get_object());
    body = stripped;
  }
  // route
  ChatRequest stand_in;
  Result<routing::Plan> plan = std::unexpected(Error{});
  if (req) {
    rec.model = req->model;
    stand_in = pipeline::planning_stand_in(*req);
    plan = pipeline::plan_route(rt, stand_in, *prefs);
    if (!plan) req = std::unexpected(plan.error());
  }
  if (!req) {
    rec.error = to_string(req.error().code);
    co_await respond_error(ex, req.error());
  } else {
    // attempts
    pipeline::BuildRequest build = [&](const providers::Target& t) {
      return t.provider->build_embeddings(*req, t, same_wire(t) ? body : std::string_view());
    };
    auto answer = co_await pipeline::attempt_targets(rt, *plan, stand_in, build, rec.attempts);
    if (!answer) {
      rec.error = to_string(answer.error().code);
      co_await respond_error(ex, answer.error());
    } else {
      rec.target = answer->target->label;
      co_await answer_with(ex, *answer, *req, rec);
    }
  }
  // accounting
  rec.status = ex.status();
  rec.total = since(ex.started());
  observability::write_access_log(rec);
}

}  // namespace modelmux::surfaces::openai
