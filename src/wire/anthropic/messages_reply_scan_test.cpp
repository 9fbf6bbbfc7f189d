// The byte scan of common Anthropic replies against the tree decoder: what it accepts it must decode exactly
// as decode_reply does, and everything else (including every malformed reply) it must leave to it.
#include "wire/anthropic/messages_reply_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/anthropic/messages_json.hpp"
#include "wire/scan_test_support.hpp"

using namespace modelmux;

namespace {

void expect_same(std::string_view body, const ChatRequest& req = {}) {
  ChatResponse fast;
  ASSERT_TRUE(anthropic::scan_reply(body, fast)) << body;
  auto slow = anthropic::decode_reply(boost::json::parse(body).as_object(), req);
  ASSERT_TRUE(slow) << body;
  SCOPED_TRACE(body);
  scan_test::expect_same_response(fast, *slow);
}

bool scans(std::string_view body) {
  ChatResponse r;
  return anthropic::scan_reply(body, r);
}

}  // namespace

TEST(AnthropicReplyScan, DecodesCommonRepliesAsTheTreeDoes) {
  // The Messages API's shape today.
  expect_same(R"({
  "id": "msg_01XFDUDYJgAACzvnptvVoYEL",
  "type": "message",
  "role": "assistant",
  "model": "claude-sonnet-4-5-20250929",
  "content": [{"type": "text", "text": "Hello! How can I help?", "citations": null}],
  "stop_reason": "end_turn",
  "stop_sequence": null,
  "usage": {
    "input_tokens": 12,
    "cache_creation_input_tokens": 4,
    "cache_read_input_tokens": 20,
    "cache_creation": {"ephemeral_5m_input_tokens": 4, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 6,
    "service_tier": "standard"
  }
})");
  // The bench upstream's, several text blocks, an empty content list, stops and escapes; a request with
  // structured output changes nothing for a text answer.
  expect_same(
      R"({"id":"msg_bench","type":"message","role":"assistant","model":"claude-bench","content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn","stop_sequence":null,"usage":{"input_tokens":9,"output_tokens":9}})");
  expect_same(
      R"({"content":[{"text":"a ","type":"text"},{"type":"text","text":"b\n\"c\""}],"model":"m","id":"x",
                  "stop_reason":"max_tokens","usage":{"input_tokens":1,"output_tokens":2,"cache_read_input_tokens":null}})");
  expect_same(R"({"id":"x","model":"m","content":[],"stop_reason":null})");
  expect_same(R"({"id":"x","model":"m","content":[{"type":"text","text":"{}"}],"stop_reason":"stop_sequence",
                  "stop_sequence":"END"})");
  ChatRequest structured;
  structured.response_format.type = ResponseFormat::Type::json_object;
  expect_same(R"({"id":"x","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"end_turn"})",
              structured);
}

TEST(AnthropicReplyScan, LeavesEverythingElseToTheTree) {
  // Shapes it does not read.
  EXPECT_FALSE(scans(
      R"({"id":"x","model":"m","content":[{"type":"tool_use","id":"t","name":"f","input":{}}],"stop_reason":"tool_use"})"));
  EXPECT_FALSE(scans(
      R"({"id":"x","model":"m","content":[{"type":"thinking","thinking":"hm","signature":"s"},{"type":"text","text":"a"}]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[{"type":"text","text":"a","citations":[]}]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[{"type":"text"}]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[{"type":"text","text":"a"}],"container":null})"));
  EXPECT_FALSE(scans(
      R"({"id":"x","model":"m","content":[{"type":"text","text":"a"}],"usage":{"server_tool_use":{"web_search_requests":1}}})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[{"type":"text","text":"caf\u00e9"}]})"));
  EXPECT_FALSE(
      scans("{\"id\":\"x\",\"model\":\"m\",\"content\":[{\"type\":\"text\",\"text\":\"caf\xc3\xa9\"}]}"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","model":"n","content":[]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[],"usage":{"input_tokens":-1}})"));
  // Replies the tree refuses, and invalid JSON.
  EXPECT_FALSE(scans(R"({"id":"x","model":"m"})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":"hi"})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[]}x)"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[],})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","content":[{"type":"text","text":"a"},]})"));
  EXPECT_FALSE(scans(""));
}
