// The common OpenAI chat reply decoded from its bytes (chat_reply_scan.hpp). Every rule here is one of
// JSON's or one of decode_chat_response's; where following one exactly would take real work, the scan gives
// up and the tree decides.
#include "wire/openai/chat_reply_scan.hpp"

#include <cstdint>
#include <string>

#include "core/json_reader.hpp"
#include "wire/openai/chat_json.hpp"

namespace modelmux::openai {
namespace {

using json_scan::members;
using json_scan::Once;
using json_scan::Reader;
using json_scan::skip_string_or_null;

bool string_or_null(Reader& in, std::string& out) {
  return in.null() || in.string(out);
}

bool message(Reader& in, Message& m) {
  Once once;
  return members(in, [&](std::string_view k) {
    if (k == "role") return once(1) && skip_string_or_null(in);  // (the tree's decoder sets assistant)
    if (k == "content") {
      if (!once(2)) return false;
      if (in.null()) return true;
      auto& part = m.content.emplace_back();
      part.kind = ContentPart::Kind::text;
      return in.string(part.text);
    }
    if (k == "refusal") return once(4) && in.null();
    if (k == "annotations") return once(8) && in.take('[') && in.take(']');
    return false;  // tool_calls, reasoning, audio, ...: the tree's
  });
}

bool choice(Reader& in, ChatResponse& r) {
  Once once;
  std::string finish;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "index") {
      std::int64_t unused = 0;
      return once(1) && in.count(unused);
    }
    if (k == "message") return once(2) && message(in, r.message);
    if (k == "logprobs") return once(4) && in.null();
    if (k == "finish_reason") return once(8) && string_or_null(in, finish);
    return false;
  });
  if (!ok || !once.has(2)) return false;  // (no message: the tree's error)
  r.finish_reason = finish_reason_from_string(finish);
  return true;
}

// A details object of counts; the one named `wanted` is kept (each other count is read, not kept).
bool details(Reader& in, std::string_view wanted, std::int64_t& out) {
  bool seen = false;
  return members(in, [&](std::string_view k) {
    std::int64_t n = 0;
    if (!in.count(n)) return false;
    if (k != wanted) return true;
    if (seen) return false;
    seen = true;
    out = n;
    return true;
  });
}

bool usage(Reader& in, Usage& u) {
  Once once;
  std::int64_t unused = 0;
  return members(in, [&](std::string_view k) {
    if (k == "prompt_tokens") return once(1) && in.count(u.input_tokens);
    if (k == "completion_tokens") return once(2) && in.count(u.output_tokens);
    if (k == "total_tokens") return once(4) && in.count(unused);
    if (k == "prompt_tokens_details") return once(8) && details(in, "cached_tokens", u.cached_input_tokens);
    if (k == "completion_tokens_details")
      return once(16) && details(in, "reasoning_tokens", u.reasoning_tokens);
    return false;
  });
}

}  // namespace

bool scan_chat_response(std::string_view body, ChatResponse& out) {
  Reader in(body);
  Once once;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "id") return once(1) && in.string(out.id);
    if (k == "object" || k == "system_fingerprint" || k == "service_tier")
      return once(k == "object" ? 2 : k == "service_tier" ? 4 : 8) && skip_string_or_null(in);
    if (k == "created") return once(16) && in.count(out.created);
    if (k == "model") return once(32) && in.string(out.model);
    if (k == "choices") {
      // Exactly one choice (the tree's decoder reads the first; a second is left to it).
      return once(64) && in.take('[') && choice(in, out) && in.take(']');
    }
    if (k == "usage") return once(128) && usage(in, out.usage.emplace());
    return false;
  });
  out.message.role = Role::assistant;
  return ok && in.at_end() && once.has(64);
}

}  // namespace modelmux::openai
