// The request path's keyed hash: SipHash-2-4-128 as written in digest.cpp gives what OpenSSL's SIPHASH gives,
// for every length around the 8-byte block edges, and another key gives another hash.
#include "core/digest.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <set>
#include <string>

namespace modelmux::digest {
namespace {

std::string openssl_siphash128(std::string_view key, std::string_view data) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
  unsigned int size = 16;
  OSSL_PARAM params[] = {OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_SIZE, &size), OSSL_PARAM_construct_end()};
  unsigned char out[16];
  std::size_t len = 0;
  EXPECT_EQ(EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params), 1);
  EXPECT_EQ(EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()), 1);
  EXPECT_EQ(EVP_MAC_final(ctx, out, &len, sizeof out), 1);
  EVP_MAC_CTX_free(ctx);
  EVP_MAC_free(mac);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string bytes_of(Hash128 h) {
  std::string out;
  for (std::uint64_t w : {h.lo, h.hi})
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((w >> (8 * i)) & 0xff));
  return out;
}

TEST(Digest, SipHash128MatchesOpenSsl) {
  std::string key;
  for (int i = 0; i < 16; ++i) key.push_back(static_cast<char>(i));
  std::string data;
  for (int n = 0; n <= 64; ++n) {
    EXPECT_EQ(hex(bytes_of(siphash128(key, data))), hex(openssl_siphash128(key, data))) << "length " << n;
    data.push_back(static_cast<char>(n * 7 + 1));
  }
  // The reference paper's first 128-bit vector (key 00..0f, empty message).
  EXPECT_EQ(hex(bytes_of(siphash128(key, ""))), "a3817f04ba25a8e66df67214c7550293");
}

TEST(Digest, SipHash128DependsOnTheKey) {
  std::string a(16, 'a'), b(16, 'b');
  EXPECT_FALSE(siphash128(a, "mm-secret") == siphash128(b, "mm-secret"));
  EXPECT_FALSE(siphash128(a, "mm-secret") == siphash128(a, "mm-secreu"));
}

TEST(Digest, TableHashSeesEveryByteOfEveryLength) {
  // Names of every length from 0 to 40 and each of their bytes changed: all distinct (a byte the hash
  // skipped, as a tail read wrongly would, shows as a repeat), and the same name always the same.
  std::set<std::uint64_t> seen;
  std::size_t names = 0;
  for (std::size_t n = 0; n <= 40; ++n) {
    std::string name;
    for (std::size_t i = 0; i < n; ++i) name.push_back(static_cast<char>('a' + i % 26));
    EXPECT_EQ(table_hash(name), table_hash(std::string(name))) << n;
    seen.insert(table_hash(name));
    ++names;
    for (std::size_t i = 0; i < n; ++i) {
      std::string other = name;
      other[i] = '#';
      seen.insert(table_hash(other));
      ++names;
    }
  }
  EXPECT_EQ(seen.size(), names);
  // Counters as governance names them: a thousand end users of one key, no two alike.
  std::set<std::uint64_t> users;
  for (int i = 0; i < 1000; ++i) users.insert(table_hash("eu:key:key_1f2e:user-" + std::to_string(i)));
  EXPECT_EQ(users.size(), 1000u);
}

}  // namespace
}  // namespace modelmux::digest
