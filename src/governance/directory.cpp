#include "governance/directory.hpp"

#include <algorithm>
#include <unordered_map>

#include "core/digest.hpp"

namespace modelmux::governance {

std::string new_secret() {
  // 32 bytes as one big number, written in base62 (43 digits): divide the byte string by 62 repeatedly.
  static constexpr char digits[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  std::string bytes = digest::random_bytes(32);
  std::vector<unsigned> num(bytes.begin(), bytes.end());
  for (auto& b : num) b &= 0xff;
  std::string out;
  while (std::any_of(num.begin(), num.end(), [](unsigned d) { return d != 0; })) {
    unsigned rem = 0;
    for (auto& d : num) {
      unsigned cur = rem * 256 + d;
      d = cur / 62;
      rem = cur % 62;
    }
    out.push_back(digits[rem]);
  }
  while (out.size() < 43) out.push_back('0');  // a number with leading zero bytes keeps the full length
  std::reverse(out.begin(), out.end());
  return "mm-" + out;
}

std::string new_id(std::string_view prefix) {
  return std::string(prefix) + digest::hex(digest::random_bytes(8));
}

std::string hash_secret(std::string_view secret) {
  return digest::sha256_hex(secret);
}

namespace {

std::atomic<std::uint64_t> next_generation{1};

// The secrets a thread has already found in one snapshot, by a keyed hash of each: SHA-256 and its hex cost
// more than the rest of authentication, and a client presents the same key on every request. Indexed by
// SipHash-2-4-128 under a key drawn at start, so no one without it can present a secret that collides
// with a memoized one (and the memo holds no secret). Only secrets that were found are memoized: wrong
// ones cannot fill it, and are hashed in full every time. The snapshot's generation empties it, so a key
// rotated, blocked or deleted (each one makes a new snapshot) is never found through a stale entry; expiry
// and a rotation's grace period are checked by the caller on every request.
struct Memo {
  static constexpr std::size_t kMax = 1024;  // entries, then it starts over
  struct Found {
    const KeyRecord* key;
    bool previous;
  };
  struct Hash {
    std::size_t operator()(const digest::Hash128& h) const { return static_cast<std::size_t>(h.lo); }
  };
  std::uint64_t generation = 0;
  std::unordered_map<digest::Hash128, Found, Hash> found;
};

const std::string& memo_key() {
  static const std::string key = digest::random_bytes(16);
  return key;
}

}  // namespace

Directory::Directory(std::vector<KeyRecord> keys, std::vector<UserRecord> users,
                     std::vector<TeamRecord> teams)
    : generation_(next_generation.fetch_add(1, std::memory_order_relaxed)),
      keys_(std::move(keys)),
      users_(std::move(users)),
      teams_(std::move(teams)) {
  for (auto& k : keys_) k.counter = "key:" + k.id;
  for (auto& u : users_) u.counter = "user:" + u.id;
  for (auto& t : teams_) t.counter = "team:" + t.id;
  for (const auto& k : keys_) {
    by_hash_.emplace(k.hash, &k);
    if (!k.previous_hash.empty()) by_hash_.emplace(k.previous_hash, &k);
    by_id_.emplace(k.id, &k);
  }
  for (const auto& u : users_) users_by_id_.emplace(u.id, &u);
  for (const auto& t : teams_) teams_by_id_.emplace(t.id, &t);
}

namespace {
std::uint64_t next_version() {
  static std::atomic<std::uint64_t> versions{0};
  return versions.fetch_add(1, std::memory_order_relaxed) + 1;
}
}  // namespace

DirectoryHolder::DirectoryHolder()
    : current_(std::make_shared<const Directory>(std::vector<KeyRecord>{}, std::vector<UserRecord>{},
                                                 std::vector<TeamRecord>{})),
      version_(next_version()) {}

void DirectoryHolder::set(std::shared_ptr<const Directory> d) {
  // The snapshot first, then the version: a thread that sees the new version reads this snapshot or a later.
  current_.store(std::move(d), std::memory_order_release);
  version_.store(next_version(), std::memory_order_release);
}

std::shared_ptr<const Directory> DirectoryHolder::get() const {
  struct Local {
    std::uint64_t version = 0;
    std::shared_ptr<const Directory> dir;
  };
  thread_local Local local;
  const std::uint64_t v = version_.load(std::memory_order_acquire);
  if (local.version != v) {
    auto shared =
        std::make_shared<const std::shared_ptr<const Directory>>(current_.load(std::memory_order_acquire));
    local.dir = std::shared_ptr<const Directory>(shared, shared->get());
    local.version = v;
  }
  return local.dir;
}

const KeyRecord* Directory::find_secret(std::string_view secret, bool* previous) const {
  if (by_hash_.empty()) return nullptr;
  thread_local Memo memo;
  if (memo.generation != generation_) {
    memo.found.clear();
    memo.generation = generation_;
  }
  auto fingerprint = digest::siphash128(memo_key(), secret);
  if (auto it = memo.found.find(fingerprint); it != memo.found.end()) {
    if (previous) *previous = it->second.previous;
    return it->second.key;
  }
  bool was_previous = false;
  const KeyRecord* k = hash_and_find(secret, &was_previous);
  if (!k) return nullptr;
  if (memo.found.size() >= Memo::kMax) memo.found.clear();
  memo.found.emplace(fingerprint, Memo::Found{k, was_previous});
  if (previous) *previous = was_previous;
  return k;
}

const KeyRecord* Directory::hash_and_find(std::string_view secret, bool* previous) const {
  std::string hash = hash_secret(secret);
  auto it = by_hash_.find(hash);
  if (it == by_hash_.end()) return nullptr;
  if (previous) *previous = it->second->hash != hash;
  return it->second;
}

namespace {
template <class Map>
auto lookup(const Map& m, std::string_view id) -> typename Map::mapped_type {
  auto it = m.find(id);
  return it == m.end() ? nullptr : it->second;
}
}  // namespace

const KeyRecord* Directory::key(std::string_view id) const {
  return lookup(by_id_, id);
}
const UserRecord* Directory::user(std::string_view id) const {
  return lookup(users_by_id_, id);
}
const TeamRecord* Directory::team(std::string_view id) const {
  return lookup(teams_by_id_, id);
}

}  // namespace modelmux::governance
