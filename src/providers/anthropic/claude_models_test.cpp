#include "providers/anthropic/claude_models.hpp"

#include <gtest/gtest.h>

namespace modelmux::anthropic {
namespace {

TEST(ClaudeModels, WhichTakeOnlyOneSamplingParameter) {
  for (const char* id :
       {"claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "claude-haiku-4-5", "claude-opus-4-1-20250805",
        "claude-opus-4-5", "claude-sonnet-4-6", "claude-sonnet-5",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0", "anthropic.claude-opus-4-1-20250805-v1:0"})
    EXPECT_TRUE(takes_one_sampling_parameter(id)) << id;
  for (const char* id : {"claude-sonnet-4-20250514", "claude-opus-4-20250514", "claude-3-7-sonnet-20250219",
                         "claude-3-5-haiku-latest", "anthropic.claude-3-5-sonnet-20240620-v1:0", "gpt-4o",
                         "amazon.nova-pro-v1:0"})
    EXPECT_FALSE(takes_one_sampling_parameter(id)) << id;
}

}  // namespace
}  // namespace modelmux::anthropic
