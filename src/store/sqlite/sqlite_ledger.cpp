// The spend ledger in SQLite (sqlite_store.hpp): rows queued by the request path, given ids that follow time
// and committed in groups by one writer thread (each row's callback runs once it is durable), with the budget
// totals kept in the same transaction. The queries over the rows are sqlite_spend.cpp's.
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/prctl.h>

#include <algorithm>
#include <array>
#include <boost/container/small_vector.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <thread>
#include <vector>

#include "store/sqlite/journal.hpp"
#include "store/sqlite/ledger_columns.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/stmt.hpp"

namespace modelmux::store {

using namespace ledger;  // the ledger table's columns and ids (ledger_columns.hpp)

namespace {

constexpr std::size_t kMaxBatch = 512;     // rows in one transaction at most
constexpr std::size_t kSpareSlots = 1024;  // committed rows' slots kept for reuse at most
// Group commit under load. A commit costs about as much as ten rows (its statements, ~9 WAL writes and 5
// lock calls, the wake-ups on both sides), and the rows that queue during one make the next batch. When
// the last batch held at least kGatherFrom rows, requests are arriving faster than commits, and the writer
// waits up to kGather for the queue to hold as many again before it commits: fewer, larger commits. One
// connection's requests never wait (its batches hold one row), nor do a few clients' (PostgreSQL's
// commit_delay with commit_siblings, MySQL's binlog_group_commit_sync_delay, decide the same way).
constexpr std::size_t kGatherFrom = 8;
constexpr auto kGather = std::chrono::microseconds(100);
// Rows already in the journal (sqlite_journal.cpp) wait for nobody: the writer lets them gather for up to
// kLazy, or until a batch is full, a row that waits comes, or a query wants them. Two workers at 64
// connections: ~46 rows a commit instead of ~9, and the workers no longer idle while responses wait for
// commits. 20 ms rather than 5: under load a batch then fills (kMaxBatch) before the wait ends, and each
// commit's fixed pages (the database header, the totals, the tree's inner page, the last leaf written
// again) are shared by ten times the rows: the writer's instructions a row 9.3k -> 7.7k (callgrind), its
// CPU 0.86-0.94 -> 0.74-0.77 us a request at saturation.
constexpr auto kLazy = std::chrono::milliseconds(20);

}  // namespace

// One INSERT of `rows` ledger rows, prepared once. A step's own cost (its halt, reset and set-up, ~1.5k
// instructions) is paid once for all its rows; SQLite 3.40 runs a multi-row VALUES as a co-routine that
// copies each row's values once more, so only batches of tens of rows gain: ~12.2k -> ~9.5k instructions a
// row at 30 rows a commit, ~0.3k at 7.
struct LedgerInsert {
  // The parameters as last bound. A statement keeps its bindings from one step to the next, and most
  // columns repeat (a client's key, user, team, model, target, provider, path; zero counts): a value equal
  // to the one bound is not bound again (~180 instructions per text column in SQLite), and text is bound
  // from these copies, which live as long as the statement.
  struct Bound {
    bool set = false;
    bool null = false;
    std::string text;
    std::int64_t integer = 0;
    double real = 0;
  };
  int rows;
  Stmt stmt;
  std::vector<Bound> bound;  // rows × kInsertParameters

  LedgerInsert(sqlite3* db, int n)
      : rows(n), stmt(db, sql(n)), bound(static_cast<std::size_t>(n) * kInsertParameters) {}
  static std::string sql(int n) {
    std::string s = fmt::format("INSERT INTO ledger (id, {}) VALUES ", kColumns);
    for (int i = 0; i < n; ++i) {
      s += i ? ",(?" : "(?";
      for (int c = 1; c < kInsertParameters; ++c) s += ",?";
      s += ')';
    }
    return s;
  }
  void put(int i, std::string_view v) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && b.text == v) return;
    b.set = true;
    b.text.assign(v);
    stmt.bind_static(i, b.text);
  }
  void put(int i, std::int64_t v) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && !b.null && b.integer == v) return;
    b.set = true;
    b.null = false;
    b.integer = v;
    stmt.bind(i, v);
  }
  void put_null(int i) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && b.null) return;
    b.set = b.null = true;
    stmt.bind_null(i);
  }
  void put(int i, double v) {
    auto& b = bound[static_cast<std::size_t>(i - 1)];
    if (b.set && std::memcmp(&b.real, &v, sizeof v) == 0) return;  // (bit for bit: -0.0 is not 0.0)
    b.set = true;
    b.real = v;
    stmt.bind(i, v);
  }
  // Row `r`, with its id, as the statement's `j`th row of values. An id one above the row inserted just
  // before it is bound as NULL: SQLite gives the table's largest id plus one, which is the same id without a
  // search for it (an explicit id costs a B-tree descent to check it is free: ~1.3k instructions a row).
  void put_row(int j, std::int64_t id, bool follows, const LedgerRowView& r) {
    int c = 1 + j * kInsertParameters;
    auto put = [&](const auto& v) { this->put(c++, v); };
    if (follows)
      put_null(c++);
    else
      put(id);
    put(r.ts_ms), put(r.request_id), put(r.key_id), put(r.user_id), put(r.team_id), put(r.end_user);
    put(r.model), put(r.target), put(r.provider), put(r.upstream_model), put(r.input_tokens);
    put(r.output_tokens), put(r.cached_tokens), put(r.cache_write_tokens), put(r.reasoning_tokens);
    put(r.cost_usd), put(std::int64_t{r.status}), put(r.error), put(r.latency_ms);
    put(std::int64_t{r.attempts}), put(std::int64_t{r.stream}), put(std::int64_t{r.cache_hit}), put(r.path);
    put(r.credential);
  }
};

// The writer thread's statements, prepared once: a batch costs binds and steps, not SQL parsing.
struct SqliteStore::Writer {
  Stmt begin, last, commit, rollback, total, meta;
  // Inserts of 16, 4 and 1 rows, largest first: a batch of n rows takes at most n/16 + 3 + 3 steps.
  // (A batch under load holds tens of rows.)
  std::array<LedgerInsert, 3> inserts;
  std::vector<LedgerRowView> rows;  // a batch's rows, viewing their records
  std::vector<std::size_t> good;    // the batch's index of each of them

  explicit Writer(sqlite3* db)
      : begin(db, "BEGIN IMMEDIATE"),
        last(db, "SELECT COALESCE(MAX(id), 0) FROM ledger"),
        commit(db, "COMMIT"),
        rollback(db, "ROLLBACK"),
        total(db,
              "INSERT INTO spend_totals (counter, period_start, spent) VALUES (?, ?, ?) "
              "ON CONFLICT (counter, period_start) DO UPDATE SET spent = spent + excluded.spent"),
        meta(db,
             "INSERT INTO ledger_meta (name, value) VALUES (?, ?) "
             "ON CONFLICT (name) DO UPDATE SET value = excluded.value"),
        inserts{LedgerInsert(db, 16), LedgerInsert(db, 4), LedgerInsert(db, 1)} {}
  bool ok() const {
    return begin.ok() && last.ok() && commit.ok() && rollback.ok() && total.ok() && meta.ok() &&
           std::all_of(inserts.begin(), inserts.end(), [](const auto& i) { return i.stmt.ok(); });
  }
  static bool run(Stmt& s) {
    int rc = s.step();
    s.reset();
    return rc == SQLITE_DONE;
  }
};

void SqliteStore::take_slots(Batch& out, std::size_t n) {
  {
    std::lock_guard lock(queue_mu_);
    while (out.size() < n && !stopping_ && !spare_.empty()) {
      out.push_back(std::move(spare_.back()));
      spare_.pop_back();
    }
  }
  while (out.size() < n) out.push_back(std::make_unique<Pending>());
}

std::unique_ptr<SqliteStore::Pending> SqliteStore::slot_for(const LedgerRow& row) {
  thread_local Batch one;
  take_slots(one, 1);
  auto slot = std::move(one.back());
  one.clear();
  slot->record.clear();  // (its capacity is kept)
  encode_row(row, slot->record);
  slot->journal = {};
  return slot;
}

void SqliteStore::append(const LedgerRow& row, std::move_only_function<void()> committed) {
  auto slot = slot_for(row);
  slot->committed = std::move(committed);
  bool waits = slot->committed != nullptr;
  std::size_t queued = 0, gather = 0;
  bool lazy = false;
  {
    std::lock_guard lock(queue_mu_);
    if (!stopping_) {
      queue_.push_back(std::move(slot));
      slot = nullptr;
      queued = queue_.size();
      gather = gather_;
      lazy = lazy_;
      ++appended_;
      waiting_ += waits;
    }
  }
  if (slot) {
    // Closed: nothing will commit it, but whoever waits must not wait forever.
    if (slot->committed) slot->committed();
    return;
  }
  // (While the writer gathers, only the row that completes its batch wakes it, or one that waits.)
  if (queued == 1 || queued == gather || (lazy && waits)) queue_cv_.notify_one();
}

void SqliteStore::write_loop() {
  // Fault injection for the SIGKILL test: a slower commit widens the window a response could wrongly
  // complete in before its row is durable, so a regression cannot hide in a microsecond.
  int delay_ms = 0;
  if (const char* d = std::getenv("MODELMUX_FAULT_COMMIT_DELAY_MS")) delay_ms = std::atoi(d);
  // The gathering wait is a tenth of a millisecond: Linux's default 50 us timer slack would stretch it by
  // half.
  ::prctl(PR_SET_TIMERSLACK, 1000UL);  // (nanoseconds; this thread only)
  Batch batch;
  std::size_t last_batch = 0;
  std::unique_ptr<Writer> statements;  // prepared on the first batch, finalized when the loop ends
  std::chrono::milliseconds retry_after{0};
  for (;;) {
    {
      std::unique_lock lock(queue_mu_);
      if (!batch.empty()) {
        committed_rows_ += batch.size();
        synced_cv_.notify_all();
      }
      for (auto& p : batch)
        if (spare_.size() < kSpareSlots) spare_.push_back(std::move(p));
      batch.clear();
      queue_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty() && stopping_) break;
      auto wanted = [&] { return committed_rows_ < sync_target_; };  // a query waits for queued rows
      if (!stopping_ && !wanted() && waiting_ == 0 && queue_.size() < kMaxBatch) {
        // Journaled rows only: large batches, which nobody waits for.
        lazy_ = true;
        gather_ = kMaxBatch;
        queue_cv_.wait_for(
            lock, kLazy, [&] { return stopping_ || wanted() || waiting_ > 0 || queue_.size() >= kMaxBatch; });
        lazy_ = false;
        gather_ = 0;
      } else if (last_batch >= kGatherFrom && queue_.size() < last_batch) {
        gather_ = std::min(last_batch, kMaxBatch);
        queue_cv_.wait_for(lock, kGather, [&] { return stopping_ || queue_.size() >= gather_; });
        gather_ = 0;
      }
      // Everything queued meanwhile goes in this transaction: the more requests wait, the fewer commits.
      if (queue_.size() <= kMaxBatch) {
        std::swap(batch, queue_);
      } else {
        auto end = queue_.begin() + kMaxBatch;
        batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
        queue_.erase(queue_.begin(), end);
      }
      for (const auto& p : batch) waiting_ -= p->committed != nullptr;
    }
    last_batch = batch.size();
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    auto r = commit(statements, batch);
    if (!r) std::fprintf(stderr, "modelmux: %s\n", r.error().message.c_str());
    // (a failed commit still lets its requests finish: the client's answer does not wait forever)
    for (auto& p : batch)
      if (auto done = std::exchange(p->committed, nullptr)) done();
    if (r) {
      retry_after = std::chrono::milliseconds(0);
      // Journal files the commits have passed can go.
      std::lock_guard lock(journals_mu_);
      for (const auto& p : batch)
        if (p->journal.generation && p->stream < journals_.size())
          journals_[p->stream]->committed(p->journal);
    } else if (std::any_of(batch.begin(), batch.end(), [](const auto& p) { return p->journal.generation; })) {
      // Journaled rows are nowhere else, and a later commit of their streams would carry the marks past
      // them: the batch goes back to the head of the queue, so nothing after it commits without it, and is
      // tried again after a wait that doubles up to a second. If the store closes first, nothing more is
      // committed, and the next start replays it all from the journal.
      retry_after =
          std::clamp(retry_after * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
      std::unique_lock lock(queue_mu_);
      queue_.insert(queue_.begin(), std::make_move_iterator(batch.begin()),
                    std::make_move_iterator(batch.end()));
      batch.clear();
      if (queue_cv_.wait_for(lock, retry_after, [&] { return stopping_; })) {
        lock.unlock();
        abandon_queue();
        break;
      }
    }
  }
  {
    std::lock_guard lock(queue_mu_);
    writer_done_ = true;
    synced_cv_.notify_all();
  }
  std::lock_guard lock(db_mu_);  // (the connection is shared with administrators' writes)
  statements.reset();
}

Result<void> SqliteStore::commit(std::unique_ptr<Writer>& statements, Batch& batch) {
  std::lock_guard lock(db_mu_);
  if (!statements) statements = std::make_unique<Writer>(db_);
  auto& w = *statements;
  if (!w.ok()) return std::unexpected(db_error(db_, "prepare"));
  // The batch's rows, as views into their records. One that does not decode (encode_row wrote it: only a
  // corrupted record could) is left out and said so, rather than failing every commit after it for good.
  if (w.rows.size() < batch.size()) w.rows.resize(batch.size());
  w.good.clear();
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (decode_row(batch[i]->record, w.rows[w.good.size()])) {
      w.good.push_back(i);
      continue;
    }
    std::fprintf(stderr, "modelmux: a queued ledger row could not be decoded and is left out (%zu bytes)\n",
                 batch[i]->record.size());
  }
  const std::span rows(w.rows.data(), w.good.size());  // rows[k] is batch[w.good[k]]'s
  auto failed = [&](std::string_view what) {
    auto e = db_error(db_, what);
    Writer::run(w.rollback);
    return std::unexpected(e);
  };
  if (!Writer::run(w.begin)) return failed("begin");
  // Ids in queue order, each the least above the one before and not below its row's time (kIdShift). A row
  // that comes late (a long request: rows are queued as requests end, stamped with when they started) gets
  // an id after its time: how far after, at most, is what readers add to a range's end.
  // (Another process on the same database, --reuse-port, may have added ids past ours: the write lock is
  // held from BEGIN IMMEDIATE, so the largest one read now stays the largest.)
  std::int64_t id = last_id_;
  if (w.last.step() == SQLITE_ROW) id = std::max(id, w.last.integer(0));
  w.last.reset();
  std::int64_t lag = max_lag_ms_.load(std::memory_order_relaxed);
  const std::int64_t lag_before = lag;
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::int64_t ts = clamp_ms(rows[k].ts_ms);
    id = std::max(id + 1, ts << kIdShift);
    batch[w.good[k]]->id = id;
    lag = std::max(lag, (id >> kIdShift) - ts);
  }
  if (lag > lag_before) {
    w.meta.bind_static(1, std::string_view("max_lag_ms")).bind(2, lag);
    if (!Writer::run(w.meta)) return failed("ledger lag");
    // Raised before the rows can be read: a reader that sees them never takes the older, smaller margin.
    // (Rolled back, it stays raised in memory: a wider range, still exact.)
    max_lag_ms_.store(lag, std::memory_order_relaxed);
  }
  // A batch's charges to one counter are added up first: one upsert per counter, not per row.
  std::map<std::pair<std::string_view, std::int64_t>, double> totals;
  std::size_t next = 0;
  for (auto& insert : w.inserts) {
    auto n = static_cast<std::size_t>(insert.rows);
    for (; rows.size() - next >= n; next += n) {
      for (std::size_t j = 0; j < n; ++j) {
        // (The batch's first id is explicit: retention may have deleted the largest ones committed. After
        // it, the largest id in the table is the one just inserted: ids only grow.)
        std::size_t k = next + j;
        std::int64_t row_id = batch[w.good[k]]->id;
        bool follows = k > 0 && row_id == batch[w.good[k - 1]]->id + 1;
        insert.put_row(static_cast<int>(j), row_id, follows, rows[k]);
      }
      if (!Writer::run(insert.stmt)) return failed("ledger insert");
    }
  }
  for (const auto& r : rows)
    for (const auto& [counter, period] : r.budgets) totals[{counter, period}] += r.cost_usd;
  for (const auto& [key, usd] : totals) {
    w.total.bind_static(1, key.first).bind_static(2, key.second).bind_static(3, usd);
    if (!Writer::run(w.total)) return failed("spend totals");
  }
  // How far each journal stream is committed, in the rows' own transaction: a start replays only what lies
  // past it. (A stream's rows are in the batch in the order written: its last one is its mark.)
  boost::container::small_vector<std::pair<std::uint32_t, LedgerJournal::Mark>, 8> marks;
  for (auto p = batch.rbegin(); p != batch.rend(); ++p) {
    if (!(*p)->journal.generation) continue;
    auto seen =
        std::find_if(marks.begin(), marks.end(), [&](const auto& m) { return m.first == (*p)->stream; });
    if (seen == marks.end()) marks.emplace_back((*p)->stream, (*p)->journal);
  }
  for (const auto& [stream, mark] : marks) {
    std::string generation = fmt::format("journal_{}_generation", stream);
    std::string offset = fmt::format("journal_{}_offset", stream);
    w.meta.bind_static(1, generation).bind(2, static_cast<std::int64_t>(mark.generation));
    if (!Writer::run(w.meta)) return failed("journal mark");
    w.meta.bind_static(1, offset).bind(2, mark.offset);
    if (!Writer::run(w.meta)) return failed("journal mark");
  }
  if (!Writer::run(w.commit)) return failed("commit");
  last_id_ = id;
  return {};
}

void SqliteStore::abandon_queue() {
  Batch left;
  {
    std::lock_guard lock(queue_mu_);
    left.swap(queue_);
    waiting_ = 0;
  }
  std::fprintf(stderr,
               "modelmux: the store closes with %zu ledger rows uncommitted; the journal keeps those "
               "of completed responses for the next start\n",
               left.size());
  for (auto& p : left)
    if (auto done = std::exchange(p->committed, nullptr)) done();
}

Result<void> SqliteStore::commit_once(Batch& batch) {
  std::unique_ptr<Writer> statements;
  auto r = commit(statements, batch);
  std::lock_guard lock(db_mu_);
  statements.reset();
  return r;
}

Result<void> SqliteStore::load_ledger_ids() {
  Stmt last(db_, "SELECT COALESCE(MAX(id), 0) FROM ledger");
  Stmt lag(db_, "SELECT value FROM ledger_meta WHERE name = 'max_lag_ms'");
  if (!last.ok() || !lag.ok() || last.step() != SQLITE_ROW)
    return std::unexpected(db_error(db_, "ledger ids"));
  last_id_ = last.integer(0);
  max_lag_ms_ = lag.step() == SQLITE_ROW ? lag.integer(0) : 0;
  return {};
}

}  // namespace modelmux::store
