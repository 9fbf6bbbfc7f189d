// What the server checks on a whole request before any handler sees it, against what a web page can make
// a browser send. Without asking, a page may POST text/plain or a form to any address, a gateway on
// localhost included, and so spend its keys: a POST must say its body is JSON. Pages on other origins may
// call only when the configuration lists their origin (CORS); otherwise no CORS header is sent.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"
#include "modelmux/error.hpp"

namespace modelmux::http {

// A 415 when `req` is a POST whose content-type is not application/json (parameters such as charset are
// fine); nothing otherwise.
std::optional<Error> check_content_type(const Request& req);

// A CORS preflight: OPTIONS with Origin and Access-Control-Request-Method.
bool is_preflight(const Request& req);

class Cors {
 public:
  explicit Cors(std::vector<std::string> allowed_origins) : origins_(std::move(allowed_origins)) {}

  // The request's Origin when it is listed; empty when CORS is off, the request has no Origin, or another.
  std::string_view allowed_origin(const Request& req) const;

  // For a preflight: the headers it asks for (Access-Control-Request-Headers) that are on the safe list.
  static std::string allowed_headers(std::string_view requested);

  static constexpr std::string_view kAllowedMethods = "POST, GET, OPTIONS";
  // Response headers a page's script may read beside the safelisted ones.
  static constexpr std::string_view kExposedHeaders =
      "x-request-id, x-modelmux-target, x-modelmux-attempts, retry-after";

 private:
  std::vector<std::string> origins_;
};

}  // namespace modelmux::http
