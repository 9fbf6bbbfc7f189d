// The byte scan of common OpenAI chat replies against the tree decoder: what it accepts it must decode
// exactly as decode_chat_response does, and everything else (including every malformed reply) it must
// leave to it.
#include "wire/openai/chat_reply_scan.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/openai/chat_json.hpp"
#include "wire/scan_test_support.hpp"

using namespace modelmux;

namespace {

void expect_same(std::string_view body) {
  ChatResponse fast;
  ASSERT_TRUE(openai::scan_chat_response(body, fast)) << body;
  auto slow = openai::decode_chat_response(boost::json::parse(body).as_object());
  ASSERT_TRUE(slow) << body;
  SCOPED_TRACE(body);
  scan_test::expect_same_response(fast, *slow);
}

bool scans(std::string_view body) {
  ChatResponse r;
  return openai::scan_chat_response(body, r);
}

}  // namespace

TEST(OpenAiReplyScan, DecodesCommonRepliesAsTheTreeDoes) {
  // OpenAI's own shape today.
  expect_same(R"({
  "id": "chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT",
  "object": "chat.completion",
  "created": 1741569952,
  "model": "gpt-4.1-2025-04-14",
  "choices": [
    {
      "index": 0,
      "message": {
        "role": "assistant",
        "content": "Hello! How can I assist you today?",
        "refusal": null,
        "annotations": []
      },
      "logprobs": null,
      "finish_reason": "stop"
    }
  ],
  "usage": {
    "prompt_tokens": 19,
    "completion_tokens": 10,
    "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 3, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": 0, "accepted_prediction_tokens": 0,
                                  "rejected_prediction_tokens": 0}
  },
  "service_tier": "default",
  "system_fingerprint": null
})");
  // The bench upstream's, and the leaner ones of compatible servers (no usage; a null or missing content;
  // a length stop; escapes; keys in another order).
  expect_same(
      R"({"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18},"system_fingerprint":"fp_bench"})");
  expect_same(
      R"({"choices":[{"message":{"content":null,"role":"assistant"},"finish_reason":"length"}],"id":"x","model":"m"})");
  expect_same(R"({"id":"x","model":"m","choices":[{"message":{},"finish_reason":null}]})");
  expect_same(R"({"id":"x","model":"m","choices":[{"message":{"content":"a \"quote\"\n\ttab \\ and \/"}}]})");
  expect_same(R"({"id":"x","model":"m","choices":[{"message":{"content":""}}],"usage":{}})");
}

TEST(OpenAiReplyScan, LeavesEverythingElseToTheTree) {
  // Shapes it does not read.
  EXPECT_FALSE(scans(
      R"({"id":"x","model":"m","choices":[{"message":{"content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]}}]})"));
  EXPECT_FALSE(
      scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a","reasoning_content":"b"}}]})"));
  EXPECT_FALSE(
      scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}},{"message":{"content":"b"}}]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a","refusal":"no"}}]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}],"extra":1})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"caf\u00e9"}}]})"));
  EXPECT_FALSE(
      scans("{\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"caf\xc3\xa9\"}}]}"));
  EXPECT_FALSE(scans(
      R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens":1.0}})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}],"usage":null})"));
  EXPECT_FALSE(scans(R"({"id":"x","id":"y","model":"m","choices":[{"message":{"content":"a"}}]})"));
  EXPECT_FALSE(scans(
      R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}],"usage":{"prompt_tokens_details":{"cached_tokens":1,"cached_tokens":2}}})"));
  EXPECT_FALSE(scans(R"({"id":null,"model":"m","choices":[{"message":{"content":"a"}}]})"));
  // Replies the tree refuses (its error names what is missing).
  EXPECT_FALSE(scans(R"({"id":"x","model":"m"})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"finish_reason":"stop"}]})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":5}}]})"));
  // Invalid JSON.
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}]})"
                     "x"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}],})"));
  EXPECT_FALSE(scans(R"({"id":"x","model":"m","choices":[{"message":{"content":"a"}}])"));
  EXPECT_FALSE(scans("{\"id\":\"x\",\"model\":\"m\",\"choices\":[{\"message\":{\"content\":\"a\tb\"}}]}"));
  EXPECT_FALSE(scans(""));
}
