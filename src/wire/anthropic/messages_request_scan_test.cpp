// The byte scan of common Anthropic Messages requests against the full decoder: what it accepts it must
// decode exactly as decode_request does, and everything else (including every invalid body) it must leave
// to it.
#include "wire/anthropic/messages_request_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/anthropic/messages_json.hpp"
#include "wire/scan_test_support.hpp"

using namespace modelmux;

namespace {

void expect_same(std::string_view body) {
  ChatRequest fast;
  json_scan::Span model_at;
  ASSERT_TRUE(anthropic::scan_request(body, fast, &model_at)) << body;
  scan_test::expect_model_span(body, model_at);
  auto slow = anthropic::decode_request(boost::json::parse(body).as_object());
  ASSERT_TRUE(slow) << body;
  SCOPED_TRACE(body);
  scan_test::expect_same_request(fast, *slow);
}

bool scans(std::string_view body) {
  ChatRequest r;
  return anthropic::scan_request(body, r);
}

}  // namespace

TEST(AnthropicRequestScan, DecodesCommonRequestsAsTheFullPathDoes) {
  expect_same(
      R"({"model":"bench-anthropic","max_tokens":64,"messages":[{"role":"user","content":"hello"}]})");
  expect_same(R"( {
    "messages": [
      {"content": "Be \"brief\".\nAnd kind\\/\t.", "role": "user"},
      {"role": "assistant", "content": ""},
      {"role": "user", "content": "again"}
    ],
    "system": "You are terse.", "model" : "claude-sonnet-4-5", "max_tokens": 1024, "stream": true,
    "temperature": 0.7, "top_p": 1, "stop_sequences": ["END", "\n\nHuman:"], "metadata": {"user_id": "u-1"}
  } )");
  expect_same(R"({"model":"m","max_tokens":1,"messages":[{"role":"user","content":"hi"}],"stream":null,
                  "temperature":null,"top_p":-0.25,"stop_sequences":[],"metadata":{},"system":""})");
  expect_same(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],
                  "metadata":{"user_id":null},"stream":false})");
}

TEST(AnthropicRequestScan, LeavesEverythingElseToTheFullPath) {
  // Shapes it does not read, and the gateway's own keys.
  EXPECT_FALSE(scans(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]})"));
  EXPECT_FALSE(scans(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"system":[{"type":"text","text":"s"}]})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"tools":[]})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"strategy":"cost"})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"budget_limit":1})"));
  EXPECT_FALSE(scans(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"thinking":{"type":"enabled"}})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"caf\u00e9"}]})"));
  EXPECT_FALSE(scans(
      "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"caf\xc3\xa9\"}]}"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"temperature":1e0})"));
  EXPECT_FALSE(scans(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"stop_sequences":null})"));
  EXPECT_FALSE(scans(
      R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":1}})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"max_tokens":6,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi","name":"x"}]})"));
  // Invalid requests: the full path's 400s name the field.
  EXPECT_FALSE(scans(R"({"max_tokens":5,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"","max_tokens":5,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":0,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":1.0,"messages":[{"role":"user","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[]})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"system","content":"hi"}]})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user"}]})"));
  EXPECT_FALSE(
      scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],"stream":"yes"})"));
  // Invalid JSON.
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}x)"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"},]})"));
  EXPECT_FALSE(scans(R"({"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}],})"));
  EXPECT_FALSE(scans(""));
}
