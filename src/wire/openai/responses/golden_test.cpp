// The Responses surface's golden cases, tests/cases/responses/*.json: a Responses request (client_request)
// decoded and encoded for the case's target must be the expected upstream request; the recorded upstream
// reply must come back as the expected response object (client_response), or a recorded stream as the
// expected Responses events (client_events), fed whole and in pieces of 7 bytes. A case with
// `client_request_error` checks the 400 instead. Ids and times are pinned: the response is resp_test,
// created at 0.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "providers/golden_support.hpp"
#include "providers/target_for_tests.hpp"
#include "wire/openai/responses/reply.hpp"
#include "wire/openai/responses/request.hpp"

namespace json = boost::json;
using namespace modelmux;
namespace responses = modelmux::openai::responses;

namespace {

std::vector<std::filesystem::path> case_files() {
  std::vector<std::filesystem::path> out;
  for (const auto& f :
       std::filesystem::directory_iterator(std::filesystem::path(MODELMUX_CASES_DIR) / "responses"))
    if (f.path().extension() == ".json") out.push_back(f.path());
  std::sort(out.begin(), out.end());
  return out;
}

// SSE frames into their data objects; each frame's event name must be its data's type.
json::array events_of(std::string_view sse) {
  json::array out;
  std::size_t at = 0;
  while (at < sse.size()) {
    auto end = sse.find("\n\n", at);
    std::string_view frame = sse.substr(at, end - at);
    at = end + 2;
    auto data = frame.find("\ndata: ");
    std::string_view event = frame.substr(7, data - 7);  // ("event: " ...)
    json::value v = json::parse(frame.substr(data + 7));
    EXPECT_EQ(event, v.at("type").as_string());
    out.push_back(std::move(v));
  }
  return out;
}

class ResponsesCase : public ::testing::TestWithParam<std::filesystem::path> {};

TEST_P(ResponsesCase, TranslatesBothWays) {
  json::object c = golden::load(GetParam());
  SCOPED_TRACE(GetParam().filename().string() + ": " + std::string(c.at("description").as_string()));
  providers::Target target = providers::target_for_tests(json::serialize(c.at("target")));
  const providers::Provider& provider = *target.provider;

  ChatRequest req;
  auto none = [](std::string_view) -> std::optional<json::value> { return std::nullopt; };
  auto decoded = responses::decode_request(c.at("client_request").as_object(), {}, none, "resp_test", req);
  if (c.contains("client_request_error") && !decoded) return golden::expect_refused(c, decoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  // What only an OpenAI target given the body can serve is every translated target's 400.
  if (c.contains("client_request_error") && decoded->openai_only)
    return golden::expect_refused(c, Result<void>(std::unexpected(*decoded->openai_only)));
  auto up = provider.build_chat(req, target);
  if (c.contains("client_request_error")) return golden::expect_refused(c, up);
  ASSERT_TRUE(up) << up.error().message;
  golden::expect_upstream_request(c, *up);

  responses::Head head{.id = "resp_test", .created_at = 0, .model = req.model, .echo = decoded->echo};
  const auto& reply = c.at("upstream_reply").as_object();
  ASSERT_EQ(reply.at("status").as_int64(), 200);
  if (auto* body = reply.if_contains("body")) {
    auto resp = provider.decode_chat(json::serialize(*body), req);
    ASSERT_TRUE(resp) << resp.error().message;
    json::value got = responses::encode_response(head, *resp);
    EXPECT_EQ(got, c.at("client_response")) << "got: " << json::serialize(got);
    return;
  }
  std::string bytes = golden::stream_bytes(reply);
  for (std::size_t step : {bytes.size(), std::size_t{7}}) {
    SCOPED_TRACE("fed in pieces of " + std::to_string(step));
    auto decoder = provider.stream_decoder(req);
    json::object stored;
    responses::EventEncoder encoder(head, [&](const json::object& r) { stored = r; });
    std::vector<StreamEvent> events;
    Result<void> fed;
    for (std::size_t i = 0; i < bytes.size() && fed; i += step)
      fed = decoder->feed(std::string_view(bytes).substr(i, step), events);
    if (fed) fed = decoder->finish(events);
    std::string sse;
    for (const auto& ev : events) encoder.encode(ev, sse);
    if (fed)
      encoder.finish(sse);
    else
      encoder.fail(fed.error(), sse);
    json::array got = events_of(sse);
    EXPECT_EQ(json::value(got), c.at("client_events")) << "got: " << json::serialize(got);
    // What is stored is what the last event carried.
    EXPECT_EQ(json::value(stored), got.back().at("response"));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, ResponsesCase, ::testing::ValuesIn(case_files()), [](const auto& info) {
  std::string name = info.param.stem().string();
  for (auto& ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return name;
});

}  // namespace
