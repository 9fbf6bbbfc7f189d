// SigV4 against the AWS documentation's published test suite (aws-sig-v4-test-suite: credentials
// AKIDEXAMPLE, 2015-08-30T12:36:00Z, us-east-1, service "service"), and against a Bedrock request signed by
// @smithy/signature-v4 (what the AWS JavaScript SDK uses) with a model id that needs encoding.
#include "providers/aws/sigv4.hpp"

#include <gtest/gtest.h>

namespace modelmux::aws {
namespace {

const Credentials kSuite{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const Scope kSuiteScope{"us-east-1", "service"};
constexpr std::string_view kDate = "20150830T123600Z";
const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

SigningRequest suite_request(std::string_view method, std::string_view path, std::string_view query,
                             std::vector<std::pair<std::string, std::string>> extra = {},
                             std::string_view body = "") {
  SigningRequest r{method,
                   path,
                   query,
                   {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", std::string(kDate)}},
                   sha256_hex(body)};
  for (auto& h : extra) r.headers.push_back(std::move(h));
  return r;
}

std::string authz(std::string_view headers, std::string_view sig) {
  return "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=" +
         std::string(headers) + ", Signature=" + std::string(sig);
}

TEST(SigV4, HashesTheEmptyPayload) {
  EXPECT_EQ(sha256_hex(""), kEmptyHash);
}

TEST(SigV4, GetVanilla) {
  auto r = suite_request("GET", "/", "");
  EXPECT_EQ(
      canonical_request(r),
      "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" + kEmptyHash);
  EXPECT_EQ(string_to_sign(r, kSuiteScope, kDate),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(authorization(r, kSuiteScope, kSuite, kDate),
            authz("host;x-amz-date", "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4, PostVanilla) {
  EXPECT_EQ(authorization(suite_request("POST", "/", ""), kSuiteScope, kSuite, kDate),
            authz("host;x-amz-date", "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
}

TEST(SigV4, PostVanillaQuery) {
  EXPECT_EQ(signature(suite_request("POST", "/", "Param1=value1"), kSuiteScope, kSuite, kDate),
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11");
}

TEST(SigV4, QueryParametersAreSortedByKey) {
  EXPECT_EQ(signature(suite_request("GET", "/", "Param2=value2&Param1=value1"), kSuiteScope, kSuite, kDate),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
  std::string unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  EXPECT_EQ(signature(suite_request("GET", "/", unreserved + "=" + unreserved), kSuiteScope, kSuite, kDate),
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197");
}

TEST(SigV4, PathsAreEncodedAndNormalized) {
  EXPECT_EQ(signature(suite_request("GET", "/\xE1\x88\xB4", ""), kSuiteScope, kSuite, kDate),
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");  // get-utf8
  EXPECT_EQ(signature(suite_request("GET", "/example space/", ""), kSuiteScope, kSuite, kDate),
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");  // get-space
  EXPECT_EQ(signature(suite_request("GET", "/./", ""), kSuiteScope, kSuite, kDate),
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");  // get-slash-dot-slash
}

TEST(SigV4, HeaderValuesTrimmedAndDuplicatesJoined) {
  auto trim = suite_request("GET", "/", "", {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}});
  EXPECT_EQ(authorization(trim, kSuiteScope, kSuite, kDate),
            authz("host;my-header1;my-header2;x-amz-date",
                  "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
  auto dup = suite_request("GET", "/", "",
                           {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}});
  EXPECT_EQ(signature(dup, kSuiteScope, kSuite, kDate),
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea");
}

TEST(SigV4, FormBodyIsHashed) {
  auto r = suite_request("POST", "/", "", {{"Content-Type", "application/x-www-form-urlencoded"}},
                         "Param1=value1");
  EXPECT_EQ(authorization(r, kSuiteScope, kSuite, kDate),
            authz("content-type;host;x-amz-date",
                  "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"));
}

TEST(SigV4, SessionTokenSignedWhenPresent) {
  std::string token =
      "AQoDYXdzEPT//////////"
      "wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7"
      "mSEI/qkPpKPi/"
      "kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6"
      "d"
      "+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/"
      "oLxBA==";
  auto r = suite_request("POST", "/", "", {{"X-Amz-Security-Token", token}});
  EXPECT_EQ(
      authorization(r, kSuiteScope, kSuite, kDate),
      authz("host;x-amz-date;x-amz-security-token",
            "85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead"));  // post-sts-header-before
}

// Signed by @smithy/signature-v4 5.7.5 (service bedrock, us-west-2, 2024-11-05T09:08:07Z): the model id's
// ':' travels as %3A and is signed as %253A.
TEST(SigV4, MatchesTheAwsSdkOnABedrockRequest) {
  std::string body = R"({"messages":[{"role":"user","content":[{"text":"hi"}]}]})";
  auto when = std::chrono::sys_days{std::chrono::year{2024} / 11 / 5} + std::chrono::hours{9} +
              std::chrono::minutes{8} + std::chrono::seconds{7};
  std::string date = amz_date(when);
  EXPECT_EQ(date, "20241105T090807Z");
  std::string path =
      "/model/" + uri_encode("us.anthropic.claude-3-5-sonnet-20241022-v2:0", false) + "/converse";
  EXPECT_EQ(path, "/model/us.anthropic.claude-3-5-sonnet-20241022-v2%3A0/converse");
  std::string hash = sha256_hex(body);
  EXPECT_EQ(hash, "c3335e07d6e89650bf94cb98664be69f8774dbc3198df221f113db0a59ea14f0");
  SigningRequest r{"POST",
                   path,
                   "",
                   {{"host", "bedrock-runtime.us-west-2.amazonaws.com"},
                    {"content-type", "application/json"},
                    {"accept", "application/json"},
                    {"x-amz-date", date},
                    {"x-amz-security-token", "FwoGZXIvYXdzEXAMPLETOKEN"},
                    {"x-amz-content-sha256", hash}},
                   hash};
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLETOKEN"};
  EXPECT_EQ(authorization(r, {"us-west-2", "bedrock"}, creds, date),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20241105/us-west-2/bedrock/aws4_request, "
            "SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, "
            "Signature=dd80e0991d9a344f52c71fdf4258faa6f545d5834b2e24be4a1eba30f5d0aa97");
}

TEST(SigV4, UriEncodingKeepsOnlyUnreserved) {
  EXPECT_EQ(uri_encode("arn:aws:bedrock:us-east-1:123:inference-profile/x", false),
            "arn%3Aaws%3Abedrock%3Aus-east-1%3A123%3Ainference-profile%2Fx");
  EXPECT_EQ(uri_encode("a b/c~", true), "a%20b/c~");
}

}  // namespace
}  // namespace modelmux::aws
