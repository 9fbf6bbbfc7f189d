// The ledger journal's side of the store (journal.hpp): each appending thread's stream, rows made durable
// there before their responses end, the wait a query makes for what is queued, and the replay at start of
// what the commits had not covered.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <map>
#include <vector>

#include "store/sqlite/journal.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/stmt.hpp"

namespace modelmux::store {
namespace {

constexpr std::size_t kReplayBatch = 512;        // replayed rows in one transaction
constexpr std::int64_t kJournalFile = 16 << 20;  // bytes a journal file takes before the next one

}  // namespace

LedgerJournal* SqliteStore::my_journal() {
  // Cached per thread, naming its store by a number no other store has (an address could be reused).
  thread_local std::uint64_t cached_for = 0;
  thread_local LedgerJournal* cached = nullptr;
  if (cached_for == instance_) return cached;
  std::lock_guard lock(journals_mu_);
  if (journals_failed_ || journals_.size() >= UINT32_MAX) return nullptr;
  auto j = LedgerJournal::open(path_, static_cast<std::uint32_t>(journals_.size()), journal_base_);
  if (!j) {
    std::fprintf(stderr, "modelmux: %s (ledger rows wait for their commits instead)\n",
                 j.error().message.c_str());
    journals_failed_ = true;
    return nullptr;
  }
  journals_.push_back(std::move(*j));
  cached_for = instance_;
  cached = journals_.back().get();
  return cached;
}

bool SqliteStore::append_durable(std::span<const std::unique_ptr<LedgerRow>> rows) {
  LedgerJournal* journal = my_journal();
  if (!journal || rows.empty()) return false;
  // This thread's stream, no lock: its rows reach the queue in the order it writes them, so one mark per
  // stream says how far it is committed.
  thread_local std::vector<LedgerJournal::Mark> marks;
  marks.resize(rows.size());
  thread_local std::vector<std::string_view> payloads;
  payloads.resize(rows.size());
  thread_local std::vector<const LedgerRow*> written;
  written.clear();
  for (const auto& r : rows) written.push_back(r.get());
  if (!journal->append(written, marks, kJournalFile, payloads)) return false;
  // Slots for them, spare ones taken under one lock; each gets its row's record as the journal has it.
  thread_local Batch slots;
  take_slots(slots, rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto& slot = *slots[i];
    slot.record.assign(payloads[i]);
    slot.committed = nullptr;
    slot.journal = marks[i];
    slot.stream = journal->stream();
  }
  std::size_t before = 0, gather = 0;
  {
    std::lock_guard lock(queue_mu_);
    // Closing: the writer may be gone, but the rows are in the journal, and the next start commits them.
    if (!stopping_) {
      before = queue_.size();
      for (auto& slot : slots) queue_.push_back(std::move(slot));
      gather = gather_;
      appended_ += rows.size();
    }
  }
  slots.clear();
  // (The writer wakes for the first rows queued, or for those that complete the batch it gathers.)
  std::size_t after = before + rows.size();
  if (before == 0 || (before < gather && after >= gather)) queue_cv_.notify_one();
  return true;
}

void SqliteStore::sync() {
  std::unique_lock lock(queue_mu_);
  std::uint64_t want = appended_;
  if (committed_rows_ >= want || writer_done_) return;
  sync_target_ = std::max(sync_target_, want);
  queue_cv_.notify_one();
  synced_cv_.wait(lock, [&] { return committed_rows_ >= want || writer_done_; });
}

Result<void> SqliteStore::replay_journal(const std::string& path) {
  static std::atomic<std::uint64_t> instances{0};
  instance_ = ++instances;  // (at open: the streams of this store, not of one before it at this address)
  path_ = path;
  // One process owns a database's journal. Others on the same database (--reuse-port) keep out of it: no
  // replay, no streams, their rows wait for their commits.
  std::string lock_path = path + "-journal.lock";
  journal_lock_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (journal_lock_ < 0 || ::flock(journal_lock_, LOCK_EX | LOCK_NB) != 0) {
    if (journal_lock_ >= 0) ::close(journal_lock_);
    journal_lock_ = -1;
    journals_failed_ = true;
    return {};
  }
  std::map<std::uint32_t, LedgerJournal::Mark> marks;
  std::uint64_t highest = 0;
  {
    Stmt s(db_, "SELECT name, value FROM ledger_meta WHERE name LIKE 'journal%'");
    if (!s.ok()) return std::unexpected(db_error(db_, "journal marks"));
    while (s.step() == SQLITE_ROW) {
      std::string name = s.text(0);
      unsigned stream = 0;
      char what[16] = {};
      if (std::sscanf(name.c_str(), "journal_%u_%15s", &stream, what) != 2) continue;
      if (std::string_view(what) == "generation") {
        marks[stream].generation = static_cast<std::uint64_t>(s.integer(1));
        highest = std::max(highest, marks[stream].generation);
      } else if (std::string_view(what) == "offset") {
        marks[stream].offset = s.integer(1);
      }
    }
  }
  // What the journal holds past the commits: rows of responses that completed before a kill.
  auto found = LedgerJournal::read_after(path, marks);
  if (!found) return std::unexpected(found.error());
  Batch batch;
  auto flush = [&]() -> Result<void> {
    auto r = batch.empty() ? Result<void>{} : commit_once(batch);
    batch.clear();
    return r;
  };
  for (auto& r : found->rows) {
    auto p = std::make_unique<Pending>();
    encode_row(r.row, p->record);
    p->journal = r.end;
    p->stream = r.stream;
    batch.push_back(std::move(p));
    if (batch.size() == kReplayBatch)
      if (auto f = flush(); !f) return f;
  }
  if (auto f = flush(); !f) return f;
  if (!found->rows.empty())
    std::fprintf(stderr, "modelmux: store %s: %zu ledger rows replayed from the journal\n", path.c_str(),
                 found->rows.size());
  // All of it committed: the files go, and this run's streams write generations above any mark or file.
  LedgerJournal::remove_all(path);
  journal_base_ = std::max(highest, found->generation) + 1;
  return {};
}

}  // namespace modelmux::store
