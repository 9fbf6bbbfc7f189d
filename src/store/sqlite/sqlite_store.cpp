#include "store/sqlite/sqlite_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <type_traits>

#include "core/json_util.hpp"

namespace json = boost::json;

namespace modelmux::store {
namespace {

// The schema, one migration per version; a database is brought from its user_version to the last.
constexpr const char* kMigrations[] = {
    R"(CREATE TABLE keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, doc TEXT NOT NULL);
       CREATE TABLE users (id TEXT PRIMARY KEY, hash TEXT, doc TEXT NOT NULL);
       CREATE TABLE teams (id TEXT PRIMARY KEY, hash TEXT, doc TEXT NOT NULL);
       CREATE TABLE ledger (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT, key_id TEXT,
         user_id TEXT, team_id TEXT, end_user TEXT, model TEXT, target TEXT, provider TEXT, upstream_model TEXT,
         input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER, cache_write_tokens INTEGER,
         reasoning_tokens INTEGER, cost_usd REAL, status INTEGER, error TEXT, latency_ms INTEGER,
         attempts INTEGER, stream INTEGER, cache_hit INTEGER, path TEXT, credential TEXT);
       CREATE INDEX ledger_ts ON ledger (ts_ms);
       CREATE TABLE spend_totals (counter TEXT NOT NULL, period_start INTEGER NOT NULL, spent REAL NOT NULL,
         PRIMARY KEY (counter, period_start)) WITHOUT ROWID;
       CREATE TABLE audit (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, actor TEXT, action TEXT,
         subject TEXT, detail TEXT);
       CREATE TABLE credentials (name TEXT PRIMARY KEY, provider TEXT NOT NULL, ciphertext TEXT NOT NULL,
         created_at INTEGER, updated_at INTEGER);)",
};

constexpr std::size_t kMaxBatch = 512;
constexpr int kWalRestartFrames = 8192;  // 32 MiB of 4 KiB pages

Error db_error(sqlite3* db, std::string_view what) {
  return Error::make(ErrorCode::internal,
                     fmt::format("store: {}: {}", what, db ? sqlite3_errmsg(db) : "no database"));
}

// A prepared statement, finalized when it goes.
class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &s_, nullptr) != SQLITE_OK)
      s_ = nullptr;
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  bool ok() const { return s_ != nullptr; }
  Stmt& bind(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& bind(int i, std::int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  Stmt& bind(int i, double v) {
    sqlite3_bind_double(s_, i, v);
    return *this;
  }
  // Text that outlives the statement's next step: bound without a copy.
  Stmt& bind_static(int i, std::string_view v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& bind_static(int i, const std::string& v) { return bind_static(i, std::string_view(v)); }
  template <class N>
  requires std::is_arithmetic_v<N> Stmt& bind_static(int i, N v) {
    if constexpr (std::is_floating_point_v<N>)
      return bind(i, static_cast<double>(v));
    else
      return bind(i, static_cast<std::int64_t>(v));
  }
  int step() { return sqlite3_step(s_); }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string text(int col) const {
    auto* p = sqlite3_column_text(s_, col);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }
  std::int64_t integer(int col) const { return sqlite3_column_int64(s_, col); }
  double real(int col) const { return sqlite3_column_double(s_, col); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

SqliteStore::SqliteStore(const std::string& path) {
  // Created 0600 before SQLite opens it: the ledger names keys, users and spend. (SQLite gives its WAL and
  // shared-memory files the database file's mode.)
  if (::access(path.c_str(), F_OK) != 0) {
    int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    if (fd < 0)
      throw std::runtime_error(fmt::format("cannot create the store {}: {}", path, std::strerror(errno)));
    ::close(fd);
  }
  // SQLite's allocation statistics take a global mutex on every malloc; nothing here reads them. (Only
  // possible before SQLite initializes: later calls are refused, harmlessly.)
  static const bool no_memstatus = [] { return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) == SQLITE_OK; }();
  (void)no_memstatus;
  auto open = [&](sqlite3*& db, int flags) {
    if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      std::string why = db ? sqlite3_errmsg(db) : "out of memory";
      sqlite3_close(db);
      db = nullptr;
      throw std::runtime_error(fmt::format("cannot open the store {}: {}", path, why));
    }
    sqlite3_busy_timeout(db, 5000);
  };
  open(db_, SQLITE_OPEN_READWRITE);
  // WAL: readers do not wait for the writer. NORMAL: a committed transaction survives the process being
  // killed (it is in the WAL, written); only an operating-system crash could lose the last ones.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA wal_autocheckpoint=0"})
    if (auto r = exec(pragma); !r)
      throw std::runtime_error(fmt::format("store {}: {}", path, r.error().message));
  int version = schema_version();
  for (int v = version; v < static_cast<int>(std::size(kMigrations)); ++v) {
    std::string sql = fmt::format("BEGIN; {} PRAGMA user_version = {}; COMMIT;", kMigrations[v], v + 1);
    if (auto r = exec(sql.c_str()); !r) {
      exec("ROLLBACK");
      throw std::runtime_error(
          fmt::format("store {}: migration to version {}: {}", path, v + 1, r.error().message));
    }
  }
  try {
    open(rd_, SQLITE_OPEN_READONLY);
    open(ckpt_, SQLITE_OPEN_READWRITE);
    // (A connection checkpoints a WAL only once it has read the database in WAL mode.)
    sqlite3_exec(ckpt_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  } catch (...) {
    sqlite3_close(rd_);
    sqlite3_close(db_);
    throw;
  }
  writer_ = std::thread([this] { write_loop(); });
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
}

SqliteStore::~SqliteStore() {
  close();
  writer_stmts_.reset();  // (finalized before their connection closes)
  sqlite3_close(ckpt_);
  sqlite3_close(rd_);
  sqlite3_close(db_);
}

void SqliteStore::close() {
  {
    std::lock_guard lock(queue_mu_);
    stopping_ = true;
  }
  queue_cv_.notify_all();
  checkpoint_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (checkpointer_.joinable()) {
    checkpointer_.join();
    // Everything into the database file, and the WAL emptied, for whoever opens it next.
    sqlite3_wal_checkpoint_v2(ckpt_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
  }
}

void SqliteStore::checkpoint_loop() {
  std::unique_lock lock(queue_mu_);
  while (!stopping_) {
    checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_; });
    lock.unlock();
    // PASSIVE copies what no reader still needs and never blocks the writer. Under steady load the writer
    // always has frames past the copied ones, so the WAL would only grow: past kWalRestartFrames, RESTART
    // copies the little that is left (holding the writer for that long) and makes the next commit write
    // from the WAL's beginning.
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(ckpt_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (log > kWalRestartFrames)
      sqlite3_wal_checkpoint_v2(ckpt_, nullptr, SQLITE_CHECKPOINT_RESTART, &log, &done);
    lock.lock();
  }
}

int SqliteStore::schema_version() {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "PRAGMA user_version");
  return s.ok() && s.step() == SQLITE_ROW ? static_cast<int>(s.integer(0)) : 0;
}

Result<void> SqliteStore::exec(const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string why = msg ? msg : "unknown error";
    sqlite3_free(msg);
    return fail(ErrorCode::internal, "store: " + why);
  }
  return {};
}

Result<void> SqliteStore::put_doc(const char* table, const std::string& id, const std::string& hash,
                                  const std::string& doc) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, fmt::format("INSERT OR REPLACE INTO {} (id, hash, doc) VALUES (?, ?, ?)", table));
  if (!s.ok()) return std::unexpected(db_error(db_, "prepare"));
  s.bind(1, id).bind(2, hash).bind(3, doc);
  if (s.step() != SQLITE_DONE) return std::unexpected(db_error(db_, "write"));
  return {};
}

Result<void> SqliteStore::delete_row(const char* table, const std::string& id) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, fmt::format("DELETE FROM {} WHERE id = ?", table));
  if (!s.ok()) return std::unexpected(db_error(db_, "prepare"));
  s.bind(1, id);
  if (s.step() != SQLITE_DONE) return std::unexpected(db_error(db_, "delete"));
  return {};
}

Result<std::vector<std::string>> SqliteStore::docs(const char* table) {
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_, fmt::format("SELECT doc, hash FROM {} ORDER BY id", table));
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  std::vector<std::string> out;
  while (s.step() == SQLITE_ROW) out.push_back(s.text(0) + '\n' + s.text(1));
  return out;
}

Result<void> SqliteStore::put_key(const governance::KeyRecord& k) {
  json::object doc = governance::to_json(k);
  if (!k.previous_hash.empty()) doc["previous_hash"] = k.previous_hash;  // a hash, never the secret
  return put_doc("keys", k.id, k.hash, json::serialize(doc));
}
Result<void> SqliteStore::delete_key(const std::string& id) {
  return delete_row("keys", id);
}
Result<void> SqliteStore::put_user(const governance::UserRecord& u) {
  return put_doc("users", u.id, "", json::serialize(governance::to_json(u)));
}
Result<void> SqliteStore::delete_user(const std::string& id) {
  return delete_row("users", id);
}
Result<void> SqliteStore::put_team(const governance::TeamRecord& t) {
  return put_doc("teams", t.id, "", json::serialize(governance::to_json(t)));
}
Result<void> SqliteStore::delete_team(const std::string& id) {
  return delete_row("teams", id);
}

namespace {

// Rows come back as "doc\nhash"; a row the store cannot read is an error naming it, never skipped.
template <class Record, class Parse>
Result<std::vector<Record>> parse_docs(Result<std::vector<std::string>> rows, Parse parse) {
  if (!rows) return std::unexpected(rows.error());
  std::vector<Record> out;
  for (const auto& row : *rows) {
    auto nl = row.rfind('\n');
    boost::system::error_code ec;
    auto v = json_util::parse(std::string_view(row).substr(0, nl), ec);
    if (ec || !v.is_object()) return fail(ErrorCode::internal, "store: a record is not JSON");
    auto r = parse(v.get_object());
    if (!r) return std::unexpected(r.error());
    if constexpr (requires { r->hash; }) r->hash = row.substr(nl + 1);
    out.push_back(std::move(*r));
  }
  return out;
}

}  // namespace

Result<std::vector<governance::KeyRecord>> SqliteStore::keys() {
  return parse_docs<governance::KeyRecord>(docs("keys"), governance::key_from_json);
}
Result<std::vector<governance::UserRecord>> SqliteStore::users() {
  return parse_docs<governance::UserRecord>(docs("users"), governance::user_from_json);
}
Result<std::vector<governance::TeamRecord>> SqliteStore::teams() {
  return parse_docs<governance::TeamRecord>(docs("teams"), governance::team_from_json);
}

void SqliteStore::append(LedgerRow row, std::move_only_function<void()> committed) {
  {
    std::lock_guard lock(queue_mu_);
    if (stopping_) {
      // Closed: nothing will commit it, but whoever waits must not wait forever.
      if (committed) committed();
      return;
    }
    queue_.push_back({std::move(row), std::move(committed)});
  }
  queue_cv_.notify_one();
}

void SqliteStore::write_loop() {
  // Fault injection for the SIGKILL test: a slower commit widens the window a response could wrongly
  // complete in before its row is durable, so a regression cannot hide in a microsecond.
  int delay_ms = 0;
  if (const char* d = std::getenv("MODELMUX_FAULT_COMMIT_DELAY_MS")) delay_ms = std::atoi(d);
  std::deque<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) return;
      // Everything queued meanwhile goes in this transaction: the more requests wait, the fewer commits.
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    if (auto r = commit(batch); !r) std::fprintf(stderr, "modelmux: %s\n", r.error().message.c_str());
    // (a failed commit still lets its requests finish: the client's answer does not wait forever)
    for (auto& p : batch)
      if (p.committed) p.committed();
    batch.clear();
  }
}

// The writer thread's statements, prepared once: a batch costs binds and steps, not SQL parsing.
struct SqliteStore::Writer {
  Stmt begin, commit, rollback, insert, total;
  explicit Writer(sqlite3* db)
      : begin(db, "BEGIN"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        insert(db,
               fmt::format("INSERT INTO ledger ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           kLedgerColumns)),
        total(db,
              "INSERT INTO spend_totals (counter, period_start, spent) VALUES (?, ?, ?) "
              "ON CONFLICT (counter, period_start) DO UPDATE SET spent = spent + excluded.spent") {}
  bool ok() const { return begin.ok() && commit.ok() && rollback.ok() && insert.ok() && total.ok(); }
  static bool run(Stmt& s) {
    int rc = s.step();
    s.reset();
    return rc == SQLITE_DONE;
  }
};

Result<void> SqliteStore::commit(std::deque<Pending>& batch) {
  std::lock_guard lock(db_mu_);
  if (!writer_stmts_) writer_stmts_ = std::make_unique<Writer>(db_);
  auto& w = *writer_stmts_;
  if (!w.ok()) return std::unexpected(db_error(db_, "prepare"));
  auto failed = [&](std::string_view what) {
    auto e = db_error(db_, what);
    Writer::run(w.rollback);
    return std::unexpected(e);
  };
  if (!Writer::run(w.begin)) return failed("begin");
  // A batch's charges to one counter are added up first: one upsert per counter, not per row.
  std::map<std::pair<std::string_view, std::int64_t>, double> totals;
  for (const auto& p : batch) {
    const auto& r = p.row;
    int c = 1;
    auto put = [&](const auto& v) { w.insert.bind_static(c++, v); };
    put(r.ts_ms), put(r.request_id), put(r.key_id), put(r.user_id), put(r.team_id), put(r.end_user);
    put(r.model), put(r.target), put(r.provider), put(r.upstream_model), put(r.input_tokens);
    put(r.output_tokens), put(r.cached_tokens), put(r.cache_write_tokens), put(r.reasoning_tokens);
    put(r.cost_usd), put(std::int64_t{r.status}), put(r.error), put(r.latency_ms);
    put(std::int64_t{r.attempts}), put(std::int64_t{r.stream}), put(std::int64_t{r.cache_hit}), put(r.path);
    put(r.credential);
    if (!Writer::run(w.insert)) return failed("ledger insert");
    for (const auto& [counter, period] : r.budgets) totals[{counter, period}] += r.cost_usd;
  }
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

void SqliteStore::audit(AuditEvent e) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "INSERT INTO audit (ts_ms, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)");
  if (!s.ok()) return;
  s.bind(1, e.ts_ms ? e.ts_ms : now_ms())
      .bind(2, e.actor)
      .bind(3, e.action)
      .bind(4, e.subject)
      .bind(5, e.detail);
  s.step();
}

Result<std::vector<AuditEvent>> SqliteStore::audit_log(int limit) {
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_, fmt::format("SELECT ts_ms, actor, action, subject, detail FROM audit ORDER BY id DESC LIMIT {}",
                          std::clamp(limit, 1, 10'000)));
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  std::vector<AuditEvent> out;
  while (s.step() == SQLITE_ROW) out.push_back({s.integer(0), s.text(1), s.text(2), s.text(3), s.text(4)});
  return out;
}

Result<void> SqliteStore::put_credential(const CredentialRecord& c) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_,
         "INSERT OR REPLACE INTO credentials (name, provider, ciphertext, created_at, updated_at) VALUES "
         "(?,?,?,?,?)");
  if (!s.ok()) return std::unexpected(db_error(db_, "prepare"));
  s.bind(1, c.name).bind(2, c.provider).bind(3, c.ciphertext).bind(4, c.created_at).bind(5, c.updated_at);
  if (s.step() != SQLITE_DONE) return std::unexpected(db_error(db_, "write"));
  return {};
}

Result<void> SqliteStore::delete_credential(const std::string& name) {
  std::lock_guard lock(db_mu_);
  Stmt s(db_, "DELETE FROM credentials WHERE name = ?");
  if (!s.ok()) return std::unexpected(db_error(db_, "prepare"));
  s.bind(1, name);
  if (s.step() != SQLITE_DONE) return std::unexpected(db_error(db_, "delete"));
  return {};
}

Result<std::vector<CredentialRecord>> SqliteStore::credentials() {
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_, "SELECT name, provider, ciphertext, created_at, updated_at FROM credentials ORDER BY name");
  if (!s.ok()) return std::unexpected(db_error(rd_, "prepare"));
  std::vector<CredentialRecord> out;
  while (s.step() == SQLITE_ROW) out.push_back({s.text(0), s.text(1), s.text(2), s.integer(3), s.integer(4)});
  return out;
}

}  // namespace modelmux::store
