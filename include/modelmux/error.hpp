// One error type for every failure on the data plane. Surfaces turn it into the client's error body in
// exactly one place each; providers map upstream failures into it.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace modelmux {

enum class ErrorCode : std::uint8_t {
  invalid_request,    // malformed or semantically wrong client input
  invalid_json,       // body is not JSON
  not_found,          // unknown path
  model_not_found,    // unknown public model name
  payload_too_large,  // body over the configured limit
  authentication,     // missing / wrong credentials (client's or upstream's)
  permission_denied,  // upstream 403
  rate_limited,       // upstream or local 429
  conflict,           // upstream 409
  unprocessable,      // upstream 422
  context_length,     // prompt does not fit the model
  content_filter,     // provider refused on policy
  timeout,            // connect / first byte / idle / request timeout
  connection_failed,  // refused, reset, DNS, TLS
  upstream_error,     // upstream 5xx or malformed upstream reply
  overloaded,         // upstream 529 / 503
  internal,           // a bug or an impossible state in modelmux
  unavailable,        // shutting down or no target can serve
  // The gateway's own governance (src/governance/): a client's key, allow-list, budgets and rate limits.
  invalid_api_key,      // 401: no key, an unknown, revoked, blocked or expired one
  model_not_allowed,    // 403: the key (or its team) may not use the model
  budget_exceeded,      // 429: a budget has no room for the request (retrying will not help)
  rate_limit_exceeded,  // 429: a limit of the gateway's; Retry-After says when it admits again
  forbidden,            // 403: the key's role may not do this (an admin route)
};

struct Error {
  ErrorCode code = ErrorCode::internal;
  int http_status = 500;
  bool retryable = false;
  std::string provider;  // which provider produced it; empty when it is the gateway's own
  std::string message;
  std::string param;  // the request field at fault, when there is one
  std::optional<std::chrono::seconds> retry_after;

  // Builders for the gateway's own errors; the status and retryable flag follow from the code.
  static Error make(ErrorCode code, std::string message, std::string param = {});
};

std::string_view to_string(ErrorCode code);
int default_status(ErrorCode code);

template <class T>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(ErrorCode code, std::string message, std::string param = {}) {
  return std::unexpected(Error::make(code, std::move(message), std::move(param)));
}
inline std::unexpected<Error> fail(Error e) {
  return std::unexpected(std::move(e));
}

}  // namespace modelmux
