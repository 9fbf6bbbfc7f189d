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
  double input = 0, output = 0, cached_input = 0;  // USD per 1M tokens
  std::int64_t context_window = 0;                 // 0: unknown
  std::uint32_t capabilities = 0;
  double quality = 0.5;

  // USD for a request of these sizes.
  double cost(std::int64_t input_tokens, std::int64_t output_tokens, std::int64_t cached_tokens = 0) const {
    return (static_cast<double>(input_tokens - cached_tokens) * input + static_cast<double>(cached_tokens) * cached_input +
            static_cast<double>(output_tokens) * output) / 1e6;
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
