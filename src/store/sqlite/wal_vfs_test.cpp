// The WAL-coalescing VFS: what a commit returns from is in the file (a copy of the database and its WAL,
// taken while the writer still has them open, as after a SIGKILL, recovers every committed row with the
// default VFS, and none of a transaction rolled back), another connection sees each commit at once, and
// transactions larger than what is gathered at a time, WAL restarts and rollbacks keep the file valid.
#include "store/sqlite/wal_vfs.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <utility>

namespace modelmux::store {
namespace {

namespace fs = std::filesystem;

struct Db {
  sqlite3* db = nullptr;
  Db(const std::string& path, const char* vfs) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs), SQLITE_OK);
  }
  Db(Db&& o) noexcept : db(std::exchange(o.db, nullptr)) {}
  ~Db() { sqlite3_close(db); }
  void exec(const std::string& sql) {
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << (err ? err : "") << " in " << sql;
    sqlite3_free(err);
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
    std::string t =
        sqlite3_step(s) == SQLITE_ROW ? reinterpret_cast<const char*>(sqlite3_column_text(s, 0)) : "";
    sqlite3_finalize(s);
    return t;
  }
  long long count(const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK);
    long long n = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : -1;
    sqlite3_finalize(s);
    return n;
  }
};

struct Dir {
  fs::path path =
      fs::temp_directory_path() / ("modelmux-walvfs-" + std::to_string(::getpid()) + "-" +
                                   ::testing::UnitTest::GetInstance()->current_test_info()->name());
  Dir() {
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Dir() { fs::remove_all(path); }
};

// The database and its WAL as they are in the files now: what a process killed at this moment leaves.
void copy_as_killed(const fs::path& from, const fs::path& to) {
  fs::copy_file(from, to);
  fs::copy_file(from.string() + "-wal", to.string() + "-wal");
}

// A connection through the VFS as the store opens its writer: WAL, NORMAL, no automatic checkpoints.
Db writer(const std::string& path) {
  Db w(path, wal_coalescing_vfs());
  w.exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;"
      "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  return w;
}

TEST(WalVfs, EveryCommittedRowIsInTheFilesWhenTheCommitReturns) {
  Dir dir;
  auto path = (dir.path / "a.db").string();
  Db w = writer(path);
  Db reader(path, wal_coalescing_vfs());
  const std::string big(3000, 'x');
  long long rows = 0;
  for (int txn = 0; txn < 300; ++txn) {
    int n = txn % 50 == 49 ? 600 : 1 + txn % 20;  // some transactions larger than what is gathered at a time
    std::string sql = "BEGIN;";
    for (int i = 0; i < n; ++i) sql += "INSERT INTO t (v) VALUES ('" + big + "');";
    w.exec(sql + "COMMIT;");
    rows += n;
    ASSERT_EQ(reader.count("SELECT count(*) FROM t"), rows) << "after transaction " << txn;
  }
  // A transaction rolled back after its pages spilled into the WAL leaves nothing behind.
  w.exec("PRAGMA cache_size=10; BEGIN;");
  for (int i = 0; i < 200; ++i) w.exec("INSERT INTO t (v) VALUES ('" + big + "')");
  w.exec("ROLLBACK; PRAGMA cache_size=-2000;");
  w.exec("INSERT INTO t (v) VALUES ('last')");
  ++rows;
  copy_as_killed(path, dir.path / "copy.db");
  Db recovered((dir.path / "copy.db").string(), nullptr);  // the default VFS reads the WAL back
  EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(recovered.count("SELECT count(*) FROM t"), rows);
  EXPECT_EQ(recovered.count("SELECT count(*) FROM t WHERE v = 'last'"), 1);
}

TEST(WalVfs, AWalWrittenAgainFromItsBeginningStaysValid) {
  Dir dir;
  auto path = (dir.path / "b.db").string();
  Db w = writer(path);
  long long rows = 0;
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 40; ++i, ++rows)
      w.exec("INSERT INTO t (v) VALUES ('" + std::string(500, 'a' + round) + "')");
    // Everything copied into the database: the next commit restarts the WAL from its first frame.
    ASSERT_EQ(sqlite3_wal_checkpoint_v2(w.db, nullptr, SQLITE_CHECKPOINT_RESTART, nullptr, nullptr),
              SQLITE_OK);
  }
  w.exec("INSERT INTO t (v) VALUES ('after the restarts')");
  ++rows;
  copy_as_killed(path, dir.path / "copy.db");
  Db recovered((dir.path / "copy.db").string(), nullptr);
  EXPECT_EQ(recovered.text("PRAGMA integrity_check"), "ok");
  EXPECT_EQ(recovered.count("SELECT count(*) FROM t"), rows);
  EXPECT_EQ(recovered.count("SELECT count(*) FROM t WHERE v = 'after the restarts'"), 1);
}

}  // namespace
}  // namespace modelmux::store
