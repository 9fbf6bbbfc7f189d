// The ledger's journal: a row a response waits on is appended to a plain file (one write) before the
// response may end, which is all a SIGKILL needs (the kernel keeps what was written); the SQLite commits then
// run in large batches that no response waits on, and a start replays what the commits did not cover.
// Each thread that appends has a stream of its own (no lock between threads; its rows reach the writer's
// queue in the order it wrote them), as files `<db>-journal-<stream>-<generation>`: the active one takes the
// appends, and past a size it is retired for the next generation; once the commits have passed it, it is
// kept to be written again, renamed, as the generation after that. A commit records in ledger_meta, in the
// rows' own transaction, the mark (generation, offset) each stream is committed up to.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelmux/error.hpp"
#include "store/sqlite/ledger_record.hpp"
#include "store/store.hpp"

namespace modelmux::store {

// A record's checksum from `seed` (the file's; 0 in version 1 files): for tests that write a file by hand.
std::uint64_t record_checksum(std::string_view payload, std::uint64_t seed);

class LedgerJournal {
 public:
  // A place in the journal: the end of a record, which a commit covers up to.
  struct Mark {
    std::uint64_t generation = 0;
    std::int64_t offset = 0;
  };
  struct Replayed {
    LedgerRow row;
    std::uint32_t stream = 0;
    Mark end;
  };
  struct Found {
    std::vector<Replayed> rows;    // by stream, then in the order written
    std::uint64_t generation = 0;  // the highest of any file
  };

  // The journal files of database `db_path`: each stream's records after the mark the database holds for
  // it, up to the first torn or malformed one in each file (a write a SIGKILL cut short).
  static Result<Found> read_after(const std::string& db_path, const std::map<std::uint32_t, Mark>& committed);
  // Removes the journal's files (once whatever they held is committed).
  static void remove_all(const std::string& db_path);
  // A new stream's journal, its first file in `generation` (above any mark the database holds).
  static Result<std::unique_ptr<LedgerJournal>> open(const std::string& db_path, std::uint32_t stream,
                                                     std::uint64_t generation);

  LedgerJournal(const LedgerJournal&) = delete;
  LedgerJournal& operator=(const LedgerJournal&) = delete;
  ~LedgerJournal();
  std::uint32_t stream() const { return stream_; }

  // The stream's own thread. Appends a record per row, all with one write: true with the mark at each
  // record's end in `marks` (as many as rows), or false when they could not be written whole (what was
  // written of them is cut off again; the caller then waits for their commits instead). Past `rotate_at`
  // bytes the active file is retired for the next generation once the file retired before it is committed;
  // that file, started again, is the next generation's (a new file when there is none). `payloads`, when
  // given (as many as rows), gets each row's encoding (encode_row), valid until the next append.
  bool append(std::span<const LedgerRow* const> rows, std::span<Mark> marks, std::int64_t rotate_at,
              std::span<std::string_view> payloads = {});
  // One row: the mark at its end, or nothing.
  std::optional<Mark> append(const LedgerRow& r, std::int64_t rotate_at) {
    Mark m;
    const LedgerRow* p = &r;
    return append(std::span(&p, 1), std::span(&m, 1), rotate_at) ? std::optional(m) : std::nullopt;
  }
  // Any thread: the commits have covered `m` (a retired file they have passed is kept for the next rotation).
  void committed(Mark m) { committed_generation_.store(m.generation, std::memory_order_relaxed); }

 private:
  static std::string file_name(const std::string& db_path, std::uint32_t stream, std::uint64_t generation);
  // A file ready for records: its descriptor, and the seed its header holds.
  struct Started {
    int fd = -1;
    std::uint64_t seed = 0;
  };
  LedgerJournal(std::string db_path, std::uint32_t stream, std::uint64_t generation, Started started);
  static Result<Started> create(const std::string& name, std::uint64_t generation);
  // Writes the header of `generation` with a new seed into `fd` (closed if it cannot).
  static Result<Started> start(int fd, const std::string& name, std::uint64_t generation);
  // The file of generation `from` (committed), renamed to `generation`'s and started again.
  Result<Started> reuse(std::uint64_t from, std::uint64_t generation);
  void rotate(std::int64_t limit);

  std::string db_path_;
  std::uint32_t stream_ = 0;
  std::uint64_t generation_ = 0;  // the active file's
  int fd_ = -1;
  std::uint64_t seed_ = 0;  // the active file's
  std::int64_t size_ = 0;
  std::optional<std::uint64_t> retired_;  // a file that may hold rows not yet committed
  std::optional<std::uint64_t> spare_;    // a retired file wholly committed: the next generation's file
  std::atomic<std::uint64_t> committed_generation_{0};
  std::string buffer_;
};

}  // namespace modelmux::store
