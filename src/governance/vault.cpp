// The credential vault (vault.hpp): sealing, storing, binding to targets, rotation, audit.
#include "governance/vault.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "core/digest.hpp"
#include "governance/governor.hpp"
#include "observability/redact.hpp"
#include "routing/catalog.hpp"

namespace modelmux::governance {
namespace {

namespace json = boost::json;
using Kind = providers::LiveCredential::Kind;

std::string context(const store::CredentialRecord& rec) {
  return rec.name + "/" + rec.provider;
}

bool is_aws(const providers::CredentialValue& v) {
  return !v.aws_access_key_id.empty();
}

std::string plaintext(const providers::CredentialValue& v) {
  if (!is_aws(v)) return json::serialize(json::object{{"value", v.api_key}});
  return json::serialize(json::object{{"aws_access_key_id", v.aws_access_key_id},
                                      {"aws_secret_access_key", v.aws_secret_access_key},
                                      {"aws_session_token", v.aws_session_token}});
}

// The sealed plaintext has the admin API's shape (plaintext() above).
Result<providers::CredentialValue> value_of(std::string_view plain) {
  boost::system::error_code ec;
  auto doc = json::parse(plain, ec);
  if (ec || !doc.is_object()) return fail(ErrorCode::internal, "stored credential is not JSON");
  return credential_value(doc.get_object());
}

std::string fingerprint(const providers::CredentialValue& v) {
  return digest::sha256_hex(is_aws(v) ? v.aws_access_key_id + ":" + v.aws_secret_access_key : v.api_key)
      .substr(0, 12);
}

std::vector<std::string> secrets(const providers::CredentialValue& v) {
  return {v.api_key, v.aws_access_key_id, v.aws_secret_access_key, v.aws_session_token};
}

}  // namespace

Result<providers::CredentialValue> credential_value(const json::object& body) {
  auto str = [&](std::string_view k) -> Result<std::string> {
    const auto* v = body.if_contains(k);
    if (!v) return std::string();
    if (!v->is_string())
      return fail(ErrorCode::invalid_request, fmt::format("{} must be a string", k), std::string(k));
    std::string s(v->get_string());
    for (unsigned char c : s)
      if (c < 0x20 || c == 0x7f)
        return fail(ErrorCode::invalid_request, fmt::format("{} holds a control character", k),
                    std::string(k));
    return s;
  };
  providers::CredentialValue out;
  for (auto [field, into] : {std::pair{"value", &out.api_key},
                             {"aws_access_key_id", &out.aws_access_key_id},
                             {"aws_secret_access_key", &out.aws_secret_access_key},
                             {"aws_session_token", &out.aws_session_token}}) {
    auto v = str(field);
    if (!v) return std::unexpected(v.error());
    *into = std::move(*v);
  }
  bool aws = !out.aws_access_key_id.empty() || !out.aws_secret_access_key.empty();
  if (aws && (out.aws_access_key_id.empty() || out.aws_secret_access_key.empty()))
    return fail(ErrorCode::invalid_request, "aws_access_key_id and aws_secret_access_key go together",
                "aws_secret_access_key");
  if (aws == !out.api_key.empty())
    return fail(ErrorCode::invalid_request,
                "give either value (an API key) or aws_access_key_id and aws_secret_access_key", "value");
  return out;
}

Vault::Vault(store::Store& store, std::optional<Keyring> keyring)
    : store_(store), keyring_(std::move(keyring)) {}

Result<void> Vault::usable() const {
  if (keyring_) return {};
  return fail(ErrorCode::invalid_request,
              "stored credentials need MODELMUX_ENCRYPTION_KEY in the gateway's environment (at least 16 "
              "bytes, e.g. from `openssl rand -base64 32`)");
}

const std::string& Vault::key_version() const {
  static const std::string none;
  return keyring_ ? keyring_->version() : none;
}

void Vault::audit(std::string_view actor, std::string_view action, std::string_view subject,
                  std::string detail) {
  store_.audit({.ts_ms = now_ms(),
                .actor = std::string(actor),
                .action = std::string(action),
                .subject = std::string(subject),
                .detail = std::move(detail)});
}

std::vector<std::string> Vault::bind(const routing::Catalog& catalog,
                                     const observability::Redactor& redactor) {
  std::lock_guard lock(mu_);
  redactor_ = &redactor;
  for (const auto& g : catalog.groups())
    for (const auto& t : g.targets)
      if (t.live) targets_.emplace(t.live->name, &t);
  std::vector<std::string> problems;
  if (targets_.empty()) return problems;
  if (auto ok = usable(); !ok) {
    problems.push_back(ok.error().message);
    return problems;
  }
  auto stored = store_.credentials();
  if (!stored) return {stored.error().message};
  for (auto it = targets_.begin(); it != targets_.end(); it = targets_.upper_bound(it->first)) {
    auto rec =
        std::find_if(stored->begin(), stored->end(), [&](const auto& r) { return r.name == it->first; });
    if (rec == stored->end()) {
      problems.push_back(
          fmt::format("credential {} is not stored yet (POST /admin/v1/credentials): its targets "
                      "are unavailable until it is",
                      it->first));
    } else if (auto applied = apply(*rec); !applied) {
      problems.push_back(fmt::format("credential {}: {}", it->first, applied.error().message));
    }
  }
  return problems;
}

Result<void> Vault::apply(const store::CredentialRecord& rec) {
  auto plain = keyring_->open(rec.ciphertext, context(rec));
  if (!plain) return std::unexpected(plain.error());
  auto value = value_of(*plain);
  if (!value) return std::unexpected(value.error());
  auto ready = prepare(rec.name, *value);
  if (!ready) return std::unexpected(ready.error());
  install(std::move(*ready), *value);
  return {};
}

Result<Vault::Ready> Vault::prepare(const std::string& name, const providers::CredentialValue& value) const {
  Ready ready;
  auto [from, to] = targets_.equal_range(name);
  for (auto it = from; it != to; ++it) {
    const auto& t = *it->second;
    if ((t.live->kind == Kind::aws) != is_aws(value))
      return fail(ErrorCode::invalid_request,
                  fmt::format("target {} takes {} but credential {} holds {}", t.label,
                              t.live->kind == Kind::aws ? "AWS keys (aws_credential)" : "an API key", name,
                              is_aws(value) ? "AWS keys" : "an API key"));
    auto p = providers::prepare_with(t, value);
    if (!p) return std::unexpected(p.error());
    ready.emplace_back(&t, std::move(*p));
  }
  return ready;
}

void Vault::install(Ready ready, const providers::CredentialValue& value) {
  if (redactor_) redactor_->learn(secrets(value));
  for (auto& [t, p] : ready) t->live->current.store(std::move(p), std::memory_order_release);
}

CredentialInfo Vault::info(const store::CredentialRecord& rec, const std::string& fp, bool opens) const {
  CredentialInfo i{.name = rec.name,
                   .provider = rec.provider,
                   .kind = "api_key",
                   .key_version = std::string(Keyring::version_of(rec.ciphertext)),
                   .fingerprint = fp,
                   .created_at = rec.created_at,
                   .updated_at = rec.updated_at,
                   .opens = opens};
  auto [from, to] = targets_.equal_range(rec.name);
  for (auto it = from; it != to; ++it) i.targets.push_back(it->second->label);
  return i;
}

Result<CredentialInfo> Vault::put(const std::string& name, const std::string& provider,
                                  const providers::CredentialValue& value, bool replace,
                                  std::string_view actor) {
  if (auto ok = usable(); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  auto stored = store_.credentials();
  if (!stored) return std::unexpected(stored.error());
  auto old = std::find_if(stored->begin(), stored->end(), [&](const auto& r) { return r.name == name; });
  if (old != stored->end() && !replace)
    return fail(ErrorCode::conflict,
                fmt::format("credential {} exists: PUT /admin/v1/credentials/{} replaces it", name, name));
  if (old == stored->end() && replace)
    return fail(Error::make(ErrorCode::not_found, fmt::format("no credential {}", name)));
  Millis now = now_ms();
  store::CredentialRecord rec{.name = name,
                              .provider = old != stored->end() && provider.empty() ? old->provider : provider,
                              .created_at = old != stored->end() ? old->created_at : now,
                              .updated_at = now};
  rec.ciphertext = keyring_->seal(plaintext(value), context(rec));
  // Prepared (and refused when it fits no target), stored, then swapped in: what runs is what is stored.
  auto ready = prepare(name, value);
  if (!ready) return std::unexpected(ready.error());
  if (auto r = store_.put_credential(rec); !r) return std::unexpected(r.error());
  install(std::move(*ready), value);
  auto i = info(rec, fingerprint(value), true);
  i.kind = is_aws(value) ? "aws" : "api_key";
  audit(
      actor, replace ? "credential.replace" : "credential.create", name,
      fmt::format("provider {}, fingerprint {}, key version {}", rec.provider, i.fingerprint, i.key_version));
  return i;
}

Result<void> Vault::remove(const std::string& name, std::string_view actor) {
  std::lock_guard lock(mu_);
  if (auto it = targets_.find(name); it != targets_.end())
    return fail(ErrorCode::conflict, fmt::format("credential {} is in use by target {}: remove it from the "
                                                 "configuration first",
                                                 name, it->second->label));
  auto stored = store_.credentials();
  if (!stored) return std::unexpected(stored.error());
  if (std::none_of(stored->begin(), stored->end(), [&](const auto& r) { return r.name == name; }))
    return fail(Error::make(ErrorCode::not_found, fmt::format("no credential {}", name)));
  if (auto r = store_.delete_credential(name); !r) return r;
  audit(actor, "credential.delete", name, {});
  return {};
}

Result<std::vector<CredentialInfo>> Vault::list() {
  std::lock_guard lock(mu_);
  auto stored = store_.credentials();
  if (!stored) return std::unexpected(stored.error());
  std::vector<CredentialInfo> out;
  for (const auto& rec : *stored) {
    std::optional<providers::CredentialValue> v;
    if (keyring_)
      if (auto plain = keyring_->open(rec.ciphertext, context(rec)))
        if (auto value = value_of(*plain)) v = std::move(*value);
    auto i = info(rec, v ? fingerprint(*v) : "", v.has_value());
    if (v && is_aws(*v)) i.kind = "aws";
    out.push_back(std::move(i));
  }
  return out;
}

Result<CredentialInfo> Vault::get(const std::string& name) {
  auto all = list();
  if (!all) return std::unexpected(all.error());
  for (auto& i : *all)
    if (i.name == name) return std::move(i);
  return fail(Error::make(ErrorCode::not_found, fmt::format("no credential {}", name)));
}

Result<int> Vault::rotate_key(std::string_view actor) {
  if (auto ok = usable(); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  auto stored = store_.credentials();
  if (!stored) return std::unexpected(stored.error());
  // Everything is opened before anything is written: a credential the keyring cannot open stops the
  // rotation with every row as it was.
  std::vector<std::pair<store::CredentialRecord, std::string>> opened;
  for (const auto& rec : *stored) {
    auto plain = keyring_->open(rec.ciphertext, context(rec));
    if (!plain)
      return fail(ErrorCode::invalid_request,
                  fmt::format("credential {}: {}", rec.name, plain.error().message));
    opened.emplace_back(rec, std::move(*plain));
  }
  int n = 0;
  for (auto& [rec, plain] : opened) {
    if (Keyring::version_of(rec.ciphertext) == keyring_->version()) continue;
    rec.ciphertext = keyring_->seal(plain, context(rec));
    if (auto r = store_.put_credential(rec); !r) return std::unexpected(r.error());
    ++n;
  }
  audit(actor, "credential.rotate_key", "*",
        fmt::format("{} re-sealed under key version {}", n, keyring_->version()));
  return n;
}

Result<providers::Target> Vault::probe_target(const std::string& name) {
  if (auto ok = usable(); !ok) return std::unexpected(ok.error());
  std::lock_guard lock(mu_);
  auto stored = store_.credentials();
  if (!stored) return std::unexpected(stored.error());
  auto rec = std::find_if(stored->begin(), stored->end(), [&](const auto& r) { return r.name == name; });
  if (rec == stored->end())
    return fail(Error::make(ErrorCode::not_found, fmt::format("no credential {}", name)));
  auto plain = keyring_->open(rec->ciphertext, context(*rec));
  if (!plain) return std::unexpected(plain.error());
  auto value = value_of(*plain);
  if (!value) return std::unexpected(value.error());
  providers::Target probe;
  if (auto it = targets_.find(name); it != targets_.end()) {
    probe = *it->second;
  } else {
    config::TargetConfig cfg;
    cfg.origin = {"<credentials>", 0, "credentials." + name};
    cfg.provider = rec->provider;
    cfg.model = "validation";
    if (is_aws(*value))
      cfg.provider_keys.set("aws_credential", {name, cfg.origin});
    else
      cfg.api_key = "credential:" + name;
    try {
      probe = providers::make_target(cfg);
    } catch (const config::ConfigError& e) {
      return fail(ErrorCode::invalid_request, e.what());
    }
  }
  auto prepared = providers::prepare_with(probe, *value);
  if (!prepared) return std::unexpected(prepared.error());
  probe.live.reset();
  probe.prepared_headers[0] = (*prepared)->headers[0];
  probe.prepared_headers[1] = (*prepared)->headers[1];
  probe.state = (*prepared)->state;
  return probe;
}

}  // namespace modelmux::governance
