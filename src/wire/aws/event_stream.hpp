// The AWS event stream (application/vnd.amazon.eventstream), the binary framing of Bedrock's and
// SageMaker's streamed replies. A message is: total length (u32, big endian), headers length (u32), CRC32
// of those 8 bytes; the headers (name length u8, name, value type u8, value); the payload; a CRC32 of all
// that precedes it. Both CRCs are checked.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "modelmux/error.hpp"

namespace modelmux::aws {

struct EventMessage {
  // Header values as text: strings and byte arrays as they are, booleans as true/false, integers and
  // timestamps in decimal, UUIDs as 32 hex digits.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string payload;

  std::string_view header(std::string_view name) const;
};

// CRC-32 (IEEE 802.3, the zlib one), continuing from `crc`.
std::uint32_t crc32(std::string_view data, std::uint32_t crc = 0);

// Incremental: bytes may arrive split anywhere.
class EventStreamDecoder {
 public:
  // Appends each message completed by `bytes`; a malformed message or a CRC mismatch is an error.
  Result<void> feed(std::string_view bytes, std::vector<EventMessage>& out);
  // Whether a message has been started and not completed.
  bool partial() const { return !buffer_.empty(); }

 private:
  std::string buffer_;
  bool prelude_checked_ = false;
};

// Encodes a message whose headers are all strings (type 7); for tests and fakes.
std::string encode_event(const EventMessage& message);

}  // namespace modelmux::aws
