// The library's embeddings call, against the in-process mock (no network).
#include "modelmux/gateway.hpp"

#include <gtest/gtest.h>

using namespace modelmux;

namespace {

EmbeddingsRequest request(std::string model, std::vector<std::string> inputs) {
  EmbeddingsRequest r;
  r.model = std::move(model);
  r.inputs = std::move(inputs);
  return r;
}

}  // namespace

TEST(GatewayEmbed, MockVectorsAreDeterministicAndHonourDimensions) {
  auto gw = Gateway::with_defaults();
  auto a = gw.embed(request("mock", {"one", "two"}));
  ASSERT_TRUE(a) << a.error().message;
  ASSERT_EQ(a->vectors.size(), 2u);
  EXPECT_EQ(a->vectors[0].size(), 8u);
  EXPECT_NE(a->vectors[0], a->vectors[1]);
  EXPECT_GT(a->input_tokens, 0);
  auto again = gw.embed(request("mock", {"two"}));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->vectors[0], a->vectors[1]);
  auto sized = request("mock", {"one"});
  sized.dimensions = 3;
  auto three = gw.embed(sized);
  ASSERT_TRUE(three);
  EXPECT_EQ(three->vectors[0].size(), 3u);
}

TEST(GatewayEmbed, ErrorsAreValues) {
  auto gw = Gateway::from_yaml(R"(models:
  - name: claude
    targets:
      - provider: anthropic
        model: claude-haiku-4-5
        api_key: sk-ant-x
)");
  auto unknown = gw.embed(request("nope", {"x"}));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().http_status, 404);
  auto refused = gw.embed(request("claude", {"x"}));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_NE(refused.error().message.find("anthropic"), std::string::npos);
  EXPECT_FALSE(gw.embed(request("claude", {})));
}

// The library runs the server's pipeline: preferences, cost and the access log included.
TEST(GatewayPipeline, PreferencesCostAndAccessLog) {
  auto gw = Gateway::from_yaml(R"(models:
  - name: mock
    targets:
      - {provider: mock, model: mock}
prices:
  mock: {input: 1000, output: 2000}
)");
  ChatRequest req;
  req.model = "mock";
  req.messages.push_back({Role::user, {{ContentPart::Kind::text, "price me"}}});
  testing::internal::CaptureStderr();
  auto reply = gw.chat(req);
  std::string log = testing::internal::GetCapturedStderr();
  ASSERT_TRUE(reply) << reply.error().message;
  ASSERT_TRUE(reply->usage && reply->cost_usd);
  EXPECT_DOUBLE_EQ(*reply->cost_usd, (static_cast<double>(reply->usage->input_tokens) * 1000 +
                                      static_cast<double>(reply->usage->output_tokens) * 2000) /
                                         1e6);
  EXPECT_NE(log.find(R"("path":"Gateway::chat")"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("cost_usd":)"), std::string::npos) << log;

  // A strategy the library's request asks for in `extra` is read, and a wrong one refused, as over HTTP.
  req.extra["strategy"] = "fastest";
  testing::internal::CaptureStderr();
  auto refused = gw.chat(req);
  testing::internal::GetCapturedStderr();
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_EQ(refused.error().param, "strategy");
  req.extra["strategy"] = "cost";
  testing::internal::CaptureStderr();
  EXPECT_TRUE(gw.chat(req));
  testing::internal::GetCapturedStderr();
}
