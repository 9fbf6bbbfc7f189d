// The SQLite store: created 0600 with its schema, records round-trip, ledger rows are committed in groups
// with their callbacks run after the commit, spend totals follow the rows, and a reopened store has it all.
#include "store/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace modelmux::store {
namespace {

struct TempDb {
  std::filesystem::path path;
  TempDb() {
    path = std::filesystem::temp_directory_path() /
           ("modelmux-store-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".db");
    clean();
  }
  ~TempDb() { clean(); }
  void clean() {
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    std::string journal = path.filename().string() + "-journal";  // (its files and its lock)
    for (const auto& e : std::filesystem::directory_iterator(path.parent_path()))
      if (e.path().filename().string().starts_with(journal)) std::filesystem::remove(e.path());
  }
};

LedgerRow row(std::string key, double cost, std::int64_t ts) {
  LedgerRow r;
  r.ts_ms = ts;
  r.request_id = "req-" + std::to_string(ts);
  r.key_id = std::move(key);
  r.model = "gpt-4o";
  r.cost_usd = cost;
  r.status = 200;
  r.input_tokens = 10;
  r.output_tokens = 5;
  r.budgets = {{"key:" + r.key_id, 0}};
  return r;
}

// The names `top -H` and /proc show for the store's threads, so an operator can tell which is busy.
std::vector<std::string> thread_names() {
  std::vector<std::string> names;
  for (const auto& t : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(t.path() / "comm");
    std::string name;
    std::getline(comm, name);
    names.push_back(name);
  }
  return names;
}

TEST(SqliteStore, ItsThreadsAreNamed) {
  TempDb db;
  SqliteStore store(db.path.string());
  auto names = thread_names();
  EXPECT_EQ(std::count(names.begin(), names.end(), "mm-ledger"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "mm-checkpoint"), 1);
}

TEST(SqliteStore, IsCreatedPrivateWithItsSchema) {
  TempDb db;
  SqliteStore s(db.path.string());
  struct stat st {};
  ASSERT_EQ(::stat(db.path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(s.schema_version(), 2);
}

TEST(SqliteStore, RecordsRoundTripWithoutTheirSecrets) {
  TempDb db;
  {
    SqliteStore s(db.path.string());
    governance::KeyRecord k;
    k.id = "key_1";
    k.hash = "abc123";
    k.previous_hash = "old456";
    k.previous_expires_at = 99;
    k.name = "app";
    k.models = {"gpt-*"};
    k.budget = governance::Budget{.usd = 5, .period = governance::Period::day, .soft_usd = 4};
    k.limits.rpm = 60;
    ASSERT_TRUE(s.put_key(k));
    ASSERT_TRUE(s.put_team({.id = "core", .name = "Core"}));
  }
  SqliteStore s(db.path.string());
  auto keys = s.keys();
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->size(), 1u);
  const auto& k = keys->front();
  EXPECT_EQ(k.hash, "abc123");
  EXPECT_EQ(k.previous_hash, "old456");
  EXPECT_EQ(k.previous_expires_at, 99);
  EXPECT_EQ(k.models, std::vector<std::string>{"gpt-*"});
  ASSERT_TRUE(k.budget);
  EXPECT_EQ(k.budget->period, governance::Period::day);
  EXPECT_EQ(k.budget->soft_usd, 4);
  EXPECT_EQ(k.limits.rpm, 60);
  EXPECT_EQ(s.teams()->size(), 1u);
  ASSERT_TRUE(s.delete_key("key_1"));
  EXPECT_TRUE(s.keys()->empty());
}

TEST(SqliteStore, RowsAreCommittedBeforeTheirCallbacksAndTotalsFollowThem) {
  TempDb db;
  SqliteStore s(db.path.string());
  std::atomic<int> committed{0};
  for (int i = 0; i < 200; ++i) s.append(row(i % 2 ? "a" : "b", 0.01, 1000 + i), [&] { ++committed; });
  s.close();
  EXPECT_EQ(committed.load(), 200);
  auto a = s.spent("key:a", 0);
  ASSERT_TRUE(a);
  EXPECT_NEAR(*a, 1.0, 1e-9);
  auto by_key = s.spend({.group_by = "key"});
  ASSERT_TRUE(by_key);
  ASSERT_EQ(by_key->size(), 2u);
  EXPECT_EQ(by_key->front().requests, 100);
  EXPECT_EQ(by_key->front().input_tokens, 1000);
  bool called = false;
  s.append(row("a", 1, 5000), [&] { called = true; });
  EXPECT_TRUE(called) << "a closed store still releases whoever waits";
}

// After a burst the writer gathers batches (it waits for as many rows as the last batch held): a row that
// comes alone must still be committed once the short wait is over, and a store closed while the writer
// gathers must commit what it holds.
TEST(SqliteStore, ALoneRowAfterABurstIsNotLeftWaitingForABatch) {
  TempDb db;
  SqliteStore s(db.path.string());
  std::atomic<int> committed{0};
  auto wait_for = [&](int n) {
    for (int i = 0; i < 10'000 && committed.load() < n; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return committed.load();
  };
  for (int i = 0; i < 300; ++i) s.append(row("a", 0.01, 1000 + i), [&] { ++committed; });
  ASSERT_EQ(wait_for(300), 300);
  s.append(row("a", 0.01, 2000), [&] { ++committed; });
  EXPECT_EQ(wait_for(301), 301) << "the lone row was never committed";
  for (int i = 0; i < 300; ++i) s.append(row("a", 0.01, 3000 + i), [&] { ++committed; });
  ASSERT_EQ(wait_for(601), 601);
  s.append(row("b", 0.5, 4000), [&] { ++committed; });
  s.close();
  EXPECT_EQ(committed.load(), 602);
  auto b = s.spent("key:b", 0);
  ASSERT_TRUE(b);
  EXPECT_NEAR(*b, 0.5, 1e-9);
}

// The checkpointer copies committed rows from the WAL into the database file soon after they commit (it
// sleeps while nothing commits): the file grows while the store is open, not only when it closes.
TEST(SqliteStore, CommittedRowsReachTheDatabaseFileWhileOpen) {
  TempDb db;
  SqliteStore s(db.path.string());
  auto size = [&] { return std::filesystem::file_size(db.path); };
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const auto empty = size();
  std::atomic<int> committed{0};
  for (int i = 0; i < 2000; ++i) s.append(row("a", 0.01, 1000 + i), [&] { ++committed; });
  // (Until every row is committed and the file has grown by them: the first checkpoint may come while
  // later batches are still committing, as it did under the sanitizers.)
  for (int i = 0; i < 10'000 && (committed.load() < 2000 || size() <= empty + 100'000); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  EXPECT_EQ(committed.load(), 2000);
  EXPECT_GT(size(), empty + 100'000) << "the rows stayed in the WAL";
}

TEST(SqliteStore, LogsComeInPagesWithACursorAndFilters) {
  TempDb db;
  SqliteStore s(db.path.string());
  for (int i = 0; i < 25; ++i) s.append(row(i < 20 ? "a" : "b", 0.5, 1000 + i), nullptr);
  s.close();
  LogQuery q;
  q.key_id = "a";
  q.limit = 8;
  std::vector<std::string> seen;
  for (int page = 0; page < 5; ++page) {
    auto p = s.spend_logs(q);
    ASSERT_TRUE(p);
    for (const auto& [id, r] : p->rows) seen.push_back(r.request_id);
    if (!p->next) break;
    q.after = p->next;
  }
  ASSERT_EQ(seen.size(), 20u);
  EXPECT_EQ(seen.front(), "req-1000");
  EXPECT_EQ(seen.back(), "req-1019");
  auto removed = s.forget_before(1010);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, 10);
  EXPECT_NEAR(*s.spent("key:a", 0), 10.0, 1e-9) << "retention keeps the budget totals";
}

TEST(SqliteStore, EveryColumnOfEveryRowSurvivesTheMultiRowInserts) {
  // 37 rows queued at once go in as 16 + 16 + 4 + 1: each column of each row must land as it was, in order,
  // whatever its position in a statement and whatever the row before it bound there.
  TempDb db;
  SqliteStore s(db.path.string());
  std::vector<LedgerRow> rows;
  for (int i = 0; i < 37; ++i) {
    LedgerRow r = row(i % 3 ? "a" : "b", 0.25 * i, 1000 + i);
    r.user_id = i % 5 ? (i % 2 ? "u1" : "u2") : "";
    r.end_user = i % 2 ? "alice" : "bob";
    r.target = i % 4 ? "t1" : "t0";
    r.output_tokens = i;
    r.cached_tokens = i % 7;
    r.status = i % 6 ? 200 : 429;
    r.error = i % 6 ? "" : "rate_limit_exceeded";
    r.stream = i % 2;
    r.credential = i % 9 ? "" : "cred";
    rows.push_back(r);
    s.append(r, nullptr);
  }
  s.close();
  LogQuery q;
  q.limit = 100;
  auto page = s.spend_logs(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& got = page->rows[i].second;
    const auto& want = rows[i];
    EXPECT_EQ(got.request_id, want.request_id);
    EXPECT_EQ(got.key_id, want.key_id);
    EXPECT_EQ(got.user_id, want.user_id);
    EXPECT_EQ(got.end_user, want.end_user);
    EXPECT_EQ(got.target, want.target);
    EXPECT_EQ(got.output_tokens, want.output_tokens);
    EXPECT_EQ(got.cached_tokens, want.cached_tokens);
    EXPECT_EQ(got.status, want.status);
    EXPECT_EQ(got.error, want.error);
    EXPECT_EQ(got.stream, want.stream);
    EXPECT_EQ(got.credential, want.credential);
    EXPECT_DOUBLE_EQ(got.cost_usd, want.cost_usd);
  }
}

// Counts the rows with ts_ms in [from, to) by each query that takes a time range.
std::int64_t in_range(SqliteStore& s, std::int64_t from, std::int64_t to) {
  auto spend = s.spend({.from_ms = from, .to_ms = to});
  EXPECT_TRUE(spend);
  LogQuery q;
  q.from_ms = from, q.to_ms = to, q.limit = 1000;
  std::int64_t logged = 0;
  for (;;) {
    auto page = s.spend_logs(q);
    EXPECT_TRUE(page);
    if (!page) break;
    for (const auto& [id, r] : page->rows) logged += r.ts_ms >= from && r.ts_ms < to;
    if (!page->next) break;
    q.after = page->next;
  }
  std::int64_t by_spend = spend && !spend->empty() ? spend->front().requests : 0;
  EXPECT_EQ(by_spend, logged) << from << ".." << to;
  return by_spend;
}

TEST(SqliteStore, TimeRangesFindLateRowsAndBurstsExactly) {
  // Ledger ids follow time, and a time range is read as a range of ids: rows queued long after they started
  // (long requests), more rows in one millisecond than ids, and a reopened store must all still be found
  // by their own time, and only by it.
  TempDb db;
  constexpr std::int64_t kT = 1'796'000'000'000;  // 2026-11-30
  {
    SqliteStore s(db.path.string());
    s.append(row("a", 1, kT + 10), nullptr);
    s.append(row("a", 1, kT + 11), nullptr);
    s.append(row("a", 1, kT - 3'600'000), nullptr);                              // started an hour ago
    for (int i = 0; i < 3000; ++i) s.append(row("b", 0.001, kT + 12), nullptr);  // a burst: ids run ahead
    s.append(row("a", 1, kT + 13), nullptr);
    s.append(row("a", 1, kT + 11), nullptr);  // late by 2 ms and behind the burst's ids
    s.close();
    EXPECT_EQ(in_range(s, kT - 3'600'000, kT - 3'600'000 + 1), 1);
    EXPECT_EQ(in_range(s, kT + 11, kT + 12), 2);
    EXPECT_EQ(in_range(s, kT + 12, kT + 13), 3000);
    EXPECT_EQ(in_range(s, kT + 13, kT + 14), 1);
    EXPECT_EQ(in_range(s, 0, kT + 100), 3005);
    LogQuery all;
    all.limit = 1000;
    std::int64_t last = 0, pages = 0, rows = 0;
    for (;;) {
      auto page = s.spend_logs(all);
      ASSERT_TRUE(page);
      for (const auto& [id, r] : page->rows) {
        EXPECT_GT(id, last) << "ids grow in the order rows were queued";
        last = id;
        ++rows;
      }
      ++pages;
      if (!page->next) break;
      all.after = page->next;
    }
    EXPECT_EQ(rows, 3005);
    EXPECT_EQ(pages, 4);
  }
  {
    // Reopened: how late a row can be is remembered, and new ids follow the old ones.
    SqliteStore s(db.path.string());
    EXPECT_EQ(in_range(s, kT - 3'600'000, kT - 3'600'000 + 1), 1);
    s.append(row("c", 1, kT + 11), nullptr);
    s.close();
    EXPECT_EQ(in_range(s, kT + 11, kT + 12), 3);
    auto removed = s.forget_before(kT + 12);
    ASSERT_TRUE(removed);
    EXPECT_EQ(*removed, 5);  // the hour-old row, kT + 10 and the three at kT + 11
    EXPECT_EQ(in_range(s, 0, kT + 100), 3001);
  }
  {
    // Retention that empties the ledger takes its largest ids with it: new ones still follow time.
    SqliteStore s(db.path.string());
    ASSERT_TRUE(s.forget_before(kT + 10'000));
    for (int i = 0; i < 3; ++i) s.append(row("d", 1, kT + 20), nullptr);
    s.close();
    EXPECT_EQ(in_range(s, kT + 20, kT + 21), 3);
    EXPECT_EQ(in_range(s, 0, kT + 20), 0);
  }
}

TEST(SqliteStore, AVersionOneLedgerIsMigratedInOrderWithItsTimes) {
  TempDb db;
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.path.c_str(), &raw), SQLITE_OK);
    std::string v1 = std::string(schema_migrations()[0]) +
                     "PRAGMA user_version = 1;"
                     "INSERT INTO ledger (id, ts_ms, request_id, key_id, cost_usd) VALUES"
                     " (1, 5000, 'r1', 'a', 1), (2, 4000, 'r2', 'a', 1), (7, 5000, 'r3', 'a', 1),"
                     " (8, 9000, 'r4', 'b', 1), (9, 100, 'r5', 'b', 1);";
    ASSERT_EQ(sqlite3_exec(raw, v1.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    sqlite3_close(raw);
  }
  {
    SqliteStore s(db.path.string());
    EXPECT_EQ(s.schema_version(), 2);
    LogQuery all;
    auto page = s.spend_logs(all);
    ASSERT_TRUE(page);
    std::vector<std::string> order;
    for (const auto& [id, r] : page->rows) order.push_back(r.request_id);
    EXPECT_EQ(order, (std::vector<std::string>{"r1", "r2", "r3", "r4", "r5"}));
    EXPECT_EQ(in_range(s, 5000, 5001), 2);
    EXPECT_EQ(in_range(s, 4000, 4001), 1);
    EXPECT_EQ(in_range(s, 100, 101), 1);
    EXPECT_EQ(in_range(s, 0, 10'000), 5);
    s.append(row("c", 1, 6000), nullptr);
    s.close();
    EXPECT_EQ(in_range(s, 6000, 6001), 1);
  }
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'ledger_ts'", -1, &st, nullptr);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 0) << "the ts_ms index is gone";
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST(SqliteStore, AnUnknownGroupingIsAClientError) {
  TempDb db;
  SqliteStore s(db.path.string());
  auto r = s.spend({.group_by = "password"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_request);
}

}  // namespace
}  // namespace modelmux::store
