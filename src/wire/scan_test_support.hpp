// For the scanners' tests (wire/*/..._scan_test.cpp): what a scan decoded against what the tree decoder gave
// for the same body, field by field, and the model span a request scan recorded against find_top_level's.
#pragma once

#include <gtest/gtest.h>

#include <string_view>

#include "core/json_scan.hpp"
#include "modelmux/chat.hpp"

namespace modelmux::scan_test {

inline void expect_same_messages(const std::vector<Message>& fast, const std::vector<Message>& slow) {
  ASSERT_EQ(fast.size(), slow.size());
  for (std::size_t i = 0; i < fast.size(); ++i) {
    const auto &a = fast[i], &b = slow[i];
    EXPECT_EQ(a.role, b.role);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.reasoning, b.reasoning);
    EXPECT_TRUE(a.tool_calls.empty());
    EXPECT_TRUE(b.tool_calls.empty());
    ASSERT_EQ(a.content.size(), b.content.size());
    for (std::size_t k = 0; k < a.content.size(); ++k) {
      EXPECT_EQ(a.content[k].kind, b.content[k].kind);
      EXPECT_EQ(a.content[k].text, b.content[k].text);
      EXPECT_EQ(a.content[k].source, b.content[k].source);
    }
  }
}

// The model's span is where the pass-through rewrites it: the one find_top_level gives.
inline void expect_model_span(std::string_view body, json_scan::Span model_at) {
  auto spans = json_scan::find_top_level(body, "model");
  ASSERT_EQ(spans.size(), 1u) << body;
  EXPECT_EQ(model_at.begin, spans[0].begin) << body;
  EXPECT_EQ(model_at.end, spans[0].end) << body;
}

inline void expect_same_request(const ChatRequest& fast, const ChatRequest& slow) {
  EXPECT_EQ(fast.model, slow.model);
  EXPECT_EQ(fast.stream, slow.stream);
  EXPECT_EQ(fast.include_usage, slow.include_usage);
  EXPECT_EQ(fast.max_tokens, slow.max_tokens);
  EXPECT_EQ(fast.temperature, slow.temperature);
  EXPECT_EQ(fast.top_p, slow.top_p);
  EXPECT_EQ(fast.seed, slow.seed);
  EXPECT_EQ(fast.stop, slow.stop);
  EXPECT_EQ(fast.user, slow.user);
  EXPECT_TRUE(fast.extra.empty());
  EXPECT_TRUE(slow.tools.empty());
  expect_same_messages(fast.messages, slow.messages);
}

inline void expect_same_response(const ChatResponse& fast, const ChatResponse& slow) {
  EXPECT_EQ(fast.id, slow.id);
  EXPECT_EQ(fast.model, slow.model);
  EXPECT_EQ(fast.created, slow.created);
  EXPECT_EQ(fast.finish_reason, slow.finish_reason);
  expect_same_messages({fast.message}, {slow.message});
  ASSERT_EQ(fast.usage.has_value(), slow.usage.has_value());
  if (fast.usage) {
    EXPECT_EQ(fast.usage->input_tokens, slow.usage->input_tokens);
    EXPECT_EQ(fast.usage->output_tokens, slow.usage->output_tokens);
    EXPECT_EQ(fast.usage->cached_input_tokens, slow.usage->cached_input_tokens);
    EXPECT_EQ(fast.usage->cache_write_input_tokens, slow.usage->cache_write_input_tokens);
    EXPECT_EQ(fast.usage->reasoning_tokens, slow.usage->reasoning_tokens);
  }
}

}  // namespace modelmux::scan_test
