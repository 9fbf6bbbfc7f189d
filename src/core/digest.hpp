// Hashes, MACs and randomness on OpenSSL, for whoever signs (AWS SigV4), hashes keys (governance) or
// encrypts at rest (governance/crypto): one place, so no caller rolls its own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace modelmux::digest {

// Lowercase hex of raw bytes.
std::string hex(std::string_view bytes);
// SHA-256 of `data`: raw (32 bytes) and as lowercase hex.
std::string sha256(std::string_view data);
std::string sha256_hex(std::string_view data);
// HMAC-SHA256 of `data` under `key`, raw (32 bytes).
std::string hmac_sha256(std::string_view key, std::string_view data);
// `n` bytes from OpenSSL's CSPRNG.
std::string random_bytes(std::size_t n);
// Standard base64 (with padding) both ways; decoding refuses anything malformed (an empty optional-like
// false return).
std::string base64(std::string_view bytes);
bool unbase64(std::string_view text, std::string& out);
// SipHash-2-4 with a 128-bit output under a 16-byte `key`: a keyed hash fast enough for the request path,
// whose outputs cannot be made to collide by anyone without the key (the key-verification memo's index).
struct Hash128 {
  std::uint64_t lo = 0, hi = 0;
  bool operator==(const Hash128&) const = default;
};
Hash128 siphash128(std::string_view key, std::string_view data);
// A hash for in-memory tables keyed by short strings (governance's counters: a few of them on every
// request): 8 bytes a step, ~25 instructions for a 30-byte name where std::hash takes ~80. Seeded per
// process, so its buckets are not the same from one run to the next; a table hash, not a MAC.
std::uint64_t table_seed();
inline std::uint64_t table_hash(std::string_view s) {
  auto mum = [](std::uint64_t a, std::uint64_t b) {
    auto r = static_cast<unsigned __int128>(a) * b;
    return static_cast<std::uint64_t>(r) ^ static_cast<std::uint64_t>(r >> 64);
  };
  auto load = [](const char* q) {
    std::uint64_t w;
    __builtin_memcpy(&w, q, 8);
    return w;
  };
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = table_seed() ^ n;
  if (n >= 8) {
    for (; n > 8; p += 8, n -= 8) h = mum(h ^ load(p), 0x9e3779b97f4a7c15ULL);
    h = mum(h ^ load(p + n - 8), 0xbf58476d1ce4e5b9ULL);  // the last 8 bytes, overlapping the step before
  } else {
    std::uint64_t w = 0;
    for (std::size_t i = 0; i < n; ++i)
      w |= static_cast<std::uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
    h = mum(h ^ w, 0xbf58476d1ce4e5b9ULL);
  }
  return mum(h, 0x94d049bb133111ebULL);
}
// Constant-time equality, for comparing secrets.
bool equal(std::string_view a, std::string_view b);

}  // namespace modelmux::digest
