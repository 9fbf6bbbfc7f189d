// The common Anthropic Messages reply decoded from its bytes (messages_reply_scan.hpp). Every rule here is
// one of JSON's or one of decode_reply's; where following one exactly would take real work, the scan gives
// up and the tree decides.
#include "wire/anthropic/messages_reply_scan.hpp"

#include <cstdint>
#include <string>

#include "core/json_reader.hpp"
#include "wire/anthropic/messages_json.hpp"

namespace modelmux::anthropic {
namespace {

using json_scan::members;
using json_scan::Once;
using json_scan::Reader;
using json_scan::skip_string_or_null;

// One text block, its text appended to `text`.
bool text_block(Reader& in, std::string& text) {
  Once once;
  std::string type;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "type") return once(1) && in.string(type);
    if (k == "text") return once(2) && in.string(text);
    if (k == "citations") return once(4) && in.null();
    return false;
  });
  return ok && type == "text" && once.has(2);
}

bool content(Reader& in, std::string& text) {
  if (!in.take('[')) return false;
  if (in.take(']')) return true;
  do {
    if (!text_block(in, text)) return false;
  } while (in.take(','));
  return in.take(']');
}

// An object whose members are all counts, none kept (usage.cache_creation's breakdown by lifetime).
bool counts(Reader& in) {
  return members(in, [&](std::string_view) {
    std::int64_t unused = 0;
    return in.count(unused);
  });
}

bool usage(Reader& in, Usage& u) {
  Once once;
  std::int64_t input = 0;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "input_tokens") return once(1) && in.count(input);
    if (k == "output_tokens") return once(2) && in.count(u.output_tokens);
    if (k == "cache_read_input_tokens") return once(4) && (in.null() || in.count(u.cached_input_tokens));
    if (k == "cache_creation_input_tokens")
      return once(8) && (in.null() || in.count(u.cache_write_input_tokens));
    if (k == "service_tier") return once(16) && skip_string_or_null(in);
    if (k == "cache_creation") return once(32) && (in.null() || counts(in));
    return false;  // server_tool_use and the like: the tree's
  });
  // (as usage_of: input_tokens counts only what was neither read from nor written to the cache)
  u.input_tokens = input + u.cached_input_tokens + u.cache_write_input_tokens;
  return ok;
}

}  // namespace

bool scan_reply(std::string_view body, ChatResponse& out) {
  Reader in(body);
  Once once;
  std::string text, stop;
  bool ok = members(in, [&](std::string_view k) {
    if (k == "id") return once(1) && in.string(out.id);
    if (k == "type") return once(2) && skip_string_or_null(in);
    if (k == "role") return once(4) && skip_string_or_null(in);
    if (k == "model") return once(8) && in.string(out.model);
    if (k == "content") return once(16) && content(in, text);
    if (k == "stop_reason") return once(32) && (in.null() || in.string(stop));
    if (k == "stop_sequence") return once(64) && skip_string_or_null(in);
    if (k == "usage") return once(128) && usage(in, out.usage.emplace());
    return false;
  });
  if (!ok || !in.at_end() || !once.has(16)) return false;  // (no content: the tree's error)
  out.message.role = Role::assistant;
  out.message.content.push_back({ContentPart::Kind::text, std::move(text), {}, {}, {}});
  out.finish_reason = finish_reason(stop);
  return true;
}

}  // namespace modelmux::anthropic
