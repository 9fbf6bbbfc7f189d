// The embedded store: one SQLite file (WAL, mode 0600, schema versioned with migrations). Ledger rows are
// queued by the request path and committed in groups by a writer thread, each row's `committed` callback
// running once its transaction is durable: a response whose row has been committed survives a SIGKILL.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "store/sqlite/journal.hpp"
#include "store/store.hpp"

struct sqlite3;

namespace modelmux::store {

// The schema's migrations, oldest first: migration i brings user_version i to i + 1. (Tests build the
// databases older versions left with them.)
std::span<const char* const> schema_migrations();

class SqliteStore final : public Store {
 public:
  // Opens (creating it, and its schema, when needed) the database at `path`; throws std::runtime_error with
  // the path and SQLite's words when it cannot.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;  // commits what is queued, then closes

  Result<void> put_key(const governance::KeyRecord& k) override;
  Result<void> delete_key(const std::string& id) override;
  Result<std::vector<governance::KeyRecord>> keys() override;
  Result<void> put_user(const governance::UserRecord& u) override;
  Result<void> delete_user(const std::string& id) override;
  Result<std::vector<governance::UserRecord>> users() override;
  Result<void> put_team(const governance::TeamRecord& t) override;
  Result<void> delete_team(const std::string& id) override;
  Result<std::vector<governance::TeamRecord>> teams() override;

  void append(const LedgerRow& row, std::move_only_function<void()> committed) override;
  using Store::append_durable;
  bool append_durable(std::span<const std::unique_ptr<LedgerRow>> rows) override;
  Result<std::vector<SpendGroup>> spend(const SpendQuery& q) override;
  Result<LogPage> spend_logs(const LogQuery& q) override;
  Result<double> spent(const std::string& counter, std::int64_t period_start_ms) override;
  Result<std::int64_t> forget_before(std::int64_t before_ms) override;

  void audit(AuditEvent e) override;
  Result<std::vector<AuditEvent>> audit_log(int limit) override;

  void close() override;

  Result<void> put_credential(const CredentialRecord& c) override;
  Result<void> delete_credential(const std::string& name) override;
  Result<std::vector<CredentialRecord>> credentials() override;

  int schema_version();

 private:
  struct Pending {
    // The row, encoded as in the journal (encode_row): the writer decodes it into rows of its own. An
    // appender copies ~200 bytes into one buffer here, and the writer reads them in order, where handing
    // over a LedgerRow moved its dozen strings and their buffers between the two cores, each read a
    // cache miss on both sides: ~0.4 us a row for the appender, ~0.5 for the writer (perf, two workers).
    std::string record;
    std::move_only_function<void()> committed;
    std::int64_t id = 0;          // given by the writer
    LedgerJournal::Mark journal;  // where the journal holds it (generation 0: it is not there)
    std::uint32_t stream = 0;     // in which stream
  };
  struct Writer;
  void write_loop();
  void checkpoint_loop();
  using Batch = std::vector<std::unique_ptr<Pending>>;
  Result<void> commit(std::unique_ptr<Writer>& statements, Batch& batch);
  Result<void> commit_once(Batch& batch);  // with statements prepared for it
  void abandon_queue();                    // closing with commits failing: the waiting ones go on
  Result<void> exec(const char* sql);
  Result<void> load_ledger_ids();
  Result<void> replay_journal(const std::string& path);
  // `n` slots in `out`: committed rows' spare ones first (their records keep their capacity), then new ones.
  void take_slots(Batch& out, std::size_t n);
  std::unique_ptr<Pending> slot_for(const LedgerRow& row);  // a slot holding `row`'s record
  LedgerJournal* my_journal();  // the calling thread's stream (opened on its first row), or null
  // Until the rows appended so far are committed: what a query reads includes them.
  void sync();
  std::pair<std::int64_t, std::int64_t> id_range(std::int64_t from_ms, std::int64_t to_ms) const;
  Result<void> put_doc(const char* table, const std::string& id, const std::string& hash,
                       const std::string& doc);
  Result<void> delete_row(const char* table, const std::string& id);
  Result<std::vector<std::string>> docs(const char* table);

  // Two connections: one writes (the ledger's batches, administrators' changes), one reads; with WAL a
  // reader never waits for a batch to commit.
  sqlite3* db_ = nullptr;
  std::mutex db_mu_;
  sqlite3* rd_ = nullptr;
  std::mutex rd_mu_;

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  Batch queue_;
  // While the writer gathers a batch under load (sqlite_ledger.cpp), the queue length that is worth waking
  // it for; 0 otherwise (then any row wakes it).
  std::size_t gather_ = 0;
  // Committed rows' slots, filled again by the next appends: a slot's record keeps its capacity, so a row
  // is copied in without allocating, and no memory a request thread allocated is freed by the writer (which
  // would starve that thread's allocator cache and contend for its arena's lock on every row).
  Batch spare_;
  bool stopping_ = false;
  // The journal's streams, one per thread that appends (sqlite_ledger.cpp); their files are in generations
  // from journal_base_ on, above every mark the database held at start.
  std::string path_;
  std::uint64_t instance_ = 0;  // this store among all (a thread's cached stream names its store by it)
  std::uint64_t journal_base_ = 0;
  std::mutex journals_mu_;
  std::vector<std::unique_ptr<LedgerJournal>> journals_;  // by stream
  bool journals_failed_ = false;  // not ours (another process has it), or a file could not be opened: rows
                                  // wait for their commits
  int journal_lock_ = -1;         // held while this store owns the journal
  std::uint64_t appended_ = 0, committed_rows_ = 0;
  std::size_t waiting_ = 0;        // queued rows whose callbacks wait for the commit
  bool lazy_ = false;              // the writer lets journaled rows gather
  std::uint64_t sync_target_ = 0;  // a query waits until this many rows are committed
  bool writer_done_ = false;
  std::condition_variable synced_cv_;
  std::thread writer_;
  // Ledger ids follow time (sqlite_ledger.cpp): each is the least above the last one given (`last_id_`, the
  // writer's) and not below its row's ts_ms << 10, so a row's id, read as milliseconds, is never before its
  // time and at most `max_lag_ms_` after it (kept in ledger_meta; it only grows, and readers take it as a
  // margin).
  std::int64_t last_id_ = 0;
  std::atomic<std::int64_t> max_lag_ms_{0};
  // Checkpoints (copying the WAL into the database, with its fsync) run on a connection and thread of their
  // own, so a commit, which a response's last byte waits on, never waits on one.
  sqlite3* ckpt_ = nullptr;
  std::condition_variable checkpoint_cv_;
  std::uint64_t commits_ = 0;     // on the writing connection (under queue_mu_, as the next)
  bool checkpoint_idle_ = false;  // the checkpointer waits for a commit
  std::thread checkpointer_;
};

}  // namespace modelmux::store
