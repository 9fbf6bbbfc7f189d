#include "wire/aws/event_stream.hpp"

#include <fmt/format.h>

#include <array>

namespace modelmux::aws {
namespace {

constexpr std::size_t kPrelude = 12;
constexpr std::size_t kMinMessage = kPrelude + 4;
constexpr std::uint32_t kMaxMessage = 16u << 20;  // the format's own limit

constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr auto kCrcTable = make_table();

std::uint64_t read_be(std::string_view s, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  return v;
}

void write_be(std::string& out, std::uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

Error malformed(std::string_view what) {
  return Error::make(ErrorCode::upstream_error, fmt::format("malformed AWS event stream: {}", what));
}

Result<void> parse_headers(std::string_view h, EventMessage& m) {
  std::size_t i = 0;
  auto need = [&](std::size_t n) { return i + n <= h.size(); };
  while (i < h.size()) {
    std::size_t name_len = static_cast<unsigned char>(h[i++]);
    if (name_len == 0 || !need(name_len + 1)) return std::unexpected(malformed("header name"));
    std::string name(h.substr(i, name_len));
    i += name_len;
    int type = static_cast<unsigned char>(h[i++]);
    std::string value;
    switch (type) {
      case 0:
        value = "true";
        break;
      case 1:
        value = "false";
        break;
      case 2:
      case 3:
      case 4:
      case 5:
      case 8: {
        int size = type == 2 ? 1 : type == 3 ? 2 : type == 4 ? 4 : 8;
        if (!need(size)) return std::unexpected(malformed("header value"));
        auto raw = read_be(h, i, size);
        // Signed integers: sign-extend from their width.
        auto v = size == 8 ? static_cast<std::int64_t>(raw)
                           : static_cast<std::int64_t>(raw << (64 - 8 * size)) >> (64 - 8 * size);
        value = std::to_string(v);
        i += size;
        break;
      }
      case 6:
      case 7: {
        if (!need(2)) return std::unexpected(malformed("header value length"));
        auto len = read_be(h, i, 2);
        i += 2;
        if (!need(len)) return std::unexpected(malformed("header value"));
        value = h.substr(i, len);
        i += len;
        break;
      }
      case 9: {
        if (!need(16)) return std::unexpected(malformed("uuid header"));
        static constexpr char digits[] = "0123456789abcdef";
        for (std::size_t k = 0; k < 16; ++k) {
          auto c = static_cast<unsigned char>(h[i + k]);
          value.push_back(digits[c >> 4]);
          value.push_back(digits[c & 15]);
        }
        i += 16;
        break;
      }
      default:
        return std::unexpected(malformed(fmt::format("header value type {}", type)));
    }
    m.headers.emplace_back(std::move(name), std::move(value));
  }
  return {};
}

}  // namespace

std::string_view EventMessage::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k == name) return v;
  return {};
}

std::uint32_t crc32(std::string_view data, std::uint32_t crc) {
  crc = ~crc;
  for (char ch : data) crc = kCrcTable[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

Result<void> EventStreamDecoder::feed(std::string_view bytes, std::vector<EventMessage>& out) {
  buffer_.append(bytes);
  std::size_t at = 0;
  Result<void> status;
  while (buffer_.size() - at >= kPrelude) {
    std::string_view rest = std::string_view(buffer_).substr(at);
    auto total = static_cast<std::uint32_t>(read_be(rest, 0, 4));
    auto headers_len = static_cast<std::uint32_t>(read_be(rest, 4, 4));
    // The prelude is checked as soon as it is whole, so a corrupt length is not waited on.
    if (!prelude_checked_) {
      if (crc32(rest.substr(0, 8)) != read_be(rest, 8, 4)) {
        status = std::unexpected(malformed("prelude CRC mismatch"));
        break;
      }
      if (total < kMinMessage || total > kMaxMessage || headers_len > total - kMinMessage) {
        status =
            std::unexpected(malformed(fmt::format("message length {} with headers {}", total, headers_len)));
        break;
      }
      prelude_checked_ = true;
    }
    if (rest.size() < total) break;
    if (crc32(rest.substr(0, total - 4)) != read_be(rest, total - 4, 4)) {
      status = std::unexpected(malformed("message CRC mismatch"));
      break;
    }
    EventMessage m;
    if (auto r = parse_headers(rest.substr(kPrelude, headers_len), m); !r) {
      status = r;
      break;
    }
    m.payload = rest.substr(kPrelude + headers_len, total - kMinMessage - headers_len);
    out.push_back(std::move(m));
    at += total;
    prelude_checked_ = false;
  }
  buffer_.erase(0, at);
  if (!status) buffer_.clear();
  return status;
}

std::string encode_event(const EventMessage& message) {
  std::string headers;
  for (const auto& [k, v] : message.headers) {
    headers.push_back(static_cast<char>(k.size()));
    headers.append(k);
    headers.push_back(7);
    write_be(headers, v.size(), 2);
    headers.append(v);
  }
  std::string out;
  write_be(out, kMinMessage + headers.size() + message.payload.size(), 4);
  write_be(out, headers.size(), 4);
  write_be(out, crc32(out), 4);
  out.append(headers).append(message.payload);
  write_be(out, crc32(out), 4);
  return out;
}

}  // namespace modelmux::aws
