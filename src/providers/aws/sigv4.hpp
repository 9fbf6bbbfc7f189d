// AWS Signature Version 4 (HMAC-SHA256) for requests to AWS services, on OpenSSL. Paths follow the rules
// for every service but S3: the path as sent is normalized and URI-encoded once more, so an encoded model
// id such as "a%3A0" is signed as "a%253A0" (what the AWS SDKs do).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/digest.hpp"

namespace modelmux::aws {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary (STS) credentials only
};

struct SigningRequest {
  std::string_view method;
  std::string_view path;                                     // as sent on the wire (already percent-encoded)
  std::string_view query;                                    // as sent, without '?'; may be empty
  std::vector<std::pair<std::string, std::string>> headers;  // every header to sign, host included
  std::string payload_sha256;                                // lowercase hex
};

struct Scope {
  std::string region;
  std::string service;
};

using digest::sha256_hex;
// "20150830T123600Z"
std::string amz_date(std::chrono::system_clock::time_point when);
// RFC 3986 encoding of everything but unreserved characters; '/' kept when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);

std::string canonical_request(const SigningRequest& req);
std::string string_to_sign(const SigningRequest& req, const Scope& scope, std::string_view amz_date);
// The hex signature of a request; `amz_date` is also the x-amz-date header's value.
std::string signature(const SigningRequest& req, const Scope& scope, const Credentials& creds,
                      std::string_view amz_date);
// The whole Authorization header value.
std::string authorization(const SigningRequest& req, const Scope& scope, const Credentials& creds,
                          std::string_view amz_date);

}  // namespace modelmux::aws
