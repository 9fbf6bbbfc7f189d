#include "surfaces/admin/governance_api.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/json_util.hpp"
#include "http/url.hpp"
#include "pipeline/governed.hpp"
#include "surfaces/http_responder.hpp"
#include "surfaces/openai/surface.hpp"

namespace modelmux::surfaces::admin {
namespace {

namespace json = boost::json;

std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    auto slash = path.find('/');
    if (slash != 0) parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return parts;
}

// Who may do what: the master key (or an open gateway) everything; an admin key everything; a viewer key
// reads spend; a user key nothing here.
Result<std::string> authorise(const governance::Governor& gov, const http::Request& req,
                              std::span<const std::string_view> parts, governance::Millis now) {
  if (!gov.keys_required()) return std::string("open");
  std::string_view secret = pipeline::presented_key(req.headers);
  if (gov.is_master(secret)) return std::string("master");
  auto who = gov.authenticate(secret, now);
  if (!who) return std::unexpected(who.error());
  const auto* key = who->key;
  bool reads_spend = req.method == "GET" && !parts.empty() && parts[0] == "spend";
  if (key && (key->role == governance::Role::admin || (key->role == governance::Role::viewer && reads_spend)))
    return key->id;
  return fail(
      ErrorCode::forbidden,
      key ? fmt::format(
                "The API key {} has the {} role: the admin API needs the master key or an admin "
                "key{}",
                key->id, governance::to_string(key->role),
                key->role == governance::Role::viewer ? " (a viewer key may GET /admin/v1/spend)" : "")
          : std::string("The admin API needs the master key or an admin key"));
}

Result<AdminReply> audit_api(const AdminCall& call) {
  if (call.parts.size() != 1) return std::unexpected(not_found("path", "/admin/v1/audit/..."));
  if (call.method != "GET") return std::unexpected(bad_method(call));
  auto limit = http::query_value(call.query, "limit");
  int n = 100;
  if (limit) {
    auto parsed = std::atoi(limit->c_str());
    if (parsed < 1 || parsed > 10'000)
      return fail(ErrorCode::invalid_request, "limit must be between 1 and 10000", "limit");
    n = parsed;
  }
  auto events = call.gov.store().audit_log(n);
  if (!events) return std::unexpected(events.error());
  json::array data;
  for (const auto& e : *events)
    data.push_back(json::object{{"ts", e.ts_ms},
                                {"actor", e.actor},
                                {"action", e.action},
                                {"subject", e.subject},
                                {"detail", e.detail}});
  return AdminReply{200, json::object{{"object", "list"}, {"data", std::move(data)}}};
}

Result<AdminReply> route(const AdminCall& call) {
  if (call.parts.empty())
    return fail(ErrorCode::not_found,
                "The admin API has keys, users, teams, spend, spend/logs, audit and credentials");
  std::string_view collection = call.parts[0];
  if (collection == "keys") return keys_api(call);
  if (collection == "users") return users_api(call);
  if (collection == "teams") return teams_api(call);
  if (collection == "spend") return spend_api(call);
  if (collection == "audit") return audit_api(call);
  if (collection == "credentials") return credentials_api(call);
  return std::unexpected(not_found("path", fmt::format("/admin/v1/{}", collection)));
}

}  // namespace

Result<json::object> body_object(const AdminCall& call, std::span<const std::string_view> allowed) {
  boost::system::error_code ec;
  auto v = json_util::parse(call.body.empty() ? std::string_view("{}") : std::string_view(call.body), ec);
  if (ec) return fail(ErrorCode::invalid_json, fmt::format("the body is not valid JSON: {}", ec.message()));
  if (!v.is_object()) return fail(ErrorCode::invalid_request, "the body must be a JSON object");
  for (const auto& [k, _] : v.get_object()) {
    bool known = false;
    for (auto a : allowed) known = known || a == std::string_view(k);
    if (!known) {
      std::string names;
      for (auto a : allowed) names += (names.empty() ? "" : ", ") + std::string(a);
      return fail(ErrorCode::invalid_request,
                  fmt::format("unknown field {} (known: {})", std::string_view(k), names), std::string(k));
    }
  }
  return std::move(v.get_object());
}

Error not_found(std::string_view what, std::string_view id) {
  return Error::make(ErrorCode::not_found, fmt::format("No {} {}", what, id));
}

Error bad_method(const AdminCall& call) {
  auto e = Error::make(ErrorCode::invalid_request, fmt::format("method {} is not allowed here", call.method));
  e.http_status = 405;
  return e;
}

Result<void> changed(const AdminCall& call, std::string_view action, std::string_view subject,
                     std::string detail) {
  call.gov.store().audit({.ts_ms = call.now,
                          .actor = call.actor,
                          .action = std::string(action),
                          .subject = std::string(subject),
                          .detail = std::move(detail)});
  return call.gov.reload();
}

boost::asio::awaitable<void> governance_api(http::Exchange& ex, const pipeline::Runtime& rt,
                                            std::string path) {
  const auto& req = ex.request();
  Result<AdminReply> reply =
      fail(ErrorCode::not_found, "The admin API needs governance: add an `auth:` or a `store:` section");
  if (rt.governor) {
    auto parts = split(path);
    auto now = governance::now_ms();
    auto actor = authorise(*rt.governor, req, parts, now);
    if (!actor) {
      reply = std::unexpected(actor.error());
    } else {
      AdminCall call{*rt.governor, req.method, parts, req.query(), req.body, std::move(*actor), now};
      if (parts.size() == 3 && parts[0] == "credentials" && parts[2] == "validate")
        reply = co_await validate_credential(call, rt);
      else
        reply = route(call);
    }
  }
  if (!reply) {
    co_await respond_error(ex, openai_surface(), reply.error());
    co_return;
  }
  co_await ex.respond(reply->status, "application/json", json::serialize(reply->body));
}

}  // namespace modelmux::surfaces::admin
