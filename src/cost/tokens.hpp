// A fast token estimate (about four bytes a token for English and code) used where no exact count exists:
// the mock's usage, pre-routing input estimates. Exact tokenizers can replace it per model family later.
#pragma once

#include <cstdint>
#include <string_view>

namespace modelmux::cost {

inline std::int64_t estimate_tokens(std::string_view text) {
  if (text.empty()) return 0;
  return static_cast<std::int64_t>((text.size() + 3) / 4);
}

}  // namespace modelmux::cost
