// POST /v1/feedback {request_id, score}: how an auto-routed request's answer was judged (by the client, a
// user or an evaluator; score 0..1), weighed against what the learned router predicted for it. It moves the
// serving group's calibration (routing/feedback.hpp), which /v1/route shows and later decisions use. With
// keys required (governance), it takes a key that may call models, or the master key: feedback moves
// routing for every client.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "governance/governor.hpp"
#include "pipeline/governed.hpp"
#include "pipeline/stages/stages.hpp"
#include "surfaces/admin/admin.hpp"
#include "surfaces/http_responder.hpp"
#include "surfaces/openai/surface.hpp"

namespace modelmux::surfaces::admin {

namespace json = boost::json;

namespace {

Result<void> may_judge(const pipeline::Runtime& rt, const http::HeaderList& headers) {
  if (!rt.governor || !rt.governor->keys_required()) return {};
  auto secret = pipeline::presented_key(headers);
  if (rt.governor->is_master(secret)) return {};
  auto who = rt.governor->authenticate(secret, governance::now_ms());
  if (!who) return std::unexpected(who.error());
  if (who->key && who->key->role == governance::Role::viewer)
    return fail(ErrorCode::forbidden,
                fmt::format("The API key {} has the viewer role: it may read spend, not judge answers",
                            who->key->id));
  return {};
}

}  // namespace

Result<json::object> record_feedback(const pipeline::Runtime& rt, const http::HeaderList& headers,
                                     std::string_view body) {
  if (auto allowed = may_judge(rt, headers); !allowed) return std::unexpected(allowed.error());
  auto parsed = pipeline::stages::parse_body(body);
  if (!parsed) return std::unexpected(parsed.error());
  const auto& o = parsed->get_object();
  const auto* id = o.if_contains("request_id");
  if (!id || !id->is_string() || id->get_string().empty())
    return fail(ErrorCode::invalid_request, "request_id must be the x-request-id of an auto-routed request",
                "request_id");
  const auto* score = o.if_contains("score");
  double s = score && score->is_number() ? score->to_number<double>() : -1;
  if (!(s >= 0 && s <= 1))
    return fail(ErrorCode::invalid_request, "score must be a number from 0 (wrong) to 1 (right)", "score");
  std::string_view request_id = id->get_string();
  routing::RoutedRequest r;
  switch (rt.decisions->judge(request_id, r)) {
    case routing::DecisionStore::Judged::ok:
      break;
    case routing::DecisionStore::Judged::unknown:
      return fail(ErrorCode::not_found,
                  fmt::format("no auto-routed request {} among this process's last {} (not routed by an auto "
                              "group, or forgotten)",
                              request_id, rt.decisions->capacity()),
                  "request_id");
    case routing::DecisionStore::Judged::already:
      return fail(ErrorCode::conflict,
                  fmt::format("request {} was judged already; an answer counts once", request_id),
                  "request_id");
  }
  const auto& group = rt.catalog.groups()[r.group];
  auto now = rt.router.clock().now();
  group.calibration->judged(now, s, r.predicted);
  auto c = group.calibration->snapshot(now);
  return json::object{{"object", "feedback"},
                      {"request_id", request_id},
                      {"group", group.name},
                      {"score", s},
                      {"predicted_success", r.predicted},
                      {"calibration", json::object{{"offset_logit", c.offset},
                                                   {"reliability", c.reliability},
                                                   {"judged", c.judged},
                                                   {"mean_score", c.mean_score},
                                                   {"mean_predicted", c.mean_predicted}}}};
}

boost::asio::awaitable<void> feedback(http::Exchange& ex, const pipeline::Runtime& rt) {
  auto out = record_feedback(rt, ex.request().headers, ex.request().body);
  if (!out) {
    co_await respond_error(ex, openai_surface(), out.error());
    co_return;
  }
  co_await ex.respond(200, "application/json", json::serialize(*out));
}

}  // namespace modelmux::surfaces::admin
