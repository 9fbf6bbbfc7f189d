#include "modelmux/error.hpp"

namespace modelmux {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
      return "invalid_request";
    case ErrorCode::invalid_json:
      return "invalid_json";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::model_not_found:
      return "model_not_found";
    case ErrorCode::payload_too_large:
      return "payload_too_large";
    case ErrorCode::authentication:
      return "authentication";
    case ErrorCode::permission_denied:
      return "permission_denied";
    case ErrorCode::rate_limited:
      return "rate_limited";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::unprocessable:
      return "unprocessable";
    case ErrorCode::context_length:
      return "context_length_exceeded";
    case ErrorCode::content_filter:
      return "content_filter";
    case ErrorCode::timeout:
      return "timeout";
    case ErrorCode::connection_failed:
      return "connection_failed";
    case ErrorCode::upstream_error:
      return "upstream_error";
    case ErrorCode::overloaded:
      return "overloaded";
    case ErrorCode::internal:
      return "internal";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::invalid_api_key:
      return "invalid_api_key";
    case ErrorCode::model_not_allowed:
      return "model_not_allowed";
    case ErrorCode::budget_exceeded:
      return "budget_exceeded";
    case ErrorCode::rate_limit_exceeded:
      return "rate_limit_exceeded";
    case ErrorCode::forbidden:
      return "forbidden";
  }
  return "internal";
}

int default_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_request:
    case ErrorCode::invalid_json:
    case ErrorCode::context_length:
    case ErrorCode::content_filter:
      return 400;
    case ErrorCode::authentication:
    case ErrorCode::invalid_api_key:
      return 401;
    case ErrorCode::permission_denied:
    case ErrorCode::model_not_allowed:
    case ErrorCode::forbidden:
      return 403;
    case ErrorCode::not_found:
    case ErrorCode::model_not_found:
      return 404;
    case ErrorCode::conflict:
      return 409;
    case ErrorCode::payload_too_large:
      return 413;
    case ErrorCode::unprocessable:
      return 422;
    case ErrorCode::rate_limited:
    case ErrorCode::budget_exceeded:
    case ErrorCode::rate_limit_exceeded:
      return 429;
    case ErrorCode::internal:
      return 500;
    case ErrorCode::upstream_error:
    case ErrorCode::connection_failed:
      return 502;
    case ErrorCode::overloaded:
    case ErrorCode::unavailable:
      return 503;
    case ErrorCode::timeout:
      return 504;
  }
  return 500;
}

static bool default_retryable(ErrorCode code) {
  switch (code) {
    case ErrorCode::rate_limited:
    case ErrorCode::timeout:
    case ErrorCode::connection_failed:
    case ErrorCode::upstream_error:
    case ErrorCode::overloaded:
      return true;
    default:
      return false;
  }
}

Error Error::make(ErrorCode code, std::string message, std::string param) {
  Error e;
  e.code = code;
  e.http_status = default_status(code);
  e.retryable = default_retryable(code);
  e.message = std::move(message);
  e.param = std::move(param);
  return e;
}

}  // namespace modelmux
