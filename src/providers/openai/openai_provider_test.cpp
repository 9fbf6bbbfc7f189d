#include "providers/openai/openai_provider.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/target_for_tests.hpp"

using namespace modelmux;
using namespace modelmux::providers;
namespace json = boost::json;

namespace {

Target target(const char* provider = "openai") {
  config::TargetConfig c;
  c.provider = provider;
  c.model = "gpt-up";
  c.api_key = "sk-secret";
  c.api_base = "http://127.0.0.1:9/v1";
  c.headers["x-extra"] = "1";
  return make_target(c);
}

}  // namespace

TEST(OpenAiProvider, PassThroughRewritesOnlyTheModel) {
  auto t = target();
  std::string body =
      R"({"model":"fast","messages":[{"role":"user","content":"model"}],"custom":{"model":"keep"},"stream":true})";
  auto parsed = json::parse(body).as_object();
  auto req = t.provider->build_passthrough({body, parsed, true}, t);
  ASSERT_TRUE(req);
  EXPECT_EQ(
      req->body,
      R"({"model":"gpt-up","messages":[{"role":"user","content":"model"}],"custom":{"model":"keep"},"stream":true})");
  EXPECT_EQ(req->target, "/v1/chat/completions");
  EXPECT_EQ(
      req->prepared_headers,
      "content-type: application/json\r\naccept: text/event-stream\r\nauthorization: Bearer sk-secret\r\n"
      "x-extra: 1\r\n");
}

TEST(OpenAiProvider, PassThroughWithAnEscapedModelKeyStillRewrites) {
  auto t = target();
  std::string body = R"({"mod\u0065l":"fast","messages":[{"role":"user","content":"x"}]})";
  auto parsed = json::parse(body).as_object();
  auto req = t.provider->build_passthrough({body, parsed}, t);
  ASSERT_TRUE(req);
  EXPECT_EQ(json::parse(req->body).as_object().at("model").as_string(), "gpt-up");
}

TEST(OpenAiProvider, MapsUpstreamStatusesToErrors) {
  auto t = target();
  const auto& p = *t.provider;
  struct Case {
    int status;
    ErrorCode code;
    int client_status;
    bool retryable;
  } cases[] = {
      {400, ErrorCode::invalid_request, 400, false},
      {401, ErrorCode::authentication, 401, false},
      {403, ErrorCode::permission_denied, 403, false},
      {404, ErrorCode::not_found, 404, false},
      {408, ErrorCode::timeout, 504, true},
      {409, ErrorCode::conflict, 409, true},
      {413, ErrorCode::payload_too_large, 413, false},
      {422, ErrorCode::unprocessable, 422, false},
      {429, ErrorCode::rate_limited, 429, true},
      {500, ErrorCode::upstream_error, 502, true},
      {502, ErrorCode::upstream_error, 502, true},
      {503, ErrorCode::overloaded, 503, true},
      {504, ErrorCode::upstream_error, 502, true},
  };
  for (const auto& c : cases) {
    auto e = p.map_error(c.status, "", R"({"error":{"message":"boom","type":"x","code":null}})");
    EXPECT_EQ(e.code, c.code) << c.status;
    EXPECT_EQ(e.http_status, c.client_status) << c.status;
    EXPECT_EQ(e.retryable, c.retryable) << c.status;
    EXPECT_NE(e.message.find("boom"), std::string::npos);
    EXPECT_EQ(e.provider, "openai");
  }
  auto limited = p.map_error(429, "7", "{}");
  ASSERT_TRUE(limited.retry_after);
  EXPECT_EQ(limited.retry_after->count(), 7);
  auto ctx = p.map_error(400, "", R"({"error":{"message":"too long","code":"context_length_exceeded"}})");
  EXPECT_EQ(ctx.code, ErrorCode::context_length);
  auto plain = p.map_error(502, "", "<html>bad gateway</html>");
  EXPECT_NE(plain.message.find("bad gateway"), std::string::npos);
}

TEST(OpenAiProvider, ReplyObserverReadsUsageFromAStreamSplitAnywhere) {
  auto t = target();
  std::string stream =
      "data: {\"choices\":[{\"delta\":{\"content\":\"usage\"}}]}\n\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":5}}\n\ndata: [DONE]\n\n";
  for (std::size_t cut = 1; cut < stream.size(); cut += 7) {
    auto obs = t.provider->reply_observer(true, false);
    obs->feed(std::string_view(stream).substr(0, cut), nullptr);
    obs->feed(std::string_view(stream).substr(cut), nullptr);
    obs->finish(nullptr);
    ASSERT_TRUE(obs->usage()) << cut;
    EXPECT_EQ(obs->usage()->input_tokens, 11);
    EXPECT_EQ(obs->usage()->output_tokens, 5);
  }
  auto whole = t.provider->reply_observer(false, false);
  whole->feed(
      R"({"id":"x","choices":[{"message":{"content":"\"usage\":{}"}}],"usage":{"prompt_tokens":3,"completion_tokens":4}})",
      nullptr);
  whole->finish(nullptr);
  ASSERT_TRUE(whole->usage());
  EXPECT_EQ(whole->usage()->output_tokens, 4);
}

TEST(ParseRetryAfter, SecondsAndDates) {
  EXPECT_EQ(parse_retry_after("30")->count(), 30);
  EXPECT_EQ(parse_retry_after(" 1.5 ")->count(), 2);
  EXPECT_FALSE(parse_retry_after(""));
  EXPECT_FALSE(parse_retry_after("soon"));
  EXPECT_TRUE(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST(OpenAiProvider, AsksForStreamUsageAndHidesItFromTheClient) {
  auto t = target();
  std::string body = R"({"model":"fast","stream":true,"messages":[{"role":"user","content":"x"}]})";
  auto fields = json::parse(body).as_object();
  auto req = t.provider->build_passthrough({body, fields, true, true}, t);
  ASSERT_TRUE(req);
  auto sent = json::parse(req->body).as_object();
  EXPECT_EQ(sent.at("stream_options").as_object().at("include_usage").as_bool(), true);
  EXPECT_EQ(sent.at("model").as_string(), "gpt-up");

  std::string with_options =
      R"({"model":"fast","stream":true,"stream_options":{"include_usage":false,"x":1},"messages":[]})";
  auto fields2 = json::parse(with_options).as_object();
  auto req2 = t.provider->build_passthrough({with_options, fields2, true, true}, t);
  auto opts = json::parse(req2->body).as_object().at("stream_options").as_object();
  EXPECT_EQ(opts.at("include_usage").as_bool(), true);
  EXPECT_EQ(opts.at("x").as_int64(), 1);

  std::string stream =
      "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n"
      "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}\n\n"
      "data: [DONE]\n\n";
  std::string expected_out =
      "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\n"
      "data: {\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}\r\n\r\n"
      "data: [DONE]\n\n";
  for (std::size_t cut = 1; cut < stream.size(); cut += 5) {
    auto obs = t.provider->reply_observer(true, true);
    ASSERT_TRUE(obs->filters());
    std::string out;
    obs->feed(std::string_view(stream).substr(0, cut), &out);
    obs->feed(std::string_view(stream).substr(cut), &out);
    obs->finish(&out);
    EXPECT_EQ(out, expected_out) << cut;
    ASSERT_TRUE(obs->usage());
    EXPECT_EQ(obs->usage()->input_tokens, 2);
  }
}

TEST(OpenAiProvider, PresetsKnowTheirServices) {
  auto make = [](std::string provider) {
    config::TargetConfig c;
    c.provider = std::move(provider);
    c.model = std::string(1, 'm');
    c.api_key = std::string(1, 'k');
    return make_target(c);
  };
  auto groq = make("groq");
  EXPECT_EQ(groq.base.host, "api.groq.com");
  EXPECT_EQ(groq.request_path, "/openai/v1/chat/completions");
  EXPECT_TRUE(groq.stream_usage);
  EXPECT_EQ(make("openrouter").request_path, "/api/v1/chat/completions");
  EXPECT_EQ(make("fireworks").request_path, "/inference/v1/chat/completions");
  EXPECT_EQ(make("deepseek").base.host, "api.deepseek.com");
  EXPECT_EQ(make("together").base.host, "api.together.xyz");
  EXPECT_FALSE(make("mistral").stream_usage);  // Mistral refuses unknown fields
  config::TargetConfig forced;
  forced.provider = std::string("mistral");
  forced.model = std::string(1, 'm');
  forced.stream_usage = true;
  EXPECT_TRUE(make_target(forced).stream_usage);
}

TEST(OpenAiProvider, AzureAddressesADeploymentWithItsOwnHeader) {
  config::TargetConfig c;
  c.provider = "azure";
  c.model = "gpt4o-prod";
  c.api_key = "azure-key";
  c.api_base = "https://myres.openai.azure.com";
  auto t = make_target(c);
  EXPECT_EQ(t.request_path, "/openai/deployments/gpt4o-prod/chat/completions?api-version=2024-10-21");
  EXPECT_NE(t.prepared_headers[0].find("api-key: azure-key\r\n"), std::string::npos);
  EXPECT_EQ(t.prepared_headers[0].find("authorization"), std::string::npos);
  c.provider_keys.set("api_version", {"2025-04-01-preview", {}});
  EXPECT_EQ(make_target(c).request_path,
            "/openai/deployments/gpt4o-prod/chat/completions?api-version=2025-04-01-preview");
  c.api_base.clear();
  EXPECT_THROW(make_target(c), config::ConfigError);
  // Azure's content filter refusal maps to content_filter.
  auto e = t.provider->map_error(400, "", R"({"error":{"message":"filtered","code":"content_filter"}})");
  EXPECT_EQ(e.code, ErrorCode::content_filter);
}

// Responses requests pass through only to an upstream that serves /responses: OpenAI's own API by
// default, another when its target says responses_api: true.
TEST(OpenAiProvider, SpeaksTheResponsesApiOnlyWhereItIsServed) {
  using providers::Wire;
  auto speaks = [](std::string_view keys) {
    auto t = providers::target_for_tests(keys);
    return t.provider->speaks(Wire::openai_responses, t);
  };
  EXPECT_TRUE(speaks("{provider: openai, model: gpt-4o, api_key: k}"));
  EXPECT_FALSE(speaks("{provider: openai, model: gpt-4o, api_key: k, responses_api: false}"));
  EXPECT_FALSE(speaks("{provider: openai, model: m, api_base: 'http://127.0.0.1:8000/v1'}"));
  EXPECT_TRUE(
      speaks("{provider: openai, model: m, api_base: 'http://127.0.0.1:8000/v1', responses_api: true}"));
  EXPECT_FALSE(speaks("{provider: groq, model: m, api_key: k}"));
  EXPECT_THROW(providers::target_for_tests("{provider: openai, model: m, responses_api: yes}"),
               config::ConfigError);
}
