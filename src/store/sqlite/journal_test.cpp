// The ledger journal's files and records: rows round-trip through a record, a record a kill cut short ends
// the replay there, files rotate and are written again once committed (what their last use left is not
// read, nor a record forged inside a row), and version 1 files are still read. The store's side of the
// journal is sqlite_journal_test.cpp.
#include "store/sqlite/journal.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "store/sqlite/journal_test_rows.hpp"

namespace modelmux::store {
namespace {

namespace fs = std::filesystem;
using namespace journal_testing;  // TempDir, sample(), expect_same()

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
  std::vector<std::string_view> payloads(3);  // (what the store hands its writer)
  ASSERT_TRUE((*j)->append(written, marks, kNoRotation, payloads));
  for (std::size_t i = 0; i < 3; ++i) {
    LedgerRow back;
    ASSERT_TRUE(decode_row(payloads[i], back));
    expect_same(back, rows[i]);
  }
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

TEST(LedgerJournal, AFileWhoseHeaderWasCutShortIsPassedOver) {
  // Killed while its header was being written: no record can follow yet, and the start goes on.
  TempDir t;
  {
    auto j = LedgerJournal::open(t.db(), 0, 2);
    ASSERT_TRUE(j);
  }
  fs::resize_file(t.db() + "-journal-0-2", 20);
  auto found = LedgerJournal::read_after(t.db(), {});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(found->rows.empty());
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

}  // namespace
}  // namespace modelmux::store
