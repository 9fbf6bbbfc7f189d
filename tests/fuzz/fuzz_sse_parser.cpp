// The SSE parser fed arbitrary bytes split at arbitrary points must produce the same events as when fed
// in one piece, and never crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "wire/sse/sse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  std::size_t split = data[0] % (size);
  std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto collect = [&](std::vector<std::string_view> pieces) {
    std::vector<std::string> out;
    modelmux::wire::SseParser p(1 << 20);
    for (auto piece : pieces)
      p.feed(piece,
             [&](const modelmux::wire::SseEvent& e) { out.push_back(e.event + "|" + e.data + "|" + e.id); });
    p.finish([&](const modelmux::wire::SseEvent& e) { out.push_back(e.event + "|" + e.data + "|" + e.id); });
    return out;
  };
  split = std::min(split, input.size());
  auto whole = collect({input});
  auto parts = collect({input.substr(0, split), input.substr(split)});
  if (whole != parts) std::abort();
  return 0;
}
