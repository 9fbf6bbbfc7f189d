// Reasoning reaches Anthropic clients as thinking blocks, whatever provider produced it.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/anthropic/messages_json.hpp"

namespace modelmux::anthropic {
namespace {

TEST(AnthropicSurface, ReasoningBecomesAThinkingBlockBeforeTheText) {
  StreamEncoder enc("msg_x", "m");
  std::string out;
  StreamEvent think{.kind = StreamEvent::Kind::reasoning_delta};
  think.text = "Hmm.";
  StreamEvent text{.kind = StreamEvent::Kind::text_delta};
  text.text = "Hi";
  out += enc.encode(StreamEvent{.kind = StreamEvent::Kind::start});
  out += enc.encode(think);
  out += enc.encode(text);
  out += enc.encode(StreamEvent{.kind = StreamEvent::Kind::finish, .finish_reason = FinishReason::stop});
  out += enc.finish();
  auto at = [&](std::string_view s) { return out.find(s); };
  auto thinking_start = at(R"("content_block":{"type":"thinking","thinking":"","signature":""})");
  auto thinking_delta = at(R"("delta":{"type":"thinking_delta","thinking":"Hmm."})");
  auto first_stop = at(R"({"index":0,"type":"content_block_stop"})");
  auto text_start =
      at(R"({"index":1,"content_block":{"type":"text","text":""},"type":"content_block_start"})");
  ASSERT_NE(thinking_start, std::string::npos) << out;
  ASSERT_NE(thinking_delta, std::string::npos) << out;
  ASSERT_NE(first_stop, std::string::npos) << out;
  ASSERT_NE(text_start, std::string::npos) << out;
  EXPECT_LT(thinking_start, thinking_delta);
  EXPECT_LT(thinking_delta, first_stop);
  EXPECT_LT(first_stop, text_start);

  ChatResponse r;
  r.message.role = Role::assistant;
  r.message.reasoning = "Hmm.";
  r.message.content.push_back({ContentPart::Kind::text, "Hi", {}, {}, {}});
  r.finish_reason = FinishReason::stop;
  auto reply = boost::json::parse(write_reply(r, "msg_x")).as_object();
  const auto& content = reply.at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(content[0].as_object().at("type").as_string(), "thinking");
  EXPECT_EQ(content[0].as_object().at("thinking").as_string(), "Hmm.");
  EXPECT_EQ(content[1].as_object().at("type").as_string(), "text");
}

}  // namespace
}  // namespace modelmux::anthropic
