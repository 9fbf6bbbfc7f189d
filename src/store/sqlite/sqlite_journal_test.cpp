// The store's side of the ledger journal (sqlite_journal.cpp): durable rows copied into slots the commits
// hand back, a store killed before its commits replaying what only the journal held, a second store on the
// database keeping out of the journal, and a failed commit of journaled rows tried again.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/journal_test_rows.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace modelmux::store {
namespace {

namespace fs = std::filesystem;
using namespace journal_testing;  // TempDir, sample(), expect_same()

TEST(SqliteJournal, AStoreCopiesDurableRowsAndCommitsThemAsTheyWere) {
  TempDir t;
  SqliteStore s(t.db());
  auto rows_of = [](std::initializer_list<int> ids) {
    std::vector<std::unique_ptr<LedgerRow>> rows;
    for (int i : ids) rows.push_back(std::make_unique<LedgerRow>(sample(i)));
    return rows;
  };
  auto rows = rows_of({1, 2, 3});
  ASSERT_TRUE(s.append_durable(std::span(rows)));
  for (std::size_t i = 0; i < rows.size(); ++i)
    expect_same(*rows[i], sample(static_cast<int>(i) + 1), true);  // the caller's, as they were
  // Filled again at once (a worker's next turn): what was queued is the copy, not these.
  for (auto& r : rows) *r = sample(9);
  LogQuery q;
  auto page = s.spend_logs(q);  // (waits for the commit: the slots go back to the spares)
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    expect_same(page->rows[i].second, sample(static_cast<int>(i) + 1), false);
  // The next rows go into the committed ones' slots, whose records held longer rows than some of these.
  auto more = rows_of({4, 5});
  more[1]->request_id = "r";
  ASSERT_TRUE(s.append_durable(std::span(more)));
  page = s.spend_logs(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 5u);
  expect_same(page->rows[3].second, sample(4), false);
  EXPECT_EQ(page->rows[4].second.request_id, "r");
  EXPECT_EQ(page->rows[4].second.key_id, sample(5).key_id);
}

TEST(SqliteJournal, RowsOnlyTheJournalHeldAreReplayedAtStart) {
  // Commits held back: a copy of the files taken now is what a SIGKILL would leave, with the rows in the
  // journal and not in the database.
  TempDir t;
  ::setenv("MODELMUX_FAULT_COMMIT_DELAY_MS", "400", 1);
  fs::path copy = t.dir / "copy";
  fs::create_directories(copy);
  double usd = 0;
  {
    SqliteStore s(t.db());
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(s.append_durable(sample(i)));
      usd += sample(i).cost_usd;
    }
    // And from a second thread, its own stream, the ten rows in one write (as one event-loop turn's).
    std::thread other([&] {
      std::vector<std::unique_ptr<LedgerRow>> rows;
      for (int i = 20; i < 30; ++i) rows.push_back(std::make_unique<LedgerRow>(sample(i)));
      ASSERT_TRUE(s.append_durable(std::span(rows)));
    });
    other.join();
    for (int i = 20; i < 30; ++i) usd += sample(i).cost_usd;
    for (const auto& e : fs::directory_iterator(t.dir))
      if (e.is_regular_file()) fs::copy_file(e.path(), copy / e.path().filename());
    ::unsetenv("MODELMUX_FAULT_COMMIT_DELAY_MS");
  }
  SqliteStore s((copy / "ledger.db").string());
  LogQuery q;
  auto page = s.spend_logs(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 30u);
  for (int i = 0; i < 30; ++i) expect_same(page->rows[static_cast<std::size_t>(i)].second, sample(i), false);
  auto spent = s.spent("key:key_1", 1'793'491'200'000);
  ASSERT_TRUE(spent);
  EXPECT_NEAR(*spent, usd, 1e-9) << "the budget totals follow the replayed rows";
  s.close();
  // Replayed once: reopened, the same rows, no more.
  SqliteStore again((copy / "ledger.db").string());
  auto page2 = again.spend_logs(q);
  ASSERT_TRUE(page2);
  EXPECT_EQ(page2->rows.size(), 30u);
  EXPECT_NEAR(*again.spent("key:key_1", 1'793'491'200'000), usd, 1e-9);
}

TEST(SqliteJournal, ASecondStoreOnTheDatabaseKeepsOutOfTheJournalAndItsIds) {
  // Two processes on one database (--reuse-port): the first owns the journal, the second's rows wait for
  // their commits; and ids given by either never collide.
  TempDir t;
  SqliteStore a(t.db());
  SqliteStore b(t.db());
  ASSERT_TRUE(a.append_durable(sample(1)));
  EXPECT_FALSE(b.append_durable(sample(1)));
  for (int i = 0; i < 6; ++i) {
    std::atomic<bool> done{false};
    (i % 2 ? a : b).append(sample(100 + i / 2), [&] { done = true; });  // the same milliseconds in both
    while (!done) std::this_thread::yield();
  }
  a.close();
  b.close();
  EXPECT_TRUE(fs::exists(t.db() + "-journal-0-1")) << "the second store left the owner's journal alone";
  LogQuery q;
  auto page = a.spend_logs(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 7u);
  std::set<std::int64_t> ids;
  for (const auto& [id, r] : page->rows) ids.insert(id);
  EXPECT_EQ(ids.size(), 7u);
}

TEST(SqliteJournal, AFailedCommitOfJournaledRowsIsTriedAgainAndNothingIsLostOrDoubled) {
  // Another connection holds the write lock past the busy timeout (5 s): the writer's commit fails. Its rows
  // are only in the journal, so it must be tried again, and no later commit may go in without them.
  TempDir t;
  double usd = 0;
  {
    SqliteStore s(t.db());
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(t.db().c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    for (int i = 0; i < 10; ++i) {
      ASSERT_TRUE(s.append_durable(sample(i)));
      usd += sample(i).cost_usd;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5600));  // the first commit has failed by now
    for (int i = 10; i < 20; ++i) {
      ASSERT_TRUE(s.append_durable(sample(i)));
      usd += sample(i).cost_usd;
    }
    ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(other);
    LogQuery q;
    auto page = s.spend_logs(q);  // (waits for the retry to commit everything queued)
    ASSERT_TRUE(page);
    ASSERT_EQ(page->rows.size(), 20u);
    for (int i = 0; i < 20; ++i)
      EXPECT_EQ(page->rows[static_cast<std::size_t>(i)].second.request_id, sample(i).request_id);
  }
  // Reopened: the journal's marks cover all twenty, so nothing is replayed twice.
  SqliteStore again(t.db());
  LogQuery q;
  auto page = again.spend_logs(q);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->rows.size(), 20u);
  EXPECT_NEAR(*again.spent("key:key_1", 1'793'491'200'000), usd, 1e-9);
}

}  // namespace
}  // namespace modelmux::store
