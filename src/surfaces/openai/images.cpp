// POST /v1/images/generations: OpenAI's image-generation body in, routed over the model group's targets like
// a chat request (a one-message ChatRequest holding the prompt stands in for routing and attempts, never
// streamed), and the target's images back as OpenAI's {"created", "data": [...]}.
#include <boost/json.hpp>

#include "pipeline/attempts.hpp"
#include "pipeline/intake.hpp"
#include "wire/openai/images_json.hpp"
#include "surfaces/openai/surface.hpp"

namespace json = boost::json;
namespace asio = boost::asio;

namespace modelmux::surfaces::openai {
namespace {

std::chrono::microseconds since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t);
}

// What routing and the attempts stage read of a request: its model, its size in tokens (the prompt), and
// that it is not streamed.
ChatRequest routing_stand_in(const ImageRequest& req) {
  ChatRequest chat;
  chat.model = req.model;
  chat.messages.push_back(Message{.role = Role::user, .content = {ContentPart{.text = req.prompt}}});
  return chat;
}

}  // namespace

asio::awaitable<void> images_generations(http::Exchange& ex, const pipeline::Runtime& rt) {
  const auto& http_req = ex.request();
  observability::AccessRecord rec;
  rec.request_id = ex.request_id();
  rec.method = "POST";
  rec.path = "/v1/images/generations";

  auto parsed = pipeline::parse_body(http_req.body);
  bool rewritten = false;
  Result<routing::Preferences> prefs =
      parsed ? pipeline::preferences(http_req.headers, &parsed->get_object(), rewritten, rt.config.routing)
             : Result<routing::Preferences>(std::unexpected(parsed.error()));
  Result<ImageRequest> req = prefs ? ::modelmux::openai::decode_image_request(parsed->get_object())
                                   : Result<ImageRequest>(std::unexpected(prefs.error()));
  ChatRequest stand_in;
  Result<routing::Plan> plan = std::unexpected(Error{});
  if (req) {
    rec.model = req->model;
    stand_in = routing_stand_in(*req);
    plan = pipeline::plan_route(rt, stand_in, *prefs);
    if (!plan) req = std::unexpected(plan.error());
  }
  Result<ImageResponse> resp = req ? Result<ImageResponse>() : std::unexpected(req.error());
  const providers::Target* served = nullptr;
  if (req) {
    pipeline::BuildRequest build = [&](const providers::Target& t) { return t.provider->build_image(*req, t); };
    auto answer = co_await pipeline::attempt_targets(rt, *plan, stand_in, build, rec.attempts);
    if (!answer) {
      resp = std::unexpected(answer.error());
    } else {
      served = answer->target;
      rec.target = served->label;
      auto body = co_await answer->reply->read_all();
      resp = body ? served->provider->decode_image(*body, *req) : std::unexpected(body.error());
      rec.upstream = since(answer->sent);
    }
  }
  if (!resp) {
    rec.error = to_string(resp.error().code);
    co_await respond_error(ex, resp.error());
  } else {
    if (resp->created == 0)
      resp->created = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    rec.usage = resp->usage;
    std::array<char, 24> digits;
    auto headers = route_headers(*served, rec.attempts.size(), digits);
    co_await ex.respond(200, "application/json", json::serialize(::modelmux::openai::encode_image_response(*resp)), headers);
  }
  rec.status = ex.status();
  rec.total = since(ex.started());
  observability::write_access_log(rec);
}

}  // namespace modelmux::surfaces::openai
