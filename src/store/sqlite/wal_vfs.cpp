#include "store/sqlite/wal_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <string>

namespace modelmux::store {
namespace {

constexpr int kFrameHeader = 24;  // a WAL frame's header (https://sqlite.org/fileformat.html)
// A transaction larger than this is written in parts: the unix VFS writes at most 128 KiB - 1 in one call
// (it masks the length with 0x1ffff), and this plus one more frame stays under it.
constexpr std::size_t kMaxGathered = 64 * 1024;

sqlite3_vfs* g_base = nullptr;  // the default VFS, which does the I/O
sqlite3_vfs g_vfs;

// A WAL file: the base VFS's file (its own struct follows this one in the same block) and the appends not
// yet written.
struct WalFile {
  sqlite3_file self;  // (first: SQLite sees a WalFile as an sqlite3_file)
  sqlite3_file* base;
  std::string* gathered;  // bytes for the file from `at` on
  sqlite3_int64 at;
  sqlite3_int64 end;  // where the frames written so far end: writes from here on are appends
  bool commit_frame;  // the last header gathered was a commit frame's: its page completes the transaction
};

sqlite3_file* base_of(sqlite3_file* f) {
  return reinterpret_cast<WalFile*>(f)->base;
}

int flush(WalFile* w) {
  if (w->gathered->empty()) return SQLITE_OK;
  int rc =
      w->base->pMethods->xWrite(w->base, w->gathered->data(), static_cast<int>(w->gathered->size()), w->at);
  w->gathered->clear();
  return rc;
}

int wal_write(sqlite3_file* f, const void* data, int n, sqlite3_int64 offset) {
  auto* w = reinterpret_cast<WalFile*>(f);
  std::string& g = *w->gathered;
  if (offset == 0) w->end = 0;  // the WAL's header: the file is written from its beginning again
  if (offset < w->end || offset == 0 ||
      (!g.empty() && offset != w->at + static_cast<sqlite3_int64>(g.size()))) {
    // Not an append: the header, a frame of this transaction written again, or the checksums SQLite
    // rewrites after that (possibly its last writes before it publishes the frames). Written at once,
    // after what is gathered.
    if (int rc = flush(w); rc != SQLITE_OK) return rc;
    w->end = std::max(w->end, offset + n);
    return w->base->pMethods->xWrite(w->base, data, n, offset);
  }
  try {
    g.append(static_cast<const char*>(data), static_cast<std::size_t>(n));
  } catch (const std::bad_alloc&) {  // (no exception may cross into SQLite: this one is written at once)
    if (int rc = flush(w); rc != SQLITE_OK) return rc;
    w->end = offset + n;
    return w->base->pMethods->xWrite(w->base, data, n, offset);
  }
  if (g.size() == static_cast<std::size_t>(n)) w->at = offset;
  w->end = offset + n;
  bool done = false;
  if (n == kFrameHeader) {
    // Bytes 4-7 of a frame header: the database's size in pages after a commit, zero on other frames.
    const auto* h = static_cast<const unsigned char*>(data);
    w->commit_frame = (h[4] | h[5] | h[6] | h[7]) != 0;
  } else if (w->commit_frame) {
    done = true;  // the commit frame's page: the transaction's frames are all here
    w->commit_frame = false;
  }
  if (done || g.size() >= kMaxGathered) return flush(w);
  return SQLITE_OK;
}

int wal_read(sqlite3_file* f, void* data, int n, sqlite3_int64 offset) {
  auto* w = reinterpret_cast<WalFile*>(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  return w->base->pMethods->xRead(w->base, data, n, offset);
}

int wal_close(sqlite3_file* f) {
  auto* w = reinterpret_cast<WalFile*>(f);
  int rc = flush(w);
  int closed = w->base->pMethods->xClose(w->base);
  delete w->gathered;
  w->gathered = nullptr;
  return rc != SQLITE_OK ? rc : closed;
}

// The rest write what is gathered first, then do as the base file does.
int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  auto* w = reinterpret_cast<WalFile*>(f);
  if (int rc = flush(w); rc != SQLITE_OK) return rc;
  w->end = std::min(w->end, size);
  return base_of(f)->pMethods->xTruncate(base_of(f), size);
}
int wal_sync(sqlite3_file* f, int flags) {
  if (int rc = flush(reinterpret_cast<WalFile*>(f)); rc != SQLITE_OK) return rc;
  return base_of(f)->pMethods->xSync(base_of(f), flags);
}
int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = flush(reinterpret_cast<WalFile*>(f)); rc != SQLITE_OK) return rc;
  return base_of(f)->pMethods->xFileSize(base_of(f), size);
}
int wal_file_control(sqlite3_file* f, int op, void* arg) {
  if (int rc = flush(reinterpret_cast<WalFile*>(f)); rc != SQLITE_OK) return rc;
  return base_of(f)->pMethods->xFileControl(base_of(f), op, arg);
}
int wal_lock(sqlite3_file* f, int level) {
  return base_of(f)->pMethods->xLock(base_of(f), level);
}
int wal_unlock(sqlite3_file* f, int level) {
  return base_of(f)->pMethods->xUnlock(base_of(f), level);
}
int wal_check_reserved(sqlite3_file* f, int* out) {
  return base_of(f)->pMethods->xCheckReservedLock(base_of(f), out);
}
int wal_sector_size(sqlite3_file* f) {
  return base_of(f)->pMethods->xSectorSize(base_of(f));
}
int wal_device(sqlite3_file* f) {
  return base_of(f)->pMethods->xDeviceCharacteristics(base_of(f));
}

// Version 1 methods: a WAL file is never memory-mapped and has no shared memory of its own (that is the
// database file's).
const sqlite3_io_methods kWalMethods = {1,
                                        wal_close,
                                        wal_read,
                                        wal_write,
                                        wal_truncate,
                                        wal_sync,
                                        wal_file_size,
                                        wal_lock,
                                        wal_unlock,
                                        wal_check_reserved,
                                        wal_file_control,
                                        wal_sector_size,
                                        wal_device,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr,
                                        nullptr};

int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  if (!(flags & SQLITE_OPEN_WAL)) return g_base->xOpen(g_base, name, f, flags, out_flags);
  auto* w = reinterpret_cast<WalFile*>(f);
  w->self.pMethods = nullptr;  // (until it is open: SQLite then does not close it)
  w->base = reinterpret_cast<sqlite3_file*>(w + 1);
  int rc = g_base->xOpen(g_base, name, w->base, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  w->gathered = new (std::nothrow) std::string;
  if (!w->gathered) {
    w->base->pMethods->xClose(w->base);
    return SQLITE_NOMEM;
  }
  w->at = 0;
  w->end = 0;
  w->commit_frame = false;
  w->self.pMethods = &kWalMethods;
  return SQLITE_OK;
}

}  // namespace

const char* wal_coalescing_vfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    g_base = sqlite3_vfs_find(nullptr);
    g_vfs = *g_base;  // every other method is the default VFS's own
    g_vfs.zName = "modelmux-wal";
    g_vfs.szOsFile = static_cast<int>(sizeof(WalFile)) + g_base->szOsFile;
    g_vfs.xOpen = open;
    g_vfs.pNext = nullptr;
    sqlite3_vfs_register(&g_vfs, /*makeDflt=*/0);
  });
  return g_vfs.zName;
}

}  // namespace modelmux::store
