// The byte scan of common chat requests against the full decoder: what it accepts it must decode exactly as
// decode_chat_request does, and everything else (including every invalid body) it must leave to it.
#include "wire/openai/chat_request_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <utility>

#include "wire/openai/chat_json.hpp"
#include "wire/scan_test_support.hpp"

using namespace modelmux;

namespace {

void expect_same(std::string_view body) {
  ChatRequest fast;
  json_scan::Span model_at;
  ASSERT_TRUE(openai::scan_chat_request(body, fast, &model_at)) << body;
  scan_test::expect_model_span(body, model_at);
  auto slow = openai::decode_chat_request(boost::json::parse(body).as_object());
  ASSERT_TRUE(slow) << body;
  SCOPED_TRACE(body);
  scan_test::expect_same_request(fast, *slow);
}

bool scans(std::string_view body) {
  ChatRequest r;
  return openai::scan_chat_request(body, r);
}

}  // namespace

TEST(OpenAiChatScan, DecodesCommonRequestsAsTheFullPathDoes) {
  expect_same(R"({"model":"bench","messages":[{"role":"user","content":"hello"}]})");
  expect_same(R"( {
    "model" : "gpt-4o", "stream": true, "max_tokens": 64, "temperature": 0.7, "top_p": 1, "seed": 42,
    "user": "u-1", "messages": [
      {"role": "system", "content": "Be \"brief\".\nAnd kind\\/\t."},
      {"role": "user", "name": "ann", "content": ""},
      {"role": "assistant", "content": "ok"},
      {"role": "developer", "content": "x"}
    ]
  } )");
  expect_same(
      R"({"messages":[{"content":"hi","role":"user"}],"model":"m","stream":null,"max_completion_tokens":5,
                  "temperature":-0.25,"top_p":null,"seed":null,"user":null})");
}

TEST(OpenAiChatScan, MinusZeroIsTheNumberTheFullPathReads) {
  // (found by fuzz_scanners: the full path reads -0 as the integer 0, and -0.0 as the double -0.0)
  for (auto [body, negative] :
       {std::pair{R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":-0})", false},
        std::pair{R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":-0.0})", true}}) {
    ChatRequest fast;
    ASSERT_TRUE(openai::scan_chat_request(body, fast)) << body;
    auto slow = openai::decode_chat_request(boost::json::parse(body).as_object());
    ASSERT_TRUE(slow && slow->temperature && fast.temperature) << body;
    EXPECT_EQ(std::signbit(*slow->temperature), negative) << body;
    EXPECT_EQ(std::signbit(*fast.temperature), negative) << body;
  }
}

TEST(OpenAiChatScan, LeavesEverythingElseToTheFullPath) {
  // Unknown or gateway keys, shapes it does not read, and what would need UTF-8 or \u handling.
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"strategy":"cost"})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"tool","tool_call_id":"c","content":"1"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"caf\u00e9"}]})"));
  EXPECT_FALSE(scans("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"caf\xc3\xa9\"}]}"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":1e0})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":1.0})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5,"max_tokens":6})"));
  EXPECT_FALSE(scans(R"({"mod\u0065l":"m","messages":[{"role":"user","content":"hi"}]})"));
  // Invalid requests: the full path's 400s name the field.
  EXPECT_FALSE(scans(R"({"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"","messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[]})"));
  EXPECT_FALSE(scans(R"({"model":"m"})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"robot","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":"yes"})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":-1})"));
  // Invalid JSON.
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"
                     "x"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"},]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"stream":truex})"));
  // (a literal run into a number: found by fuzz_scanners; the scan took null64 for 64)
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":null64})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"temperature":null0.5})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":01})"));
  EXPECT_FALSE(scans("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\tb\"}]}"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}])"));
  EXPECT_FALSE(scans(R"([{"model":"m"}])"));
  EXPECT_FALSE(scans(""));
}
