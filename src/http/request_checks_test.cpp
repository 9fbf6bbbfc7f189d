// The server's checks on what browsers can send: the POST content type and the CORS decisions.
#include "http/request_checks.hpp"

#include <gtest/gtest.h>

namespace modelmux::http {
namespace {

Request post(std::string_view content_type) {
  Request r;
  r.method = "POST";
  r.target = "/v1/chat/completions";
  if (!content_type.empty()) r.headers.add("Content-Type", content_type);
  return r;
}

TEST(RequestChecks, PostsMustBeJson) {
  EXPECT_FALSE(check_content_type(post("application/json")));
  EXPECT_FALSE(check_content_type(post(" Application/JSON ; charset=utf-8")));
  for (auto type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                    "application/jsonx", ""}) {
    auto refused = check_content_type(post(type));
    ASSERT_TRUE(refused) << type;
    EXPECT_EQ(refused->http_status, 415);
  }
  Request get;
  get.method = "GET";
  EXPECT_FALSE(check_content_type(get));
}

TEST(RequestChecks, CorsAnswersListedOriginsOnly) {
  Request r;
  r.method = "OPTIONS";
  r.headers.add("Origin", "https://app.example");
  EXPECT_FALSE(is_preflight(r));
  r.headers.add("Access-Control-Request-Method", "POST");
  EXPECT_TRUE(is_preflight(r));
  EXPECT_EQ(Cors({}).allowed_origin(r), "");
  EXPECT_EQ(Cors({"https://other.example"}).allowed_origin(r), "");
  EXPECT_EQ(Cors({"https://other.example", "https://APP.example"}).allowed_origin(r), "https://app.example");
  EXPECT_EQ(
      Cors::allowed_headers("Content-Type,authorization , x-evil, X-Modelmux-Strategy, x-stainless-os, x-"),
      "Content-Type, authorization, X-Modelmux-Strategy, x-stainless-os");
}

}  // namespace
}  // namespace modelmux::http
