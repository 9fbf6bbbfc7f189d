#include "wire/gemini/gemini_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/provider.hpp"

using namespace modelmux;

TEST(GeminiToolCallId, CarriesTheSignatureInCharactersIdsCanHold) {
  std::string sig = "2qDu6LmZf1x8KZn9r+WTJTzWVK9N+tcUJ6Cus/7pIy+K8iEfnuSRxQ==";
  std::string id = gemini::tool_call_id(3, sig);
  EXPECT_EQ(id, "call_3_ts_2qDu6LmZf1x8KZn9r-WTJTzWVK9N-tcUJ6Cus_7pIy-K8iEfnuSRxQ");
  EXPECT_EQ(gemini::thought_signature_of(id), sig);
  EXPECT_EQ(gemini::tool_call_id(0, ""), "call_0");
  // Unpadded and one-pad signatures come back padded (the same bytes).
  EXPECT_EQ(gemini::thought_signature_of(gemini::tool_call_id(1, "abcdef")), "abcdef==");
  EXPECT_EQ(gemini::thought_signature_of(gemini::tool_call_id(1, "abc=")), "abc=");
}

TEST(GeminiToolCallId, OtherIdsCarryNoSignature) {
  for (std::string_view id : {"call_0", "toolu_01A09q90qw90lq917835lq9", "call_x_ts_abcd", "call__ts_abcd",
                              "call_1_ts_", "xcall_1_ts_abcd", ""})
    EXPECT_EQ(gemini::thought_signature_of(id), "") << id;
  // A signature that itself contains the marker's characters still round-trips: only the first marker counts.
  EXPECT_EQ(gemini::thought_signature_of("call_12_ts_a_ts_b"), "a/ts/b==");
}

namespace {

std::vector<StreamEvent> decode(std::string_view sse, std::size_t step, Result<void>& status) {
  auto decoder = providers::find("gemini")->stream_decoder(ChatRequest{});
  std::vector<StreamEvent> events;
  status = {};
  for (std::size_t i = 0; i < sse.size() && status; i += step)
    status = decoder->feed(sse.substr(i, step), events);
  if (status) status = decoder->finish(events);
  return events;
}

}  // namespace

TEST(GeminiStreamDecoder, ChunksAfterTheFinishOnlyUpdateUsage) {
  std::string sse =
      "data: "
      "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}],\"role\":\"model\"},\"finishReason\":"
      "\"STOP\"}],"
      "\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":1}}\n\n"
      "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"late\"}],\"role\":\"model\"}}],"
      "\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2}}\n\n";
  for (std::size_t step : {sse.size(), std::size_t{1}}) {
    Result<void> status;
    auto events = decode(sse, step, status);
    ASSERT_TRUE(status) << status.error().message;
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[1].text, "Hi");
    EXPECT_EQ(events[2].kind, StreamEvent::Kind::finish);
    EXPECT_EQ(events[3].kind, StreamEvent::Kind::usage);
    EXPECT_EQ(events[3].usage.output_tokens, 2);
  }
}

TEST(GeminiStreamDecoder, BareErrorBodyOnOneLineAndCommentsAreRead) {
  std::string sse =
      ": keep-alive\r\n{\"error\":{\"code\":429,\"message\":\"Resource "
      "exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}\r\n";
  for (std::size_t step : {sse.size(), std::size_t{3}}) {
    Result<void> status;
    auto events = decode(sse, step, status);
    ASSERT_FALSE(status);
    EXPECT_EQ(status.error().code, ErrorCode::rate_limited);
    EXPECT_TRUE(events.empty());
  }
}

TEST(GeminiStreamDecoder, TextThatIsNeitherSseNorJsonIsAnError) {
  Result<void> status;
  decode("<html>502 Bad Gateway</html>\n", 5, status);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().code, ErrorCode::upstream_error);
}

TEST(GeminiErrors, BodyThatIsNotGooglesShapeKeepsTheStatus) {
  Error e = gemini::error_of(502, "", std::string_view("<html>Bad Gateway</html>"));
  EXPECT_EQ(e.code, ErrorCode::upstream_error);
  EXPECT_TRUE(e.retryable);
  EXPECT_NE(e.message.find("Bad Gateway"), std::string::npos);
}
