// What the golden-case drivers share (providers/golden_cases_test.cpp for the chat and embeddings cases,
// wire/openai/responses/golden_test.cpp for the Responses surface's): reading a case, comparing the upstream
// request and a refusal with what the case expects, and a recorded stream's bytes.
#pragma once

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "http/client.hpp"
#include "wire/aws/event_stream.hpp"

namespace modelmux::golden {

namespace json = boost::json;

inline json::object load(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

inline std::string header_value(const http::ClientRequest& r, std::string_view name) {
  std::string_view all = r.prepared_headers;
  while (!all.empty()) {
    auto end = all.find("\r\n");
    std::string_view line = all.substr(0, end);
    auto colon = line.find(": ");
    if (colon != std::string_view::npos && line.substr(0, colon) == name)
      return std::string(line.substr(colon + 2));
    all.remove_prefix(end == std::string_view::npos ? all.size() : end + 2);
  }
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "<absent>";
}

// The request the gateway sends must be the expected `upstream_request`.
inline void expect_upstream_request(const json::object& c, const http::ClientRequest& up) {
  const auto& expected_up = c.at("upstream_request").as_object();
  EXPECT_EQ(up.method, expected_up.at("method").as_string());
  EXPECT_EQ(up.target, expected_up.at("path").as_string());
  for (const auto& h : expected_up.at("headers").as_object())
    EXPECT_EQ(header_value(up, h.key()), h.value().as_string()) << "header " << h.key();
  EXPECT_EQ(json::parse(up.body), expected_up.at("body")) << "sent: " << up.body;
}

// A request refused before any upstream call must be the expected 400 (`client_request_error`).
template <class T>
void expect_refused(const json::object& c, const Result<T>& up) {
  const auto& re = c.at("client_request_error").as_object();
  ASSERT_FALSE(up) << "the request should have been refused";
  EXPECT_EQ(to_string(up.error().code), re.at("code").as_string());
  EXPECT_EQ(up.error().http_status, re.at("status").as_int64());
  EXPECT_EQ(up.error().param, re.at("param").as_string());
  EXPECT_NE(up.error().message.find(std::string(re.at("message_contains").as_string())), std::string::npos)
      << up.error().message;
}

// A recorded stream's bytes: SSE or NDJSON text, or AWS event-stream frames written as a list of {headers,
// payload} and encoded here (`cut_bytes`: the connection cut its last bytes off).
inline std::string stream_bytes(const json::object& reply) {
  if (auto* frames = reply.if_contains("eventstream")) {
    std::string out;
    for (const auto& f : frames->as_array()) {
      aws::EventMessage m;
      for (const auto& h : f.at("headers").as_object())
        m.headers.emplace_back(h.key(), h.value().as_string());
      const auto& payload = f.at("payload");
      m.payload = payload.is_string() ? std::string(payload.as_string()) : json::serialize(payload);
      out += aws::encode_event(m);
    }
    if (auto* cut = reply.if_contains("cut_bytes"))
      out.resize(out.size() - static_cast<std::size_t>(cut->as_int64()));
    return out;
  }
  return std::string(reply.contains("sse") ? reply.at("sse").as_string() : reply.at("ndjson").as_string());
}

}  // namespace modelmux::golden
