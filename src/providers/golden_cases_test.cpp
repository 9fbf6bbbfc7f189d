// One driver for every golden case in tests/cases/<provider>/*.json: an OpenAI client request goes through
// the provider's encoder and must equal the expected upstream request; the recorded upstream reply (body,
// SSE stream or error) goes back through the decoder and must equal the expected client response. A case
// with `client_request_error` instead checks the 400 the gateway gives for a request the provider cannot
// take. A case with "api": "embeddings" does the same for /v1/embeddings. A new case is a new file, not new
// code.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "providers/golden_support.hpp"
#include "providers/provider.hpp"
#include "providers/target_for_tests.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/openai/embeddings_json.hpp"

namespace json = boost::json;
using namespace modelmux;

namespace {

using golden::expect_refused;
using golden::expect_upstream_request;
using golden::load;

std::vector<std::filesystem::path> case_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& dir : std::filesystem::directory_iterator(MODELMUX_CASES_DIR))
    // One folder per provider; tests/cases/classifier and tests/cases/router hold the router's data instead,
    // tests/cases/responses the Responses surface's cases (wire/openai/responses/golden_test.cpp).
    if (dir.is_directory() && dir.path().filename() != "classifier" && dir.path().filename() != "router" &&
        dir.path().filename() != "responses")
      for (const auto& f : std::filesystem::directory_iterator(dir.path()))
        if (f.path().extension() == ".json") out.push_back(f.path());
  std::sort(out.begin(), out.end());
  return out;
}

// A recorded upstream error reply must map to the expected Error (`client_error`).
void expect_mapped_error(const json::object& c, const providers::Provider& provider) {
  const auto& reply = c.at("upstream_reply").as_object();
  int status = static_cast<int>(reply.at("status").as_int64());
  const auto& ee = c.at("client_error").as_object();
  http::Headers headers;
  if (auto* hs = reply.if_contains("headers"))
    for (const auto& h : hs->as_object()) headers.emplace_back(h.key(), h.value().as_string());
  http::MemoryReply upstream(status, headers, json::serialize(reply.at("body")));
  Error e = provider.map_error_reply(upstream, json::serialize(reply.at("body")));
  EXPECT_EQ(to_string(e.code), ee.at("code").as_string());
  EXPECT_EQ(e.http_status, ee.at("status").as_int64());
  EXPECT_EQ(e.retryable, ee.at("retryable").as_bool());
  if (auto* ra = ee.if_contains("retry_after")) {
    ASSERT_TRUE(e.retry_after);
    EXPECT_EQ(e.retry_after->count(), ra->as_int64());
  }
  EXPECT_NE(e.message.find(std::string(ee.at("message_contains").as_string())), std::string::npos)
      << e.message;
}

// An embeddings case (`"api": "embeddings"`): the client's /v1/embeddings body, translated (OpenAI-wire
// targets get it as it is, model rewritten, and their reply is relayed as it is), and the reply decoded
// and encoded as OpenAI's in the encoding the client asked for.
void check_embeddings_case(const json::object& c, const providers::Target& target) {
  const auto& provider = *target.provider;
  const auto& client = c.at("client_request").as_object();
  auto req = openai::decode_embeddings_request(client);
  ASSERT_TRUE(req) << req.error().message;
  bool same_wire = provider.wire() == providers::Wire::openai;  // the OpenAI surface's wire
  std::string client_body = json::serialize(client);
  auto up =
      provider.build_embeddings(*req, target, same_wire ? std::string_view(client_body) : std::string_view());
  if (c.contains("client_request_error")) return expect_refused(c, up);
  ASSERT_TRUE(up) << up.error().message;
  expect_upstream_request(c, *up);
  if (c.contains("client_error")) return expect_mapped_error(c, provider);
  const auto& reply = c.at("upstream_reply").as_object();
  ASSERT_EQ(reply.at("status").as_int64(), 200);
  std::string body = json::serialize(reply.at("body"));
  if (same_wire) {
    EXPECT_EQ(reply.at("body"), c.at("client_response"));
    return;
  }
  auto resp = provider.decode_embeddings(body, *req);
  ASSERT_TRUE(resp) << resp.error().message;
  if (resp->model.empty()) resp->model = req->model;
  auto got = json::parse(openai::encode_embeddings_response(*resp, req->encoding));
  EXPECT_EQ(got, c.at("client_response")) << "got: " << json::serialize(got);
}

class GoldenCase : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(GoldenCase, TranslatesBothWays) {
  json::object c = load(GetParam());
  SCOPED_TRACE(GetParam().filename().string() + ": " + std::string(c.at("description").as_string()));
  // The case's target is made as the gateway makes one: its keys (a JSON object is a YAML flow mapping)
  // through the configuration loader, then the provider's own checks.
  providers::Target target = providers::target_for_tests(json::serialize(c.at("target")));
  // Signed requests are dated: a case pins the clock ("2024-11-05T09:08:07Z").
  if (auto* clock = c.if_contains("clock")) {
    std::tm tm{};
    std::string text(clock->as_string());
    ASSERT_TRUE(strptime(text.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) << text;
    auto at = std::chrono::system_clock::from_time_t(timegm(&tm));
    target.clock = [at] { return at; };
  }
  const providers::Provider& provider = *target.provider;
  if (auto* api = c.if_contains("api"); api && api->as_string() == "embeddings")
    return check_embeddings_case(c, target);

  auto req = openai::decode_chat_request(c.at("client_request").as_object());
  ASSERT_TRUE(req) << req.error().message;

  // client request -> upstream request, or the 400 the gateway answers itself when it cannot be translated
  auto up = provider.build_chat(*req, target);
  if (c.contains("client_request_error")) return expect_refused(c, up);
  ASSERT_TRUE(up) << up.error().message;
  expect_upstream_request(c, *up);

  // upstream reply -> client response
  const auto& reply = c.at("upstream_reply").as_object();
  int status = static_cast<int>(reply.at("status").as_int64());
  if (c.contains("client_error")) return expect_mapped_error(c, provider);
  ASSERT_EQ(status, 200);
  if (auto* body = reply.if_contains("body")) {
    auto resp = provider.decode_chat(json::serialize(*body), *req);
    ASSERT_TRUE(resp) << resp.error().message;
    json::object got = json::parse(openai::write_chat_response(*resp, resp->id, 0)).as_object();
    EXPECT_EQ(json::value(got), c.at("client_response")) << "got: " << json::serialize(got);
    return;
  }
  // A stream (SSE, NDJSON, or AWS event-stream frames written as a list of {headers, payload} and encoded
  // here), fed whole and then split at every 7th byte: the chunks must be the same.
  std::string sse = golden::stream_bytes(reply);
  for (std::size_t step : {sse.size(), std::size_t{7}}) {
    SCOPED_TRACE("fed in pieces of " + std::to_string(step));
    auto decoder = provider.stream_decoder(*req);
    openai::ChunkEncoder encoder("chatcmpl-test", req->model, req->include_usage, 0);
    json::array chunks;
    Result<void> fed;
    std::vector<StreamEvent> events;
    for (std::size_t i = 0; i < sse.size() && fed; i += step)
      fed = decoder->feed(std::string_view(sse).substr(i, step), events);
    if (fed) fed = decoder->finish(events);
    for (const auto& ev : events)
      for (auto& payload : encoder.encode(ev)) chunks.push_back(json::parse(payload));
    json::array expected = c.contains("client_stream") ? c.at("client_stream").as_array() : json::array{};
    EXPECT_EQ(json::value(chunks), json::value(expected)) << "got: " << json::serialize(chunks);
    if (auto* se = c.if_contains("client_stream_error")) {
      ASSERT_FALSE(fed) << "the stream should have ended in an error";
      EXPECT_EQ(to_string(fed.error().code), se->as_object().at("code").as_string());
      EXPECT_NE(fed.error().message.find(std::string(se->as_object().at("message_contains").as_string())),
                std::string::npos)
          << fed.error().message;
    } else {
      EXPECT_TRUE(fed) << fed.error().message;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, GoldenCase, ::testing::ValuesIn(case_files()), [](const auto& info) {
  std::string name = info.param.parent_path().filename().string() + "_" + info.param.stem().string();
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

}  // namespace
