// /admin/v1/credentials: provider credentials stored sealed (governance/vault.hpp). Values go in, never out:
// answers carry names, kinds, key versions, fingerprints and the targets that use each. Validation asks the
// provider's cheapest authenticated call (listing models) with the stored value.
#include <fmt/format.h>

#include <boost/json.hpp>

#include "governance/governor.hpp"
#include "surfaces/admin/governance_api.hpp"

namespace modelmux::surfaces::admin {
namespace {

namespace json = boost::json;

json::object to_json(const governance::CredentialInfo& i) {
  json::array targets;
  for (const auto& t : i.targets) targets.emplace_back(t);
  json::object o{{"object", "credential"},
                 {"name", i.name},
                 {"provider", i.provider},
                 {"kind", i.kind},
                 {"key_version", i.key_version},
                 {"fingerprint", i.fingerprint},
                 {"created_at", governance::utc(i.created_at)},
                 {"updated_at", governance::utc(i.updated_at)},
                 {"targets", std::move(targets)}};
  if (!i.opens) o["opens"] = false;  // sealed under a key this instance does not hold
  return o;
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (unsigned char c : name)
    if (!std::isalnum(c) && c != '-' && c != '_' && c != '.') return false;
  return true;
}

Result<AdminReply> store_credential(const AdminCall& call, std::string name, bool replace) {
  static constexpr std::string_view kFields[] = {
      "name", "provider", "value", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"};
  auto body = body_object(call, kFields);
  if (!body) return std::unexpected(body.error());
  if (!replace) {
    const auto* n = body->if_contains("name");
    name = n && n->is_string() ? std::string(n->get_string()) : std::string();
  }
  if (!valid_name(name))
    return fail(ErrorCode::invalid_request, "name must be 1-128 letters, digits, '-', '_' or '.'", "name");
  std::string provider;
  if (const auto* p = body->if_contains("provider"); p && p->is_string())
    provider = std::string(p->get_string());
  if ((!replace || !provider.empty()) && !providers::find(provider))
    return fail(ErrorCode::invalid_request,
                fmt::format("provider must name a known provider, not \"{}\"", provider), "provider");
  auto value = governance::credential_value(*body);
  if (!value) return std::unexpected(value.error());
  auto stored = call.gov.vault().put(name, provider, *value, replace, call.actor);
  if (!stored) return std::unexpected(stored.error());
  return AdminReply{replace ? 200u : 201u, to_json(*stored)};
}

}  // namespace

Result<AdminReply> credentials_api(const AdminCall& call) {
  auto& vault = call.gov.vault();
  const auto& p = call.parts;
  if (p.size() == 1) {
    if (call.method == "POST") return store_credential(call, {}, false);
    if (call.method != "GET") return std::unexpected(bad_method(call));
    auto all = vault.list();
    if (!all) return std::unexpected(all.error());
    json::array data;
    for (const auto& i : *all) data.push_back(to_json(i));
    return AdminReply{200, json::object{{"object", "list"}, {"data", std::move(data)}}};
  }
  if (p.size() == 2 && p[1] == "rotate-key") {
    if (call.method != "POST") return std::unexpected(bad_method(call));
    auto n = vault.rotate_key(call.actor);
    if (!n) return std::unexpected(n.error());
    return AdminReply{200, json::object{{"rotated", *n}, {"key_version", vault.key_version()}}};
  }
  if (p.size() != 2) return std::unexpected(not_found("path", "/admin/v1/credentials/..."));
  std::string name(p[1]);
  if (call.method == "PUT" || call.method == "PATCH") return store_credential(call, name, true);
  if (call.method == "DELETE") {
    if (auto r = vault.remove(name, call.actor); !r) return std::unexpected(r.error());
    return AdminReply{200, json::object{{"object", "credential"}, {"name", name}, {"deleted", true}}};
  }
  if (call.method != "GET") return std::unexpected(bad_method(call));
  auto one = vault.get(name);
  if (!one) return std::unexpected(one.error());
  return AdminReply{200, to_json(*one)};
}

boost::asio::awaitable<Result<AdminReply>> validate_credential(const AdminCall& call,
                                                               const pipeline::Runtime& rt) {
  std::string name(call.parts[1]);
  if (call.method != "POST") co_return std::unexpected(bad_method(call));
  auto probe = call.gov.vault().probe_target(name);
  if (!probe) co_return std::unexpected(probe.error());
  json::object out{{"object", "credential.validation"}, {"name", name}, {"target", probe->label}};
  std::string path = probe->provider->validation_path(*probe);
  if (path.empty()) {
    out["result"] = "unsupported";
    out["detail"] =
        fmt::format("provider {} offers no call to validate a credential with", probe->cfg.provider);
    co_return AdminReply{200, std::move(out)};
  }
  http::ClientRequest req;
  req.method = "GET";
  req.target = std::move(path);
  req.prepared_headers = probe->prepared_headers[0];
  auto reply = co_await probe->provider->send(*probe, std::move(req));
  std::string result;
  if (!reply) {
    result = "unreachable";
    out["detail"] = rt.redactor.scrub(reply.error().message);
  } else {
    int status = (*reply)->status();
    out["status"] = status;
    result = status >= 200 && status < 300    ? "valid"
             : status == 401 || status == 403 ? "rejected"
                                              : "unreachable";
    if (result == "unreachable") out["detail"] = fmt::format("the upstream answered {}", status);
  }
  out["result"] = result;
  call.gov.vault().audit(call.actor, "credential.validate", name,
                         fmt::format("{} via {}", result, probe->label));
  co_return AdminReply{200, std::move(out)};
}

}  // namespace modelmux::surfaces::admin
