#include "store/sqlite/sqlite_responses.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>
#include <stdexcept>

#include "core/json_util.hpp"
#include "core/thread_name.hpp"
#include "store/sqlite/stmt.hpp"
#include "store/sqlite/wal_vfs.hpp"

namespace json = boost::json;

namespace modelmux::store {
namespace {

// Its own tables beside the ledger's, created if missing: a response's record is its JSON, and each of its
// items' ids points back at it (item_reference).
constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS responses (id TEXT PRIMARY KEY, scope TEXT NOT NULL, "
    "created_ms INTEGER NOT NULL, record TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS response_items (item_id TEXT PRIMARY KEY, response_id TEXT NOT NULL);"
    "CREATE INDEX IF NOT EXISTS response_items_by_response ON response_items (response_id);";

sqlite3* open_db(const std::string& path, int flags) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, wal_coalescing_vfs()) != SQLITE_OK) {
    std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw std::runtime_error(fmt::format("cannot open the responses store {}: {}", path, why));
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

std::string record_of(const StoredResponse& r) {
  return json::serialize(json::object{{"response", r.response},
                                      {"input_items", r.input_items},
                                      {"previous_id", r.previous_id},
                                      {"upstream", r.upstream}});
}

std::shared_ptr<const StoredResponse> from_record(std::string id, std::string scope, std::string_view text) {
  boost::system::error_code ec;
  auto v = json_util::parse(text, ec);
  if (ec || !v.is_object()) return nullptr;
  auto& o = v.get_object();
  auto r = std::make_shared<StoredResponse>();
  r->id = std::move(id);
  r->scope = std::move(scope);
  if (auto* x = o.if_contains("response"); x && x->is_object()) r->response = std::move(x->get_object());
  if (auto* x = o.if_contains("input_items"); x && x->is_array()) r->input_items = std::move(x->get_array());
  r->previous_id = json_util::string_field(o, "previous_id");
  r->upstream = json_util::string_field(o, "upstream");
  return r;
}

// Each item id a response holds, input and output.
template <class F>
void for_each_item(const StoredResponse& r, F&& f) {
  auto visit = [&](const json::array& items) {
    for (const auto& it : items)
      if (const auto* o = it.if_object()) {
        auto id = json_util::string_field(*o, "id");
        if (!id.empty()) f(id);
      }
  };
  visit(r.input_items);
  if (const auto* out = r.response.if_contains("output"); out && out->is_array()) visit(out->get_array());
}

}  // namespace

SqliteResponseStore::SqliteResponseStore(const std::string& path, std::int64_t forget_before) {
  wr_ = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  char* err = nullptr;
  if (sqlite3_exec(wr_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(wr_, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err ? err : sqlite3_errmsg(wr_);
    sqlite3_free(err);
    sqlite3_close(wr_);
    throw std::runtime_error(fmt::format("responses store {}: {}", path, why));
  }
  if (forget_before > 0) {
    Stmt items(
        wr_,
        "DELETE FROM response_items WHERE response_id IN (SELECT id FROM responses WHERE created_ms < ?1)");
    Stmt old(wr_, "DELETE FROM responses WHERE created_ms < ?1");
    if (items.ok() && old.ok()) {
      items.bind(1, forget_before).step();
      old.bind(1, forget_before).step();
    }
  }
  try {
    rd_ = open_db(path, SQLITE_OPEN_READONLY);
  } catch (...) {
    sqlite3_close(wr_);
    throw;
  }
  writer_ = std::thread([this] { write_loop(); });
  name_thread(writer_, "mm-responses");
}

SqliteResponseStore::~SqliteResponseStore() {
  {
    std::lock_guard lock(q_mu_);
    stopping_ = true;
  }
  q_cv_.notify_all();
  writer_.join();
  sqlite3_close(rd_);
  sqlite3_close(wr_);
}

void SqliteResponseStore::put(std::shared_ptr<const StoredResponse> r) {
  recent_.put(r);
  {
    std::lock_guard lock(q_mu_);
    queue_.push_back(std::move(r));
  }
  q_cv_.notify_one();
}

void SqliteResponseStore::write_loop() {
  for (;;) {
    std::deque<std::shared_ptr<const StoredResponse>> batch;
    {
      std::unique_lock lock(q_mu_);
      q_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // (stopping, and everything written)
      batch.swap(queue_);
      writing_ = true;
    }
    {
      std::lock_guard lock(wr_mu_);
      Stmt response(
          wr_, "INSERT OR REPLACE INTO responses (id, scope, created_ms, record) VALUES (?1, ?2, ?3, ?4)");
      Stmt item(wr_, "INSERT OR REPLACE INTO response_items (item_id, response_id) VALUES (?1, ?2)");
      bool ok =
          response.ok() && item.ok() && sqlite3_exec(wr_, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
      for (const auto& r : batch) {
        if (!ok) break;
        response.bind(1, r->id).bind(2, r->scope).bind(3, now_ms()).bind(4, record_of(*r));
        ok = response.step() == SQLITE_DONE;
        response.reset();
        for_each_item(*r, [&](std::string_view id) {
          item.bind(1, id).bind(2, r->id);
          ok = ok && item.step() == SQLITE_DONE;
          item.reset();
        });
      }
      if (ok) ok = sqlite3_exec(wr_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK;
      if (!ok) {
        // The responses stay readable from memory until they age out; the failure is said, not hidden.
        std::fprintf(stderr, "modelmux: responses store: %zu response(s) not written: %s\n", batch.size(),
                     sqlite3_errmsg(wr_));
        sqlite3_exec(wr_, "ROLLBACK", nullptr, nullptr, nullptr);
      }
    }
    {
      std::lock_guard lock(q_mu_);
      writing_ = false;
    }
    idle_cv_.notify_all();
  }
}

void SqliteResponseStore::flush() {
  std::unique_lock lock(q_mu_);
  idle_cv_.wait(lock, [&] { return queue_.empty() && !writing_; });
}

std::shared_ptr<const StoredResponse> SqliteResponseStore::read(std::string_view sql, std::string_view key,
                                                                std::string_view scope) const {
  std::lock_guard lock(rd_mu_);
  Stmt s(rd_, sql);
  if (!s.ok()) return nullptr;
  s.bind(1, key);
  if (s.step() != SQLITE_ROW || s.text(1) != scope) return nullptr;
  return from_record(s.text(0), s.text(1), s.text(2));
}

std::shared_ptr<const StoredResponse> SqliteResponseStore::get(std::string_view id,
                                                               std::string_view scope) const {
  if (auto r = recent_.get(id, scope)) return r;
  return read("SELECT id, scope, record FROM responses WHERE id = ?1", id, scope);
}

bool SqliteResponseStore::erase(std::string_view id, std::string_view scope) {
  bool in_memory = recent_.erase(id, scope);
  flush();  // (a response still queued would come back after the delete)
  std::lock_guard lock(wr_mu_);
  Stmt del(wr_, "DELETE FROM responses WHERE id = ?1 AND scope = ?2");
  Stmt items(wr_, "DELETE FROM response_items WHERE response_id = ?1");
  if (!del.ok() || !items.ok()) return in_memory;
  del.bind(1, id).bind(2, scope);
  bool on_disk = del.step() == SQLITE_DONE && sqlite3_changes(wr_) > 0;
  if (on_disk) {
    items.bind(1, id);
    items.step();
  }
  return in_memory || on_disk;
}

std::optional<json::value> SqliteResponseStore::item(std::string_view item_id, std::string_view scope) const {
  if (auto v = recent_.item(item_id, scope)) return v;
  auto r = read(
      "SELECT r.id, r.scope, r.record FROM response_items i JOIN responses r ON r.id = i.response_id "
      "WHERE i.item_id = ?1",
      item_id, scope);
  if (!r) return std::nullopt;
  std::optional<json::value> found;
  auto match = [&](const json::array& items) {
    for (const auto& v : items)
      if (const auto* o = v.if_object(); o && json_util::string_field(*o, "id") == item_id) found = v;
  };
  match(r->input_items);
  if (const auto* out = r->response.if_contains("output"); !found && out && out->is_array())
    match(out->get_array());
  return found;
}

}  // namespace modelmux::store
