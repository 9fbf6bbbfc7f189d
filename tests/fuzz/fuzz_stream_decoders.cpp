// Every provider's stream decoder (the first byte picks one; after the registry's, sagemaker's TGI variant)
// on arbitrary bytes, split at an arbitrary point (the second byte): never crash, and produce the same events
// (or the same failure) as when fed in one piece.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "providers/provider.hpp"
#include "providers/sagemaker/sagemaker_provider.hpp"

namespace {

std::string run(const modelmux::providers::Provider& provider, std::string_view a, std::string_view b) {
  modelmux::ChatRequest req;
  auto decoder = provider.stream_decoder(req);
  std::vector<modelmux::StreamEvent> events;
  auto r = decoder->feed(a, events);
  if (r) r = decoder->feed(b, events);
  if (r) r = decoder->finish(events);
  std::string out;
  for (const auto& ev : events) {
    out.push_back(static_cast<char>('0' + static_cast<int>(ev.kind)));
    out.append(ev.text).append(ev.tool_arguments).append(ev.tool_name).push_back('|');
  }
  out.append(r ? "ok" : "error");
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  auto names = modelmux::providers::names();
  std::size_t pick = data[0] % (names.size() + 1);
  const auto& provider = pick < names.size() ? *modelmux::providers::find(names[pick])
                                             : modelmux::providers::sagemaker_tgi_provider();
  std::string_view input(reinterpret_cast<const char*>(data) + 2, size - 2);
  std::size_t split = std::min<std::size_t>(data[1], input.size());
  if (run(provider, input, {}) != run(provider, input.substr(0, split), input.substr(split))) std::abort();
  return 0;
}
