#include "core/digest.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <stdexcept>

namespace modelmux::digest {

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    auto b = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = digits[b >> 4];
    out[2 * i + 1] = digits[b & 15];
  }
  return out;
}

std::string sha256(std::string_view data) {
  // The algorithm is fetched once and each thread keeps its context: EVP_Digest would fetch SHA-256 from
  // the provider and allocate a context on every call (three times the hashing itself, on every request
  // that presents a key).
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local struct Ctx {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Ctx() { EVP_MD_CTX_free(ctx); }
  } local;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!md || !local.ctx || EVP_DigestInit_ex2(local.ctx, md, nullptr) != 1 ||
      EVP_DigestUpdate(local.ctx, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(local.ctx, out, &len) != 1)
    throw std::runtime_error("OpenSSL's SHA-256 failed");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string sha256_hex(std::string_view data) {
  return hex(sha256(data));
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  // Without entropy there is no safe key or nonce to make: nothing to fall back to.
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    throw std::runtime_error("OpenSSL's random generator failed");
  return out;
}

std::uint64_t table_seed() {
  static const std::uint64_t seed = [] {
    std::uint64_t s;
    std::string bytes = random_bytes(sizeof s);
    std::memcpy(&s, bytes.data(), sizeof s);
    return s;
  }();
  return seed;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

bool unbase64(std::string_view text, std::string& out) {
  if (text.size() % 4 != 0) return false;
  out.assign(3 * (text.size() / 4) + 1, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return false;
  // EVP_DecodeBlock counts padding as zero bytes.
  std::size_t len = static_cast<std::size_t>(n);
  if (!text.empty() && text.back() == '=') --len;
  if (text.size() > 1 && text[text.size() - 2] == '=') --len;
  out.resize(len);
  return true;
}

namespace {
std::uint64_t rotl(std::uint64_t x, int b) {
  return (x << b) | (x >> (64 - b));
}
// Little-endian, whatever the host: one load where the host is (a byte-by-byte loop is not merged into one).
std::uint64_t load64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}
}  // namespace

// The reference algorithm (Aumasson and Bernstein, 128-bit variant), checked against OpenSSL's SIPHASH in
// core/digest_test.cpp. OpenSSL's own goes through EVP_MAC's parameter machinery, several times the
// hashing itself for a 50-byte key.
Hash128 siphash128(std::string_view key, std::string_view data) {
  unsigned char k[16] = {};
  if (!key.empty()) std::memcpy(k, key.data(), std::min<std::size_t>(key.size(), 16));
  std::uint64_t k0 = load64(k), k1 = load64(k + 8);
  std::uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1 ^ 0xee,
                v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
  auto round = [&] {
    v0 += v1, v1 = rotl(v1, 13), v1 ^= v0, v0 = rotl(v0, 32);
    v2 += v3, v3 = rotl(v3, 16), v3 ^= v2;
    v0 += v3, v3 = rotl(v3, 21), v3 ^= v0;
    v2 += v1, v1 = rotl(v1, 17), v1 ^= v2, v2 = rotl(v2, 32);
  };
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  std::size_t n = data.size(), whole = n - n % 8;
  for (std::size_t i = 0; i < whole; i += 8) {
    std::uint64_t m = load64(p + i);
    v3 ^= m, round(), round(), v0 ^= m;
  }
  unsigned char tail[8] = {};
  if (n > whole) std::memcpy(tail, p + whole, n - whole);
  std::uint64_t last = load64(tail) | static_cast<std::uint64_t>(n & 0xff) << 56;
  v3 ^= last, round(), round(), v0 ^= last;
  v2 ^= 0xee, round(), round(), round(), round();
  Hash128 out;
  out.lo = v0 ^ v1 ^ v2 ^ v3;
  v1 ^= 0xdd, round(), round(), round(), round();
  out.hi = v0 ^ v1 ^ v2 ^ v3;
  return out;
}

bool equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace modelmux::digest
