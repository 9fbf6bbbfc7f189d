// Provider credentials encrypted at rest: AES-256-GCM under a key derived (HKDF-SHA256) from the operator's
// secret, MODELMUX_ENCRYPTION_KEY. Each ciphertext names the version of the key that sealed it (a
// fingerprint of the key, not a counter, so no state is needed to know it), which is how a key is rotated
// without downtime: instances start with the new key as current and the old one as previous
// (MODELMUX_ENCRYPTION_KEY_PREVIOUS), read both, and `credentials rotate-key` re-seals every row under the
// current one; then the previous key can go.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "modelmux/error.hpp"

namespace modelmux::governance {

class Keyring {
 public:
  // The keys in the environment; nullopt when MODELMUX_ENCRYPTION_KEY is unset. A secret shorter than 16
  // bytes is an error (a password, not a key).
  static Result<std::optional<Keyring>> from_env();
  // From secrets given directly (tests); `previous` may be empty.
  static Result<Keyring> make(std::string_view current, std::string_view previous = {});

  // "mmk1.<version>.<base64(nonce | ciphertext | tag)>", bound to `context` (the credential's name and
  // provider): a row's ciphertext moved to another row does not open.
  std::string seal(std::string_view plain, std::string_view context) const;
  // The plaintext, or an error naming why (unknown key version, tampered, malformed).
  Result<std::string> open(std::string_view sealed, std::string_view context) const;

  const std::string& version() const { return current_.version; }
  // The key version a ciphertext names (empty when malformed).
  static std::string_view version_of(std::string_view sealed);

 private:
  struct Key {
    std::string bytes;    // 32
    std::string version;  // 12 hex characters
  };
  static Key derive(std::string_view secret);
  Key current_;
  std::optional<Key> previous_;
};

}  // namespace modelmux::governance
