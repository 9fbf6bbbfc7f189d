// /admin/v1/spend (cost, requests and tokens, grouped by key, user, team, end user, model, provider, target
// or day) and /admin/v1/spend/logs (the ledger's rows, filtered, a page at a time with a cursor). Times are
// unix seconds, a date (2026-11-01) or a UTC time (2026-11-01T12:00:00Z).
#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <chrono>

#include "http/url.hpp"
#include "surfaces/admin/governance_api.hpp"

namespace modelmux::surfaces::admin {
namespace {

namespace json = boost::json;

std::optional<std::int64_t> number(std::string_view s) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// Unix milliseconds from unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ.
std::optional<std::int64_t> parse_time(std::string_view s) {
  if (auto n = number(s)) return *n * 1000;
  if (s.size() != 10 && !(s.size() == 20 && s[10] == 'T' && s[19] == 'Z')) return std::nullopt;
  if (s[4] != '-' || s[7] != '-') return std::nullopt;
  auto y = number(s.substr(0, 4)), m = number(s.substr(5, 2)), d = number(s.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                  std::chrono::month(static_cast<unsigned>(*m)),
                                  std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  std::int64_t secs = std::chrono::sys_days(ymd).time_since_epoch().count() * 86'400;
  if (s.size() == 20) {
    if (s[13] != ':' || s[16] != ':') return std::nullopt;
    auto hh = number(s.substr(11, 2)), mm = number(s.substr(14, 2)), ss = number(s.substr(17, 2));
    if (!hh || !mm || !ss || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
    secs += *hh * 3600 + *mm * 60 + *ss;
  }
  return secs * 1000;
}

Result<std::pair<std::int64_t, std::int64_t>> window(const AdminCall& call) {
  std::int64_t from = 0, to = 0;
  for (auto [name, out] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    auto v = http::query_value(call.query, name);
    if (!v) continue;
    auto t = parse_time(*v);
    if (!t)
      return fail(ErrorCode::invalid_request,
                  fmt::format("{} must be unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ", name), name);
    *out = *t;
  }
  return std::pair{from, to};
}

json::object row_json(std::int64_t id, const store::LedgerRow& r) {
  return json::object{{"id", id},
                      {"ts", r.ts_ms},
                      {"request_id", r.request_id},
                      {"key_id", r.key_id},
                      {"user_id", r.user_id},
                      {"team_id", r.team_id},
                      {"end_user", r.end_user},
                      {"model", r.model},
                      {"target", r.target},
                      {"provider", r.provider},
                      {"upstream_model", r.upstream_model},
                      {"credential", r.credential},
                      {"input_tokens", r.input_tokens},
                      {"output_tokens", r.output_tokens},
                      {"cached_tokens", r.cached_tokens},
                      {"cache_write_tokens", r.cache_write_tokens},
                      {"reasoning_tokens", r.reasoning_tokens},
                      {"cost_usd", r.cost_usd},
                      {"status", r.status},
                      {"error", r.error},
                      {"latency_ms", r.latency_ms},
                      {"attempts", r.attempts},
                      {"stream", r.stream},
                      {"cache_hit", r.cache_hit},
                      {"path", r.path}};
}

Result<AdminReply> totals(const AdminCall& call) {
  auto w = window(call);
  if (!w) return std::unexpected(w.error());
  store::SpendQuery q{.group_by = http::query_value(call.query, "group_by").value_or(""),
                      .from_ms = w->first,
                      .to_ms = w->second};
  auto groups = call.gov.store().spend(q);
  if (!groups) return std::unexpected(groups.error());
  json::array data;
  double cost = 0;
  std::int64_t requests = 0, in = 0, out = 0;
  for (const auto& g : *groups) {
    cost += g.cost_usd, requests += g.requests, in += g.input_tokens, out += g.output_tokens;
    if (q.group_by.empty()) continue;
    data.push_back(json::object{{"group", g.group},
                                {"cost_usd", g.cost_usd},
                                {"requests", g.requests},
                                {"input_tokens", g.input_tokens},
                                {"output_tokens", g.output_tokens}});
  }
  json::object o{{"object", "spend"},
                 {"group_by", q.group_by.empty() ? json::value(nullptr) : json::value(q.group_by)},
                 {"from", q.from_ms / 1000},
                 {"to", q.to_ms ? json::value(q.to_ms / 1000) : json::value(nullptr)},
                 {"cost_usd", cost},
                 {"requests", requests},
                 {"input_tokens", in},
                 {"output_tokens", out}};
  if (!q.group_by.empty()) o["data"] = std::move(data);
  return AdminReply{200, std::move(o)};
}

Result<AdminReply> logs(const AdminCall& call) {
  auto w = window(call);
  if (!w) return std::unexpected(w.error());
  store::LogQuery q;
  q.from_ms = w->first;
  q.to_ms = w->second;
  auto get = [&](std::string_view name) { return http::query_value(call.query, name).value_or(""); };
  q.key_id = get("key_id");
  q.user_id = get("user_id");
  q.team_id = get("team_id");
  q.end_user = get("end_user");
  q.model = get("model");
  q.credential = get("credential");
  q.status = get("status");
  if (!q.status.empty() && q.status != "ok" && q.status != "error")
    return fail(ErrorCode::invalid_request, "status must be ok or error", "status");
  if (auto v = http::query_value(call.query, "limit")) {
    auto n = number(*v);
    if (!n || *n < 1 || *n > 1000)
      return fail(ErrorCode::invalid_request, "limit must be 1 to 1000", "limit");
    q.limit = static_cast<int>(*n);
  }
  if (auto v = http::query_value(call.query, "after")) {
    auto n = number(*v);
    if (!n || *n < 0)
      return fail(ErrorCode::invalid_request, "after must be a cursor from a previous page", "after");
    q.after = *n;
  }
  auto page = call.gov.store().spend_logs(q);
  if (!page) return std::unexpected(page.error());
  json::array data;
  for (const auto& [id, row] : page->rows) data.push_back(row_json(id, row));
  return AdminReply{200, json::object{{"object", "list"},
                                      {"data", std::move(data)},
                                      {"next", page->next ? json::value(std::to_string(page->next))
                                                          : json::value(nullptr)}}};
}

}  // namespace

Result<AdminReply> spend_api(const AdminCall& call) {
  if (call.method != "GET") return std::unexpected(bad_method(call));
  if (call.parts.size() == 1) return totals(call);
  if (call.parts.size() == 2 && call.parts[1] == "logs") return logs(call);
  return std::unexpected(not_found("path", "under /admin/v1/spend (spend, spend/logs)"));
}

}  // namespace modelmux::surfaces::admin
