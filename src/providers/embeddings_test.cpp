// Every provider's embeddings translation: the exact upstream request for a canonical request, and the
// canonical response for a reply in the provider's documented shape.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/provider.hpp"
#include "providers/target_for_tests.hpp"
#include "wire/openai/embeddings_json.hpp"

using namespace modelmux;
using namespace modelmux::providers;
namespace json = boost::json;

namespace {

Target target(const char* provider, const char* model, const char* base = "http://127.0.0.1:9/v1") {
  std::string aws =
      std::string_view(provider) == "bedrock"
          ? ", aws_access_key_id: AKIDEXAMPLE, aws_secret_access_key: secret, aws_region: us-west-2"
          : "";
  return target_for_tests(fmt::format(
      "{{provider: {}, model: \"{}\", api_key: k-secret, api_base: \"{}\"{}}}", provider, model, base, aws));
}

EmbeddingsRequest request(std::vector<std::string> inputs, std::optional<std::int64_t> dimensions = {}) {
  EmbeddingsRequest r;
  r.model = "embed";
  r.inputs = std::move(inputs);
  r.dimensions = dimensions;
  return r;
}

std::string header(const http::ClientRequest& r, std::string_view name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return {};
}

}  // namespace

TEST(OpenAiEmbeddingsJson, DecodesEveryInputShape) {
  auto one = openai::decode_embeddings_request(json::parse(R"({"model":"m","input":"hi"})").as_object());
  ASSERT_TRUE(one);
  EXPECT_EQ(one->inputs, std::vector<std::string>{"hi"});
  EXPECT_EQ(one->encoding, EmbeddingEncoding::float_);
  auto many = openai::decode_embeddings_request(
      json::parse(
          R"({"model":"m","input":["a","b"],"encoding_format":"base64","dimensions":3,"user":"u","x":1})")
          .as_object());
  ASSERT_TRUE(many);
  EXPECT_EQ(many->inputs, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(many->encoding, EmbeddingEncoding::base64);
  EXPECT_EQ(many->dimensions, 3);
  EXPECT_EQ(many->user, "u");
  EXPECT_EQ(json::serialize(many->extra), R"({"x":1})");
  for (const char* tokens : {R"({"model":"m","input":[1,2,3]})", R"({"model":"m","input":[[1,2],[3]]})"}) {
    auto t = openai::decode_embeddings_request(json::parse(tokens).as_object());
    ASSERT_TRUE(t) << tokens;
    EXPECT_TRUE(t->token_input);
    EXPECT_TRUE(t->inputs.empty());
  }
}

TEST(OpenAiEmbeddingsJson, RefusesBadInputNamingTheField) {
  struct Case {
    const char* body;
    const char* param;
  } cases[] = {
      {R"({"input":"x"})", "model"},
      {R"({"model":"m"})", "input"},
      {R"({"model":"m","input":""})", "input"},
      {R"({"model":"m","input":[]})", "input"},
      {R"({"model":"m","input":["a",1]})", "input"},
      {R"({"model":"m","input":[[1],"a"]})", "input"},
      {R"({"model":"m","input":{"text":"a"}})", "input"},
      {R"({"model":"m","input":"a","encoding_format":"int8"})", "encoding_format"},
      {R"({"model":"m","input":"a","dimensions":0})", "dimensions"},
      {R"({"model":"m","input":"a","dimensions":"8"})", "dimensions"},
  };
  for (const auto& c : cases) {
    auto r = openai::decode_embeddings_request(json::parse(c.body).as_object());
    ASSERT_FALSE(r) << c.body;
    EXPECT_EQ(r.error().http_status, 400) << c.body;
    EXPECT_EQ(r.error().param, c.param) << c.body;
  }
}

TEST(OpenAiEmbeddingsJson, Base64IsLittleEndianFloat32) {
  // 1.0f = 0x3f800000 and -2.0f = 0xc0000000, little-endian: 00 00 80 3f 00 00 00 c0.
  std::vector<float> v{1.0f, -2.0f};
  EXPECT_EQ(openai::floats_to_base64(v), "AACAPwAAAMA=");
  auto back = openai::floats_from_base64("AACAPwAAAMA=");
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, v);
  std::vector<float> three{0.5f, 0.25f, -0.125f};  // 12 bytes: no padding
  auto round = openai::floats_from_base64(openai::floats_to_base64(three));
  ASSERT_TRUE(round);
  EXPECT_EQ(*round, three);
  EXPECT_FALSE(openai::floats_from_base64("AACAPwA"));
  EXPECT_FALSE(openai::floats_from_base64("AACA"));  // 3 bytes: not a whole float
}

TEST(OpenAiEmbeddingsJson, FindsFloatVectorsWithoutParsing) {
  EXPECT_TRUE(openai::has_float_vectors(R"({"data":[{"index":0,"embedding": [0.5]}]})"));
  EXPECT_TRUE(openai::has_float_vectors(R"({"data":[{"object":"embedding","embedding":[0.5]}]})"));
  EXPECT_FALSE(openai::has_float_vectors(R"({"data":[{"object":"embedding","embedding":"AACAPw=="}]})"));
  EXPECT_TRUE(openai::has_float_vectors("{\"data\":[{\"embedding\"\n:\n[1]}]}"));
  EXPECT_FALSE(openai::has_float_vectors(R"({"data":[{"embedding":"AACAPw=="}]})"));
  EXPECT_FALSE(openai::has_float_vectors(R"({"data":[]})"));
}

TEST(OpenAiEmbeddingsJson, EncodesTheResponseAsOpenAiDoes) {
  EmbeddingsResponse resp{{{0.5f, -0.25f}, {1.0f, 0.1f}}, 7, "text-embedding-3-small"};
  EXPECT_EQ(openai::encode_embeddings_response(resp, EmbeddingEncoding::float_),
            R"({"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.5,-0.25]},)"
            R"({"object":"embedding","index":1,"embedding":[1,0.1]}],"model":"text-embedding-3-small",)"
            R"("usage":{"prompt_tokens":7,"total_tokens":7}})");
  auto b64 = json::parse(openai::encode_embeddings_response(resp, EmbeddingEncoding::base64)).as_object();
  EXPECT_EQ(b64.at("data").as_array()[0].as_object().at("embedding").as_string(),
            openai::floats_to_base64(resp.vectors[0]));
  auto decoded = openai::decode_embeddings_response(b64);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->vectors, resp.vectors);
  EXPECT_EQ(decoded->input_tokens, 7);
}

TEST(OpenAiEmbeddings, PassesTheClientBodyThroughWithTheModelRewritten) {
  auto t = target("openai", "text-embedding-3-small");
  std::string body = R"({"model":"embed","input":[[1,2],[3]],"encoding_format":"base64"})";
  EmbeddingsRequest req;
  req.model = "embed";
  req.token_input = true;
  auto r = t.provider->build_embeddings(req, t, body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->method, "POST");
  EXPECT_EQ(r->target, "/v1/embeddings");
  EXPECT_EQ(r->body, R"({"model":"text-embedding-3-small","input":[[1,2],[3]],"encoding_format":"base64"})");
  EXPECT_NE(r->prepared_headers.find("authorization: Bearer k-secret\r\n"), std::string::npos);
}

TEST(OpenAiEmbeddings, EncodesFromCanonicalWithoutABodyAndRefusesTokensThen) {
  auto t = target("together", "BAAI/bge-base-en-v1.5");
  auto r = t.provider->build_embeddings(request({"a", "b"}, 64), t);
  ASSERT_TRUE(r);
  EXPECT_EQ(
      r->body,
      R"({"model":"BAAI/bge-base-en-v1.5","input":["a","b"],"encoding_format":"float","dimensions":64})");
  EmbeddingsRequest tokens;
  tokens.model = "embed";
  tokens.token_input = true;
  auto refused = t.provider->build_embeddings(tokens, t);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().http_status, 400);
}

TEST(OpenAiEmbeddings, AzureAddressesTheDeploymentWithTheApiVersion) {
  auto t = target("azure", "my-embedder", "https://res.openai.azure.com");
  auto r = t.provider->build_embeddings(request({"a"}), t, R"({"model":"embed","input":"a"})");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "/openai/deployments/my-embedder/embeddings?api-version=2024-10-21");
  EXPECT_NE(r->prepared_headers.find("api-key: k-secret\r\n"), std::string::npos);
}

TEST(GeminiEmbeddings, BatchEmbedContentsOneRequestPerInput) {
  auto t = target("gemini", "gemini-embedding-001", "https://generativelanguage.googleapis.com/v1beta");
  auto r = t.provider->build_embeddings(request({"a", "b"}, 3), t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "/v1beta/models/gemini-embedding-001:batchEmbedContents");
  EXPECT_EQ(
      r->body,
      R"({"requests":[{"model":"models/gemini-embedding-001","content":{"parts":[{"text":"a"}]},"outputDimensionality":3},)"
      R"({"model":"models/gemini-embedding-001","content":{"parts":[{"text":"b"}]},"outputDimensionality":3}]})");
  EXPECT_NE(r->prepared_headers.find("x-goog-api-key: k-secret\r\n"), std::string::npos);

  auto resp = t.provider->decode_embeddings(R"({"embeddings":[{"values":[0.5,1]},{"values":[-1,0.25]}]})",
                                            request({"abcdefgh", "b"}));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->vectors, (std::vector<std::vector<float>>{{0.5f, 1.0f}, {-1.0f, 0.25f}}));
  EXPECT_EQ(resp->input_tokens, 3);  // estimated: 2 + 1
  EXPECT_FALSE(t.provider->decode_embeddings(R"({"embeddings":[{"values":[1]}]})", request({"a", "b"})));
}

TEST(OllamaEmbeddings, ApiEmbedWithInputArrayAndDimensions) {
  auto t = target("ollama", "nomic-embed-text", "http://127.0.0.1:11434");
  auto r = t.provider->build_embeddings(request({"a", "b"}, 256), t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "/api/embed");
  EXPECT_EQ(r->body, R"({"model":"nomic-embed-text","input":["a","b"],"dimensions":256})");
  auto resp = t.provider->decode_embeddings(
      R"({"model":"nomic-embed-text","embeddings":[[0.5],[0.25]],"total_duration":14143917,"load_duration":1019500,"prompt_eval_count":8})",
      request({"a", "b"}));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->vectors, (std::vector<std::vector<float>>{{0.5f}, {0.25f}}));
  EXPECT_EQ(resp->input_tokens, 8);
  EXPECT_EQ(resp->model, "nomic-embed-text");
}

TEST(BedrockEmbeddings, TitanV2OneInputSignedInvoke) {
  auto t = target("bedrock", "amazon.titan-embed-text-v2:0", "");
  auto r = t.provider->build_embeddings(request({"hello"}, 256), t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "/model/amazon.titan-embed-text-v2%3A0/invoke");
  EXPECT_EQ(r->body, R"({"inputText":"hello","normalize":true,"dimensions":256})");
  EXPECT_TRUE(header(*r, "authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
  EXPECT_NE(header(*r, "authorization").find("/us-west-2/bedrock/aws4_request"), std::string::npos);

  auto many = t.provider->build_embeddings(request({"a", "b"}), t);
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().http_status, 400);
  EXPECT_EQ(many.error().param, "input");

  auto resp = t.provider->decode_embeddings(
      R"({"embedding":[0.5,-0.5],"inputTextTokenCount":2,"embeddingsByType":{"float":[0.5,-0.5]}})",
      request({"hello"}));
  ASSERT_TRUE(resp);
  EXPECT_EQ(resp->vectors, (std::vector<std::vector<float>>{{0.5f, -0.5f}}));
  EXPECT_EQ(resp->input_tokens, 2);
}

TEST(BedrockEmbeddings, TitanV1TakesOnlyText) {
  auto t = target("bedrock", "amazon.titan-embed-text-v1", "");
  auto r = t.provider->build_embeddings(request({"hello"}), t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"inputText":"hello"})");
  EXPECT_FALSE(t.provider->build_embeddings(request({"hello"}, 256), t));
}

TEST(BedrockEmbeddings, CohereBatchesTexts) {
  auto t = target("bedrock", "cohere.embed-english-v3", "");
  auto r = t.provider->build_embeddings(request({"a", "b"}), t);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->target, "/model/cohere.embed-english-v3/invoke");
  EXPECT_EQ(r->body, R"({"texts":["a","b"],"input_type":"search_document"})");
  auto floats = t.provider->decode_embeddings(
      R"({"embeddings":[[0.5],[0.25]],"id":"x","response_type":"embeddings_floats","texts":["a","b"]})",
      request({"a", "b"}));
  ASSERT_TRUE(floats);
  EXPECT_EQ(floats->vectors, (std::vector<std::vector<float>>{{0.5f}, {0.25f}}));
  auto by_type = t.provider->decode_embeddings(
      R"({"embeddings":{"float":[[1],[2]]},"id":"x","response_type":"embeddings_by_type","texts":["a","b"]})",
      request({"a", "b"}));
  ASSERT_TRUE(by_type);
  EXPECT_EQ(by_type->vectors, (std::vector<std::vector<float>>{{1.0f}, {2.0f}}));
}

TEST(BedrockEmbeddings, OtherModelsAreRefused) {
  auto t = target("bedrock", "anthropic.claude-3-haiku-20240307-v1:0", "");
  auto r = t.provider->build_embeddings(request({"a"}), t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_NE(r.error().message.find("Titan"), std::string::npos);
}

TEST(ProviderEmbeddings, ProvidersWithoutEmbeddingsSayWhoTheyAre) {
  auto t = target("anthropic", "claude-haiku-4-5", "https://api.anthropic.com");
  auto r = t.provider->build_embeddings(request({"a"}), t);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().http_status, 400);
  EXPECT_NE(r.error().message.find("provider anthropic does not serve embeddings"), std::string::npos);
}
