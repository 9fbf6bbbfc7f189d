// The price table: per upstream model, prices per 1M tokens, context window, capabilities and a quality
// score. Built from the data file shipped in the binary (data/prices.json), then the configuration's
// `prices:` entries on top; immutable afterwards.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "modelmux/chat.hpp"

namespace modelmux::cost {

enum Capability : std::uint32_t {
  cap_tools = 1u << 0,
  cap_vision = 1u << 1,
  cap_json_schema = 1u << 2,
  cap_reasoning = 1u << 3,
  cap_embeddings = 1u << 4,
};

struct ModelPrice {
  std::string model;  // the table's key
  // USD per 1M tokens: input, output (reasoning included, as every provider bills it), input read from the
  // prompt cache, and input written to it (Anthropic bills 1.25x input; the others nothing extra).
  double input = 0, output = 0, cached_input = 0, cache_write_input = 0;
  std::int64_t context_window = 0;  // 0: unknown
  std::int64_t max_output = 0;      // the most output tokens a reply may have; 0: unknown
  std::uint32_t capabilities = 0;
  double quality = 0.5;

  // USD for a request of these sizes (an estimate, before the request is sent).
  double cost(std::int64_t input_tokens, std::int64_t output_tokens) const {
    return (static_cast<double>(input_tokens) * input + static_cast<double>(output_tokens) * output) / 1e6;
  }
  // USD for what a reply's usage says was spent: cache reads and writes at their own prices.
  double cost(const Usage& u) const {
    auto plain = u.input_tokens - u.cached_input_tokens - u.cache_write_input_tokens;
    return (static_cast<double>(plain > 0 ? plain : 0) * input +
            static_cast<double>(u.cached_input_tokens) * cached_input +
            static_cast<double>(u.cache_write_input_tokens) * cache_write_input +
            static_cast<double>(u.output_tokens) * output) /
           1e6;
  }
};

class PriceTable {
 public:
  // The built-in table, then `overrides` (config errors name their line).
  static PriceTable load(const std::vector<config::PriceOverride>& overrides = {});

  // The entry for an upstream model id: exact, then without decorations (region and vendor prefixes,
  // dates, versions), then the longest listed prefix ending at a word boundary. Null when unknown.
  const ModelPrice* find(std::string_view model) const;
  std::size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<std::string, ModelPrice> entries_;
};

// A capability name from the data file ("tools", "vision", ...), or 0 when unknown.
std::uint32_t capability_from_string(std::string_view name);
std::string capability_names(std::uint32_t caps);

}  // namespace modelmux::cost
