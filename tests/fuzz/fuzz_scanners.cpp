// The byte scanners (OpenAI and Anthropic requests and replies) on arbitrary bytes: never crash or read past
// the body, and whatever a scan accepts must be valid JSON that the tree decoder accepts too, decoded to the
// same fields. The first byte picks the scanner.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>

#include "wire/anthropic/messages_json.hpp"
#include "wire/anthropic/messages_reply_scan.hpp"
#include "wire/anthropic/messages_request_scan.hpp"
#include "wire/openai/chat_json.hpp"
#include "wire/openai/chat_reply_scan.hpp"
#include "wire/openai/chat_request_scan.hpp"

using namespace modelmux;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

void same_messages(const std::vector<Message>& a, const std::vector<Message>& b) {
  check(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    check(a[i].role == b[i].role && a[i].name == b[i].name && a[i].reasoning == b[i].reasoning);
    check(a[i].tool_calls.empty() && b[i].tool_calls.empty());
    check(a[i].content.size() == b[i].content.size());
    for (std::size_t k = 0; k < a[i].content.size(); ++k)
      check(a[i].content[k].kind == b[i].content[k].kind && a[i].content[k].text == b[i].content[k].text);
  }
}

// Bit for bit (a double compared with == would need a coverage hook GCC emits and libFuzzer lacks).
bool same_number(const std::optional<double>& a, const std::optional<double>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || std::memcmp(&*a, &*b, sizeof(double)) == 0;
}

void same_request(const ChatRequest& a, const ChatRequest& b) {
  check(a.model == b.model && a.stream == b.stream && a.include_usage == b.include_usage);
  check(a.max_tokens == b.max_tokens && same_number(a.temperature, b.temperature) &&
        same_number(a.top_p, b.top_p));
  check(a.seed == b.seed && a.stop == b.stop && a.user == b.user && b.tools.empty());
  same_messages(a.messages, b.messages);
}

void same_response(const ChatResponse& a, const ChatResponse& b) {
  check(a.id == b.id && a.model == b.model && a.created == b.created && a.finish_reason == b.finish_reason);
  same_messages({a.message}, {b.message});
  check(a.usage.has_value() == b.usage.has_value());
  if (a.usage)
    check(a.usage->input_tokens == b.usage->input_tokens &&
          a.usage->output_tokens == b.usage->output_tokens &&
          a.usage->cached_input_tokens == b.usage->cached_input_tokens &&
          a.usage->cache_write_input_tokens == b.usage->cache_write_input_tokens &&
          a.usage->reasoning_tokens == b.usage->reasoning_tokens);
}

// What the tree decoders see: the body parsed as boost::json does (or nothing when it is not an object).
const boost::json::object* tree(std::string_view body, boost::json::value& v) {
  boost::system::error_code ec;
  v = boost::json::parse(body, ec);
  return !ec && v.is_object() ? &v.get_object() : nullptr;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  // An exactly sized copy, so that ASan notices a read past the body.
  auto copy = std::make_unique<char[]>(size - 1 + 1);
  std::memcpy(copy.get(), data + 1, size - 1);
  std::string_view body(copy.get(), size - 1);
  boost::json::value v;
  switch (data[0] % 4) {
    case 0: {
      ChatRequest fast;
      if (!openai::scan_chat_request(body, fast)) return 0;
      auto* o = tree(body, v);
      check(o != nullptr);
      auto slow = openai::decode_chat_request(*o);
      check(slow.has_value());
      same_request(fast, *slow);
      break;
    }
    case 1: {
      ChatRequest fast;
      if (!anthropic::scan_request(body, fast)) return 0;
      auto* o = tree(body, v);
      check(o != nullptr);
      auto slow = anthropic::decode_request(*o);
      check(slow.has_value());
      same_request(fast, *slow);
      break;
    }
    case 2: {
      ChatResponse fast;
      if (!openai::scan_chat_response(body, fast)) return 0;
      auto* o = tree(body, v);
      check(o != nullptr);
      auto slow = openai::decode_chat_response(*o);
      check(slow.has_value());
      same_response(fast, *slow);
      break;
    }
    default: {
      ChatResponse fast;
      if (!anthropic::scan_reply(body, fast)) return 0;
      auto* o = tree(body, v);
      check(o != nullptr);
      auto slow = anthropic::decode_reply(*o, ChatRequest{});
      check(slow.has_value());
      same_response(fast, *slow);
    }
  }
  return 0;
}
