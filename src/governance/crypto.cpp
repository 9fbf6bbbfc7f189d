// AES-256-GCM sealing of provider credentials (crypto.hpp), on OpenSSL's EVP interfaces.
#include "governance/crypto.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <cstdlib>
#include <memory>

#include "core/digest.hpp"

namespace modelmux::governance {
namespace {

constexpr std::string_view kPrefix = "mmk1.";
constexpr std::size_t kNonce = 12, kTag = 16;

// HKDF-SHA256 of `secret`, `n` bytes, for the purpose `info`.
std::string hkdf(std::string_view secret, std::string_view info, std::size_t n) {
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nullptr),
                                                                  EVP_PKEY_CTX_free);
  static constexpr std::string_view salt = "modelmux credentials at rest";
  std::string out(n, '\0');
  std::size_t len = n;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_hkdf_md(ctx.get(), EVP_sha256()) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_salt(ctx.get(), reinterpret_cast<const unsigned char*>(salt.data()),
                                  static_cast<int>(salt.size())) <= 0 ||
      EVP_PKEY_CTX_set1_hkdf_key(ctx.get(), reinterpret_cast<const unsigned char*>(secret.data()),
                                 static_cast<int>(secret.size())) <= 0 ||
      EVP_PKEY_CTX_add1_hkdf_info(ctx.get(), reinterpret_cast<const unsigned char*>(info.data()),
                                  static_cast<int>(info.size())) <= 0 ||
      EVP_PKEY_derive(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len) <= 0 || len != n)
    throw std::runtime_error("HKDF-SHA256 failed in OpenSSL");
  return out;
}

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;
const auto* u8(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
auto* u8(std::string& s) {
  return reinterpret_cast<unsigned char*>(s.data());
}

}  // namespace

Keyring::Key Keyring::derive(std::string_view secret) {
  return {hkdf(secret, "modelmux aes-256-gcm key", 32), digest::hex(hkdf(secret, "modelmux key version", 6))};
}

Result<Keyring> Keyring::make(std::string_view current, std::string_view previous) {
  for (auto s : {current, previous})
    if (!s.empty() && s.size() < 16)
      return fail(ErrorCode::invalid_request,
                  "an encryption key must be at least 16 bytes (e.g. `openssl rand -base64 32`)");
  if (current.empty()) return fail(ErrorCode::invalid_request, "no encryption key");
  Keyring k;
  k.current_ = derive(current);
  if (!previous.empty()) k.previous_ = derive(previous);
  return k;
}

Result<std::optional<Keyring>> Keyring::from_env() {
  const char* cur = std::getenv("MODELMUX_ENCRYPTION_KEY");
  const char* prev = std::getenv("MODELMUX_ENCRYPTION_KEY_PREVIOUS");
  if (!cur || !*cur) return std::optional<Keyring>();
  auto k = make(cur, prev ? prev : "");
  if (!k)
    return std::unexpected(
        Error::make(ErrorCode::invalid_request, "MODELMUX_ENCRYPTION_KEY: " + k.error().message));
  return std::optional<Keyring>(std::move(*k));
}

std::string Keyring::seal(std::string_view plain, std::string_view context) const {
  std::string nonce = digest::random_bytes(kNonce);
  std::string out = nonce;
  out.resize(kNonce + plain.size() + kTag);
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(current_.bytes), u8(nonce)) != 1 ||
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, u8(context), static_cast<int>(context.size())) != 1 ||
      EVP_EncryptUpdate(ctx.get(), u8(out) + kNonce, &len, u8(plain), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), u8(out) + kNonce + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, u8(out) + kNonce + plain.size()) != 1)
    throw std::runtime_error("AES-256-GCM encryption failed in OpenSSL");
  return fmt::format("{}{}.{}", kPrefix, current_.version, digest::base64(out));
}

std::string_view Keyring::version_of(std::string_view sealed) {
  if (!sealed.starts_with(kPrefix)) return {};
  sealed.remove_prefix(kPrefix.size());
  auto dot = sealed.find('.');
  return dot == std::string_view::npos ? std::string_view() : sealed.substr(0, dot);
}

Result<std::string> Keyring::open(std::string_view sealed, std::string_view context) const {
  std::string_view version = version_of(sealed);
  if (version.empty()) return fail(ErrorCode::internal, "not a sealed credential");
  const Key* key = version == current_.version                  ? &current_
                   : previous_ && version == previous_->version ? &*previous_
                                                                : nullptr;
  if (!key)
    return fail(ErrorCode::internal,
                fmt::format("sealed under key version {}, which is neither MODELMUX_ENCRYPTION_KEY ({}) nor "
                            "MODELMUX_ENCRYPTION_KEY_PREVIOUS",
                            version, current_.version));
  std::string raw;
  if (!digest::unbase64(sealed.substr(kPrefix.size() + version.size() + 1), raw) ||
      raw.size() < kNonce + kTag)
    return fail(ErrorCode::internal, "malformed sealed credential");
  std::size_t n = raw.size() - kNonce - kTag;
  std::string plain(n, '\0');
  CipherCtx ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  int len = 0;
  std::string tag = raw.substr(kNonce + n);
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key->bytes), u8(raw)) == 1 &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, u8(context), static_cast<int>(context.size())) == 1 &&
            EVP_DecryptUpdate(ctx.get(), u8(plain), &len, u8(raw) + kNonce, static_cast<int>(n)) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, u8(tag)) == 1 &&
            EVP_DecryptFinal_ex(ctx.get(), u8(plain) + len, &len) == 1;
  if (!ok)
    return fail(ErrorCode::internal, "sealed credential does not open: tampered, or sealed for another row");
  return plain;
}

}  // namespace modelmux::governance
