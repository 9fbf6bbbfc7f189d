// The governance admin API under /admin/v1/ (JSON both ways, errors in OpenAI's shape): keys, users and
// teams (directory_api.cpp), spend and the spend ledger (spend_api.cpp), the audit log. Authorised by the
// master key or an admin-role key; a viewer key may read spend. Every change is audited and takes effect
// at once (the request path's directory is replaced whole).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <span>
#include <string>
#include <string_view>

#include "http/exchange.hpp"
#include "pipeline/runtime.hpp"

namespace modelmux::surfaces::admin {

// One admin request, authorised.
struct AdminCall {
  governance::Governor& gov;
  std::string_view method;
  std::span<const std::string_view> parts;  // the path after /admin/v1/, split at '/'
  std::string_view query;
  const std::string& body;
  std::string actor;  // who, for the audit log: "master", a key's id, or "open"
  governance::Millis now = 0;
};

struct AdminReply {
  unsigned status = 200;
  boost::json::value body;
};

// The collections' handlers: each answers every path under its name (404 and 405 included).
Result<AdminReply> keys_api(const AdminCall& call);
Result<AdminReply> users_api(const AdminCall& call);
Result<AdminReply> teams_api(const AdminCall& call);
Result<AdminReply> spend_api(const AdminCall& call);
Result<AdminReply> credentials_api(const AdminCall& call);
// POST /admin/v1/credentials/{name}/validate: asks the upstream, so it waits.
boost::asio::awaitable<Result<AdminReply>> validate_credential(const AdminCall& call,
                                                               const pipeline::Runtime& rt);

// Shared by them: the body as a JSON object (400 otherwise), every key of it one of `allowed`.
Result<boost::json::object> body_object(const AdminCall& call, std::span<const std::string_view> allowed);
// 404 in the admin API's words.
Error not_found(std::string_view what, std::string_view id);
// 405 for a method a path does not take.
Error bad_method(const AdminCall& call);
// Records the change and makes it visible to the request path.
Result<void> changed(const AdminCall& call, std::string_view action, std::string_view subject,
                     std::string detail = {});

// /admin/v1/{path}: authorises, then hands the call to its collection.
boost::asio::awaitable<void> governance_api(http::Exchange& ex, const pipeline::Runtime& rt,
                                            std::string path);

}  // namespace modelmux::surfaces::admin
