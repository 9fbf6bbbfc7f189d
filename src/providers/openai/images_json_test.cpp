// Image generation: the OpenAI request/reply codec and each image-capable provider's upstream request and
// reply (OpenAI-format, Bedrock Titan/Nova Canvas, Gemini Imagen, SageMaker).
#include "wire/openai/images_json.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/provider.hpp"
#include "providers/target_for_tests.hpp"

namespace json = boost::json;
using namespace modelmux;

namespace {

ImageRequest decode(std::string_view body) {
  auto r = openai::decode_image_request(json::parse(body).as_object());
  EXPECT_TRUE(r) << r.error().message;
  return r ? *r : ImageRequest{};
}

Error refusal(std::string_view body) {
  auto r = openai::decode_image_request(json::parse(body).as_object());
  EXPECT_FALSE(r);
  return r ? Error{} : r.error();
}

providers::Target target(std::string provider, std::string model, std::string api_base = {}) {
  std::string keys = fmt::format("{{provider: {}, model: \"{}\", api_key: k", provider, model);
  if (!api_base.empty()) keys += fmt::format(", api_base: \"{}\"", api_base);
  if (provider == "bedrock" || provider == "sagemaker")
    keys += ", aws_access_key_id: AKIDEXAMPLE, aws_secret_access_key: secret, aws_region: us-east-1";
  return providers::target_for_tests(keys + "}");
}

}  // namespace

TEST(ImagesJson, DecodesTheOpenAiRequest) {
  auto r =
      decode(R"({"model":"img","prompt":"a red fox","n":2,"size":"1792x1024","response_format":"b64_json",
                      "quality":"hd","style":"vivid","background":"transparent"})");
  EXPECT_EQ(r.prompt, "a red fox");
  EXPECT_EQ(r.n, 2);
  EXPECT_EQ(r.width, 1792);
  EXPECT_EQ(r.height, 1024);
  EXPECT_EQ(r.response_format, "b64_json");
  EXPECT_EQ(r.extra.at("background"), "transparent");
  EXPECT_EQ(decode(R"({"model":"img","prompt":"x","size":"auto"})").width, 0);
}

TEST(ImagesJson, RefusesWhatNoUpstreamTakes) {
  EXPECT_EQ(refusal(R"({"model":"img"})").param, "prompt");
  EXPECT_EQ(refusal(R"({"prompt":"x"})").param, "model");
  EXPECT_EQ(refusal(R"({"model":"img","prompt":"x","n":0})").param, "n");
  EXPECT_EQ(refusal(R"({"model":"img","prompt":"x","n":11})").param, "n");
  EXPECT_EQ(refusal(R"({"model":"img","prompt":"x","size":"big"})").param, "size");
  EXPECT_EQ(refusal(R"({"model":"img","prompt":"x","response_format":"png"})").param, "response_format");
  EXPECT_EQ(refusal(R"({"model":"img","prompt":"x","stream":true})").param, "stream");
  EXPECT_EQ(refusal(R"({"model":"img","prompt":""})").http_status, 400);
}

TEST(ImagesJson, OpenAiUpstreamGetsTheBodyWithItsModelAtImagesGenerations) {
  auto t = target("openai", "dall-e-3");
  auto req =
      decode(R"({"model":"img","prompt":"a fox","size":"1024x1024","quality":"hd","background":"auto"})");
  auto up = t.provider->build_image(req, t);
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->target, "/v1/images/generations");
  EXPECT_EQ(
      json::parse(up->body),
      json::parse(
          R"({"background":"auto","model":"dall-e-3","prompt":"a fox","size":"1024x1024","quality":"hd"})"));
  auto resp = t.provider->decode_image(
      R"({"created":1713833628,"data":[{"url":"https://img/1.png","revised_prompt":"A fox."}]})", req);
  ASSERT_TRUE(resp);
  EXPECT_EQ(json::value(openai::encode_image_response(*resp)),
            json::parse(
                R"({"created":1713833628,"data":[{"url":"https://img/1.png","revised_prompt":"A fox."}]})"));
  auto azure = target("azure", "my-dalle", "https://r.openai.azure.com");
  EXPECT_EQ(azure.provider->build_image(req, azure)
                ->target.find("/openai/deployments/my-dalle/images/generations?api-version="),
            0u);
}

TEST(ImagesJson, BedrockInvokesTitanOrNovaCanvasWithATextImageTask) {
  auto t = target("bedrock", "amazon.nova-canvas-v1:0");
  auto req = decode(R"({"model":"img","prompt":"a fox","n":2,"size":"1024x768","quality":"hd"})");
  auto up = t.provider->build_image(req, t);
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->target, "/model/amazon.nova-canvas-v1%3A0/invoke");
  EXPECT_EQ(json::parse(up->body),
            json::parse(R"({"taskType":"TEXT_IMAGE","textToImageParams":{"text":"a fox"},
    "imageGenerationConfig":{"numberOfImages":2,"width":1024,"height":768,"quality":"premium"}})"));
  bool signed_ = false;
  for (const auto& [k, v] : up->headers)
    signed_ = signed_ || (k == "authorization" && v.find("/bedrock/aws4_request") != std::string::npos);
  EXPECT_TRUE(signed_);
  auto resp = t.provider->decode_image(R"({"images":["aW1nMQ==","aW1nMg=="]})", req);
  ASSERT_TRUE(resp);
  ASSERT_EQ(resp->data.size(), 2u);
  EXPECT_EQ(resp->data[1].b64_json, "aW1nMg==");
  auto refused = t.provider->decode_image(
      R"({"images":[],"error":"This request has been blocked by our content filters."})", req);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::content_filter);
  auto url = t.provider->build_image(decode(R"({"model":"img","prompt":"x","response_format":"url"})"), t);
  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().param, "response_format");
}

TEST(ImagesJson, GeminiPredictsWithImagen) {
  auto t = target("gemini", "imagen-4.0-generate-001");
  auto req = decode(R"({"model":"img","prompt":"a fox","n":3,"size":"1792x1024"})");
  auto up = t.provider->build_image(req, t);
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->target, "/v1beta/models/imagen-4.0-generate-001:predict");
  EXPECT_EQ(json::parse(up->body),
            json::parse(
                R"({"instances":[{"prompt":"a fox"}],"parameters":{"sampleCount":3,"aspectRatio":"16:9"}})"));
  auto resp = t.provider->decode_image(
      R"({"predictions":[{"bytesBase64Encoded":"aW1n","mimeType":"image/png"}]})", req);
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->data.at(0).b64_json, "aW1n");
  auto odd = t.provider->build_image(decode(R"({"model":"img","prompt":"x","size":"1536x1024"})"), t);
  ASSERT_FALSE(odd);
  EXPECT_EQ(odd.error().param, "size");
  EXPECT_EQ(t.provider->decode_image("{}", req).error().code, ErrorCode::content_filter);
}

TEST(ImagesJson, SagemakerEndpointsTakeThePromptAndAnswerBase64) {
  auto t = target("sagemaker", "sdxl-endpoint");
  auto req = decode(R"({"model":"img","prompt":"a fox","size":"512x512"})");
  auto up = t.provider->build_image(req, t);
  ASSERT_TRUE(up) << up.error().message;
  EXPECT_EQ(up->target, "/endpoints/sdxl-endpoint/invocations");
  EXPECT_EQ(json::parse(up->body), json::parse(R"({"prompt":"a fox","width":512,"height":512})"));
  for (std::string_view reply :
       {R"({"images":["aW1n"]})", R"({"generated_images":["aW1n"]})", R"({"image":"aW1n"})"}) {
    auto resp = t.provider->decode_image(reply, req);
    ASSERT_TRUE(resp) << reply;
    EXPECT_EQ(resp->data.at(0).b64_json, "aW1n");
  }
  EXPECT_FALSE(t.provider->decode_image(R"({"images":[1]})", req));
}

TEST(ImagesJson, ProvidersWithoutImagesSaySo) {
  auto t = target("anthropic", "claude");
  auto up = t.provider->build_image(decode(R"({"model":"img","prompt":"x"})"), t);
  ASSERT_FALSE(up);
  EXPECT_EQ(up.error().http_status, 400);
  EXPECT_EQ(up.error().message, "provider anthropic does not generate images");
}
