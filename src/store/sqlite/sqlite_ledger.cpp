// The spend ledger in SQLite (sqlite_store.hpp): rows queued by the request path, committed in groups by
// one writer thread (each row's callback runs once it is durable), budget totals kept in the same
// transaction, and the spend queries over the rows.
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <thread>
#include <type_traits>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/stmt.hpp"

namespace modelmux::store {
namespace {

constexpr std::size_t kMaxBatch = 512;     // rows in one transaction at most
constexpr std::size_t kSpareSlots = 1024;  // committed rows' slots kept for reuse at most
// Group commit under load. A commit costs about as much as ten rows (its statements, ~9 WAL writes and 5
// lock calls, the wake-ups on both sides), and the rows that queue during one make the next batch. When
// the last batch held at least kGatherFrom rows, requests are arriving faster than commits, and the writer
// waits up to kGather for the queue to hold as many again before it commits: fewer, larger commits. One
// connection's requests never wait (its batches hold one row), nor do a few clients' (PostgreSQL's
// commit_delay with commit_siblings, MySQL's binlog_group_commit_sync_delay, decide the same way).
constexpr std::size_t kGatherFrom = 8;
constexpr auto kGather = std::chrono::microseconds(100);

constexpr const char* kLedgerColumns =
    "ts_ms, request_id, key_id, user_id, team_id, end_user, model, target, provider, upstream_model, "
    "input_tokens, "
    "output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_usd, status, error, "
    "latency_ms, "
    "attempts, stream, cache_hit, path, credential";

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

constexpr int kLedgerParameters = 24;  // the columns kLedgerColumns names
static_assert([] {
  int n = 1;
  for (char ch : std::string_view(kLedgerColumns)) n += ch == ',';
  return n;
}() == kLedgerParameters);

// One INSERT of `rows` ledger rows, prepared once. A step's own cost (its halt, reset and set-up, ~1.5k
// instructions) is paid once for all its rows; SQLite 3.40 runs a multi-row VALUES as a co-routine that
// copies each row's values once more, so only batches of tens of rows gain: ~12.2k -> ~9.5k instructions a
// row at 30 rows a commit, ~0.3k at 7.
struct LedgerInsert {
  // The parameters as last bound. A statement keeps its bindings from one step to the next, and most
  // columns repeat (a client's key, user, team, model, target, provider, path; zero counts): a value equal
  // to the one bound is not bound again (~180 instructions per text column in SQLite), and text is bound
  // from these copies, which live as long as the statement.
  struct Bound {
    bool set = false;
    std::string text;
    std::int64_t integer = 0;
    double real = 0;
  };
  int rows;
  Stmt stmt;
  std::vector<Bound> bound;  // rows × kLedgerParameters

  LedgerInsert(sqlite3* db, int n)
      : rows(n), stmt(db, sql(n)), bound(static_cast<std::size_t>(n) * kLedgerParameters) {}
  static std::string sql(int n) {
    std::string s = fmt::format("INSERT INTO ledger ({}) VALUES ", kLedgerColumns);
    for (int i = 0; i < n; ++i) {
      s += i ? ",(?" : "(?";
      for (int c = 1; c < kLedgerParameters; ++c) s += ",?";
      s += ')';
    }
    return s;
  }
  void put(int i, std::string_view v) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && b.text == v) return;
    b.set = true;
    b.text.assign(v);
    stmt.bind_static(i, b.text);
  }
  void put(int i, std::int64_t v) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && b.integer == v) return;
    b.set = true;
    b.integer = v;
    stmt.bind(i, v);
  }
  void put(int i, double v) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && std::memcmp(&b.real, &v, sizeof v) == 0) return;  // (bit for bit: -0.0 is not 0.0)
    b.set = true;
    b.real = v;
    stmt.bind(i, v);
  }
  // Row `r` as the statement's `j`th row of values.
  void put_row(int j, const LedgerRow& r) {
    int c = 1 + j * kLedgerParameters;
    auto put = [&](const auto& v) {
      if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>)
        this->put(c++, std::string_view(v));
      else
        this->put(c++, v);
    };
    put(r.ts_ms), put(r.request_id), put(r.key_id), put(r.user_id), put(r.team_id), put(r.end_user);
    put(r.model), put(r.target), put(r.provider), put(r.upstream_model), put(r.input_tokens);
    put(r.output_tokens), put(r.cached_tokens), put(r.cache_write_tokens), put(r.reasoning_tokens);
    put(r.cost_usd), put(std::int64_t{r.status}), put(r.error), put(r.latency_ms);
    put(std::int64_t{r.attempts}), put(std::int64_t{r.stream}), put(std::int64_t{r.cache_hit}), put(r.path);
    put(r.credential);
  }
};

// The writer thread's statements, prepared once: a batch costs binds and steps, not SQL parsing.
struct SqliteStore::Writer {
  Stmt begin, commit, rollback, total;
  // Inserts of 16, 4 and 1 rows, largest first: a batch of n rows takes at most n/16 + 3 + 3 steps.
  // (A batch under load holds tens of rows.)
  std::array<LedgerInsert, 3> inserts;

  explicit Writer(sqlite3* db)
      : begin(db, "BEGIN"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        total(db,
              "INSERT INTO spend_totals (counter, period_start, spent) VALUES (?, ?, ?) "
              "ON CONFLICT (counter, period_start) DO UPDATE SET spent = spent + excluded.spent"),
        inserts{LedgerInsert(db, 16), LedgerInsert(db, 4), LedgerInsert(db, 1)} {}
  bool ok() const {
    return begin.ok() && commit.ok() && rollback.ok() && total.ok() &&
           std::all_of(inserts.begin(), inserts.end(), [](const auto& i) { return i.stmt.ok(); });
  }
  static bool run(Stmt& s) {
    int rc = s.step();
    s.reset();
    return rc == SQLITE_DONE;
  }
};

void SqliteStore::append(const LedgerRow& row, std::move_only_function<void()> committed) {
  std::unique_ptr<Pending> slot;
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_ && !spare_.empty()) {
      slot = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  if (!slot) slot = std::make_unique<Pending>();
  slot->row = row;  // into the slot's own strings, whose capacity it reuses
  slot->committed = std::move(committed);
  std::size_t queued = 0, gather = 0;
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(slot));
      slot = nullptr;
      queued = queue_.size();
      gather = gather_;
    }
  }
  if (slot) {
    // Closed: nothing will commit it, but whoever waits must not wait forever.
    if (slot->committed) slot->committed();
    return;
  }
  // (While the writer gathers, only the row that completes its batch wakes it.)
  if (queued == 1 || queued == gather) queue_cv_.notify_one();
}

void SqliteStore::write_loop() {
  // Fault injection for the SIGKILL test: a slower commit widens the window a response could wrongly
  // complete in before its row is durable, so a regression cannot hide in a microsecond.
  int delay_ms = 0;
  if (const char* d = std::getenv("MODELMUX_FAULT_COMMIT_DELAY_MS")) delay_ms = std::atoi(d);
  // The gathering wait is a tenth of a millisecond: Linux's default 50 us timer slack would stretch it by
  // half.
  ::prctl(PR_SET_TIMERSLACK, 1000UL);  // (nanoseconds; this thread only)
  Batch batch;
  std::size_t last_batch = 0;
  std::unique_ptr<Writer> statements;  // prepared on the first batch, finalized when the loop ends
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      for (auto& p : batch)
        if (spare_.size() < kSpareSlots) spare_.push_back(std::move(p));
      batch.clear();
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      if (last_batch >= kGatherFrom && queue_.size() < last_batch) {
        gather_ = std::min(last_batch, kMaxBatch);
        queue_cv_.wait_for(lock, kGather, [&] { return stopping_ || queue_.size() >= gather_; });
        gather_ = 0;
      }
      // Everything queued meanwhile goes in this transaction: the more requests wait, the fewer commits.
      if (queue_.size() <= kMaxBatch) {
        std::swap(batch, queue_);
      } else {
        auto end = queue_.begin() + kMaxBatch;
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
    }
    last_batch = batch.size();
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (auto r = commit(statements, batch); !r)
      std::fprintf(stderr, "modelmux: %s\n", r.error().message.c_str());
    // (a failed commit still lets its requests finish: the client's answer does not wait forever)
    for (auto& p : batch)
      if (auto done = std::exchange(p->committed, nullptr)) done();
  }
  std::lock_guard lock(db_mu_);  // (the connection is shared with administrators' writes)
  statements.reset();
}

Result<void> SqliteStore::commit(std::unique_ptr<Writer>& statements, Batch& batch) {
  std::lock_guard lock(db_mu_);
  if (!statements) statements = std::make_unique<Writer>(db_);
  auto& w = *statements;
  if (!w.ok()) return std::unexpected(db_error(db_, "prepare"));
  auto failed = [&](std::string_view what) {
    auto e = db_error(db_, what);
    Writer::run(w.rollback);
    return std::unexpected(e);
  };
  if (!Writer::run(w.begin)) return failed("begin");
  // A batch's charges to one counter are added up first: one upsert per counter, not per row.
  std::map<std::pair<std::string_view, std::int64_t>, double> totals;
  std::size_t next = 0;
  for (auto& insert : w.inserts) {
    auto n = static_cast<std::size_t>(insert.rows);
    for (; batch.size() - next >= n; next += n) {
      for (std::size_t j = 0; j < n; ++j) insert.put_row(static_cast<int>(j), batch[next + j]->row);
      if (!Writer::run(insert.stmt)) return failed("ledger insert");
    }
  }
  for (const auto& p : batch)
    for (const auto& [counter, period] : p->row.budgets) totals[{counter, period}] += p->row.cost_usd;
  for (const auto& [key, usd] : totals) {
    w.total.bind_static(1, key.first).bind_static(2, key.second).bind_static(3, usd);
    if (!Writer::run(w.total)) return failed("spend totals");
  }
  if (!Writer::run(w.commit)) return failed("commit");
  return {};
}

Result<std::vector<SpendGroup>> SqliteStore::spend(const SpendQuery& q) {
  std::string_view column;
  if (q.group_by.empty())
    column = "''";
  else if (q.group_by == "key")
    column = "key_id";
  else if (q.group_by == "user")
    column = "user_id";
  else if (q.group_by == "team")
    column = "team_id";
  else if (q.group_by == "end_user")
    column = "end_user";
  else if (q.group_by == "model")
    column = "model";
  else if (q.group_by == "provider")
    column = "provider";
  else if (q.group_by == "target")
    column = "target";
  else if (q.group_by == "day")
    column = "strftime('%Y-%m-%d', ts_ms / 1000, 'unixepoch')";
  else
    return fail(ErrorCode::invalid_request,
                "group_by must be key, user, team, end_user, model, provider, target or day", "group_by");
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_,
         fmt::format("SELECT {0}, SUM(cost_usd), COUNT(*), SUM(input_tokens), SUM(output_tokens) FROM ledger "
                     "WHERE ts_ms >= ? AND ts_ms < ? GROUP BY {0} ORDER BY SUM(cost_usd) DESC",
                     column));
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  s.bind(1, q.from_ms).bind(2, q.to_ms > 0 ? q.to_ms : now_ms() + 1);
  std::vector<SpendGroup> out;
  while (s.step() == SQLITE_ROW)
    out.push_back({s.text(0), s.real(1), s.integer(2), s.integer(3), s.integer(4)});
  return out;
}

Result<LogPage> SqliteStore::spend_logs(const LogQuery& q) {
  std::string where = "id > ? AND ts_ms >= ? AND ts_ms < ?";
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
  Stmt s(rd_, fmt::format("SELECT id, {} FROM ledger WHERE {} ORDER BY id LIMIT {}", kLedgerColumns, where,
                          limit + 1));
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  int c = 1;
  s.bind(c++, q.after);
  s.bind(c++, q.from_ms);
  s.bind(c++, q.to_ms > 0 ? q.to_ms : now_ms() + 1);
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
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "DELETE FROM ledger WHERE ts_ms < ?");
  if (!s.ok()) return std::unexpected(db_error(db_, "prepare"));
  s.bind(1, before_ms);
  if (s.step() != SQLITE_DONE) return std::unexpected(db_error(db_, "delete"));
  return static_cast<std::int64_t>(sqlite3_changes(db_));
}

}  // namespace modelmux::store
