// The spend queries over the ledger (sqlite_store.hpp): totals grouped by key, user, model, day...; the rows
// themselves in pages; budget totals; retention. A time range is read as a range of ids (ledger_columns.hpp).
#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "store/sqlite/ledger_columns.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/stmt.hpp"

namespace modelmux::store {

using namespace ledger;  // the ledger table's columns and ids (ledger_columns.hpp)

namespace {

LedgerRow row_of(const Stmt& s, int c) {
  LedgerRow r;
  r.ts_ms = s.integer(c++);
  r.request_id = s.text(c++);
  r.key_id = s.text(c++);
  r.user_id = s.text(c++);
  r.team_id = s.text(c++);
  r.end_user = s.text(c++);
  r.model = s.text(c++);
  r.target = s.text(c++);
  r.provider = s.text(c++);
  r.upstream_model = s.text(c++);
  r.input_tokens = s.integer(c++);
  r.output_tokens = s.integer(c++);
  r.cached_tokens = s.integer(c++);
  r.cache_write_tokens = s.integer(c++);
  r.reasoning_tokens = s.integer(c++);
  r.cost_usd = s.real(c++);
  r.status = static_cast<int>(s.integer(c++));
  r.error = s.text(c++);
  r.latency_ms = s.integer(c++);
  r.attempts = static_cast<int>(s.integer(c++));
  r.stream = s.integer(c++) != 0;
  r.cache_hit = s.integer(c++) != 0;
  r.path = s.text(c++);
  r.credential = s.text(c++);
  return r;
}

}  // namespace

// The ids rows with ts_ms in [from_ms, to_ms) can have: [from << kIdShift, (to + max lag) << kIdShift).
std::pair<std::int64_t, std::int64_t> SqliteStore::id_range(std::int64_t from_ms, std::int64_t to_ms) const {
  std::int64_t lag = max_lag_ms_.load(std::memory_order_relaxed);
  return {clamp_ms(from_ms) << kIdShift, clamp_ms(clamp_ms(to_ms) + clamp_ms(lag)) << kIdShift};
}

Result<std::vector<SpendGroup>> SqliteStore::spend(const SpendQuery& q) {
  sync();  // (rows the journal holds are committed lazily: a query sees every row appended before it)
  // What each grouping reads (the SQL is built from these only, never from the query's text).
  static constexpr std::pair<std::string_view, std::string_view> kGroupings[] = {
      {"", "''"},
      {"key", "key_id"},
      {"user", "user_id"},
      {"team", "team_id"},
      {"end_user", "end_user"},
      {"model", "model"},
      {"provider", "provider"},
      {"target", "target"},
      {"day", "strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch')"},
  };
  auto grouping = std::find_if(std::begin(kGroupings), std::end(kGroupings),
                               [&](const auto& g) { return g.first == q.group_by; });
  if (grouping == std::end(kGroupings))
    return fail(ErrorCode::invalid_request,
                "group_by must be key, user, team, end_user, model, provider, target or day", "group_by");
  std::string_view column = grouping->second;
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_,
         fmt::format("SELECT {0}, SUM(cost_usd), COUNT(*), SUM(input_tokens), SUM(output_tokens) FROM ledger "
                     "WHERE id >= ? AND id < ? AND ts_ms >= ? AND ts_ms < ? GROUP BY {0} "
                     "ORDER BY SUM(cost_usd) DESC",
                     column));
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  std::int64_t to = q.to_ms > 0 ? q.to_ms : now_ms() + 1;
  auto [lo, hi] = id_range(q.from_ms, to);
  s.bind(1, lo).bind(2, hi).bind(3, q.from_ms).bind(4, to);
  std::vector<SpendGroup> out;
  while (s.step() == SQLITE_ROW)
    out.push_back({s.text(0), s.real(1), s.integer(2), s.integer(3), s.integer(4)});
  return out;
}

Result<LogPage> SqliteStore::spend_logs(const LogQuery& q) {
  sync();  // (rows the journal holds are committed lazily: a query sees every row appended before it)
  std::string where = "id > ? AND id >= ? AND id < ? AND ts_ms >= ? AND ts_ms < ?";
  std::vector<std::pair<const char*, const std::string*>> filters = {
      {"key_id", &q.key_id},     {"user_id", &q.user_id}, {"team_id", &q.team_id},
      {"end_user", &q.end_user}, {"model", &q.model},     {"credential", &q.credential}};
  for (auto [col, v] : filters)
    if (!v->empty()) where += fmt::format(" AND {} = ?", col);
  if (q.status == "ok")
    where += " AND error = ''";
  else if (q.status == "error")
    where += " AND error != ''";
  int limit = std::clamp(q.limit, 1, 1000);
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_,
         fmt::format("SELECT id, {} FROM ledger WHERE {} ORDER BY id LIMIT {}", kColumns, where, limit + 1));
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  std::int64_t to = q.to_ms > 0 ? q.to_ms : now_ms() + 1;
  auto [lo, hi] = id_range(q.from_ms, to);
  int c = 1;
  s.bind(c++, q.after);
  s.bind(c++, lo);
  s.bind(c++, hi);
  s.bind(c++, q.from_ms);
  s.bind(c++, to);
  for (auto [col, v] : filters)
    if (!v->empty()) s.bind(c++, *v);
  LogPage page;
  while (s.step() == SQLITE_ROW) {
    if (static_cast<int>(page.rows.size()) == limit) {
      page.next = page.rows.back().first;
      break;
    }
    page.rows.emplace_back(s.integer(0), row_of(s, 1));
  }
  return page;
}

Result<double> SqliteStore::spent(const std::string& counter, std::int64_t period_start_ms) {
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_, "SELECT spent FROM spend_totals WHERE counter = ? AND period_start = ?");
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  s.bind(1, counter).bind(2, period_start_ms);
  int rc = s.step();
  if (rc == SQLITE_ROW) return s.real(0);
  if (rc == SQLITE_DONE) return 0.0;
  return std::unexpected(db_error(rd_, "spend totals"));
}

Result<std::int64_t> SqliteStore::forget_before(std::int64_t before_ms) {
  sync();  // (rows the journal holds are committed lazily: a query sees every row appended before it)
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "DELETE FROM ledger WHERE id < ? AND ts_ms < ?");
  if (!s.ok()) return std::unexpected(db_error(db_, "prepare"));
  s.bind(1, id_range(0, before_ms).second).bind(2, before_ms);
  if (s.step() != SQLITE_DONE) return std::unexpected(db_error(db_, "delete"));
  return static_cast<std::int64_t>(sqlite3_changes(db_));
}

}  // namespace modelmux::store
