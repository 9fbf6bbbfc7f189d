// The chat.completion written straight into text against the tree it replaces: byte for byte the same, for
// every shape of reply (text, null content with tool calls, reasoning, usage details, escapes and control
// bytes, UTF-8, an unknown finish reason).
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/openai/chat_json.hpp"

using namespace modelmux;

namespace {

void expect_same_bytes(const ChatResponse& r) {
  EXPECT_EQ(openai::write_chat_response(r, r.id, r.created),
            boost::json::serialize(openai::encode_chat_response(r)));
}

ChatResponse text_reply(std::string text) {
  ChatResponse r;
  r.id = "chatcmpl-1";
  r.model = "gpt-4o-mini";
  r.created = 1700000000;
  r.message.role = Role::assistant;
  r.message.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  r.finish_reason = FinishReason::stop;
  return r;
}

}  // namespace

TEST(OpenAiReplyWrite, WritesTheBytesTheTreeSerializesTo) {
  auto r = text_reply("Hello! How can I help you today?");
  expect_same_bytes(r);
  r.usage = Usage{.input_tokens = 9, .output_tokens = 9};
  expect_same_bytes(r);
  r.usage->cached_input_tokens = 4;
  r.usage->reasoning_tokens = 2;
  expect_same_bytes(r);
  r.message.reasoning = "first, think";
  r.finish_reason = FinishReason::length;
  expect_same_bytes(r);
  r.finish_reason = FinishReason::none;
  expect_same_bytes(r);

  // Every ASCII byte, escapes included, and UTF-8 as it is.
  std::string all;
  for (int c = 0; c < 128; ++c) all.push_back(static_cast<char>(c));
  all += "caf\xc3\xa9 \xf0\x9f\x98\x80";
  expect_same_bytes(text_reply(all));
  auto odd = text_reply("");
  odd.id = "id with \"quotes\" and \\";
  odd.model = "m\n";
  expect_same_bytes(odd);

  // Tool calls: content null, one or several calls.
  ChatResponse calls = text_reply("");
  calls.message.content.clear();
  calls.message.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"}, {"call_2", "f", ""}};
  calls.finish_reason = FinishReason::tool_calls;
  expect_same_bytes(calls);
  calls.message.content.push_back({ContentPart::Kind::text, "checking", {}, {}, {}});
  expect_same_bytes(calls);
}

TEST(OpenAiReplyWrite, TakesTheIdAndTimeItIsGiven) {
  auto r = text_reply("hi");
  r.id.clear();
  r.created = 0;
  auto v = boost::json::parse(openai::write_chat_response(r, "chatcmpl-req", 1234)).as_object();
  EXPECT_EQ(v.at("id").as_string(), "chatcmpl-req");
  EXPECT_EQ(v.at("created").as_int64(), 1234);
}
