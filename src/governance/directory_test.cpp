// Finding a presented secret in a snapshot, first by its SHA-256 and then through the per-thread memo: the
// memo answers exactly as the hash did (previous secrets included), never for a wrong secret, and never
// across snapshots, so a key deleted or rotated in a new snapshot is not found through a stale entry.
#include "governance/directory.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace modelmux::governance {
namespace {

KeyRecord key(std::string id, std::string_view secret, std::string_view previous = {}) {
  KeyRecord k;
  k.id = std::move(id);
  k.hash = hash_secret(secret);
  if (!previous.empty()) k.previous_hash = hash_secret(previous);
  return k;
}

TEST(Directory, FindsASecretAgainThroughTheMemoExactlyAsTheFirstTime) {
  Directory d({key("key_a", "mm-new", "mm-old"), key("key_b", "mm-b")}, {}, {});
  for (int round = 0; round < 3; ++round) {
    bool previous = true;
    const auto* a = d.find_secret("mm-new", &previous);
    ASSERT_NE(a, nullptr);
    EXPECT_EQ(a->id, "key_a");
    EXPECT_FALSE(previous);
    const auto* old = d.find_secret("mm-old", &previous);
    ASSERT_NE(old, nullptr);
    EXPECT_EQ(old->id, "key_a");
    EXPECT_TRUE(previous);
    ASSERT_NE(d.find_secret("mm-b"), nullptr);
    EXPECT_EQ(d.find_secret("mm-b")->id, "key_b");
    EXPECT_EQ(d.find_secret("mm-wrong"), nullptr);
    EXPECT_EQ(d.find_secret("mm-ne"), nullptr);
  }
}

TEST(Directory, ANewSnapshotDoesNotAnswerFromTheOldOnesMemo) {
  auto first = std::make_shared<Directory>(std::vector<KeyRecord>{key("key_a", "mm-a")},
                                           std::vector<UserRecord>{}, std::vector<TeamRecord>{});
  ASSERT_NE(first->find_secret("mm-a"), nullptr);
  // The key rotated without a grace period: its old secret is gone from the new snapshot.
  Directory second({key("key_a", "mm-rotated"), key("key_c", "mm-c")}, {}, {});
  EXPECT_EQ(second.find_secret("mm-a"), nullptr);
  ASSERT_NE(second.find_secret("mm-rotated"), nullptr);
  // And back: the first snapshot still answers from its own records, not the second's memo.
  EXPECT_EQ(first->find_secret("mm-rotated"), nullptr);
  ASSERT_NE(first->find_secret("mm-a"), nullptr);
  EXPECT_EQ(first->find_secret("mm-a")->id, "key_a");
}

std::shared_ptr<const Directory> snapshot_with(std::size_t keys) {
  std::vector<KeyRecord> ks;
  for (std::size_t i = 0; i < keys; ++i)
    ks.push_back(key("key_" + std::to_string(i), "mm-" + std::to_string(i)));
  return std::make_shared<const Directory>(std::move(ks), std::vector<UserRecord>{},
                                           std::vector<TeamRecord>{});
}

TEST(DirectoryHolder, EveryThreadSeesASetAtItsNextReadAndNeverGoesBack) {
  DirectoryHolder h;
  EXPECT_TRUE(h.get()->keys().empty());
  h.set(snapshot_with(1));
  auto held = h.get();
  EXPECT_EQ(held->keys().size(), 1u);
  EXPECT_EQ(h.get().get(), held.get()) << "the thread's pointer, until the next set";
  h.set(snapshot_with(2));
  EXPECT_EQ(h.get()->keys().size(), 2u);
  EXPECT_EQ(held->keys().size(), 1u) << "a pointer taken before keeps its snapshot alive";
  // Two holders read from one thread: each gives its own.
  DirectoryHolder other;
  other.set(snapshot_with(5));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(h.get()->keys().size(), 2u);
    EXPECT_EQ(other.get()->keys().size(), 5u);
  }
  // Readers on other threads while snapshots of 3..40 keys are set: each sees sizes that only grow, and
  // the last one once the sets are over.
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int> went_back{0};
  for (int r = 0; r < 3; ++r)
    readers.emplace_back([&] {
      std::size_t last = 0;
      while (!done.load()) {
        std::size_t n = h.get()->keys().size();
        if (n < last) ++went_back;
        last = n;
      }
      if (h.get()->keys().size() != 40) ++went_back;
    });
  for (std::size_t n = 3; n <= 40; ++n) h.set(snapshot_with(n));
  done = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(went_back.load(), 0);
}

}  // namespace
}  // namespace modelmux::governance
