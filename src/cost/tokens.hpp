// A fast token estimate used where no exact count exists: the mock's usage, pre-routing input estimates.
// About four bytes a token for English and code; text outside ASCII runs denser (CJK is near one token a
// character, i.e. three bytes). Exact tokenizers can replace it per model family later.
#pragma once

#include <cstdint>
#include <string_view>

#include "modelmux/chat.hpp"

namespace modelmux::cost {

inline std::int64_t estimate_tokens(std::string_view text) {
  if (text.empty()) return 0;
  std::size_t high = 0;
  for (unsigned char c : text) high += c >= 0x80;
  // Multi-byte characters: ~3 bytes a token instead of 4.
  std::size_t ascii = text.size() - high;
  return static_cast<std::int64_t>((ascii + 3) / 4 + (high + 2) / 3);
}

// Input tokens of a whole chat request: text, a per-message framing overhead, images at a typical tile
// count, and the tools' schemas.
std::int64_t estimate_input_tokens(const ChatRequest& req);

}  // namespace modelmux::cost
