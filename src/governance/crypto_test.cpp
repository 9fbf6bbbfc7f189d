// The credential keyring: what is sealed opens only under the same key and row, names its key version, and
// still opens under a rotated keyring that keeps the old key as previous.
#include "governance/crypto.hpp"

#include <gtest/gtest.h>

namespace modelmux::governance {
namespace {

constexpr std::string_view kA = "first-encryption-key-0123456789", kB = "second-encryption-key-987654321";

TEST(Keyring, SealedOpensUnderTheSameKeyAndRowAndNamesItsVersion) {
  auto k = Keyring::make(kA);
  ASSERT_TRUE(k);
  std::string sealed = k->seal("sk-live-secret", "openai-prod/openai");
  EXPECT_TRUE(sealed.starts_with("mmk1." + k->version() + "."));
  EXPECT_EQ(sealed.find("sk-live-secret"), std::string::npos);
  EXPECT_EQ(Keyring::version_of(sealed), k->version());
  auto opened = k->open(sealed, "openai-prod/openai");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, "sk-live-secret");
  // A fresh nonce each time: the same value never seals to the same text.
  EXPECT_NE(k->seal("sk-live-secret", "openai-prod/openai"), sealed);
}

TEST(Keyring, AnotherRowAnotherKeyOrAFlippedBitDoesNotOpen) {
  auto a = Keyring::make(kA), b = Keyring::make(kB);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->version(), b->version());
  std::string sealed = a->seal("secret-value", "one/openai");
  EXPECT_FALSE(a->open(sealed, "two/openai"));
  auto wrong = b->open(sealed, "one/openai");
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find(a->version()), std::string::npos) << wrong.error().message;
  std::string tampered = sealed;
  tampered[tampered.size() - 3] = tampered[tampered.size() - 3] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(a->open(tampered, "one/openai"));
  EXPECT_FALSE(a->open("mmk1.", "one/openai"));
  EXPECT_FALSE(a->open("plain text", "one/openai"));
}

TEST(Keyring, ARotatedKeyringReadsBothAndSealsUnderTheNewKey) {
  auto old_ring = Keyring::make(kA);
  auto rotated = Keyring::make(kB, kA);
  ASSERT_TRUE(old_ring && rotated);
  std::string old_sealed = old_ring->seal("v", "c/p");
  auto opened = rotated->open(old_sealed, "c/p");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(*opened, "v");
  EXPECT_EQ(Keyring::version_of(rotated->seal("v", "c/p")), rotated->version());
  EXPECT_FALSE(old_ring->open(rotated->seal("v", "c/p"), "c/p"));
}

TEST(Keyring, ShortKeysAreRefused) {
  EXPECT_FALSE(Keyring::make("short"));
  EXPECT_FALSE(Keyring::make(kA, "short"));
  EXPECT_FALSE(Keyring::make(""));
}

}  // namespace
}  // namespace modelmux::governance
