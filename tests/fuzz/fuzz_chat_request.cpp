// Request decoding on arbitrary bytes: never crash, and whatever decodes must re-encode and decode again.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "wire/openai/chat_json.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  auto v = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec || !v.is_object()) return 0;
  auto req = modelmux::openai::decode_chat_request(v.get_object());
  if (!req) {
    if (req.error().message.empty()) std::abort();
    return 0;
  }
  auto again = modelmux::openai::decode_chat_request(modelmux::openai::encode_chat_request(*req, req->model));
  if (!again || again->messages.size() != req->messages.size()) std::abort();
  return 0;
}
