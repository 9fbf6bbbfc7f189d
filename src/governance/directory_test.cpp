// Finding a presented secret in a snapshot, first by its SHA-256 and then through the per-thread memo: the
// memo answers exactly as the hash did (previous secrets included), never for a wrong secret, and never
// across snapshots, so a key deleted or rotated in a new snapshot is not found through a stale entry.
#include "governance/directory.hpp"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace modelmux::governance
