#include "governance/directory.hpp"

#include <algorithm>

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

Directory::Directory(std::vector<KeyRecord> keys, std::vector<UserRecord> users,
                     std::vector<TeamRecord> teams)
    : keys_(std::move(keys)), users_(std::move(users)), teams_(std::move(teams)) {
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

const KeyRecord* Directory::find_secret(std::string_view secret, bool* previous) const {
  if (by_hash_.empty()) return nullptr;
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
