// The keys, users and teams a request is checked against: an immutable snapshot built from the store,
// replaced whole (one atomic swap) whenever the admin API changes it, so the request path reads it without a
// lock. Secrets are found by their SHA-256; the snapshot never holds a secret. A secret already found in a
// snapshot is found again by a keyed SipHash of it instead (a per-thread memo that a new snapshot empties).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "governance/records.hpp"

namespace modelmux::governance {

// A new virtual key's secret: "mm-" and 32 random bytes in base62 (shown once, never stored).
std::string new_secret();
// The public id a new key, user or team gets: `prefix` and 16 random hex digits.
std::string new_id(std::string_view prefix);
// What the store keeps of a secret.
std::string hash_secret(std::string_view secret);

class Directory {
 public:
  Directory(std::vector<KeyRecord> keys, std::vector<UserRecord> users, std::vector<TeamRecord> teams);

  // The key a presented secret belongs to, whatever its state (blocked, expired); null if none.
  // `previous` says whether it was the key's secret before its last rotation.
  const KeyRecord* find_secret(std::string_view secret, bool* previous = nullptr) const;
  const KeyRecord* key(std::string_view id) const;
  const UserRecord* user(std::string_view id) const;
  const TeamRecord* team(std::string_view id) const;
  const std::vector<KeyRecord>& keys() const { return keys_; }
  const std::vector<UserRecord>& users() const { return users_; }
  const std::vector<TeamRecord>& teams() const { return teams_; }

 private:
  const KeyRecord* hash_and_find(std::string_view secret, bool* previous) const;

  std::uint64_t generation_;  // unique per snapshot: what the memo of found secrets belongs to
  std::vector<KeyRecord> keys_;
  std::vector<UserRecord> users_;
  std::vector<TeamRecord> teams_;
  std::unordered_map<std::string_view, const KeyRecord*> by_hash_, by_id_;
  std::unordered_map<std::string_view, const UserRecord*> users_by_id_;
  std::unordered_map<std::string_view, const TeamRecord*> teams_by_id_;
};

// The current snapshot, swapped whole.
class DirectoryHolder {
 public:
  DirectoryHolder();
  // The current snapshot. Each thread holds it through a shared_ptr of its own (its own control block,
  // which owns one reference to the shared one), renewed when the snapshot changes: a request copies and
  // drops its thread's pointer, never a count the other threads write. (std::atomic<shared_ptr>::load
  // takes a lock bit and a reference on words all threads share: two workers wrote them on every request,
  // and each write moved the cache line between the cores.) A thread keeps the snapshot it read last
  // alive until it reads again or exits.
  std::shared_ptr<const Directory> get() const;
  void set(std::shared_ptr<const Directory> d);

 private:
  std::atomic<std::shared_ptr<const Directory>> current_;
  // Changes with every set(), unique among all holders: what a thread's pointer was taken at.
  std::atomic<std::uint64_t> version_;
};

}  // namespace modelmux::governance
