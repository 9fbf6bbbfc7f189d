// The message written straight into text against the tree it replaces: byte for byte the same, for every
// shape of reply (text, thinking, tool calls with and without an object input, usage with cache reads and
// writes, escapes and control bytes, UTF-8, each stop reason, the fallback id).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/anthropic/messages_json.hpp"

using namespace modelmux;

namespace {

void expect_same_bytes(const ChatResponse& r) {
  EXPECT_EQ(anthropic::write_reply(r, "msg_fallback"),
            boost::json::serialize(anthropic::encode_reply(r, "msg_fallback")));
}

}  // namespace

TEST(AnthropicReplyWrite, WritesTheBytesTheTreeSerializesTo) {
  ChatResponse r;
  r.id = "msg_1";
  r.model = "claude-bench";
  r.message.role = Role::assistant;
  r.message.content.push_back({ContentPart::Kind::text, "Hello! How can I help you today?", {}, {}, {}});
  expect_same_bytes(r);
  r.usage = Usage{.input_tokens = 30, .output_tokens = 9, .cached_input_tokens = 20};
  expect_same_bytes(r);
  r.usage->cache_write_input_tokens = 4;
  r.id = "chatcmpl-not-anthropic";  // (the fallback id then)
  expect_same_bytes(r);
  for (auto fr : {FinishReason::stop, FinishReason::length, FinishReason::tool_calls,
                  FinishReason::content_filter, FinishReason::none}) {
    r.finish_reason = fr;
    expect_same_bytes(r);
  }
  r.message.reasoning = "thinking \"aloud\"";
  expect_same_bytes(r);

  std::string all;
  for (int c = 0; c < 128; ++c) all.push_back(static_cast<char>(c));
  all += "caf\xc3\xa9 \xf0\x9f\x98\x80";
  r.message.content[0].text = all;
  expect_same_bytes(r);

  // Tool calls, alone (no empty text block) and beside text; an input that is no JSON object becomes {}.
  r.message.content.clear();
  r.message.reasoning.clear();
  r.message.tool_calls = {{"toolu_1", "get_weather", R"({"city":"Paris","n":[1,2.5,null]})"},
                          {"toolu_2", "f", "[1]"}};
  expect_same_bytes(r);
  r.message.content.push_back({ContentPart::Kind::text, "checking", {}, {}, {}});
  expect_same_bytes(r);
}
