// The learned router's features of a chat request: hashed word unigrams and bigrams and character 4-grams
// of the last user message, and a few dense counts (lengths, code, maths and reasoning cues, turns, tools,
// system text). training/features.py is the reference: the weights are trained on the buckets it computes,
// so this file must agree with it bit for bit (tests/cases/router/features_golden.json pins both).
//
// One pass over at most the message's last kMaxFeaturizedBytes bytes, no allocation once the buffers have
// grown: a 2,000-token prompt is featurized in microseconds (bench/routing_bench.cpp).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/chat.hpp"

namespace modelmux::routing {

inline constexpr std::uint32_t kWordBuckets = 1u << 14;
inline constexpr std::uint32_t kCharBuckets = 1u << 14;
// Longer messages are read from their end, where the question usually is; their length still counts whole.
inline constexpr std::size_t kMaxFeaturizedBytes = 16384;
inline constexpr std::size_t kDenseFeatures = 13;
extern const std::array<std::string_view, kDenseFeatures> kDenseNames;

struct Features {
  std::vector<std::uint16_t> words;            // the bucket of every word unigram and bigram, in text order
  std::vector<std::uint16_t> chars;            // the bucket of every character 4-gram
  std::array<double, kDenseFeatures> dense{};  // raw values; the model standardises them

  // What one occurrence of a gram adds to its bucket: 1/sqrt(grams of its family).
  double word_value() const { return words.empty() ? 0 : 1 / std::sqrt(static_cast<double>(words.size())); }
  double char_value() const { return chars.empty() ? 0 : 1 / std::sqrt(static_cast<double>(chars.size())); }
};

// The features of a request: its last user message's text, user turns, tools and system/developer text.
void extract(const ChatRequest& req, Features& out);
// The same from the parts (the training script's view of a request).
void extract(std::string_view text, std::size_t turns, std::size_t tools, std::size_t system_bytes,
             Features& out);

// The text of the gram that first falls in `bucket` of a family (for the explainer: hashed features have no
// names), e.g. "word \"python\"", "words \"sort a\"", "chars \" reg\""; empty when none does.
std::string describe_word_bucket(std::string_view text, std::uint32_t bucket);
std::string describe_char_bucket(std::string_view text, std::uint32_t bucket);

// The text extract() reads from a request (the last user message, its text parts joined).
std::string_view routed_text(const ChatRequest& req, std::string& scratch);

}  // namespace modelmux::routing
