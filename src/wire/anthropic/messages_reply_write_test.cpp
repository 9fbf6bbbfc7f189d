// The message written straight into text: what a JSON parser reads back from it (text, thinking, tool
// calls with and without an object input, usage with cache reads and writes, every ASCII byte and UTF-8,
// each stop reason, the fallback id), and the exact bytes of a common reply.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/anthropic/messages_json.hpp"

using namespace modelmux;
namespace json = boost::json;

namespace {

ChatResponse text_reply(std::string text) {
  ChatResponse r;
  r.id = "msg_1";
  r.model = "claude-bench";
  r.message.role = Role::assistant;
  r.message.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  return r;
}

json::object written(const ChatResponse& r) {
  return json::parse(anthropic::write_reply(r, "msg_fallback")).as_object();
}

}  // namespace

TEST(AnthropicReplyWrite, WritesACommonReplyExactly) {
  auto r = text_reply("Hello! How can I help you today?");
  r.usage = Usage{.input_tokens = 9, .output_tokens = 9};
  EXPECT_EQ(
      anthropic::write_reply(r, "msg_fallback"),
      R"({"id":"msg_1","type":"message","role":"assistant","model":"claude-bench",)"
      R"("content":[{"type":"text","text":"Hello! How can I help you today?"}],"stop_reason":"end_turn",)"
      R"("stop_sequence":null,"usage":{"input_tokens":9,"cache_read_input_tokens":0,"output_tokens":9}})");
}

TEST(AnthropicReplyWrite, ReadsBackAsTheReplyItWrites) {
  auto r = text_reply("hi");
  r.usage =
      Usage{.input_tokens = 30, .output_tokens = 9, .cached_input_tokens = 20, .cache_write_input_tokens = 4};
  r.id = "chatcmpl-not-anthropic";
  auto o = written(r);
  EXPECT_EQ(o.at("id").as_string(), "msg_fallback");
  const auto& u = o.at("usage").as_object();
  EXPECT_EQ(u.at("input_tokens").as_int64(), 6);
  EXPECT_EQ(u.at("cache_read_input_tokens").as_int64(), 20);
  EXPECT_EQ(u.at("cache_creation_input_tokens").as_int64(), 4);
  EXPECT_EQ(u.at("output_tokens").as_int64(), 9);
  std::pair<FinishReason, std::string_view> stops[] = {{FinishReason::stop, "end_turn"},
                                                       {FinishReason::length, "max_tokens"},
                                                       {FinishReason::tool_calls, "tool_use"},
                                                       {FinishReason::content_filter, "refusal"},
                                                       {FinishReason::none, "end_turn"}};
  for (auto [fr, name] : stops) {
    r.finish_reason = fr;
    EXPECT_EQ(written(r).at("stop_reason").as_string(), name);
  }

  // Thinking first, then text; every ASCII byte and UTF-8 as they are.
  std::string all;
  for (int c = 0; c < 128; ++c) all.push_back(static_cast<char>(c));
  all += "caf\xc3\xa9 \xf0\x9f\x98\x80";
  r.message.reasoning = "thinking \"aloud\"";
  r.message.content[0].text = all;
  r.model = all;
  auto t = written(r);
  EXPECT_EQ(t.at("model").as_string(), all);
  const auto& blocks = t.at("content").as_array();
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].as_object().at("type").as_string(), "thinking");
  EXPECT_EQ(blocks[0].as_object().at("thinking").as_string(), "thinking \"aloud\"");
  EXPECT_EQ(blocks[0].as_object().at("signature").as_string(), "");
  EXPECT_EQ(blocks[1].as_object().at("text").as_string(), all);

  // Tool calls alone (no empty text block) and beside text; an input that is no JSON object becomes {}.
  r.message.content.clear();
  r.message.reasoning.clear();
  r.message.tool_calls = {{"toolu_1", "get_weather", R"({"city":"Paris","n":[1,2.5,null]})"},
                          {"toolu_2", "f", "[1]"}};
  auto c = written(r);
  const auto& uses = c.at("content").as_array();
  ASSERT_EQ(uses.size(), 2u);
  EXPECT_EQ(uses[0].as_object().at("input"), json::parse(R"({"city":"Paris","n":[1,2.5,null]})"));
  EXPECT_EQ(uses[1].as_object().at("input"), json::object());
  EXPECT_EQ(uses[1].as_object().at("name").as_string(), "f");
  r.message.content.push_back({ContentPart::Kind::text, "checking", {}, {}, {}});
  EXPECT_EQ(written(r).at("content").as_array()[0].as_object().at("text").as_string(), "checking");
}
