#include "http/request_checks.hpp"

#include <fmt/format.h>

#include <array>
#include <boost/beast/core/string.hpp>

namespace modelmux::http {
namespace {

using boost::beast::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The paths that take file uploads as multipart/form-data: none yet. File and audio endpoints
// (/v1/files, /v1/audio/transcriptions) will be listed here; every other POST stays JSON only.
bool takes_uploads(std::string_view /*path*/) {
  return false;
}

// Request headers a page may send cross-origin: what the OpenAI, Anthropic and Gemini SDKs send from a
// browser (x-stainless-* are the SDKs' own telemetry headers) and the gateway's own.
constexpr std::array<std::string_view, 11> kSafeHeaders{"authorization",
                                                        "content-type",
                                                        "x-api-key",
                                                        "anthropic-version",
                                                        "anthropic-beta",
                                                        "x-goog-api-key",
                                                        "x-request-id",
                                                        "openai-organization",
                                                        "openai-project",
                                                        "openai-beta",
                                                        "anthropic-dangerous-direct-browser-access"};
constexpr std::array<std::string_view, 2> kSafePrefixes{"x-modelmux-", "x-stainless-"};

bool safe_header(std::string_view name) {
  for (auto h : kSafeHeaders)
    if (iequals(name, h)) return true;
  for (auto p : kSafePrefixes)
    if (name.size() > p.size() && iequals(name.substr(0, p.size()), p)) return true;
  return false;
}

}  // namespace

std::optional<Error> check_content_type(const Request& req) {
  if (req.method != "POST") return std::nullopt;
  std::string_view given = req.headers.get("content-type");
  std::string_view type = trim(given.substr(0, given.find(';')));
  if (iequals(type, "application/json")) return std::nullopt;
  if (iequals(type, "multipart/form-data") && takes_uploads(req.path())) return std::nullopt;
  Error e = Error::make(ErrorCode::invalid_request,
                        fmt::format("a POST body must be sent with content-type: application/json (got {})",
                                    given.empty() ? "none" : given));
  e.http_status = 415;
  return e;
}

bool is_preflight(const Request& req) {
  return req.method == "OPTIONS" && !req.headers.get("origin").empty() &&
         !req.headers.get("access-control-request-method").empty();
}

std::string_view Cors::allowed_origin(const Request& req) const {
  if (origins_.empty()) return {};
  std::string_view origin = req.headers.get("origin");
  if (origin.empty()) return {};
  for (const auto& o : origins_)
    if (iequals(origin, o)) return origin;
  return {};
}

std::string Cors::allowed_headers(std::string_view requested) {
  std::string out;
  while (!requested.empty()) {
    auto comma = requested.find(',');
    std::string_view name = trim(requested.substr(0, comma));
    requested = comma == std::string_view::npos ? std::string_view() : requested.substr(comma + 1);
    if (!safe_header(name)) continue;
    if (!out.empty()) out.append(", ");
    out.append(name);
  }
  return out;
}

}  // namespace modelmux::http
