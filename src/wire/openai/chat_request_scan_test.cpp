// The byte scan of common chat requests against the full decoder: what it accepts it must decode exactly as
// decode_chat_request does, and everything else (including every invalid body) it must leave to it.
#include "wire/openai/chat_request_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/openai/chat_json.hpp"

using namespace modelmux;

namespace {

ChatRequest full(std::string_view body) {
  auto r = openai::decode_chat_request(boost::json::parse(body).as_object());
  EXPECT_TRUE(r) << body;
  return r ? *r : ChatRequest();
}

void expect_same(std::string_view body) {
  ChatRequest fast;
  json_scan::Span model_at;
  ASSERT_TRUE(openai::scan_chat_request(body, fast, &model_at)) << body;
  // The model's span is where the pass-through rewrites it: the one find_top_level gives.
  auto spans = json_scan::find_top_level(body, "model");
  ASSERT_EQ(spans.size(), 1u) << body;
  EXPECT_EQ(model_at.begin, spans[0].begin) << body;
  EXPECT_EQ(model_at.end, spans[0].end) << body;
  ChatRequest slow = full(body);
  EXPECT_EQ(fast.model, slow.model);
  EXPECT_EQ(fast.stream, slow.stream);
  EXPECT_EQ(fast.max_tokens, slow.max_tokens);
  EXPECT_EQ(fast.temperature, slow.temperature);
  EXPECT_EQ(fast.top_p, slow.top_p);
  EXPECT_EQ(fast.seed, slow.seed);
  EXPECT_EQ(fast.user, slow.user);
  EXPECT_TRUE(fast.extra.empty());
  ASSERT_EQ(fast.messages.size(), slow.messages.size());
  for (std::size_t i = 0; i < fast.messages.size(); ++i) {
    const auto &a = fast.messages[i], &b = slow.messages[i];
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.name, b.name);
    ASSERT_EQ(a.content.size(), b.content.size());
    for (std::size_t k = 0; k < a.content.size(); ++k) {
      EXPECT_EQ(a.content[k].kind, b.content[k].kind);
      EXPECT_EQ(a.content[k].text, b.content[k].text);
      EXPECT_EQ(a.content[k].source, b.content[k].source);
    }
  }
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
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":01})"));
  EXPECT_FALSE(scans("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\tb\"}]}"));
  EXPECT_FALSE(scans(R"({"model":"m","messages":[{"role":"user","content":"hi"}])"));
  EXPECT_FALSE(scans(R"([{"model":"m"}])"));
  EXPECT_FALSE(scans(""));
}
