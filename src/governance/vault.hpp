// Provider credentials kept in the store, sealed (crypto.hpp), and handed to the targets that name them
// (`api_key: credential:NAME`, `aws_credential: NAME`). Storing or replacing one re-prepares those targets
// at once (their LiveCredential is swapped; requests in flight finish on the old value) and teaches the
// redactor the new secret. Nothing here returns a value in clear: callers get names, kinds, key versions
// and a fingerprint. Every change is audited.
#pragma once

#include <boost/json/object.hpp>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "governance/crypto.hpp"
#include "modelmux/error.hpp"
#include "providers/provider.hpp"
#include "store/store.hpp"

namespace modelmux::routing {
class Catalog;
}
namespace modelmux::observability {
class Redactor;
}

namespace modelmux::governance {

// A credential's value from JSON: `value` (an API key), or `aws_access_key_id`, `aws_secret_access_key` and
// `aws_session_token`. The admin API's bodies and the sealed plaintext share this shape. Values become
// header lines, so a control character is refused; errors name the field.
Result<providers::CredentialValue> credential_value(const boost::json::object& o);

struct CredentialInfo {
  std::string name, provider;
  std::string kind;         // "api_key" or "aws"
  std::string key_version;  // of the key that sealed it
  std::string
      fingerprint;  // the first 12 hex digits of the value's SHA-256: tells values apart, reveals none
  std::int64_t created_at = 0, updated_at = 0;
  std::vector<std::string> targets;  // labels of the targets that use it
  bool opens = true;                 // false when the current keyring cannot open it
};

class Vault {
 public:
  Vault(store::Store& store, std::optional<Keyring> keyring);

  // Connects the catalog's targets to their stored credentials and opens those. Returns the problems found
  // (a credential not stored yet, one that does not open): those targets answer "unavailable" until it is
  // stored, without a restart.
  std::vector<std::string> bind(const routing::Catalog& catalog, const observability::Redactor& redactor);

  // Stores (or, with `replace`, replaces) a credential; 409 when it exists and `replace` is false, 404 when
  // it does not and `replace` is true.
  Result<CredentialInfo> put(const std::string& name, const std::string& provider,
                             const providers::CredentialValue& value, bool replace, std::string_view actor);
  // Refused (409) while a configured target uses it.
  Result<void> remove(const std::string& name, std::string_view actor);
  Result<std::vector<CredentialInfo>> list();
  Result<CredentialInfo> get(const std::string& name);
  // Re-seals every credential under the current key; how many were re-sealed.
  Result<int> rotate_key(std::string_view actor);
  const std::string& key_version() const;
  // A copy of a target that uses `name` (or, when none does, one made for the credential's provider at its
  // default address), prepared with the stored value and no longer live: for validating the credential.
  Result<providers::Target> probe_target(const std::string& name);
  void audit(std::string_view actor, std::string_view action, std::string_view subject, std::string detail);

 private:
  Result<void> usable() const;
  using Ready = std::vector<std::pair<const providers::Target*, std::shared_ptr<const providers::Prepared>>>;
  // Opens a stored record, applies it to its targets; the error says why not.
  Result<void> apply(const store::CredentialRecord& rec);
  // Every target that uses `name` prepared with `value`, nothing swapped yet: a value that fits one target
  // but not another is refused whole.
  Result<Ready> prepare(const std::string& name, const providers::CredentialValue& value) const;
  // Swaps the prepared values in (requests in flight keep theirs) and teaches the redactor the secret.
  void install(Ready ready, const providers::CredentialValue& value);
  CredentialInfo info(const store::CredentialRecord& rec, const std::string& fingerprint, bool opens) const;

  store::Store& store_;
  std::optional<Keyring> keyring_;
  const observability::Redactor* redactor_ = nullptr;
  std::multimap<std::string, const providers::Target*, std::less<>> targets_;  // by credential name
  std::mutex mu_;                                                              // one change at a time
};

}  // namespace modelmux::governance
