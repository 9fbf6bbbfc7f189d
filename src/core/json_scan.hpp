// Byte-level look-ups in JSON text that is already known to be valid, so the pass-through path can rewrite
// one top-level field or read one sub-object without re-serializing the whole body.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace modelmux::json_scan {

struct Span {
  std::size_t begin = 0;
  std::size_t end = 0;  // one past the value's last byte
};

// Every value span of `key` among the top-level members of the object `text`. Keys written with escapes
// are not matched; callers fall back to a full re-serialization when a parsed key is not found here.
std::vector<Span> find_top_level(std::string_view text, std::string_view key);

// The value span of the last `"key":` anywhere in `text`, searching from the end. In valid JSON a raw
// `"key"` followed by a colon is always a key (quotes inside strings are escaped), though not always a
// top-level one: use it where the last such key is the wanted one (e.g. usage at the end of a reply).
std::optional<Span> find_last_key(std::string_view text, std::string_view key);

// `text` with each span replaced by `replacement` (spans sorted and non-overlapping).
std::string replace(std::string_view text, std::span<const Span> spans, std::string_view replacement);

}  // namespace modelmux::json_scan
