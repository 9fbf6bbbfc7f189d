// The prompt-complexity classifier behind the `auto` strategy: features of the prompt (its length, code,
// mathematics, reasoning and expert cues, tools, conversation depth, number of questions) add points, and
// the total puts the request in a tier. Cheap by design (one pass over the text, no model), and explained:
// every feature that scored is listed with its points. The cues and thresholds were tuned on the labelled
// prompts in tests/cases/classifier (38 of them): expect the tier right most of the time, not always.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "modelmux/chat.hpp"

namespace modelmux::routing {

enum class Tier : std::uint8_t { simple, moderate, complex, expert };
std::string_view to_string(Tier t);

struct Classification {
  struct Feature {
    std::string_view name;
    double value;   // what was measured (tokens, matches, messages)
    double points;  // what it added to the score
  };
  Tier tier = Tier::simple;
  double score = 0;
  std::vector<Feature> features;  // those that scored, in the order checked
};

Classification classify(const ChatRequest& req);

}  // namespace modelmux::routing
