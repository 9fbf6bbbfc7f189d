// The ledger journal: rows round-trip through a record, a record a kill cut short ends the replay there,
// files rotate and are written again once committed (what their last generation left is not read), and a
// store killed before its commits replays what only the journal held.
#include "store/sqlite/journal.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.hpp"

namespace modelmux::store {
namespace {

namespace fs = std::filesystem;

struct TempDir {
  fs::path dir;
  TempDir() {
    dir = fs::temp_directory_path() / ("modelmux-journal-test-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~TempDir() { fs::remove_all(dir); }
  std::string db() const { return (dir / "ledger.db").string(); }
};

LedgerRow sample(int i) {
  LedgerRow r;
  r.ts_ms = 1'796'000'000'000 + i;
  r.request_id = "req-" + std::to_string(i);
  r.key_id = "key_1";
  r.user_id = i % 2 ? "u" : "";
  r.team_id = "team";
  r.end_user = "alice";
  r.model = "gpt-4o";
  r.target = "openai/gpt-4o";
  r.provider = "openai";
  r.upstream_model = "gpt-4o-2024-08-06";
  r.input_tokens = 10 + i, r.output_tokens = 5, r.cached_tokens = 2, r.cache_write_tokens = 1;
  r.reasoning_tokens = 3;
  r.cost_usd = 0.25 * i;
  r.status = i % 3 ? 200 : 429;
  r.error = i % 3 ? "" : "rate_limit_exceeded";
  r.latency_ms = 40 + i;
  r.attempts = 2;
  r.stream = i % 2;
  r.cache_hit = i % 4 == 0;
  r.path = "/v1/chat/completions";
  r.credential = "cred";
  r.budgets = {{"key:key_1", 1'793'491'200'000}, {"team:team", 1'795'996'800'000}};
  return r;
}

// (`budgets` only when the row comes from a record: the ledger table keeps the totals, not the list.)
void expect_same(const LedgerRow& a, const LedgerRow& b, bool budgets = true) {
  EXPECT_EQ(a.ts_ms, b.ts_ms);
  EXPECT_EQ(a.request_id, b.request_id);
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.upstream_model, b.upstream_model);
  EXPECT_EQ(a.input_tokens, b.input_tokens);
  EXPECT_EQ(a.reasoning_tokens, b.reasoning_tokens);
  EXPECT_DOUBLE_EQ(a.cost_usd, b.cost_usd);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.latency_ms, b.latency_ms);
  EXPECT_EQ(a.stream, b.stream);
  EXPECT_EQ(a.cache_hit, b.cache_hit);
  EXPECT_EQ(a.credential, b.credential);
  if (budgets) {
    EXPECT_EQ(a.budgets, b.budgets);
  }
}

TEST(LedgerJournal, ARowRoundTripsThroughARecord) {
  for (int i = 0; i < 4; ++i) {
    std::string payload;
    encode_row(sample(i), payload);
    LedgerRow back;
    ASSERT_TRUE(decode_row(payload, back));
    expect_same(back, sample(i));
    LedgerRow cut;
    EXPECT_FALSE(decode_row(std::string_view(payload).substr(0, payload.size() - 1), cut));
    EXPECT_FALSE(decode_row(payload + "x", cut));
  }
}

constexpr std::int64_t kNoRotation = 1 << 30;

TEST(LedgerJournal, ARecordCutShortEndsTheReplayThere) {
  TempDir t;
  auto j = LedgerJournal::open(t.db(), 3, 1);
  ASSERT_TRUE(j);
  std::vector<LedgerJournal::Mark> marks;
  for (int i = 0; i < 3; ++i) {
    auto m = (*j)->append(sample(i), kNoRotation);
    ASSERT_TRUE(m);
    marks.push_back(*m);
  }
  std::string file = t.db() + "-journal-3-1";
  ASSERT_TRUE(fs::exists(file));
  auto all = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->rows.size(), 3u);
  expect_same(all->rows[2].row, sample(2));
  EXPECT_EQ(all->rows[2].stream, 3u);
  EXPECT_EQ(all->rows[2].end.offset, marks[2].offset);
  EXPECT_EQ(all->generation, 1u);
  // After the commit of the first: the two others; another stream's mark changes nothing.
  auto rest = LedgerJournal::read_after(t.db(), {{3, marks[0]}, {4, marks[2]}});
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->rows.size(), 2u);
  // The last write cut short by a kill: two whole records.
  fs::resize_file(file, static_cast<std::uintmax_t>(marks[2].offset - 5));
  auto torn = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(torn);
  EXPECT_EQ(torn->rows.size(), 2u);
  // A byte of the second's payload lost: only the first.
  {
    FILE* f = std::fopen(file.c_str(), "r+b");
    ASSERT_TRUE(f);
    std::fseek(f, static_cast<long>(marks[1].offset - 3), SEEK_SET);
    std::fputc('!', f);
    std::fclose(f);
  }
  auto bad = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->rows.size(), 1u);
  LedgerJournal::remove_all(t.db());
  EXPECT_FALSE(fs::exists(file));
}

TEST(LedgerJournal, RowsWrittenTogetherHaveAMarkEach) {
  // An event-loop turn's rows go in one write; a commit may still end between them (its batch is full), so
  // each row has the mark at its own record's end.
  TempDir t;
  auto j = LedgerJournal::open(t.db(), 0, 1);
  ASSERT_TRUE(j);
  std::vector<LedgerRow> rows{sample(1), sample(2), sample(3)};
  std::vector<const LedgerRow*> written{&rows[0], &rows[1], &rows[2]};
  std::vector<LedgerJournal::Mark> marks(3);
  ASSERT_TRUE((*j)->append(written, marks, kNoRotation));
  EXPECT_LT(marks[0].offset, marks[1].offset);
  EXPECT_LT(marks[1].offset, marks[2].offset);
  EXPECT_EQ(static_cast<std::int64_t>(fs::file_size(t.db() + "-journal-0-1")), marks[2].offset);
  auto all = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    expect_same(all->rows[i].row, rows[i]);
    EXPECT_EQ(all->rows[i].end.offset, marks[i].offset);
  }
  auto rest = LedgerJournal::read_after(t.db(), {{0, marks[0]}});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->rows.size(), 2u);
  expect_same(rest->rows[0].row, rows[1]);
}

TEST(LedgerJournal, AStoreTakesDurableRowsAndHandsBackRowsItIsDoneWith) {
  TempDir t;
  SqliteStore s(t.db());
  auto rows_of = [](std::initializer_list<int> ids) {
    std::vector<std::unique_ptr<LedgerRow>> rows;
    for (int i : ids) rows.push_back(std::make_unique<LedgerRow>(sample(i)));
    return rows;
  };
  auto rows = rows_of({1, 2, 3});
  ASSERT_TRUE(s.append_durable(std::span(rows)));
  for (const auto& r : rows) {
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->request_id.empty()) << "new slots' rows came back";
  }
  LogQuery q;
  auto page = s.spend_logs(q);  // (waits for the commit: the slots go back to the spares)
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i)
    expect_same(page->rows[i].second, sample(static_cast<int>(i) + 1), false);
  auto more = rows_of({4, 5});
  ASSERT_TRUE(s.append_durable(std::span(more)));
  for (const auto& r : more)
    EXPECT_TRUE(r->request_id == "req-1" || r->request_id == "req-2" || r->request_id == "req-3")
        << "a committed row came back: " << r->request_id;
  page = s.spend_logs(q);
  ASSERT_TRUE(page);
  ASSERT_EQ(page->rows.size(), 5u);
  expect_same(page->rows[4].second, sample(5), false);
}

TEST(LedgerJournal, AFullFileIsRetiredAndWrittenAgainOnceTheCommitsPassIt) {
  TempDir t;
  auto opened = LedgerJournal::open(t.db(), 0, 5);
  ASSERT_TRUE(opened);
  auto& j = **opened;
  auto first = j.append(sample(1), kNoRotation);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->generation, 5u);
  ASSERT_TRUE(j.append(sample(7), kNoRotation));  // generation 5 holds two records
  auto second = j.append(sample(2), 10);          // past 10 bytes: a new file from this row on
  ASSERT_TRUE(second);
  EXPECT_EQ(second->generation, 6u);
  auto all = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->rows.size(), 3u);
  EXPECT_EQ(all->generation, 6u);
  const std::string five = t.db() + "-journal-0-5", seven = t.db() + "-journal-0-7";
  j.committed(*first);  // the commits have not passed the retired file: it stays, and 6 takes the rows
  auto third = j.append(sample(3), 10);
  ASSERT_TRUE(third);
  EXPECT_EQ(third->generation, 6u);
  ASSERT_TRUE(fs::exists(five));
  struct stat before {};
  ASSERT_EQ(::stat(five.c_str(), &before), 0);
  j.committed(*second);  // now they have: 5 is written again as 7, not removed
  // sample(5) encodes to as many bytes as sample(1), the first record of 5: generation 7's record ends
  // exactly where 5's second begins, which is whole and framed; only its checksum's seed tells it apart.
  auto fourth = j.append(sample(5), 10);
  ASSERT_TRUE(fourth);
  EXPECT_EQ(fourth->generation, 7u);
  EXPECT_EQ(fourth->offset, first->offset);
  EXPECT_FALSE(fs::exists(five));
  struct stat after {};
  ASSERT_EQ(::stat(seven.c_str(), &after), 0);
  EXPECT_EQ(after.st_ino, before.st_ino);
  EXPECT_GT(static_cast<std::int64_t>(fs::file_size(seven)), fourth->offset);
  auto rest = LedgerJournal::read_after(t.db(), {{0, *second}});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->rows.size(), 2u);
  expect_same(rest->rows[0].row, sample(3));
  expect_same(rest->rows[1].row, sample(5));
  EXPECT_EQ(rest->rows[1].end.generation, 7u);
  EXPECT_EQ(rest->rows[1].end.offset, fourth->offset);
}

// The bytes of a record as a client could write them into a row's text (a user id, a path): framed, with a
// checksum under a seed the client guessed.
std::string forged_record(const LedgerRow& r, std::uint64_t guessed_seed) {
  std::string payload;
  encode_row(r, payload);
  std::string out(12, '\0');
  auto length = static_cast<std::uint32_t>(payload.size());
  std::uint64_t sum = record_checksum(payload, guessed_seed);
  std::memcpy(out.data(), &length, 4);
  std::memcpy(out.data() + 4, &sum, 8);
  return out + payload;
}

TEST(LedgerJournal, ARecordForgedInsideARowIsNotReadWhereAReplayLandsOnIt) {
  // A file's last use left a row whose end user (a client's bytes) begins with a forged record; the file,
  // started again, holds one record that ends exactly where the forgery begins, and the replay reads on
  // from there. The forgery's checksum is under a seed a client could guess: none (version 1's), or the
  // generation the file is started again as. Neither is the file's.
  TempDir t;
  for (std::uint64_t guess : {0ULL, 3ULL}) {
    const std::string db = (t.dir / ("ledger-" + std::to_string(guess) + ".db")).string();
    auto opened = LedgerJournal::open(db, 0, 1);
    ASSERT_TRUE(opened);
    auto& j = **opened;
    auto first = j.append(sample(1), kNoRotation);
    ASSERT_TRUE(first);
    LedgerRow fake = sample(6);
    fake.cost_usd = 1e6;
    LedgerRow carrier = sample(9);
    carrier.end_user = forged_record(fake, guess);
    ASSERT_TRUE(j.append(carrier, kNoRotation));
    // Where the forgery sits in the carrier's payload: after the time, four texts and the end user's length.
    const std::int64_t at = 8 + 4 * 4 +
                            static_cast<std::int64_t>(carrier.request_id.size() + carrier.key_id.size() +
                                                      carrier.user_id.size() + carrier.team_id.size()) +
                            4;
    auto second = j.append(sample(2), 10);  // generation 2
    ASSERT_TRUE(second);
    j.committed(*second);
    LedgerRow landing =
        sample(1);  // as long as sample(1), plus the carrier's head and text up to the forgery
    landing.request_id += std::string(static_cast<std::size_t>(12 + at), 'x');
    auto third = j.append(landing, 10);  // 1, started again as 3
    ASSERT_TRUE(third);
    EXPECT_EQ(third->generation, 3u);
    EXPECT_EQ(third->offset, first->offset + 12 + at) << "the new record ends where the forgery begins";
    auto rest = LedgerJournal::read_after(db, {{0, *second}});
    ASSERT_TRUE(rest) << rest.error().message;
    ASSERT_EQ(rest->rows.size(), 1u) << "seed guessed: " << guess;
    EXPECT_EQ(rest->rows[0].row.request_id, landing.request_id);
  }
}

TEST(LedgerJournal, AFileTakenForTheNextGenerationBeforeItsHeaderSaysSoIsPassedOver) {
  // Killed between the rename and the new header: the file's name says 4, its header 3. What it holds was
  // committed before it was taken, and nothing of generation 4 is in it yet.
  TempDir t;
  {
    auto j = LedgerJournal::open(t.db(), 0, 3);
    ASSERT_TRUE(j);
    ASSERT_TRUE((*j)->append(sample(1), kNoRotation));
  }
  fs::rename(t.db() + "-journal-0-3", t.db() + "-journal-0-4");
  auto found = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(found->rows.empty());
  EXPECT_EQ(found->generation, 4u);
  // A header that names a generation above its file's is no file this modelmux wrote.
  fs::rename(t.db() + "-journal-0-4", t.db() + "-journal-0-2");
  EXPECT_FALSE(LedgerJournal::read_after(t.db(), {}));
}

TEST(LedgerJournal, AVersionOneFileIsStillRead) {
  // As the last build wrote it: a 16-byte header (magic, version 1, generation) and checksums with no seed.
  TempDir t;
  std::string data("MMLJ", 4);
  auto put = [&data](auto v) { data.append(reinterpret_cast<const char*>(&v), sizeof v); };
  put(std::uint32_t{1});
  put(std::uint64_t{3});
  std::vector<std::int64_t> ends;
  for (int i : {1, 2}) {
    std::string payload;
    encode_row(sample(i), payload);
    put(static_cast<std::uint32_t>(payload.size()));
    put(record_checksum(payload, 0));
    data += payload;
    ends.push_back(static_cast<std::int64_t>(data.size()));
  }
  {
    std::ofstream f(t.db() + "-journal-0-3", std::ios::binary);
    f << data;
  }
  auto found = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_EQ(found->rows.size(), 2u);
  expect_same(found->rows[1].row, sample(2));
  EXPECT_EQ(found->rows[1].end.offset, ends[1]);
  auto rest = LedgerJournal::read_after(t.db(), {{0, {3, ends[0]}}});
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->rows.size(), 1u);
  expect_same(rest->rows[0].row, sample(2));
}

TEST(LedgerJournal, RowsOnlyTheJournalHeldAreReplayedAtStart) {
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

TEST(LedgerJournal, ASecondStoreOnTheDatabaseKeepsOutOfTheJournalAndItsIds) {
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

TEST(LedgerJournal, AFailedCommitOfJournaledRowsIsTriedAgainAndNothingIsLostOrDoubled) {
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
