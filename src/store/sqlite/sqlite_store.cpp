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
#include "core/thread_name.hpp"
#include "store/sqlite/stmt.hpp"
#include "store/sqlite/wal_vfs.hpp"

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
    // 2: ledger ids that follow time (sqlite_ledger.cpp), and no index on ts_ms: a time range is a range of
    // ids. Old rows keep their order; each id becomes the least that is above the previous one and not
    // below its own time's (ts_ms << 10): id + the running maximum of (base - id), which grows by at least
    // one a row because the old ids did.
    R"(CREATE TABLE ledger_v2 (id INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, request_id TEXT, key_id TEXT,
         user_id TEXT, team_id TEXT, end_user TEXT, model TEXT, target TEXT, provider TEXT, upstream_model TEXT,
         input_tokens INTEGER, output_tokens INTEGER, cached_tokens INTEGER, cache_write_tokens INTEGER,
         reasoning_tokens INTEGER, cost_usd REAL, status INTEGER, error TEXT, latency_ms INTEGER,
         attempts INTEGER, stream INTEGER, cache_hit INTEGER, path TEXT, credential TEXT);
       INSERT INTO ledger_v2
         SELECT id + MAX((MAX(ts_ms, 0) << 10) - id) OVER (ORDER BY id ROWS UNBOUNDED PRECEDING), ts_ms,
           request_id, key_id, user_id, team_id, end_user, model, target, provider, upstream_model,
           input_tokens, output_tokens, cached_tokens, cache_write_tokens, reasoning_tokens, cost_usd, status,
           error, latency_ms, attempts, stream, cache_hit, path, credential
         FROM ledger;
       CREATE TABLE ledger_meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
       INSERT INTO ledger_meta SELECT 'max_lag_ms', COALESCE(MAX((id >> 10) - ts_ms), 0) FROM ledger_v2;
       DROP TABLE ledger;
       ALTER TABLE ledger_v2 RENAME TO ledger;)",
};

constexpr int kWalRestartFrames = 8192;  // 32 MiB of 4 KiB pages
// How long after a commit the checkpointer copies the WAL into the database. Each checkpoint ends in two
// fdatasyncs, and on ext4 the journal commit they force holds up the writer's next WAL write until it is
// done (the write updates the file's times): a checkpoint with less to copy is a shorter stall. At one
// governed connection, p99 was 1.0-1.3 ms every 100 ms, 0.58-0.61 ms every 20 ms (0.48-0.56 ms every 10 ms,
// for a fifth more checkpointing CPU), and 2.0-2.6 ms every 500 ms.
constexpr auto kCheckpointAfter = std::chrono::milliseconds(20);
// Under load the two fdatasyncs, not the copying, are most of a checkpoint's CPU: at saturation (two workers,
// 64 connections, ~45k rows a second) every 20 ms cost the checkpointer 0.6 us of system time a request and
// the writer 0.25 (its WAL writes wait on the journal commits), every 100 ms 0.3 and 0.1. So when the last
// checkpoint found more than kBusyFrames new frames (~800 rows), the next waits kCheckpointAfterBusy; a
// light load, where the stall is what a client would see, keeps the short wait.
constexpr auto kCheckpointAfterBusy = std::chrono::milliseconds(100);
constexpr int kBusyFrames = 32;

}  // namespace

std::span<const char* const> schema_migrations() {
  return kMigrations;
}

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
    if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, wal_coalescing_vfs()) != SQLITE_OK) {
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
  if (auto r = load_ledger_ids(); !r)
    throw std::runtime_error(fmt::format("store {}: {}", path, r.error().message));
  if (auto r = replay_journal(path); !r)
    throw std::runtime_error(fmt::format("store {}: {}", path, r.error().message));
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
  // Every commit on the writing connection (ledger batches, administrators' changes) tells the checkpointer.
  sqlite3_wal_hook(
      db_,
      [](void* self, sqlite3*, const char*, int) {
        auto* store = static_cast<SqliteStore*>(self);
        std::lock_guard lock(store->queue_mu_);
        ++store->commits_;
        if (store->checkpoint_idle_) store->checkpoint_cv_.notify_one();
        return SQLITE_OK;
      },
      this);
  writer_ = std::thread([this] { write_loop(); });
  checkpointer_ = std::thread([this] { checkpoint_loop(); });
  name_thread(writer_, "mm-ledger");
  name_thread(checkpointer_, "mm-checkpoint");
}

SqliteStore::~SqliteStore() {
  close();
  if (journal_lock_ >= 0) ::close(journal_lock_);  // (only now: a late row may still be going into it)
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
  std::uint64_t copied = 0;
  int last_log = 0;  // the WAL's frames after the last checkpoint
  auto wait = kCheckpointAfter;
  while (!stopping_) {
    // Nothing to copy until something commits: an idle gateway's checkpointer sleeps.
    checkpoint_idle_ = true;
    checkpoint_cv_.wait(lock, [&] { return stopping_ || commits_ != copied; });
    checkpoint_idle_ = false;
    copied = commits_;
    checkpoint_cv_.wait_for(lock, wait, [&] { return stopping_; });
    lock.unlock();
    // PASSIVE copies what no reader still needs and never blocks the writer. Under steady load the writer
    // always has frames past the copied ones, so the WAL would only grow: past kWalRestartFrames, RESTART
    // copies the little that is left (holding the writer for that long) and makes the next commit write
    // from the WAL's beginning.
    int log = 0, done = 0;
    sqlite3_wal_checkpoint_v2(ckpt_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    // (A WAL shorter than before was restarted: all its frames are new.)
    int fresh = log >= last_log ? log - last_log : log;
    wait = fresh > kBusyFrames ? kCheckpointAfterBusy : kCheckpointAfter;
    last_log = log;
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
