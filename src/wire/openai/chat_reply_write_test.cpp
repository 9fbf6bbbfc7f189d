// The chat.completion written straight into text: what a JSON parser reads back from it (every field, for
// text, null content with tool calls, reasoning, usage details, every ASCII byte and UTF-8, an unknown
// finish reason), and the exact bytes of a common reply.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "wire/openai/chat_json.hpp"

using namespace modelmux;
namespace json = boost::json;

namespace {

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

json::object written(const ChatResponse& r) {
  return json::parse(openai::write_chat_response(r, r.id, r.created)).as_object();
}

const json::object& message(const json::object& o) {
  return o.at("choices").as_array()[0].as_object().at("message").as_object();
}

}  // namespace

TEST(OpenAiReplyWrite, WritesACommonReplyExactly) {
  auto r = text_reply("Hello! How can I help you today?");
  r.usage = Usage{.input_tokens = 9, .output_tokens = 9};
  EXPECT_EQ(
      openai::write_chat_response(r, r.id, r.created),
      R"({"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",)"
      R"("choices":[{"index":0,"message":{"role":"assistant","content":"Hello! How can I help you today?",)"
      R"("refusal":null},"logprobs":null,"finish_reason":"stop"}],)"
      R"("usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}})");
}

TEST(OpenAiReplyWrite, ReadsBackAsTheReplyItWrites) {
  auto r = text_reply("hi");
  r.usage = Usage{.input_tokens = 10, .output_tokens = 3, .cached_input_tokens = 4, .reasoning_tokens = 2};
  r.message.reasoning = "first, think";
  r.finish_reason = FinishReason::length;
  auto o = written(r);
  EXPECT_EQ(o.at("id").as_string(), "chatcmpl-1");
  EXPECT_EQ(o.at("created").as_int64(), 1700000000);
  EXPECT_EQ(message(o).at("content").as_string(), "hi");
  EXPECT_EQ(message(o).at("reasoning_content").as_string(), "first, think");
  EXPECT_EQ(o.at("choices").as_array()[0].as_object().at("finish_reason").as_string(), "length");
  const auto& u = o.at("usage").as_object();
  EXPECT_EQ(u.at("total_tokens").as_int64(), 13);
  EXPECT_EQ(u.at("prompt_tokens_details").as_object().at("cached_tokens").as_int64(), 4);
  EXPECT_EQ(u.at("completion_tokens_details").as_object().at("reasoning_tokens").as_int64(), 2);
  r.finish_reason = FinishReason::none;
  EXPECT_TRUE(written(r).at("choices").as_array()[0].as_object().at("finish_reason").is_null());

  // Every ASCII byte, escapes included, and UTF-8 as it is, in each string the reply carries.
  std::string all;
  for (int c = 0; c < 128; ++c) all.push_back(static_cast<char>(c));
  all += "caf\xc3\xa9 \xf0\x9f\x98\x80";
  auto odd = text_reply(all);
  odd.model = all;
  auto back = json::parse(openai::write_chat_response(odd, all, 5)).as_object();
  EXPECT_EQ(back.at("id").as_string(), all);
  EXPECT_EQ(back.at("model").as_string(), all);
  EXPECT_EQ(message(back).at("content").as_string(), all);

  // Tool calls: content null alone, a string beside text.
  ChatResponse calls = text_reply("");
  calls.message.content.clear();
  calls.message.tool_calls = {{"call_1", "get_weather", R"({"city":"Paris"})"}, {"call_2", "f", ""}};
  calls.finish_reason = FinishReason::tool_calls;
  auto c = written(calls);
  EXPECT_TRUE(message(c).at("content").is_null());
  const auto& list = message(c).at("tool_calls").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].as_object().at("function").as_object().at("arguments").as_string(),
            R"({"city":"Paris"})");
  EXPECT_EQ(list[1].as_object().at("id").as_string(), "call_2");
  calls.message.content.push_back({ContentPart::Kind::text, "checking", {}, {}, {}});
  EXPECT_EQ(message(written(calls)).at("content").as_string(), "checking");
}
