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
// Constant-time equality, for comparing secrets.
bool equal(std::string_view a, std::string_view b);

}  // namespace modelmux::digest
