#include "store/sqlite/journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/random.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace modelmux::store {
namespace {

// A file opens with kMagic, the format's version, its generation and (from version 2) a random seed: 24
// bytes; then records, each its payload's length (4 bytes), a checksum of the payload (8) and the payload.
// The checksum finds a record a kill cut short (or a disk that lost its end): a word-at-a-time mix, a few
// instructions per 8 bytes, where the project's SipHash (digest.hpp) would cost ~700 a row. It starts from
// the file's seed, new each time the file is started: a file is written again under a new generation once
// its rows are committed (rotate()), and what its last use left past the new records must not read as
// records. Not their checksums under the old seed, nor records forged inside a row's text by a client (a
// user id, a path) that a replay could land on there: without the seed, a forged checksum matches one time
// in 2^64. Version 1 files (16-byte header, seed 0) are still read.
constexpr char kMagic[4] = {'M', 'M', 'L', 'J'};
constexpr std::uint32_t kVersion = 2;
constexpr std::int64_t kHeaderV1 = 16;
constexpr std::int64_t kHeader = 24;
constexpr std::size_t kRecordHead = 12;
constexpr std::uint32_t kMaxPayload = 1 << 24;

std::uint64_t checksum(std::string_view s, std::uint64_t seed) {
  std::uint64_t h = 0x9e3779b97f4a7c15ULL ^ s.size() ^ seed;
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    h = (h ^ w) * 0x100000001b3ULL;
    h ^= h >> 29;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, s.data() + i, s.size() - i);
  h = (h ^ w) * 0x100000001b3ULL;
  return h ^ (h >> 32);
}

template <class T>
void put(std::string& out, T v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  out.append(b, sizeof v);
}

bool write_all(int fd, std::string_view data, std::int64_t at) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), at);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
    at += n;
  }
  return true;
}

// A journal file beside the database: its stream, generation and path.
struct File {
  std::uint32_t stream;
  std::uint64_t generation;
  std::string path;
  auto operator<=>(const File&) const = default;
};

std::optional<std::uint64_t> number(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<unsigned>(c - '0');
  }
  return n;
}

// The journal files of `db_path` (`<db>-journal-<stream>-<generation>`), by stream and generation.
Result<std::vector<File>> journal_files(const std::string& db_path) {
  namespace fs = std::filesystem;
  fs::path db(db_path);
  fs::path dir = db.has_parent_path() ? db.parent_path() : fs::path(".");
  std::string prefix = db.filename().string() + "-journal-";
  std::vector<File> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    const auto& e = *it;
    std::string name = e.path().filename().string();
    if (!name.starts_with(prefix)) continue;
    std::string_view rest = std::string_view(name).substr(prefix.size());
    auto dash = rest.find('-');
    if (dash == std::string_view::npos) continue;
    auto stream = number(rest.substr(0, dash));
    auto generation = number(rest.substr(dash + 1));
    if (!stream || !generation || *stream > UINT32_MAX) continue;
    out.push_back({static_cast<std::uint32_t>(*stream), *generation, e.path().string()});
  }
  if (ec) return fail(ErrorCode::internal, fmt::format("cannot list {}: {}", dir.string(), ec.message()));
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<LedgerJournal::Found> LedgerJournal::read_after(const std::string& db_path,
                                                       const std::map<std::uint32_t, Mark>& committed) {
  Found out;
  auto files = journal_files(db_path);
  if (!files) return std::unexpected(files.error());
  for (const auto& [stream, generation, name] : *files) {
    out.generation = std::max(out.generation, generation);
    auto m = committed.find(stream);
    Mark mark = m != committed.end() ? m->second : Mark{};
    if (generation < mark.generation) continue;  // wholly committed: the commits have passed it
    std::ifstream f(name, std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (!f.good() && !f.eof())
      return fail(ErrorCode::internal, fmt::format("cannot read the journal {}", name));
    if (data.size() < static_cast<std::size_t>(kHeaderV1) || std::memcmp(data.data(), kMagic, 4) != 0)
      continue;  // created, never written
    std::uint32_t version;
    std::uint64_t header_generation;
    std::memcpy(&version, data.data() + 4, 4);
    std::memcpy(&header_generation, data.data() + 8, 8);
    const bool known = version == 1 || version == kVersion;
    // A file taken for a new generation and killed before its header said so: nothing of the new
    // generation is in it yet, and what it held was committed before it was taken.
    if (known && header_generation < generation) continue;
    if (!known || header_generation != generation)
      return fail(ErrorCode::internal, fmt::format("the journal {} is not one this modelmux wrote", name));
    const std::int64_t header = version == 1 ? kHeaderV1 : kHeader;
    if (data.size() < static_cast<std::size_t>(header)) continue;  // its header cut short: no record yet
    std::uint64_t seed = 0;
    if (version != 1) std::memcpy(&seed, data.data() + 16, 8);
    auto at =
        static_cast<std::size_t>(generation == mark.generation ? std::max(mark.offset, header) : header);
    while (at + kRecordHead <= data.size()) {
      std::uint32_t length;
      std::uint64_t sum;
      std::memcpy(&length, data.data() + at, 4);
      std::memcpy(&sum, data.data() + at + 4, 8);
      if (length > kMaxPayload || at + kRecordHead + length > data.size()) break;
      std::string_view payload(data.data() + at + kRecordHead, length);
      Replayed r;
      if (checksum(payload, seed) != sum) break;  // a write cut short, or the file's last use: the end
      // Whole, yet not a row this build reads: another version's format. Kept, not dropped.
      if (!decode_row(payload, r.row))
        return fail(
            ErrorCode::internal,
            fmt::format("the journal {} holds a record this modelmux cannot read (offset {})", name, at));
      at += kRecordHead + length;
      r.stream = stream;
      r.end = {generation, static_cast<std::int64_t>(at)};
      out.rows.push_back(std::move(r));
    }
  }
  return out;
}

void LedgerJournal::remove_all(const std::string& db_path) {
  auto files = journal_files(db_path);
  if (!files) return;
  for (const auto& f : *files) {
    std::error_code ec;
    std::filesystem::remove(f.path, ec);
  }
}

std::string LedgerJournal::file_name(const std::string& db_path, std::uint32_t stream,
                                     std::uint64_t generation) {
  return fmt::format("{}-journal-{}-{}", db_path, stream, generation);
}

Result<LedgerJournal::Started> LedgerJournal::create(const std::string& name, std::uint64_t generation) {
  int fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return fail(ErrorCode::internal,
                fmt::format("cannot create the journal {}: {}", name, std::strerror(errno)));
  return start(fd, name, generation);
}

Result<LedgerJournal::Started> LedgerJournal::start(int fd, const std::string& name,
                                                    std::uint64_t generation) {
  Started started{.fd = fd};
  if (::getrandom(&started.seed, sizeof started.seed, 0) != static_cast<ssize_t>(sizeof started.seed)) {
    int err = errno;
    ::close(fd);
    return fail(ErrorCode::internal,
                fmt::format("no random seed for the journal {}: {}", name, std::strerror(err)));
  }
  std::string header(kMagic, 4);
  put(header, kVersion);
  put(header, generation);
  put(header, started.seed);
  if (!write_all(fd, header, 0)) {
    int err = errno;
    ::close(fd);
    return fail(ErrorCode::internal,
                fmt::format("cannot write the journal {}: {}", name, std::strerror(err)));
  }
  return started;
}

Result<LedgerJournal::Started> LedgerJournal::reuse(std::uint64_t from, std::uint64_t generation) {
  // Renamed first, then its header rewritten: killed in between, it is a file whose header names a
  // generation below its name's, which read_after() passes over. If it cannot be started, it goes (under
  // whichever name it has), so that create() can make the generation's file instead.
  const std::string old_name = file_name(db_path_, stream_, from),
                    name = file_name(db_path_, stream_, generation);
  // (The failure is made, errno read into it, before the removal, which may set errno again.)
  auto dropped = [](const std::string& path, std::unexpected<Error> failure) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return failure;
  };
  if (::rename(old_name.c_str(), name.c_str()) != 0)
    return dropped(old_name, fail(ErrorCode::internal, fmt::format("cannot rename a journal to {}: {}", name,
                                                                   std::strerror(errno))));
  int fd = ::open(name.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return dropped(name, fail(ErrorCode::internal,
                              fmt::format("cannot open the journal {}: {}", name, std::strerror(errno))));
  auto started = start(fd, name, generation);
  if (!started) return dropped(name, std::unexpected(started.error()));
  return started;
}

std::uint64_t record_checksum(std::string_view payload, std::uint64_t seed) {
  return checksum(payload, seed);
}

Result<std::unique_ptr<LedgerJournal>> LedgerJournal::open(const std::string& db_path, std::uint32_t stream,
                                                           std::uint64_t generation) {
  auto started = create(file_name(db_path, stream, generation), generation);
  if (!started) return std::unexpected(started.error());
  return std::unique_ptr<LedgerJournal>(new LedgerJournal(db_path, stream, generation, *started));
}

LedgerJournal::LedgerJournal(std::string db_path, std::uint32_t stream, std::uint64_t generation,
                             Started started)
    : db_path_(std::move(db_path)),
      stream_(stream),
      generation_(generation),
      fd_(started.fd),
      seed_(started.seed),
      size_(kHeader) {}

LedgerJournal::~LedgerJournal() {
  if (fd_ >= 0) ::close(fd_);
}

bool LedgerJournal::append(std::span<const LedgerRow* const> rows, std::span<Mark> marks,
                           std::int64_t rotate_at, std::span<std::string_view> payloads) {
  if (fd_ < 0) return false;
  rotate(rotate_at);
  buffer_.clear();
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::size_t head = buffer_.size();
    buffer_.append(kRecordHead, '\0');
    encode_row(*rows[i], buffer_);
    std::string_view payload(buffer_.data() + head + kRecordHead, buffer_.size() - head - kRecordHead);
    if (payload.size() > kMaxPayload) return false;
    auto length = static_cast<std::uint32_t>(payload.size());
    std::uint64_t sum = checksum(payload, seed_);
    std::memcpy(buffer_.data() + head, &length, 4);
    std::memcpy(buffer_.data() + head + 4, &sum, 8);
    marks[i] = Mark{generation_, size_ + static_cast<std::int64_t>(buffer_.size())};
  }
  // (Views only once the buffer is whole: it may have moved while it grew.)
  for (std::size_t i = 0, at = 0; i < payloads.size(); ++i) {
    std::uint32_t length = 0;
    std::memcpy(&length, buffer_.data() + at, 4);
    payloads[i] = std::string_view(buffer_.data() + at + kRecordHead, length);
    at += kRecordHead + length;
  }
  if (!write_all(fd_, buffer_, size_)) {
    // Whatever part of them went in is cut off, so the next record follows the last whole one.
    if (::ftruncate(fd_, size_) != 0) {
      // Not even that: the file cannot be trusted to take more. The rows wait for their commits instead.
      ::close(fd_);
      fd_ = -1;
    }
    return false;
  }
  size_ += static_cast<std::int64_t>(buffer_.size());
  return true;
}

void LedgerJournal::rotate(std::int64_t limit) {
  // A retired file the commits have passed is kept, to be written again as the next generation: its pages
  // are in the page cache and its size is already the file's, so an append there costs the kernel less
  // than one that grows a new file (~0.9 us against ~2.5 a write of 2.5 KB, bench/results/cpu.md), and no
  // unlink drops its 16 MiB of pages on the worker's thread.
  if (retired_ && committed_generation_.load(std::memory_order_relaxed) > *retired_) {
    spare_ = retired_;
    retired_.reset();
  }
  if (size_ <= limit || retired_) return;
  std::optional<Started> next;
  if (spare_)
    if (auto reused = reuse(*std::exchange(spare_, std::nullopt), generation_ + 1)) next = *reused;
  if (!next)
    if (auto created = create(file_name(db_path_, stream_, generation_ + 1), generation_ + 1))
      next = *created;
  if (!next) return;  // the active file goes on growing; tried again at the next append
  ::close(fd_);
  fd_ = next->fd;
  seed_ = next->seed;
  retired_ = generation_++;
  size_ = kHeader;
}

}  // namespace modelmux::store
