#include "wire/openai/chat_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace modelmux;
namespace json = boost::json;

namespace {

Result<ChatRequest> decode(std::string_view text) {
  return openai::decode_chat_request(json::parse(text).as_object());
}

}  // namespace

TEST(OpenAiChatJson, DecodesAFullRequest) {
  auto r = decode(R"({"model":"m","messages":[
      {"role":"system","content":"be brief"},
      {"role":"user","content":[{"type":"text","text":"what is "},{"type":"image_url","image_url":{"url":"data:image/png;base64,AAA","detail":"low"}}]},
      {"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{\"a\":1}"}}]},
      {"role":"tool","tool_call_id":"c1","content":"42"}],
    "stream":true,"stream_options":{"include_usage":true},"temperature":0.2,"max_completion_tokens":50,
    "stop":"END","seed":7,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
    "tool_choice":{"type":"function","function":{"name":"f"}},"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object"},"strict":true}},
    "custom_field":{"a":1}})");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->messages.size(), 4u);
  EXPECT_EQ(r->messages[1].content[1].kind, ContentPart::Kind::image);
  EXPECT_EQ(r->messages[1].content[1].media_type, "image/png");
  EXPECT_EQ(r->messages[2].tool_calls[0].arguments, "{\"a\":1}");
  EXPECT_EQ(r->messages[3].tool_call_id, "c1");
  EXPECT_TRUE(r->stream);
  EXPECT_TRUE(r->include_usage);
  EXPECT_DOUBLE_EQ(*r->temperature, 0.2);
  EXPECT_EQ(*r->max_tokens, 50);
  EXPECT_EQ(r->stop, std::vector<std::string>{"END"});
  EXPECT_EQ(r->tool_choice.mode, ToolChoice::Mode::named);
  EXPECT_EQ(r->response_format.type, ResponseFormat::Type::json_schema);
  EXPECT_TRUE(r->response_format.strict);
  EXPECT_TRUE(r->extra.contains("custom_field"));

  auto again = openai::decode_chat_request(openai::encode_chat_request(*r, "upstream"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->model, "upstream");
  EXPECT_EQ(again->messages[1].content[1].image_url, r->messages[1].content[1].image_url);
  EXPECT_EQ(again->tools[0].name, "f");
  EXPECT_TRUE(again->extra.contains("custom_field"));
}

TEST(OpenAiChatJson, BadRequestsNameTheField) {
  struct Case {
    const char* body;
    const char* param;
  } cases[] = {
      {R"({"messages":[{"role":"user","content":"x"}]})", "model"},
      {R"({"model":"m"})", "messages"},
      {R"({"model":"m","messages":"hi"})", "messages"},
      {R"({"model":"m","messages":[]})", "messages"},
      {R"({"model":"m","messages":[{"content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})", "messages[0].role"},
      {R"({"model":"m","messages":[{"role":"user"}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"user","content":5}]})", "messages[0].content"},
      {R"({"model":"m","messages":[{"role":"tool","content":"x"}]})", "messages[0].tool_call_id"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"temperature":"hot"})", "temperature"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"max_tokens":-1})", "max_tokens"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"stream":"yes"})", "stream"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tools":[{"type":"function"}]})",
       "tools[0].function"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"tool_choice":"maybe"})", "tool_choice"},
      {R"({"model":"m","messages":[{"role":"user","content":"x"}],"response_format":{"type":"xml"}})",
       "response_format.type"},
  };
  for (const auto& c : cases) {
    auto r = decode(c.body);
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().code, ErrorCode::invalid_request);
    EXPECT_EQ(r.error().http_status, 400);
    EXPECT_EQ(r.error().param, c.param) << c.body;
    EXPECT_NE(r.error().message.find(c.param), std::string::npos) << r.error().message;
  }
}

TEST(OpenAiChatJson, DecodesAReplyWithToolCallsAndUsage) {
  auto r =
      openai::decode_chat_response(json::parse(R"({"id":"x","model":"gpt","created":5,"choices":[{"index":0,
    "message":{"role":"assistant","content":null,"tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{}"}}]},
    "finish_reason":"tool_calls"}],"usage":{"prompt_tokens":10,"completion_tokens":3,"total_tokens":13,
    "prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}})")
                                       .as_object());
  ASSERT_TRUE(r);
  EXPECT_EQ(r->finish_reason, FinishReason::tool_calls);
  ASSERT_EQ(r->message.tool_calls.size(), 1u);
  EXPECT_EQ(r->usage->input_tokens, 10);
  EXPECT_EQ(r->usage->cached_input_tokens, 4);
  EXPECT_EQ(r->usage->reasoning_tokens, 2);
  auto encoded = json::parse(openai::write_chat_response(*r, r->id, r->created)).as_object();
  EXPECT_EQ(encoded.at("choices").as_array()[0].as_object().at("finish_reason").as_string(), "tool_calls");
  EXPECT_FALSE(openai::decode_chat_response(json::parse(R"({"choices":[]})").as_object()));
}

TEST(OpenAiChatJson, ChunksDecodeIntoEventsAndBack) {
  openai::ChunkDecoder dec;
  std::vector<StreamEvent> ev;
  ASSERT_TRUE(dec.feed(
      R"({"id":"i","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})", ev));
  ASSERT_TRUE(dec.feed(R"({"id":"i","choices":[{"index":0,"delta":{"content":"Hel"}}]})", ev));
  ASSERT_TRUE(dec.feed(
      R"({"id":"i","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"c","function":{"name":"f","arguments":"{\"a"}}]}}]})",
      ev));
  ASSERT_TRUE(dec.feed(R"({"id":"i","choices":[{"index":0,"delta":{},"finish_reason":"length"}]})", ev));
  ASSERT_TRUE(dec.feed(R"({"id":"i","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}})", ev));
  ASSERT_TRUE(dec.feed("[DONE]", ev));
  EXPECT_TRUE(dec.done());
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].kind, StreamEvent::Kind::start);
  EXPECT_EQ(ev[1].text, "Hel");
  EXPECT_EQ(ev[2].tool_index, 1);
  EXPECT_EQ(ev[2].tool_arguments, "{\"a");
  EXPECT_EQ(ev[3].finish_reason, FinishReason::length);
  EXPECT_EQ(ev[4].usage.output_tokens, 2);

  openai::ChunkEncoder enc("chatcmpl-x", "m", /*include_usage=*/true, 1);
  enc.encode(ev[0]);
  auto chunk = json::parse(enc.encode(ev[2])[0]).as_object();
  auto call = chunk.at("choices")
                  .as_array()[0]
                  .as_object()
                  .at("delta")
                  .as_object()
                  .at("tool_calls")
                  .as_array()[0]
                  .as_object();
  EXPECT_EQ(call.at("index").as_int64(), 1);
  EXPECT_EQ(call.at("function").as_object().at("arguments").as_string(), "{\"a");
  auto usage = json::parse(enc.encode(ev[4])[0]).as_object();
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("usage").as_object().at("total_tokens").as_int64(), 3);
}

TEST(OpenAiChatJson, AnErrorInsideTheStreamIsAnError) {
  openai::ChunkDecoder dec;
  std::vector<StreamEvent> ev;
  auto r = dec.feed(R"({"error":{"message":"overloaded","type":"server_error"}})", ev);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "overloaded");
  EXPECT_FALSE(dec.feed("{not json", ev));
}

// Reasoning from OpenAI-compatible servers (DeepSeek and vLLM write reasoning_content, OpenRouter
// reasoning) is one canonical event, written back as reasoning_content.
TEST(OpenAiChatJson, ReasoningInBothSpellingsRoundTrips) {
  openai::ChunkDecoder dec;
  std::vector<StreamEvent> ev;
  ASSERT_TRUE(dec.feed(
      R"({"id":"i","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""}}]})", ev));
  ASSERT_TRUE(dec.feed(R"({"id":"i","choices":[{"index":0,"delta":{"reasoning_content":"Think"}}]})", ev));
  ASSERT_TRUE(dec.feed(R"({"id":"i","choices":[{"index":0,"delta":{"reasoning":"ing."}}]})", ev));
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].kind, StreamEvent::Kind::reasoning_delta);
  EXPECT_EQ(ev[2].kind, StreamEvent::Kind::reasoning_delta);
  EXPECT_EQ(ev[1].text + ev[2].text, "Thinking.");
  openai::ChunkEncoder enc("chatcmpl-x", "m", false, 1);
  enc.encode(ev[0]);
  auto chunk = json::parse(enc.encode(ev[1])[0]).as_object();
  EXPECT_EQ(chunk.at("choices")
                .as_array()[0]
                .as_object()
                .at("delta")
                .as_object()
                .at("reasoning_content")
                .as_string(),
            "Think");
  auto reply = openai::decode_chat_response(
      json::parse(
          R"({"id":"i","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"4","reasoning_content":"2+2"},"finish_reason":"stop"}]})")
          .as_object());
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->message.reasoning, "2+2");
  auto back = json::parse(openai::write_chat_response(*reply, reply->id, reply->created)).as_object();
  EXPECT_EQ(back.at("choices")
                .as_array()[0]
                .as_object()
                .at("message")
                .as_object()
                .at("reasoning_content")
                .as_string(),
            "2+2");
}
